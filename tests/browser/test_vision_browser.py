"""The state lead drafts the vision, opens it for comment, answers, publishes, and compares versions."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from trellis.vision import services

pytestmark = pytest.mark.browser


def test_state_lead_drafts_publishes_and_compares(page, state_lead, teacher, tree):
    lead = state_lead.user
    v1 = services.vision_draft_start(actor=lead, title="AI that serves every student")
    services.vision_section_save(actor=lead, version=v1, heading="Fair for every student",
                                 body="Tools are checked for bias before they reach classrooms.")
    services.vision_publish(actor=lead, version=v1)

    sign_in(page, "state.lead", PASSWORD)
    page.get_by_role("link", name="Vision").click()
    page.get_by_role("heading", name="The statewide vision of AI-enabled instruction").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Work on the next version").click()
    page.get_by_role("heading", name="AI that serves every student").wait_for()
    section = page.locator("section", has=page.get_by_role("heading", name="Fair for every student"))
    section.get_by_label("Text").fill("Tools are checked for bias on our own students before they reach classrooms.")
    section.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    page.get_by_label("Comments close on").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Open for public comment").click()
    page.get_by_text("Open for comment, until").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 2").click()
    page.get_by_role("link", name="What changed since version 1").click()
    page.get_by_role("heading", name="What changed from version 1 to version 2").wait_for()
    assert page.locator("ins", has_text="on our own students").is_visible()
    assert_accessible(page)
