"""A regional coach runs a coaching cycle with two observations; the teacher sees their levels rise."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from trellis.learning.models import CoachingCycle, Rating
from trellis.learning.services import framework_default

pytestmark = pytest.mark.browser


def test_coach_runs_a_cycle_with_two_observations(page, regional_coach, teacher, tree):
    ethics = framework_default().competencies.get(human_coding_scheme="AI-CFT.2")
    sign_in(page, "regional.coach", PASSWORD)
    page.get_by_role("link", name="Professional learning").click()
    page.get_by_role("link", name="See coaching").click()
    page.get_by_role("heading", name="Coaching", exact=True).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Start a coaching cycle").click()
    assert_accessible(page)
    page.get_by_label("Teacher").select_option(label=teacher.full_name)
    page.get_by_label("Competency the goal builds").select_option(label="AI-CFT.2.2 Safe and responsible use")
    page.get_by_label("Goal", exact=True).fill("Students check what the chatbot tells them")
    page.get_by_label("Start date").fill("2026-09-01")
    page.get_by_role("button", name="Start the cycle").click()
    page.get_by_role("heading", name=f"Coaching cycle with {teacher.full_name}").wait_for()
    assert_accessible(page)
    for day, level in (("2026-09-10", "1"), ("2026-10-08", "2")):
        page.get_by_role("link", name="Record an observation").click()
        page.get_by_role("heading", name=f"Record an observation of {teacher.full_name}").wait_for()
        assert_accessible(page)
        page.get_by_label("Date").fill(day)
        page.locator(f"label[for=level-{ethics.pk}-{level}]").click()
        page.get_by_label("Notes (seen only by the teacher, you and their leaders)").fill(f"Seen on {day}")
        page.get_by_role("button", name="Save the observation").click()
        page.get_by_text("Observation recorded.").wait_for()
    table = page.get_by_role("table", name="Levels observed over time (on the framework's rubric)")
    assert "AI-CFT.2 Ethics of AI" in table.inner_text()
    assert sorted(Rating.objects.values_list("level", flat=True)) == [1, 2]
    page.get_by_label("Feedback", exact=True).fill("You now ask students to verify answers.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved.").wait_for()
    assert CoachingCycle.objects.get().feedback == "You now ask students to verify answers."
    assert_accessible(page)
