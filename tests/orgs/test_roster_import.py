"""The roster import service on a generated district: counts, scope, all-or-nothing, privacy."""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection

from tests.interop.conftest import set_cell
from trellis.core.models import AccessEvent, AuditEvent
from trellis.core.services import UserFacingError
from trellis.engine.synth.roster import generate_state
from trellis.orgs.models import Membership, Organization, Person
from trellis.orgs.roster import roster_import, roster_store_dir, tuning


@pytest.fixture(scope="session")
def small_roster(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("roster") / "small"
    generate_state("small", seed=7, out_dir=out)
    return out


def snapshot():
    return (
        sorted(Organization.objects.values_list("sourced_id", "name", "kind", "path", "enrollment",
                                                "econ_disadvantaged_share", "is_active")),
        sorted(Person.objects.values_list("sourced_id", "given_name", "family_name", "email", "is_active")),
        sorted(Membership.objects.values_list("person__sourced_id", "organization__sourced_id", "role")),
    )


def store_bytes() -> dict[str, bytes]:
    store = roster_store_dir()
    return {p.name: p.read_bytes() for p in sorted(store.glob("*.parquet"))} if store.exists() else {}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db(transaction=True)
def test_command_line_import_of_a_generated_district(small_roster):
    result = roster_import(actor=None, source=small_roster, scope=None)
    users = read_csv(small_roster / "users.csv")
    roles = read_csv(small_roster / "roles.csv")
    students = {r["userSourcedId"] for r in roles if r["role"] == "student"}
    staff = {u["sourcedId"] for u in users} - students
    orgs = read_csv(small_roster / "orgs.csv")
    assert Organization.objects.count() == len(orgs)
    assert Person.objects.count() == len(staff) == result.counts["staff"]
    state = Organization.objects.get(kind="state")
    assert state.enrollment == len(students)
    assert sum(Organization.objects.filter(kind="school").values_list("enrollment", flat=True)) == len(students)
    district = Organization.objects.get(kind="district")
    assert district.econ_disadvantaged_share is not None and 0 < district.econ_disadvantaged_share < 1
    assert Membership.objects.filter(role="district_lead", organization=district).exists()
    assert Membership.objects.filter(role="school_leader").count() >= Organization.objects.filter(kind="school").count()
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    access = AccessEvent.objects.get()
    assert (access.dataset, access.rows_read) == ("student roster", len(students))
    assert {p.name for p in roster_store_dir().iterdir()} == {"students.parquet", "classes.parquet",
                                                            "enrollments.parquet"}


@pytest.mark.django_db(transaction=True)
def test_reimporting_the_same_bulk_set_changes_nothing(small_roster):
    roster_import(actor=None, source=small_roster, scope=None)
    before, files = snapshot(), store_bytes()
    result = roster_import(actor=None, source=small_roster, scope=None)
    assert (result.created, result.updated) == ({}, {})
    assert snapshot() == before
    assert store_bytes() == files


@pytest.mark.django_db(transaction=True)
def test_no_student_identity_is_written_anywhere(small_roster):
    roster_import(actor=None, source=small_roster, scope=None)
    users = {u["sourcedId"]: u for u in read_csv(small_roster / "users.csv")}
    students = [users[r["userSourcedId"]] for r in read_csv(small_roster / "roles.csv") if r["role"] == "student"]
    demographics = read_csv(small_roster / "demographics.csv")
    secrets = set()
    for student in students:
        secrets.update(v for k, v in student.items()
                       if k in {"sourcedId", "username", "email", "password", "phone", "sms", "identifier"} and v)
        secrets.add(f"{student['givenName']} {student['familyName']}")
    secrets.update(d["birthDate"] for d in demographics if d.get("birthDate"))
    secrets = {s for s in secrets if len(s) >= 6}
    assert len(secrets) > 1000
    blobs = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            blobs.append("\n".join(repr(row) for row in cursor.fetchall()).encode())
    assert sum(len(b) for b in blobs) > 50_000  # the staff and organizations are there
    for path in Path(settings.TRELLIS_HOME).rglob("*"):
        if path.is_file():
            blobs.append(path.read_bytes())
    found = [s for s in secrets for blob in blobs if s.encode() in blob]
    assert found == []


@pytest.mark.django_db(transaction=True)
def test_a_bad_file_is_refused_and_changes_nothing(small_roster, tmp_path):
    roster_import(actor=None, source=small_roster, scope=None)
    before, files = snapshot(), store_bytes()
    broken = tmp_path / "broken"
    shutil.copytree(small_roster, broken)
    set_cell(broken / "enrollments.csv", 6, "classSourcedId", "no-such-class")
    with pytest.raises(UserFacingError) as refusal:
        roster_import(actor=None, source=broken, scope=None)
    assert "enrollments.csv" in str(refusal.value) and "row 6" in str(refusal.value)
    assert "classSourcedId" in str(refusal.value)
    assert snapshot() == before
    assert store_bytes() == files


@pytest.mark.django_db(transaction=True)
def test_district_lead_cannot_import_another_district(small_roster, outsider, tree):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        roster_import(actor=outsider.user, source=small_roster, scope=tree.district)
    with pytest.raises(UserFacingError) as refusal:
        roster_import(actor=outsider.user, source=small_roster, scope=tree.other_district)
    assert "outside Riverside City Schools" in str(refusal.value)
    assert snapshot() == before
    assert store_bytes() == {}


def cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_sqlite_has_its_own_page_cache_back_after_an_import_and_after_a_refusal(small_roster, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    before = cache_size()
    roster_import(actor=None, source=small_roster, scope=None)
    assert cache_size() == before

    broken = tmp_path / "broken"
    shutil.copytree(small_roster, broken)
    set_cell(broken / "enrollments.csv", 4, "classSourcedId", "no-such-class")  # refused after the staff are written
    with pytest.raises(UserFacingError):
        roster_import(actor=None, source=broken, scope=None)
    assert cache_size() == before


@pytest.mark.parametrize("values", [None, 40])
@pytest.mark.django_db(transaction=True, reset_sequences=True)  # ids consecutive from 1: derived, not read back
def test_every_account_person_and_role_is_the_rosters_own_however_many_rows_go_in_one_statement(
    small_roster, monkeypatch, values
):
    # Rows go in many to a statement, and their ids are derived from the order they were given
    # in; 40 values a statement splits a batch into statements of 3 to 13 rows and a shorter rest.
    if values is not None:
        monkeypatch.setattr(tuning, "TUNING", dataclasses.replace(tuning.TUNING, insert_values=values))
    roster_import(actor=None, source=small_roster, scope=None)
    users = {u["sourcedId"]: u for u in read_csv(small_roster / "users.csv")}
    roles = read_csv(small_roster / "roles.csv")
    people = Person.objects.select_related("user")
    assert people.count() > 100
    for person in people:
        user = users[person.sourced_id]
        assert (person.user.username, person.user.first_name, person.user.last_name, person.given_name) == (
            user["username"], user["givenName"], user["familyName"], user["givenName"])
    found = {(person, org) for person, org in Membership.objects.values_list("person__sourced_id",
                                                                           "organization__sourced_id")}
    listed = set(people.values_list("sourced_id", flat=True))
    expected = {(r["userSourcedId"], r["orgSourcedId"]) for r in roles if r["userSourcedId"] in listed}
    assert found == expected
