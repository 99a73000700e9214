from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from trellis.core.models import AuditEvent
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.services import membership_grant, organization_create, person_create


def counts():
    return (Organization.objects.count(), Person.objects.count(), Membership.objects.count(),
            AuditEvent.objects.count())


def test_district_lead_adds_a_school_with_an_audit_entry(district_lead, tree):
    school = organization_create(actor=district_lead.user, name="Maple Middle", kind="school", parent=tree.district,
                                 locale="rural")
    assert school.path == f"{tree.district.path}{school.pk}/"
    event = AuditEvent.objects.get(action="organization.create")
    assert (event.actor_name, event.summary) == ("district.lead", "Added school Maple Middle")


@pytest.mark.parametrize("role", ["outsider", "teacher", "school_leader", "regional_coach"])
def test_others_cannot_add_a_school(request, tree, role):
    person = request.getfixturevalue(role)
    before = counts()
    with pytest.raises(PermissionDenied):
        organization_create(actor=person.user, name="Maple Middle", kind="school", parent=tree.district)
    assert counts() == before


def test_a_school_cannot_sit_under_a_region(state_lead, tree):
    before = counts()
    with pytest.raises(ValidationError):
        organization_create(actor=state_lead.user, name="Odd School", kind="school", parent=tree.region)
    assert counts() == before


def test_district_lead_adds_a_teacher(district_lead, tree):
    person = person_create(actor=district_lead.user, username="new.teacher", given_name="Ada", family_name="Byron",
                           organization=tree.school, role=Role.TEACHER)
    assert not person.user.has_usable_password()
    assert list(person.memberships.values_list("role", "organization")) == [("teacher", tree.school.pk)]
    assert AuditEvent.objects.filter(action__in=["person.create", "membership.grant"]).count() == 2


def test_outsider_cannot_grant_a_role(outsider, teacher, tree):
    before = counts()
    with pytest.raises(PermissionDenied):
        membership_grant(actor=outsider.user, person=teacher, organization=tree.school, role=Role.SCHOOL_LEADER)
    with pytest.raises(PermissionDenied):
        person_create(actor=outsider.user, username="sneaky", given_name="A", family_name="B",
                      organization=tree.school, role=Role.DISTRICT_LEAD)
    assert counts() == before


@pytest.mark.django_db
def test_the_states_district_table_and_the_district_page_count_staff_the_same_way(tree, state_lead, district_lead):
    from tests.factories import PersonFactory
    from trellis.orgs import selectors
    from trellis.orgs.models import Membership

    for _ in range(3):
        person = PersonFactory()
        Membership.objects.create(person=person, organization=tree.school, role="teacher")
    switched_off = PersonFactory(is_active=False)
    Membership.objects.create(person=switched_off, organization=tree.school, role="teacher")
    rows = {row.organization.pk: row.staff for row in
            selectors.children_for(user=state_lead.user, organization=tree.state, kind="district")}
    assert rows[tree.district.pk] == selectors.organization_summary(tree.district)["staff"] == 4  # 3 + the lead
