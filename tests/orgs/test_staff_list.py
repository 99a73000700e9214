"""The staff list names only organizations the reader may open, and roles in plain words."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, person_with_role
from trellis.orgs.models import Person, Role


def _page(person, organization) -> str:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client.get(reverse("staff-list", args=[organization.pk])).content.decode()


def test_a_teacher_does_not_see_the_name_of_an_organization_they_cannot_open(teacher, tree):
    # A colleague at the teacher's school whose main organization is the district office.
    colleague = person_with_role("counselor", Role.TEACHER, tree.school)
    Person.objects.filter(pk=colleague.pk).update(primary_organization=tree.district)
    page = _page(teacher, tree.school)
    assert colleague.full_name in page
    assert "Cedar Valley Unified" not in page
    assert "Another organization" in page
    # The district lead may open the district, so sees its name.
    lead = person_with_role("lead", Role.DISTRICT_LEAD, tree.district)
    assert "Cedar Valley Unified" in _page(lead, tree.school)


def test_roster_roles_are_shown_in_plain_words(district_lead, tree):
    Person.objects.filter(pk=district_lead.pk).update(roster_role="districtAdministrator")
    colleague = person_with_role("aide", Role.TEACHER, tree.school)
    Person.objects.filter(pk=colleague.pk).update(roster_role="aide")
    page = _page(district_lead, tree.district)
    assert "District administrator" in page and "districtAdministrator" not in page
    assert "Aide" in page
