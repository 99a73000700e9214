"""Staff figures: each person counted once per organization whose subtree holds any of their
roles, and a district's row in the state's table the same as the district's own page."""

from __future__ import annotations

from tests.factories import person_with_role
from trellis.orgs.models import Membership, Role
from trellis.orgs.selectors import OrganizationRow, children_for, organization_summary, staff_counts


def test_a_person_with_roles_in_two_schools_counts_once_for_their_district(tree, state_lead):
    both = person_with_role("both.schools", Role.TEACHER, tree.school)
    Membership.objects.create(person=both, organization=tree.other_school, role=Role.COACH)
    person_with_role("lincoln.teacher", Role.TEACHER, tree.school)
    person_with_role("river.teacher", Role.TEACHER, tree.outside_school)
    gone = person_with_role("gone.teacher", Role.TEACHER, tree.school)
    gone.is_active = False
    gone.save()

    counts = staff_counts([tree.district, tree.school, tree.other_school, tree.other_district, tree.region])
    assert counts == {tree.district.pk: 2, tree.school.pk: 2, tree.other_school.pk: 1,
                      tree.other_district.pk: 1, tree.region.pk: 3}
    assert organization_summary(tree.state)["staff"] == 4  # and the state lead
    rows: list[OrganizationRow] = children_for(user=state_lead.user, organization=tree.state, kind="district")
    assert {row.organization.pk: row.staff for row in rows} == {tree.district.pk: 2, tree.other_district.pk: 1}
    assert organization_summary(tree.district)["staff"] == 2


def test_nothing_listed_counts_nothing(db):
    assert staff_counts([]) == {}
