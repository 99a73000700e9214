"""A district lead works through the roadmap; the state lead sees where districts stand."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_district_lead_rates_submits_and_the_state_sees_the_stage(page, district_lead, state_lead, tree):
    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("link", name="Roadmap").click()
    page.get_by_role("heading", name="AI roadmap: Cedar Valley Unified").wait_for()
    assert_accessible(page)
    no_ban = page.get_by_role("group", name="No blanket ban")
    no_ban.get_by_text("Met", exact=True).click()
    privacy = page.get_by_role("group", name="Privacy policy for AI tools")
    privacy.get_by_text("Met", exact=True).click()
    no_ban.get_by_label("Evidence", exact=True).fill("Board lifted the ban on March 3")
    page.get_by_role("button", name="Save as draft").click()
    # "Met" without evidence: refused, what was typed is kept, and the page stays accessible.
    page.get_by_text("Say what shows this is met").wait_for()
    assert no_ban.get_by_label("Evidence", exact=True).input_value() == "Board lifted the ban on March 3"
    assert privacy.get_by_label("Met").is_checked()
    assert_accessible(page)
    privacy.get_by_label("Evidence", exact=True).fill("Privacy policy 6.2, adopted in April")
    page.get_by_role("button", name="Save as draft").click()
    page.get_by_text("The roadmap is saved as a draft.").wait_for()
    page.get_by_role("button", name="Submit to the state").click()
    page.get_by_text("The roadmap is submitted").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("link", name="Roadmap").click()
    page.get_by_role("heading", name="District roadmaps across the state").wait_for()
    page.locator("#stage-chart[data-rendered=true] svg").wait_for()
    row = page.get_by_role("row").filter(has_text="Cedar Valley Unified")
    assert "Stage 1: Policy and guidance" in row.inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="The state's own actions").click()
    page.get_by_role("heading", name="The state's own actions").wait_for()
    assert_accessible(page)
