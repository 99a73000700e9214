"""A district lead gives a teacher a role and takes it away again."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_district_lead_gives_and_removes_a_role(page, district_lead, teacher, tree):
    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("heading", name="Cedar Valley Unified").wait_for()
    page.get_by_role("link", name="Lincoln Elementary").click()
    page.get_by_role("link", name="People and roles").click()
    page.get_by_role("heading", name="People and roles at Lincoln Elementary").wait_for()
    assert_accessible(page)
    page.get_by_label("Username or email").fill("nobody.here")
    page.get_by_label("Role").select_option(label="Instructional coach")
    page.get_by_role("button", name="Give the role").click()
    page.get_by_text("No one with the username or email nobody.here").wait_for()
    assert page.get_by_label("Username or email").input_value() == "nobody.here"
    assert_accessible(page)
    page.get_by_label("Username or email").fill("teacher")
    page.get_by_label("Role").select_option(label="Instructional coach")
    page.get_by_role("button", name="Give the role").click()
    page.get_by_text(f"{teacher.full_name} is now instructional coach at Lincoln Elementary.").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name=f"Remove the role instructional coach from {teacher.full_name}").click()
    page.get_by_text(f"{teacher.full_name} is no longer instructional coach at Lincoln Elementary.").wait_for()
    assert teacher.memberships.filter(role="coach").count() == 0
