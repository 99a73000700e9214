"""Leads give and take away roles within their own part of the state."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, person_with_role
from trellis.core.models import AuditEvent
from trellis.orgs.models import Membership, Role
from trellis.orgs.services import membership_grant, membership_remove


def client_for(person) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def snapshot() -> tuple[list[tuple[int, int, str]], int]:
    return sorted(Membership.objects.values_list("person", "organization", "role")), AuditEvent.objects.count()


def test_district_lead_gives_a_teacher_a_school_leader_role(district_lead, teacher, tree):
    client = client_for(district_lead)
    page = client.get(reverse("organization-roles", args=[tree.school.pk]))
    assert page.status_code == 200
    offered = [label for value, label in page.context["form"].fields["role"].choices if value]
    assert offered == ["School leader", "Instructional coach", "Teacher"]
    response = client.post(reverse("organization-roles", args=[tree.school.pk]),
                           {"person": "TEACHER", "role": "school_leader"})
    assert response["Location"] == reverse("organization-roles", args=[tree.school.pk])
    assert set(teacher.memberships.values_list("role", flat=True)) == {"teacher", "school_leader"}
    event = AuditEvent.objects.get(action="membership.grant")
    assert event.actor == district_lead.user and event.organization_id == tree.school.pk
    assert event.summary == f"Gave {teacher.full_name} the role school leader at Lincoln Elementary"
    listed = client.get(reverse("organization-roles", args=[tree.school.pk])).content.decode()
    assert "School leader" in listed and ">school_leader<" not in listed
    assert f"{teacher.full_name} is now school leader at Lincoln Elementary." in listed


def test_a_district_lead_cannot_make_a_state_lead(district_lead, teacher, tree):
    before = snapshot()
    client = client_for(district_lead)
    page = client.get(reverse("organization-roles", args=[tree.district.pk]))
    offered = [value for value, _ in page.context["form"].fields["role"].choices if value]
    assert offered == ["district_lead", "coach", "teacher"]
    response = client.post(reverse("organization-roles", args=[tree.district.pk]),
                           {"person": "teacher", "role": "state_lead"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert response.context["form"]["person"].value() == "teacher"  # what they typed is kept
    assert client.get(reverse("organization-roles", args=[tree.state.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        membership_grant(actor=district_lead.user, person=teacher, organization=tree.state, role=Role.STATE_LEAD)
    with pytest.raises(ValidationError):
        membership_grant(actor=district_lead.user, person=teacher, organization=tree.district, role=Role.STATE_LEAD)
    assert snapshot() == before


def test_a_lead_cannot_give_roles_to_people_of_another_district(district_lead, tree):
    stranger = person_with_role("river.teacher", Role.TEACHER, tree.outside_school)
    before = snapshot()
    response = client_for(district_lead).post(reverse("organization-roles", args=[tree.school.pk]),
                                              {"person": stranger.email, "role": "teacher"})
    assert response.status_code == 400
    assert "No one with the username or email" in response.content.decode()
    with pytest.raises(PermissionDenied):
        membership_grant(actor=district_lead.user, person=stranger, organization=tree.school, role=Role.TEACHER)
    assert snapshot() == before


def test_the_state_lead_gives_a_district_lead_role_anywhere(state_lead, teacher, tree):
    response = client_for(state_lead).post(reverse("organization-roles", args=[tree.other_district.pk]),
                                           {"person": "teacher", "role": "district_lead"})
    assert response.status_code == 302
    assert Membership.objects.filter(person=teacher, organization=tree.other_district, role="district_lead").exists()


def test_district_lead_removes_a_role_and_the_log_says_so(district_lead, teacher, tree):
    membership = teacher.memberships.get()
    client = client_for(district_lead)
    response = client.post(reverse("membership-remove", args=[tree.school.pk, membership.pk]))
    assert response["Location"] == reverse("organization-roles", args=[tree.school.pk])
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.remove")
    assert event.summary == f"Removed the role teacher at Lincoln Elementary from {teacher.full_name}"
    assert event.details == {"person_id": teacher.pk, "role": "teacher", "from_roster": False}
    # The removal is done through the page of the organization the role is held at.
    other = person_with_role("cv.teacher", Role.TEACHER, tree.other_school)
    other_membership = other.memberships.get()
    assert client.post(reverse("membership-remove", args=[tree.school.pk, other_membership.pk])).status_code == 404


def test_a_lead_cannot_remove_their_own_lead_role(district_lead, tree):
    before = snapshot()
    own = district_lead.memberships.get()
    client = client_for(district_lead)
    response = client.post(reverse("membership-remove", args=[tree.district.pk, own.pk]), follow=True)
    assert "You cannot remove your own lead role" in response.content.decode()
    with pytest.raises(ValidationError):
        membership_remove(actor=district_lead.user, membership=own)
    assert snapshot() == before


@pytest.mark.parametrize("role, target, status", [
    ("state_analyst", "district", 403),
    ("regional_coach", "district", 403),
    ("school_leader", "school", 403),
    ("teacher", "school", 403),
    ("outsider", "school", 404),
    ("outsider", "district", 404),
    ("district_lead", "other_district", 404),
])
def test_others_cannot_see_or_change_roles(request, tree, teacher, role, target, status):
    person = request.getfixturevalue(role)
    organization = getattr(tree, target)
    membership = Membership.objects.filter(organization__path__startswith=organization.path).first()
    before = snapshot()
    client = client_for(person)
    assert client.get(reverse("organization-roles", args=[organization.pk])).status_code == status
    assert client.post(reverse("organization-roles", args=[organization.pk]),
                       {"person": "teacher", "role": "teacher"}).status_code == status
    if membership is not None:
        url = reverse("membership-remove", args=[membership.organization_id, membership.pk])
        assert client.post(url).status_code in {403, 404}
    assert snapshot() == before


def test_anonymous_is_sent_to_sign_in_and_nothing_changes(teacher, tree):
    before = snapshot()
    membership = teacher.memberships.get()
    response = Client().post(reverse("membership-remove", args=[tree.school.pk, membership.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert snapshot() == before


def test_removing_needs_a_post(district_lead, teacher, tree):
    membership = teacher.memberships.get()
    response = client_for(district_lead).get(reverse("membership-remove", args=[tree.school.pk, membership.pk]))
    assert response.status_code == 405
    assert Membership.objects.filter(pk=membership.pk).exists()
