"""What a person does in the browser: sign in, find their organization, be kept out of others."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_state_lead_signs_in_and_browses_districts(page, state_lead, tree):
    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("heading", name="State of Example").wait_for()
    page.locator("#poverty-chart[data-rendered=true] svg").wait_for()
    assert page.get_by_role("img", name="Bar chart: students in each poverty level of districts").is_visible()
    assert_accessible(page)
    assert page.get_by_role("link", name="Riverside City Schools").is_visible()
    page.get_by_label("Locale").select_option("rural")
    page.get_by_role("button", name="Show districts").click()
    page.get_by_text("1 district").wait_for()
    assert page.get_by_role("link", name="Riverside City Schools").count() == 0
    page.get_by_role("link", name="Cedar Valley Unified").click()
    page.get_by_role("heading", name="Cedar Valley Unified").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Audit log").click()
    page.get_by_role("heading", name="Audit log").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Access log").click()
    page.get_by_role("heading", name="Student data access log").wait_for()
    assert_accessible(page)


def test_failed_sign_in_keeps_the_username_and_says_why(page, teacher):
    sign_in(page, "teacher", "not-the-password")
    page.get_by_text("do not match an account").wait_for()
    assert page.get_by_label("Username").input_value() == "teacher"
    assert_accessible(page)


def test_teacher_sees_their_school_and_not_another(page, teacher, tree):
    sign_in(page, "teacher", PASSWORD)
    page.get_by_role("heading", name="Lincoln Elementary").wait_for()
    assert_accessible(page)
    response = page.goto(f"/orgs/{tree.outside_school.pk}/")
    assert response.status == 404
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to Trellis").wait_for()
