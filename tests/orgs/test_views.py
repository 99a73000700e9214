"""Every page, for every role, including the denied cases."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from trellis.core.models import AuditEvent, Job
from trellis.orgs.models import Membership, Organization, Person


def client_for(person: Person) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def test_anonymous_is_sent_to_sign_in(tree):
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_state_lead_home_lists_districts_with_size_locale_and_poverty(state_lead, tree):
    response = client_for(state_lead).get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "State of Example" in page
    assert "Cedar Valley Unified" in page and "Riverside City Schools" in page
    rows = list(response.context["page"])
    assert [row.organization.name for row in rows] == ["Cedar Valley Unified", "Riverside City Schools"]
    # Two districts with shares 0.62 and 0.35: the poorer is in the top quartile.
    assert [row.quartile for row in rows] == [4, 1]
    assert "High poverty" in page and "Rural" in page and "5,000" in page


def test_state_lead_can_filter_districts(state_lead, tree):
    response = client_for(state_lead).get(reverse("home"), {"locale": "city"})
    assert [row.organization.name for row in response.context["page"]] == ["Riverside City Schools"]
    response = client_for(state_lead).get(reverse("home"), {"search": "cedar"})
    assert [row.organization.name for row in response.context["page"]] == ["Cedar Valley Unified"]


def test_district_lead_home_shows_schools_and_staff(district_lead, teacher, tree):
    client = client_for(district_lead)
    response = client.get(reverse("home"))
    assert response.context["organization"] == tree.district
    assert [row.organization.name for row in response.context["page"]] == ["Cedar Valley High", "Lincoln Elementary"]
    staff = client.get(reverse("staff-list", args=[tree.district.pk]))
    names = {p.pk for p in staff.context["page"]}
    assert names == {district_lead.pk, teacher.pk}


def test_teacher_home_is_their_school(teacher, tree):
    response = client_for(teacher).get(reverse("home"))
    assert response.context["organization"] == tree.school
    assert teacher.full_name in response.content.decode()


@pytest.mark.parametrize("role, target, allowed", [
    ("teacher", "school", True),
    ("teacher", "other_school", False),
    ("teacher", "district", False),
    ("teacher", "outside_school", False),
    ("school_leader", "other_school", False),
    ("district_lead", "school", True),
    ("district_lead", "other_district", False),
    ("district_lead", "outside_school", False),
    ("regional_coach", "outside_school", True),
    ("regional_coach", "state", False),
    ("state_lead", "outside_school", True),
    ("outsider", "district", False),
    ("outsider", "school", False),
])
@pytest.mark.parametrize("page", ["organization-detail", "staff-list"])
def test_pages_are_limited_to_the_persons_subtree(request, tree, role, target, allowed, page):
    person = request.getfixturevalue(role)
    response = client_for(person).get(reverse(page, args=[getattr(tree, target).pk]))
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize("role, target, status", [
    ("district_lead", "district", 200),
    ("district_lead", "school", 200),
    ("state_lead", "district", 200),
    ("teacher", "school", 403),
    ("school_leader", "school", 403),
    ("regional_coach", "district", 403),
    ("outsider", "district", 404),
    ("district_lead", "other_district", 404),
])
def test_only_managers_reach_the_import_page(request, tree, role, target, status):
    person = request.getfixturevalue(role)
    response = client_for(person).get(reverse("roster-import", args=[getattr(tree, target).pk]))
    assert response.status_code == status


def test_denied_import_changes_nothing(outsider, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = (Organization.objects.count(), Person.objects.count(), Membership.objects.count(),
              AuditEvent.objects.count(), Job.objects.count())
    upload = SimpleUploadedFile("roster.zip", b"PK\x05\x06" + b"\x00" * 18, content_type="application/zip")
    response = client_for(outsider).post(reverse("roster-import", args=[tree.district.pk]), {"roster": upload})
    assert response.status_code == 404
    after = (Organization.objects.count(), Person.objects.count(), Membership.objects.count(),
             AuditEvent.objects.count(), Job.objects.count())
    assert after == before


def test_import_form_keeps_errors_in_plain_language(district_lead, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("roster.csv", b"sourcedId\n", content_type="text/csv")
    response = client_for(district_lead).post(reverse("roster-import", args=[tree.district.pk]), {"roster": upload})
    assert response.status_code == 200
    assert "roster.csv is not a .zip file" in response.content.decode()
    assert Job.objects.count() == 0


@pytest.mark.parametrize("role, status", [("state_lead", 200), ("state_analyst", 403), ("district_lead", 403),
                                          ("teacher", 403)])
@pytest.mark.parametrize("page", ["audit-log", "access-log"])
def test_logs_are_for_the_state_lead(request, tree, role, status, page):
    person = request.getfixturevalue(role)
    assert client_for(person).get(reverse(page)).status_code == status


def test_person_without_role_is_told_what_to_do(db):
    from tests.factories import PersonFactory

    person = PersonFactory()
    response = client_for(person).get(reverse("home"))
    assert "Your account has no role yet" in response.content.decode()
