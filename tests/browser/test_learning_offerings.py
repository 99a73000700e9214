"""A teacher finds an offering and registers; the organizer marks them present; they get hours and a certificate."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from trellis.learning.models import Offering, Registration
from trellis.learning.services import framework_default, offering_create, session_add

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_teacher_registers_is_marked_present_and_gets_hours_and_a_certificate(page, district_lead, teacher, tree):
    competency = framework_default().competencies.get(human_coding_scheme="AI-CFT.2.2")
    offering = offering_create(actor=district_lead.user, organization=tree.district, title="Using AI safely",
                               format=Offering.Format.COURSE, provider=Offering.Provider.DISTRICT,
                               modality=Offering.Modality.IN_PERSON, credit_hours=Decimal("6.0"),
                               competencies=[competency])
    for day in (5, 12):
        session_add(actor=district_lead.user, offering=offering, hours=Decimal("3.0"), location="Library",
                    starts_at=timezone.make_aware(datetime(2026, 10, day, 15)))

    sign_in(page, "teacher", PASSWORD)
    page.get_by_role("link", name="Professional learning").click()
    page.get_by_role("link", name="Find offerings").click()
    page.get_by_role("heading", name="Professional learning offerings").wait_for()
    assert_accessible(page)
    page.get_by_label("Format").select_option("course")
    page.get_by_role("button", name="Find offerings").click()
    page.get_by_role("link", name="Using AI safely").click()
    assert_accessible(page)
    page.get_by_role("button", name="Register").click()
    page.get_by_text("You are registered for Using AI safely.").wait_for()
    assert Registration.objects.get().status == "registered"
    sign_out(page)

    sign_in(page, "district.lead", PASSWORD)
    page.goto(f"/learning/offerings/{offering.pk}/")
    assert_accessible(page)
    for index in range(2):
        page.get_by_role("link", name="Take attendance").nth(index).click()
        page.get_by_role("heading", name="Attendance at Using AI safely").wait_for()
        assert_accessible(page)
        page.locator(f"label[for=present-{teacher.pk}]").click()  # USWDS draws the box on the label
        page.get_by_role("button", name="Save attendance").click()
        page.get_by_text("Recorded attendance: 1 present.").wait_for()
        page.get_by_role("link", name="Back to Using AI safely").click()
    sign_out(page)

    sign_in(page, "teacher", PASSWORD)
    page.get_by_role("link", name="Professional learning").click()
    page.get_by_role("link", name="See my record").click()
    page.get_by_role("heading", name="My learning record").wait_for()
    assert_accessible(page)
    assert page.get_by_text("Credit hours earned: 6.0").is_visible()
    page.get_by_role("link", name="Certificate for Using AI safely").click()
    page.get_by_role("heading", name="Certificate of completion").wait_for()
    assert_accessible(page)
    assert page.get_by_text(teacher.full_name).is_visible()
    assert Registration.objects.get().certificate_number in page.content()
