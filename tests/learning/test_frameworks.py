"""Competency frameworks: CASE import and export, the shipped default, versions, pages and who may do what."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from typer.testing import CliRunner

from tests.learning.conftest import client_for, snapshot
from trellis.cli import app
from trellis.core.models import AuditEvent
from trellis.learning.models import Competency, Framework, FrameworkAssociation
from trellis.learning.services import (
    FrameworkRefused,
    competency_update,
    framework_default,
    framework_import,
    framework_new_version,
    framework_package,
    framework_publish,
)

FIXTURES = Path(__file__).parents[1] / "interop" / "fixtures" / "case"
SAMPLE = FIXTURES / "opensalt-what-standards-could-be.json"
ACT = FIXTURES / "opensalt-act-holistic-math.json"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("opensalt-*.json")), ids=lambda p: p.name)
def test_opensalt_packages_import_and_export_unchanged(db, path):
    result = framework_import(actor=None, data=path.read_bytes(), source_name=path.name)
    assert result.created
    assert framework_package(Framework.objects.get(pk=result.framework.pk)) == json.loads(path.read_text("utf-8"))


def test_import_builds_the_tree_and_keeps_every_association(db):
    framework = framework_import(actor=None, data=SAMPLE.read_bytes(), source_name=SAMPLE.name).framework
    assert framework.title == "What Standards Could Be" and framework.creator == "Brandon Dorman"
    assert framework.competencies.count() == 16 and framework.associations.count() == 39
    cluster = framework.competencies.get(human_coding_scheme="CCSS.Math.Content.6.RP.A")
    assert cluster.item_type == "Cluster" and cluster.language == "en" and cluster.parent is None
    assert sorted(cluster.children.values_list("human_coding_scheme", flat=True)) == [
        "CCSS.Math.Content.6.RP.A.1", "CCSS.Math.Content.6.RP.A.2", "CCSS.Math.Content.6.RP.A.3"]
    assert AuditEvent.objects.filter(action="framework.import", object_id=str(framework.pk)).count() == 1


def test_importing_the_same_package_twice_changes_nothing(db):
    framework_import(actor=None, data=ACT.read_bytes(), source_name=ACT.name)
    before = snapshot()
    again = framework_import(actor=None, data=ACT.read_bytes(), source_name=ACT.name)
    assert not again.created and snapshot() == before


def test_a_changed_package_under_a_known_identifier_is_refused(db):
    framework_import(actor=None, data=ACT.read_bytes(), source_name=ACT.name)
    changed = json.loads(ACT.read_text("utf-8"))
    changed["CFItems"][0]["fullStatement"] = "Something else"
    before = snapshot()
    with pytest.raises(FrameworkRefused, match="A published framework never changes"):
        framework_import(actor=None, data=json.dumps(changed).encode(), source_name="act-changed.json")
    assert snapshot() == before


def test_a_bad_package_writes_nothing(db):
    broken = json.loads(ACT.read_text("utf-8"))
    broken["CFAssociations"][-1]["originNodeURI"]["identifier"] = "0e3b8a8c-1111-4222-8333-444455556666"
    before = snapshot()
    with pytest.raises(FrameworkRefused, match=r"\$\.CFAssociations\[27\]\.originNodeURI\.identifier"):
        framework_import(actor=None, data=json.dumps(broken).encode(), source_name="act.json")
    assert snapshot() == before


def test_the_default_is_the_unesco_framework_loaded_once(db):
    framework = framework_default()
    assert framework_default() == framework and Framework.objects.filter(is_default=True).count() == 1
    assert framework.is_published and framework.owner is None and "UNESCO" in framework.document["notes"]
    assert framework.competencies.filter(item_type="Aspect").count() == 5
    assert framework.competencies.filter(item_type="Competency").count() == 15
    assert framework.rubrics[0]["title"] == "Progression levels"


def test_a_new_version_is_a_draft_with_new_identifiers_that_publishes_once(db, state_lead, teacher):
    default = framework_default()
    draft = framework_new_version(actor=state_lead.user, framework=default, version="2027")
    assert draft.status == Framework.Status.DRAFT and draft.previous_version == default
    assert draft.owner.kind == "state" and draft.version == "2027"
    old_ids = set(default.competencies.values_list("identifier", flat=True))
    assert not old_ids & set(draft.competencies.values_list("identifier", flat=True))
    assert draft.competencies.filter(parent__isnull=False).count() == 15
    item = draft.competencies.get(human_coding_scheme="AI-CFT.2.2")
    with pytest.raises(PermissionDenied):
        competency_update(actor=teacher.user, competency=item, full_statement="x", abbreviated_statement="",
                          human_coding_scheme="")
    competency_update(actor=state_lead.user, competency=item, full_statement="Uses AI tools safely.",
                      abbreviated_statement="Safe use", human_coding_scheme="AI-CFT.2.2")
    item.refresh_from_db()
    assert item.raw["fullStatement"] == "Uses AI tools safely." and item.raw["abbreviatedStatement"] == "Safe use"
    framework_publish(actor=state_lead.user, framework=draft)
    draft.refresh_from_db()
    before = snapshot()
    with pytest.raises(PermissionDenied, match="never changes"):
        competency_update(actor=state_lead.user, competency=item, full_statement="Changed after publishing",
                          abbreviated_statement="", human_coding_scheme="")
    with pytest.raises(PermissionDenied):
        framework_publish(actor=state_lead.user, framework=draft)
    assert snapshot() == before
    # The original is untouched by all of it.
    assert framework_package(default) == json.loads(
        (Path(__file__).parents[2] / "trellis/learning/data/unesco-ai-cft-2024.case.json").read_text("utf-8"))


def test_only_leads_add_frameworks(db, teacher, school_leader, regional_coach):
    framework_default()
    before = snapshot()
    for person in (teacher, school_leader, regional_coach):
        with pytest.raises(PermissionDenied):
            framework_import(actor=person.user, data=ACT.read_bytes(), source_name=ACT.name)
        with pytest.raises(PermissionDenied):
            framework_new_version(actor=person.user, framework=framework_default(), version="x")
    assert snapshot() == before


def test_cli_imports_prints_identifier_title_counts_and_exports(db, tmp_path, tree):
    runner = CliRunner()
    result = runner.invoke(app, ["import", "case", str(ACT)])
    assert result.exit_code == 0, result.output
    assert "Identifier: a33fc64e-5c40-11e7-82c4-3d54268aa9ee" in result.output
    assert "Title: ACT Holistic Framework, Math" in result.output
    assert "items" in result.output and "28" in result.output
    framework = Framework.objects.get(identifier="a33fc64e-5c40-11e7-82c4-3d54268aa9ee")
    assert framework.owner == tree.state
    out = tmp_path / "act.json"
    result = runner.invoke(app, ["export", "case", framework.identifier, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8")) == json.loads(ACT.read_text("utf-8"))
    unesco = tmp_path / "unesco.json"
    assert runner.invoke(app, ["export", "case", framework_default().identifier, "--out", str(unesco)]).exit_code == 0
    assert len(json.loads(unesco.read_text("utf-8"))["CFItems"]) == 20


def test_cli_refuses_a_bad_package_and_writes_nothing(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"CFDocument": {"identifier": "12", "title": "T"}}')
    before = snapshot()
    result = CliRunner().invoke(app, ["import", "case", str(bad)])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.output and "$.CFDocument.identifier" in result.output
    assert snapshot() == before


# Pages ---------------------------------------------------------------------------------------

def test_everyone_signed_in_sees_the_default_and_their_own_frameworks(state_lead, district_lead, teacher, outsider):
    district = framework_import(actor=district_lead.user, data=ACT.read_bytes(), source_name=ACT.name).framework
    assert district.owner.name == "Cedar Valley Unified"
    for person, sees_district in ((state_lead, True), (district_lead, True), (teacher, True), (outsider, False)):
        response = client_for(person).get(reverse("framework-list"))
        titles = [f.title for f in response.context["frameworks"]]
        assert "AI competency framework for teachers" in titles
        assert ("ACT Holistic Framework, Math" in titles) is sees_district
        detail = client_for(person).get(reverse("framework-detail", args=[district.identifier]))
        assert detail.status_code == (200 if sees_district else 404)
        export = client_for(person).get(reverse("framework-export", args=[district.identifier]))
        assert export.status_code == (200 if sees_district else 404)


def test_framework_page_shows_the_tree(teacher):
    default = framework_default()
    response = client_for(teacher).get(reverse("framework-detail", args=[default.identifier]))
    page = response.content.decode()
    assert response.status_code == 200
    assert [node.competency.abbreviated_statement for node in response.context["tree"]] == [
        "Human-centred mindset", "Ethics of AI", "AI foundations and applications", "AI pedagogy",
        "AI for professional development"]
    assert "Co-creating ethical rules" in page and "Start a new version" not in page


def test_export_downloads_the_package(teacher):
    default = framework_default()
    response = client_for(teacher).get(reverse("framework-export", args=[default.identifier]))
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == framework_package(default)


def test_state_lead_imports_in_the_browser_form(state_lead):
    client = client_for(state_lead)
    with ACT.open("rb") as handle:
        response = client.post(reverse("framework-import"), {"package": handle})
    framework = Framework.objects.get(identifier="a33fc64e-5c40-11e7-82c4-3d54268aa9ee")
    assert response.status_code == 302 and response["Location"] == reverse("framework-detail",
                                                                            args=[framework.identifier])


def test_a_refused_upload_names_the_path_and_changes_nothing(district_lead, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"CFDocument": {"identifier": "a33fc64e-5c40-11e7-82c4-3d54268aa9ee"}}')
    before = snapshot()
    with bad.open("rb") as handle:
        response = client_for(district_lead).post(reverse("framework-import"), {"package": handle})
    assert response.status_code == 400
    assert "bad.json: $.CFDocument.title: missing" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "state_analyst"])
def test_import_page_is_denied_to_other_roles(db, request, role, tmp_path):
    person = request.getfixturevalue(role)
    client = client_for(person)
    assert client.get(reverse("framework-import")).status_code == 403
    before = snapshot()
    with ACT.open("rb") as handle:
        assert client.post(reverse("framework-import"), {"package": handle}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "state_analyst"])
def test_new_version_publish_and_edit_are_denied_to_others(request, role, state_lead):
    draft = framework_new_version(actor=state_lead.user, framework=framework_default(), version="2027")
    item = draft.competencies.first()
    client = client_for(request.getfixturevalue(role))
    before = snapshot()
    # Everyone in the state sees the state's draft, but only a lead may change it.
    assert client.get(reverse("competency-edit", args=[draft.identifier, item.pk])).status_code == 403
    assert client.post(reverse("competency-edit", args=[draft.identifier, item.pk]),
                       {"full_statement": "x"}).status_code == 403
    assert client.post(reverse("framework-publish", args=[draft.identifier])).status_code == 403
    assert client.post(reverse("framework-new-version", args=[framework_default().identifier]),
                       {"version": "x"}).status_code == 403
    assert snapshot() == before


def test_the_outsider_does_not_see_another_districts_draft(district_lead, outsider):
    draft = framework_new_version(actor=district_lead.user, framework=framework_default(), version="local")
    client = client_for(outsider)
    assert client.get(reverse("framework-detail", args=[draft.identifier])).status_code == 404
    assert client.post(reverse("framework-publish", args=[draft.identifier])).status_code == 404
    item = draft.competencies.first()
    assert client.post(reverse("competency-edit", args=[draft.identifier, item.pk]),
                       {"full_statement": "x"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Framework.Status.DRAFT


def test_lead_edits_and_publishes_a_draft_in_the_browser(state_lead):
    client = client_for(state_lead)
    response = client.post(reverse("framework-new-version", args=[framework_default().identifier]),
                           {"version": "2027"})
    draft = Framework.objects.get(version="2027")
    assert response["Location"] == reverse("framework-detail", args=[draft.identifier])
    item = draft.competencies.get(human_coding_scheme="AI-CFT.1.1")
    edit = reverse("competency-edit", args=[draft.identifier, item.pk])
    response = client.post(edit, {"full_statement": "", "abbreviated_statement": "Kept", "human_coding_scheme": "A"})
    assert response.status_code == 200 and 'value="Kept"' in response.content.decode()
    client.post(edit, {"full_statement": "New words", "abbreviated_statement": "Agency", "human_coding_scheme": "A"})
    item.refresh_from_db()
    assert item.full_statement == "New words"
    client.post(reverse("framework-publish", args=[draft.identifier]))
    draft.refresh_from_db()
    assert draft.is_published
    assert client.get(edit).status_code == 403


def test_default_framework_cannot_change(state_lead):
    default = framework_default()
    item = default.competencies.first()
    assert Competency.objects.count() == 20 and FrameworkAssociation.objects.count() == 20
    assert client_for(state_lead).get(reverse("competency-edit", args=[default.identifier, item.pk])).status_code == 403
