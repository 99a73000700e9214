"""The roster writer on hand-built bundles: its work does not grow per row in queries, and its
bulk shortcuts (switching off unlisted staff, skipping reads on a first import) keep the rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from trellis.interop.oneroster import OrgRecord, RosterBundle, StaffRecord, StaffRole
from trellis.orgs.models import Membership, Organization, Person
from trellis.orgs.roster import RosterImportResult
from trellis.orgs.roster.bulk import largest_pk, new_ids
from trellis.orgs.roster.writer import RosterWriter

ROSTER_TYPES = {"state": "state", "region": "local", "district": "district", "school": "school"}


def org_records(*organizations: Organization) -> list[OrgRecord]:
    return [
        OrgRecord(sourced_id=o.sourced_id, status="active", name=o.name, type=ROSTER_TYPES[o.kind],
                  identifier=o.nces_id or None, parent_sourced_id=o.parent.sourced_id if o.parent else None,
                  locale=o.locale or None)
        for o in organizations
    ]


def staff(sourced_id: str, *roles: tuple[str, str], **fields: Any) -> StaffRecord:
    values = {"status": "active", "enabled": True, "username": sourced_id, "given_name": "Given",
              "family_name": sourced_id, "email": f"{sourced_id}@example.org", "identifier": None,
              "roles": [StaffRole(role, org, index == 0) for index, (role, org) in enumerate(roles)],
              "removed_roles": []} | fields
    return StaffRecord(sourced_id=sourced_id, **values)


def bundle(orgs: list[OrgRecord], people: list[StaffRecord], mode: str = "bulk") -> RosterBundle:
    return RosterBundle(
        version="1.2", modes={"orgs.csv": mode, "users.csv": mode, "roles.csv": mode}, orgs=orgs, staff=people,
        academic_sessions=[], courses=[], counts={}, summary={"staff": len(people)}, warnings=[], school_stats={},
        students_path=None, classes_path=None, enrollments_path=None,
    )


def write(roster: RosterBundle, scope: Organization | None = None) -> RosterImportResult:
    writer = RosterWriter(actor=None, scope=scope, report=lambda *a: None)
    writer.write_people(roster)
    return writer.result(roster)


class _Undo(Exception):
    pass


def queries_for_first_import(roster: RosterBundle) -> int:
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(_Undo), transaction.atomic():
            write(roster)
            raise _Undo
    return len(queries)


@pytest.mark.django_db
def test_a_first_import_runs_no_more_queries_for_many_staff_than_for_few_but_one_a_table(tree):
    orgs = org_records(tree.state, tree.region, tree.district, tree.school, tree.other_school)

    def roster(count: int) -> RosterBundle:
        return bundle(orgs, [staff(f"t-{n:05d}", ("teacher", tree.school.sourced_id),
                                   ("aide", tree.other_school.sourced_id)) for n in range(count)])

    few, many = queries_for_first_import(roster(5)), queries_for_first_import(roster(3000))
    # Few rows go in as one statement; many as one batch of full statements and a shorter rest,
    # for each of the accounts, the people and the memberships.
    assert few <= many <= few + 3
    result = write(roster(3000))
    assert result.created == {"Staff accounts": 3000, "Roles": 6000}
    assert Person.objects.filter(sourced_id__startswith="t-", primary_organization=tree.school).count() == 3000


@pytest.mark.django_db
def test_a_scoped_bulk_import_switches_off_only_unlisted_staff_below_its_organization(tree):
    cedar = [staff(f"cedar-{n}", ("teacher", tree.school.sourced_id)) for n in range(3)]
    river = [staff(f"river-{n}", ("teacher", tree.outside_school.sourced_id)) for n in range(2)]
    everything = org_records(tree.state, tree.region, tree.district, tree.school, tree.other_school,
                             tree.other_district, tree.outside_school)
    assert write(bundle(everything, cedar + river)).created == {"Staff accounts": 5, "Roles": 5}

    district_roster = bundle(org_records(tree.district, tree.school, tree.other_school), cedar[:2])
    result = write(district_roster, scope=tree.district)
    assert (result.created, result.updated) == ({}, {"Staff accounts switched off": 1})
    active = dict(Person.objects.values_list("sourced_id", "is_active"))
    assert active == {"cedar-0": True, "cedar-1": True, "cedar-2": False, "river-0": True, "river-1": True}
    assert not get_user_model().objects.get(username="cedar-2").is_active

    again = write(district_roster, scope=tree.district)
    assert (again.created, again.updated) == ({}, {})


@pytest.mark.django_db
def test_a_delta_keeps_what_it_does_not_carry_and_removes_the_roles_it_marks(tree):
    orgs = org_records(tree.state, tree.region, tree.district, tree.school, tree.other_school)
    write(bundle(orgs, [staff("pat", ("teacher", tree.school.sourced_id)),
                        staff("lee", ("aide", tree.school.sourced_id))]))

    roles_only = staff("pat", ("principal", tree.other_school.sourced_id), given_name=None, family_name=None,
                       email=None, username=None, enabled=None,
                       removed_roles=[StaffRole("teacher", tree.school.sourced_id, False)])
    result = write(bundle(orgs, [roles_only], mode="delta"))
    assert result.created == {"Roles": 1}
    assert result.updated == {"Staff accounts": 1, "Roles removed": 1}
    pat = Person.objects.get(sourced_id="pat")
    assert (pat.given_name, pat.family_name, pat.email, pat.is_active) == ("Given", "pat", "pat@example.org", True)
    assert (pat.roster_role, pat.primary_organization) == ("principal", tree.other_school)
    assert list(Membership.objects.filter(person=pat).values_list("organization__sourced_id", "role")) == [
        (tree.other_school.sourced_id, "school_leader")]
    assert Person.objects.get(sourced_id="lee").is_active  # a delta switches no one off


@pytest.mark.django_db
def test_new_ids_are_derived_when_consecutive_and_read_back_when_another_row_came_between():
    users = get_user_model()
    before = largest_pk(users)
    keys = ["new-a", "new-b", "new-c"]
    for key in keys:
        users.objects.create(username=key)
    assert new_ids(users, before, keys, "username") == dict(users.objects.filter(username__in=keys)
                                                              .values_list("username", "pk"))

    before = largest_pk(users)
    users.objects.create(username="new-d")
    users.objects.create(username="someone-else")  # another session's row, among the new ones
    users.objects.create(username="new-e")
    expected = dict(users.objects.filter(username__in=["new-d", "new-e"]).values_list("username", "pk"))
    assert new_ids(users, before, ["new-d", "new-e"], "username") == expected
    assert expected["new-e"] == expected["new-d"] + 2

