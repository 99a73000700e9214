"""A bulk file replaces what Trellis holds only for the organizations it covers, and only roles
inside the importer's scope change; what an import takes away is counted per district."""

from __future__ import annotations

import pytest

from tests.orgs.test_roster_writer_scale import bundle, org_records, staff, write
from trellis.orgs.models import Membership, Person


def everyone(tree):
    return org_records(tree.state, tree.region, tree.district, tree.school, tree.other_school,
                       tree.other_district, tree.outside_school)


@pytest.mark.django_db
def test_a_state_level_import_of_one_districts_file_changes_only_that_district(tree):
    cedar = [staff(f"cedar-{n}", ("teacher", tree.school.sourced_id)) for n in range(3)]
    river = [staff(f"river-{n}", ("teacher", tree.outside_school.sourced_id)) for n in range(2)]
    region_coach = staff("coach", ("administrator", tree.region.sourced_id))
    write(bundle(everyone(tree), [*cedar, *river, region_coach]))

    # Cedar Valley's own export, with the state and region rows as its parents, run by the state.
    cedar_file = org_records(tree.state, tree.region, tree.district, tree.school, tree.other_school)
    result = write(bundle(cedar_file, cedar[:2]), scope=tree.state)

    active = dict(Person.objects.values_list("sourced_id", "is_active"))
    assert active == {"cedar-0": True, "cedar-1": True, "cedar-2": False, "river-0": True, "river-1": True,
                      "coach": True}
    assert result.removals == {"Cedar Valley Unified": {"Staff switched off": 1}}
    assert result.updated == {"Staff accounts switched off": 1}


@pytest.mark.django_db
def test_a_person_listed_in_one_districts_file_keeps_their_roles_in_another(tree):
    both = staff("pat", ("teacher", tree.school.sourced_id), ("aide", tree.outside_school.sourced_id))
    write(bundle(everyone(tree), [both]))
    assert Membership.objects.filter(person__sourced_id="pat").count() == 2

    cedar_file = org_records(tree.state, tree.region, tree.district, tree.school, tree.other_school)
    only_cedar = staff("pat", ("principal", tree.other_school.sourced_id))
    result = write(bundle(cedar_file, [only_cedar]), scope=tree.state)

    roles = set(Membership.objects.filter(person__sourced_id="pat").values_list("organization__sourced_id", "role"))
    assert roles == {("s-cvhigh", "school_leader"), ("s-rivermid", "teacher")}
    assert result.removals == {"Cedar Valley Unified": {"Roles removed": 1}}


@pytest.mark.django_db
def test_a_district_import_removes_no_role_outside_the_district(tree):
    both = staff("lee", ("teacher", tree.school.sourced_id), ("teacher", tree.outside_school.sourced_id))
    write(bundle(everyone(tree), [both]))
    district_file = org_records(tree.district, tree.school, tree.other_school)
    write(bundle(district_file, [staff("lee", ("teacher", tree.school.sourced_id))]), scope=tree.district)
    roles = set(Membership.objects.filter(person__sourced_id="lee").values_list("organization__sourced_id", "role"))
    assert roles == {("s-lincoln", "teacher"), ("s-rivermid", "teacher")}


@pytest.mark.django_db
def test_a_whole_state_file_still_switches_off_whoever_it_no_longer_lists(tree):
    people = [staff("a", ("teacher", tree.school.sourced_id)), staff("b", ("teacher", tree.outside_school.sourced_id))]
    write(bundle(everyone(tree), people))
    result = write(bundle(everyone(tree), people[:1]))
    assert dict(Person.objects.values_list("sourced_id", "is_active")) == {"a": True, "b": False}
    assert result.removals == {"Riverside City Schools": {"Staff switched off": 1}}


@pytest.mark.django_db
def test_a_district_import_does_not_say_which_staff_or_usernames_exist_elsewhere(tree):
    from trellis.core.services import UserFacingError

    write(bundle(everyone(tree), [staff("river-0", ("teacher", tree.outside_school.sourced_id))]))
    district_file = org_records(tree.district, tree.school, tree.other_school)
    messages = []
    for listed in (staff("river-0", ("teacher", tree.school.sourced_id)),
                   staff("new-1", ("teacher", tree.school.sourced_id), username="river-0")):
        with pytest.raises(UserFacingError) as refusal:
            write(bundle(district_file, [listed]), scope=tree.district)
        messages.append(str(refusal.value))
    assert messages == [
        'users.csv, column "sourcedId": the staff member with sourcedId river-0 cannot be imported for Cedar '
        "Valley Unified. Leave them out of the file, or ask the state's Trellis administrators to import them.",
        'users.csv, column "username": the username "river-0" of the staff member with sourcedId new-1 cannot '
        "be used in Trellis. Give this person a different username.",
    ]
    assert not any(word in m for m in messages for word in ("Riverside", "already", "belongs", "another"))


@pytest.mark.django_db
def test_an_identifier_longer_than_an_nces_id_is_not_kept_as_one(tree):
    from trellis.interop.oneroster import OrgRecord

    school = OrgRecord("s-new", "active", "New School", "school", "district-internal-0042", tree.district.sourced_id,
                       None)
    write(bundle([*org_records(tree.district), school], []))
    from trellis.orgs.models import Organization

    assert Organization.objects.get(sourced_id="s-new").nces_id == ""
