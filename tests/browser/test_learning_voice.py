"""A teacher answers a survey; the district lead sees its results only once five have answered."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, person_with_role
from trellis.learning.services import survey_create, survey_respond

pytestmark = pytest.mark.browser


def test_teacher_answers_and_results_wait_for_five(page, district_lead, teacher, tree):
    survey = survey_create(actor=district_lead.user, organization=tree.district, template="pl_quality")
    first = survey.questions.first()
    for number in range(3):
        person = person_with_role(f"t{number}", "teacher", tree.school)
        survey_respond(actor=person.user, survey=survey, answers={first.pk: "5"})

    sign_in(page, "teacher", PASSWORD)
    page.get_by_role("link", name="Professional learning").click()
    page.get_by_role("link", name="See the surveys").click()
    page.get_by_role("heading", name="Educator voice").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Quality and relevance of professional learning").click()
    assert_accessible(page)
    page.locator(f"label[for=q-{first.pk}-4]").click()
    page.get_by_label("What should the next professional learning on AI cover?").fill("Checking AI for bias")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Your answers are recorded without your name.").wait_for()
    assert_accessible(page)
    page.goto("/learning/voice/")
    page.get_by_role("link", name="Propose a professional learning topic, or offer to help design one").click()
    page.get_by_label("Topic you would like professional learning on").fill("AI and student writing")
    page.locator("label[for=id_volunteers_to_co_design]").click()
    page.get_by_role("button", name="Send my proposal").click()
    page.get_by_text("Your proposal is sent").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "district.lead", PASSWORD)
    page.goto(f"/learning/voice/{survey.pk}/")
    page.get_by_text("4 of the 5 responses needed so far.").wait_for()
    assert_accessible(page)
    assert page.get_by_text("Checking AI for bias").count() == 0
    last = person_with_role("t9", "teacher", tree.other_school)
    survey_respond(actor=last.user, survey=survey, answers={first.pk: "3"})
    page.reload()
    page.get_by_text("5 responses.").wait_for()
    assert page.get_by_text("Checking AI for bias").is_visible()
    assert "average 4.4 of 5" in page.get_by_role("table").first.inner_text()
    assert_accessible(page)
