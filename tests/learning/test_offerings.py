"""Offerings: catalog, registration and waitlist, attendance (browser and sign-in sheet), hours, certificates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import person_with_role
from tests.learning.conftest import client_for
from trellis.core.models import AuditEvent
from trellis.learning.models import Attendance, Offering, OfferingSession, Registration
from trellis.learning.services import (
    SignInSheetRefused,
    attendance_record,
    attendance_upload,
    framework_default,
    offering_create,
    registration_cancel,
    registration_join,
    session_add,
)


def state_of() -> dict:
    return {
        "offerings": list(Offering.objects.values_list("pk", "title", "is_open")),
        "sessions": list(OfferingSession.objects.values_list("pk", "hours")),
        "registrations": list(Registration.objects.order_by("pk").values_list("pk", "status", "credit_hours",
                                                                              "certificate_number")),
        "attendance": list(Attendance.objects.order_by("pk").values_list("session", "person", "present")),
        "audit": AuditEvent.objects.count(),
    }


def at(day: int, hour: int = 15) -> datetime:
    return timezone.make_aware(datetime(2026, 10, day, hour))


@pytest.fixture
def course(district_lead, tree):
    competency = framework_default().competencies.get(human_coding_scheme="AI-CFT.2.2")
    offering = offering_create(actor=district_lead.user, organization=tree.district, title="Using AI safely",
                               format=Offering.Format.COURSE, provider=Offering.Provider.DISTRICT,
                               modality=Offering.Modality.IN_PERSON, credit_hours=Decimal("6.0"), capacity=2,
                               competencies=[competency])
    session_add(actor=district_lead.user, offering=offering, starts_at=at(5), hours=Decimal("3.0"))
    session_add(actor=district_lead.user, offering=offering, starts_at=at(12), hours=Decimal("3.0"))
    return offering


def test_registration_fills_then_waitlists_and_a_cancellation_moves_the_first_up(course, teacher, school_leader,
                                                                                  tree):
    other = person_with_role("teacher.two", "teacher", tree.other_school)
    first = registration_join(actor=teacher.user, offering=course)
    second = registration_join(actor=school_leader.user, offering=course)
    third = registration_join(actor=other.user, offering=course)
    assert [r.status for r in (first, second, third)] == ["registered", "registered", "waitlisted"]
    assert registration_join(actor=teacher.user, offering=course) == first  # joining twice changes nothing
    registration_cancel(actor=school_leader.user, registration=second)
    third.refresh_from_db()
    assert third.status == "registered"


def test_hours_follow_attendance_and_full_attendance_gives_a_certificate(course, district_lead, teacher):
    registration = registration_join(actor=teacher.user, offering=course)
    first, second = course.sessions.all()
    attendance_record(actor=district_lead.user, session=first, present={teacher.pk})
    registration.refresh_from_db()
    assert (registration.status, registration.credit_hours, registration.certificate_number) == (
        "registered", Decimal("3.0"), "")
    attendance_record(actor=district_lead.user, session=second, present={teacher.pk})
    registration.refresh_from_db()
    assert registration.status == "completed" and registration.credit_hours == Decimal("6.0")
    assert len(registration.certificate_number) == 36
    # Correcting the attendance takes the completion back.
    attendance_record(actor=district_lead.user, session=second, present=set())
    registration.refresh_from_db()
    assert (registration.status, registration.credit_hours, registration.certificate_number) == (
        "registered", Decimal("3.0"), "")


def test_sign_in_sheet_records_attendance_all_or_nothing(course, district_lead, teacher, school_leader):
    registration_join(actor=teacher.user, offering=course)
    registration_join(actor=school_leader.user, offering=course)
    session = course.sessions.first()
    sheet = f"Name,Email,Present\nA Teacher,{teacher.email.upper()},yes\nA Leader,{school_leader.email},no\n,,\n"
    result = attendance_upload(actor=district_lead.user, session=session, data=sheet.encode(),
                               source_name="sign-in.csv")
    assert (result.present, result.absent) == ({teacher.pk}, {school_leader.pk})
    before = state_of()
    bad = (f"email,present\n{teacher.email},yes\nnobody@example.org,yes\n{school_leader.email},perhaps\n")
    with pytest.raises(SignInSheetRefused) as caught:
        attendance_upload(actor=district_lead.user, session=session, data=bad.encode(), source_name="sign-in.csv")
    message = str(caught.value)
    assert 'sign-in.csv, row 3, column "email": nobody@example.org is not anyone registered' in message
    assert "sign-in.csv, row 4, column \"present\": 'perhaps' is neither yes nor no" in message
    assert state_of() == before
    with pytest.raises(SignInSheetRefused, match="row 1: needs a column email, username or sourcedId"):
        attendance_upload(actor=district_lead.user, session=session, data=b"name\nAda\n", source_name="s.csv")
    assert state_of() == before


def test_offerings_are_open_to_staff_at_and_below_the_offering_organization(course, teacher, outsider,
                                                                          regional_coach):
    assert registration_join(actor=teacher.user, offering=course).status == "registered"
    before = state_of()
    with pytest.raises(PermissionDenied):
        registration_join(actor=outsider.user, offering=course)
    # The regional coach works above the district: a district's offering is not open to them.
    with pytest.raises(PermissionDenied):
        registration_join(actor=regional_coach.user, offering=course)
    assert state_of() == before


def test_only_organizers_change_offerings_and_attendance(course, teacher, outsider, state_analyst, tree):
    registration = registration_join(actor=teacher.user, offering=course)
    before = state_of()
    for person in (teacher, outsider, state_analyst):
        with pytest.raises(PermissionDenied):
            offering_create(actor=person.user, organization=tree.district, title="x", format="workshop",
                            provider="district", modality="online", credit_hours=Decimal(1))
        with pytest.raises(PermissionDenied):
            session_add(actor=person.user, offering=course, starts_at=at(20), hours=Decimal(1))
        with pytest.raises(PermissionDenied):
            attendance_record(actor=person.user, session=course.sessions.first(), present={teacher.pk})
        with pytest.raises(PermissionDenied):
            attendance_upload(actor=person.user, session=course.sessions.first(),
                              data=f"email\n{teacher.email}\n".encode(), source_name="s.csv")
    with pytest.raises(PermissionDenied):
        registration_cancel(actor=outsider.user, registration=registration)
    assert state_of() == before


# Pages ---------------------------------------------------------------------------------------

def test_teacher_finds_registers_and_sees_hours_and_certificate(course, district_lead, teacher):
    client = client_for(teacher)
    catalog = client.get(reverse("offering-list"), {"format": "course"})
    assert [o.title for o in catalog.context["page"]] == ["Using AI safely"]
    competency = course.competencies.get()
    by_aspect = client.get(reverse("offering-list"), {"competency": competency.parent_id})
    assert [o.title for o in by_aspect.context["page"]] == ["Using AI safely"]
    assert list(client.get(reverse("offering-list"), {"format": "plc"}).context["page"]) == []
    client.post(reverse("offering-join", args=[course.pk]))
    organizer = client_for(district_lead)
    for session in course.sessions.all():
        page = organizer.get(reverse("session-attendance", args=[course.pk, session.pk]))
        assert [r.person for r, _ in page.context["roster"]] == [teacher]
        organizer.post(reverse("session-attendance", args=[course.pk, session.pk]), {"present": [teacher.pk]})
    record = client.get(reverse("learning-record"))
    assert record.context["hours"] == Decimal("6.0")
    registration = Registration.objects.get()
    certificate = client.get(reverse("certificate", args=[registration.certificate_number]))
    assert certificate.status_code == 200 and "6.0 credit hours" in certificate.content.decode()


def test_district_lead_adds_an_offering_and_a_session_in_the_browser(district_lead, tree):
    client = client_for(district_lead)
    competency = framework_default().competencies.get(human_coding_scheme="AI-CFT.4.1")
    form = {"title": "AI in lesson planning", "organization": tree.district.pk, "format": "workshop",
            "provider": "district", "modality": "online", "credit_hours": "2", "cost": "0",
            "competencies": [competency.pk]}
    response = client.post(reverse("offering-create"), {**form, "credit_hours": ""})
    assert response.status_code == 200 and 'value="AI in lesson planning"' in response.content.decode()
    response = client.post(reverse("offering-create"), form)
    offering = Offering.objects.get()
    assert response["Location"] == reverse("offering-detail", args=[offering.pk])
    assert list(offering.competencies.all()) == [competency]
    client.post(reverse("session-add", args=[offering.pk]), {"starts_at": "2026-10-05T15:30", "hours": "2"})
    assert offering.sessions.get().starts_at == at(5).replace(minute=30)


@pytest.mark.parametrize("role", ["teacher", "state_analyst", "outsider"])
def test_organizer_pages_are_denied_to_others(request, role, course, teacher):
    registration_join(actor=teacher.user, offering=course)
    session = course.sessions.first()
    client = client_for(request.getfixturevalue(role))
    before = state_of()
    # The outsider cannot even see the offering; the others see it but may not run it.
    expected = 404 if role == "outsider" else 403
    assert client.get(reverse("session-attendance", args=[course.pk, session.pk])).status_code == expected
    assert client.post(reverse("session-attendance", args=[course.pk, session.pk]),
                       {"present": [teacher.pk]}).status_code == expected
    assert client.post(reverse("session-add", args=[course.pk]),
                       {"starts_at": "2026-11-01T10:00", "hours": "1"}).status_code == expected
    if role != "outsider":
        assert client.get(reverse("offering-create")).status_code == 403
    assert state_of() == before


def test_certificates_are_for_their_holder_and_the_organizers(course, district_lead, teacher, school_leader,
                                                              outsider):
    registration_join(actor=teacher.user, offering=course)
    for session in course.sessions.all():
        attendance_record(actor=district_lead.user, session=session, present={teacher.pk})
    number = Registration.objects.get().certificate_number
    url = reverse("certificate", args=[number])
    assert client_for(teacher).get(url).status_code == 200
    assert client_for(district_lead).get(url).status_code == 200
    assert client_for(school_leader).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).get(reverse("offering-detail", args=[course.pk])).status_code == 404
    before = state_of()
    assert client_for(outsider).post(reverse("offering-join", args=[course.pk])).status_code == 404
    assert state_of() == before
