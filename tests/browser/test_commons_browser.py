"""A teacher shares a practice, the state publishes it, a district finds it and adopts it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from trellis.commons.competencies import area_ids
from trellis.commons.models import CommonsAdoption, CommonsItem
from trellis.commons.services import commons_item_create, commons_item_publish

pytestmark = pytest.mark.browser


def test_share_publish_find_and_adopt(page, teacher, state_lead, district_lead, tree):
    sign_in(page, "teacher", PASSWORD)
    page.get_by_role("link", name="Commons").click()
    page.get_by_role("link", name="Share what works for you").click()
    page.get_by_role("heading", name="Share what works").wait_for()
    assert_accessible(page)
    page.get_by_label("What it is").select_option("practice")
    page.get_by_label("Title").fill("Oral defence instead of a take-home essay")
    page.get_by_label("Summary in a sentence or two").fill("Students explain their argument out loud.")
    page.get_by_label("How it works").fill("Each student answers two questions about their argument.")
    page.get_by_label("Grade band").select_option("9_12")
    page.get_by_label("Subject").select_option("ela")
    page.get_by_text("AI pedagogy").click()
    page.get_by_role("button", name="Send for review").click()
    # "Who it served" was left empty: refused, and what was typed is kept.
    page.get_by_text("Nothing was saved").wait_for()
    assert page.get_by_label("Title").input_value() == "Oral defence instead of a take-home essay"
    assert_accessible(page)
    page.get_by_label("Who it served").fill("Three grade 11 English classes")
    page.get_by_role("button", name="Send for review").click()
    page.get_by_text("Sent to the state for review.").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "state.lead", PASSWORD)
    page.goto("/commons/review/")
    page.get_by_role("link", name="Oral defence instead of a take-home essay").click()
    page.get_by_label("Decision").select_option("publish")
    page.get_by_role("button", name="Send the decision").click()
    page.get_by_text("Published. Everyone can now find it.").wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("link", name="Commons").click()
    page.get_by_label("Search the commons").fill("oral argument")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="1 item for “oral argument”").wait_for()
    page.get_by_text("Grades 9 to 12 (1)").click()
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name="1 item for “oral argument”").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Oral defence instead of a take-home essay").click()
    page.get_by_role("button", name="Adopt for the district").click()
    page.get_by_text("Cedar Valley Unified has adopted this item. It is a draft goal").wait_for()
    page.get_by_role("heading", name="Goals in the plan").wait_for()
    assert_accessible(page)
    assert CommonsItem.objects.get().adoptions == 1


def test_a_district_adopts_professional_learning_and_sees_its_draft_offering(page, teacher, state_lead,
                                                                            district_lead, tree):
    item = commons_item_create(actor=teacher.user, submit=True, fields={
        "kind": "coaching", "format": "coaching", "title": "Coaching cycles on AI feedback",
        "summary": "A coach and a teacher plan, observe and reflect.", "description": "Six weeks, two visits.",
        "served": "Twelve teachers", "grade_band": "all", "subject": "all", "competencies": area_ids("AI-CFT.4"),
    })
    commons_item_publish(actor=state_lead.user, item=item)
    sign_in(page, "district.lead", PASSWORD)
    page.goto(f"/commons/{item.pk}/")
    page.get_by_role("button", name="Adopt for the district").click()
    page.get_by_text("Here is its draft offering").wait_for()
    page.get_by_role("heading", name="Coaching cycles on AI feedback").wait_for()
    page.get_by_text("This offering is a draft").wait_for()
    page.get_by_text("AI pedagogy").first.wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Publish this offering").click()
    page.get_by_text("is published: staff can now register").wait_for()
    offering = CommonsAdoption.objects.get().offering
    offering.refresh_from_db()
    assert (offering.status, offering.format, offering.organization) == ("published", "coaching", tree.district)
