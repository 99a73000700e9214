"""xAPI imports: matching actors to staff, unplaced events, all or nothing, the pages and who may use them."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from typer.testing import CliRunner

from tests.factories import PersonFactory, UserFactory
from tests.interop.test_xapi import MOODLE_VERBS, moodle_statements, statement, write_json, write_lines
from tests.learning.conftest import client_for
from trellis.cli import app
from trellis.core.models import AuditEvent, Job
from trellis.engine.synth.xapi import staff_email, write_xapi_statements
from trellis.interop.xapi import actor_key_for_account, actor_key_for_email
from trellis.learning.models import LearningActor, XapiImport
from trellis.learning.selectors import xapi_store
from trellis.learning.services import XapiRefused, xapi_import, xapi_place_again
from trellis.orgs.models import Membership


def records() -> dict:
    return {
        "imports": list(XapiImport.objects.values_list("pk", "new")),
        "actors": list(LearningActor.objects.order_by("key").values_list("key", "person")),
        "files": sorted(p.name for p in xapi_store().glob("*.parquet")),
        "audit": AuditEvent.objects.count(),
    }


def test_moodle_accounts_are_matched_by_sourced_id_and_the_rest_stay_unplaced(tmp_path, tree, teacher):
    teacher.sourced_id = "1"
    teacher.save()
    record = xapi_import(actor=None, source=write_json(tmp_path / "moodle.json", moodle_statements()),
                         source_name="moodle.json", scope=None)
    assert record.per_verb == MOODLE_VERBS and record.new == 13
    assert (record.unplaced_actors, record.unplaced_statements) == (1, 3)
    assert LearningActor.objects.get(account_name="1").person == teacher
    assert LearningActor.objects.get(account_name="2").person is None


def test_unplaced_actors_are_placed_once_the_person_is_rostered(tmp_path, tree, district_lead):
    source = write_lines(tmp_path / "a.jsonl", [statement(1, email="new.teacher@cedar.example.org"),
                                                statement(2, "attended", email="new.teacher@cedar.example.org")])
    first = xapi_import(actor=district_lead.user, source=source, source_name="a.jsonl", scope=tree.district)
    assert first.unplaced_statements == 2
    newcomer = PersonFactory(user=UserFactory(username="new.teacher"), email="New.Teacher@cedar.example.org")
    Membership.objects.create(person=newcomer, organization=tree.school, role="teacher")
    later = xapi_import(actor=district_lead.user, source=write_lines(tmp_path / "b.jsonl", [statement(3)]),
                        source_name="b.jsonl", scope=tree.district)
    assert later.unplaced_statements == 1  # statement 3 is Ada's, who is not on the roster
    assert LearningActor.objects.get(person=newcomer).scope == tree.district
    assert xapi_place_again(actor=district_lead.user, scope=tree.district) == 0


def test_an_account_matching_two_people_is_never_guessed(tmp_path, tree):
    one = PersonFactory(user=UserFactory(username="t-200"), sourced_id=None)
    two = PersonFactory(user=UserFactory(username="someone"), sourced_id="t-200")
    for person in (one, two):
        Membership.objects.create(person=person, organization=tree.school, role="teacher")
    by_account = statement(1)
    by_account["actor"] = {"account": {"homePage": "https://lms.example.org", "name": "t-200"}}
    xapi_import(actor=None, source=write_lines(tmp_path / "a.jsonl", [by_account]), source_name="a", scope=None)
    # The roster's sourcedId wins over a username; only when neither is unique does it stay unplaced.
    assert LearningActor.objects.get().person == two
    same_email = [PersonFactory(email="shared@cedar.example.org") for _ in range(2)]
    for person in same_email:
        Membership.objects.create(person=person, organization=tree.school, role="teacher")
    record = xapi_import(actor=None, source=write_lines(tmp_path / "b.jsonl", [
        statement(2, email="shared@cedar.example.org")]), source_name="b", scope=None)
    assert record.unplaced_statements == 1


def test_hundreds_of_actors_are_each_stored_once_with_their_person_or_unplaced(tmp_path, tree):
    # More actors than one INSERT statement holds, so the rows go in several statements of a batch.
    staff = 600
    rostered = {staff_email(i): PersonFactory(user=UserFactory(username=f"u{i}"), email=staff_email(i),
                                              sourced_id=f"staff-{i}") for i in range(staff)}
    source = write_xapi_statements(tmp_path / "year.jsonl", statements=4000, staff=staff)
    actors: dict[tuple[str, str], int] = {}  # (email or account name, key) → statements, read in Python
    for line in source.read_text().splitlines():
        actor = json.loads(line)["actor"]
        if "mbox" in actor:
            email = actor["mbox"].removeprefix("mailto:")
            who = (email, actor_key_for_email(email))
        else:
            account = actor["account"]
            who = (account["name"], actor_key_for_account(account["homePage"], account["name"]))
        actors[who] = actors.get(who, 0) + 1
    by_account = {person.sourced_id: person for person in rostered.values()}
    expected = {key: (rostered.get(name) or by_account.get(name)) for name, key in actors}
    record = xapi_import(actor=None, source=source, source_name="year.jsonl", scope=None)
    stored = dict(LearningActor.objects.values_list("key", "person"))
    assert stored == {key: person.pk if person else None for key, person in expected.items()}
    unplaced = {(name, key): n for (name, key), n in actors.items() if expected[key] is None}
    assert len(unplaced) > 0 and len(stored) > 500
    assert (record.unplaced_actors, record.unplaced_statements) == (len(unplaced), sum(unplaced.values()))


def test_a_district_import_places_only_its_own_staff(tmp_path, tree, district_lead, outsider):
    source = write_lines(tmp_path / "a.jsonl", [statement(1, email=outsider.email)])
    record = xapi_import(actor=district_lead.user, source=source, source_name="a.jsonl", scope=tree.district)
    assert record.unplaced_statements == 1 and LearningActor.objects.get().person is None


def test_the_same_file_twice_changes_nothing(tmp_path, tree):
    source = write_json(tmp_path / "moodle.json", moodle_statements())
    xapi_import(actor=None, source=source, source_name="moodle.json", scope=None)
    before = records()
    again = xapi_import(actor=None, source=source, source_name="moodle.json", scope=None)
    assert (again.pk, again.new, again.duplicates) == (None, 0, 13)
    assert records() == before


def test_a_malformed_file_is_refused_and_changes_nothing(tmp_path, tree):
    xapi_import(actor=None, source=write_lines(tmp_path / "a.jsonl", [statement(1)]), source_name="a", scope=None)
    before = records()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(statement(2)) + "\n" + '{"actor": {"mbox": "mailto:x@y.org"}, "verb": {"id": "v"}}\n')
    with pytest.raises(XapiRefused, match="bad.jsonl: line 2: has no object id"):
        xapi_import(actor=None, source=bad, source_name="bad.jsonl", scope=None)
    assert records() == before


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "outsider"])
def test_only_a_lead_over_the_scope_imports(request, tmp_path, tree, role):
    person = request.getfixturevalue(role)
    before = records()
    with pytest.raises(PermissionDenied):
        xapi_import(actor=person.user, source=write_lines(tmp_path / "a.jsonl", [statement(1)]), source_name="a",
                    scope=tree.district)
    with pytest.raises(PermissionDenied):
        xapi_place_again(actor=person.user, scope=tree.district)
    assert records() == before


def test_cli_prints_counts_per_verb_and_unplaced(tmp_path, tree):
    source = write_json(tmp_path / "moodle.json", moodle_statements())
    result = CliRunner().invoke(app, ["import", "xapi", str(source)])
    assert result.exit_code == 0, result.output
    for verb, count in MOODLE_VERBS.items():
        assert f"verb: {verb}" in result.output
        assert any(line.count(f"verb: {verb}") and line.rstrip(" │").endswith(str(count))
                   for line in result.output.splitlines())
    assert "not placed (no matching staff member)" in result.output
    again = CliRunner().invoke(app, ["import", "xapi", str(source)])
    assert "Nothing changed" in again.output and XapiImport.objects.count() == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    refused = CliRunner().invoke(app, ["import", "xapi", str(bad)])
    assert refused.exit_code == 1 and "bad.jsonl: line 1: is not JSON" in refused.output


# Pages ---------------------------------------------------------------------------------------

def test_district_lead_uploads_statements_as_a_job(tmp_path, district_lead, teacher,
                                                   django_capture_on_commit_callbacks):
    source = write_lines(tmp_path / "lms.jsonl", [statement(1, email=teacher.email), statement(2, "attended")])
    client = client_for(district_lead)
    with source.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("xapi-imports"), {"statements": handle})
    job = Job.objects.get()
    job.refresh_from_db()
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED, job.error
    counts = job.result["counts"]
    assert counts["verb: completed"] == 1 and counts["not placed (no matching staff member)"] == 1
    page = client.get(reverse("xapi-imports"))
    assert [r.source_name for r in page.context["imports"]] == ["lms.jsonl"]


def test_teacher_sees_only_their_own_learning_record(tmp_path, tree, teacher, school_leader):
    xapi_import(actor=None, source=write_lines(tmp_path / "a.jsonl", [
        statement(1, email=teacher.email), statement(2, "attended", email=teacher.email),
        statement(3, email=school_leader.email)]), source_name="a", scope=None)
    mine = client_for(teacher).get(reverse("learning-record"))
    assert mine.context["record"].verb_counts == {"attended": 1, "completed": 1}
    assert {e["object_id"] for e in mine.context["record"].events} == {"https://lms.example.org/course/1",
                                                                       "https://lms.example.org/course/2"}
    theirs = client_for(school_leader).get(reverse("learning-record"))
    assert theirs.context["record"].verb_counts == {"completed": 1}


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach"])
def test_imports_page_is_denied_to_other_roles(db, request, tmp_path, role):
    client = client_for(request.getfixturevalue(role))
    before = records()
    assert client.get(reverse("xapi-imports")).status_code == 403
    source = write_lines(tmp_path / "a.jsonl", [statement(1)])
    with source.open("rb") as handle:
        assert client.post(reverse("xapi-imports"), {"statements": handle}).status_code == 403
    assert client.post(reverse("xapi-place")).status_code == 403
    assert records() == before and Job.objects.count() == 0


def test_state_analyst_reads_imports_but_cannot_start_one(tmp_path, state_analyst, district_lead, outsider):
    xapi_import(actor=district_lead.user, source=write_lines(tmp_path / "a.jsonl", [statement(1)]),
                source_name="a.jsonl", scope=district_lead.primary_organization)
    client = client_for(state_analyst)
    assert [r.source_name for r in client.get(reverse("xapi-imports")).context["imports"]] == ["a.jsonl"]
    before = records()
    with (tmp_path / "a.jsonl").open("rb") as handle:
        assert client.post(reverse("xapi-imports"), {"statements": handle}).status_code == 403
    assert records() == before
    # Another district's lead does not see this district's imports.
    assert list(client_for(outsider).get(reverse("xapi-imports")).context["imports"]) == []


@pytest.mark.parametrize("name", ["xapi-imports", "learning-record", "framework-list", "framework-import"])
def test_anonymous_is_sent_to_sign_in(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
