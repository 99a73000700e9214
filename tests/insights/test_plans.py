"""District PL plans: goals tied to the framework and the vision, planned spend per year and
stream, submission, and the state's feedback per goal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.insights.conftest import EDITORS, ROLES, VIEWERS, client_for, snapshot
from trellis.insights.models import GoalFeedback, Plan, PlanGoal
from trellis.insights.selectors import plan_budget
from trellis.insights.services import goal_feedback_add, plan_create, plan_goal_add, plan_line_add, plan_submit
from trellis.learning.services import framework_default


@pytest.fixture
def competency(db):
    return framework_default().competencies.get(human_coding_scheme="AI-CFT.2")


@pytest.fixture
def plan(tree, district_lead, competency, offerings, title_ii):
    plan = plan_create(actor=district_lead.user, district=tree.district, title="Coaching first", first_year=2026,
                       last_year=2028)
    goal = plan_goal_add(actor=district_lead.user, plan=plan, statement="Every teacher checks AI output.",
                         competencies=[competency])
    plan_line_add(actor=district_lead.user, plan=plan, year=2026, stream=title_ii, amount=Decimal("8000"),
                  offering=offerings["coaching"], goal=goal)
    plan_line_add(actor=district_lead.user, plan=plan, year=2026, stream=title_ii, amount=Decimal("2000"),
                  offering=offerings["workshop"], goal=goal)
    return plan


def test_a_plan_is_written_submitted_and_answered_per_goal(plan, district_lead, state_lead, title_ii):
    assert [(r["year"], r["amount"], r["durable"]) for r in plan_budget(plan)] == [
        (2026, Decimal("10000"), Decimal("8000"))]
    with pytest.raises(ValidationError, match="year must be one the plan covers"):
        plan_line_add(actor=district_lead.user, plan=plan, year=2030, stream=title_ii, amount=Decimal(1))
    goal = plan.goals.get()
    with pytest.raises(ValidationError, match="not submitted"):
        goal_feedback_add(actor=state_lead.user, goal=goal, body="Early thoughts.")
    plan_submit(actor=district_lead.user, plan=plan)
    with pytest.raises(ValidationError, match="does not change"):
        plan_goal_add(actor=district_lead.user, plan=plan, statement="Late goal.", competencies=[])
    goal_feedback_add(actor=state_lead.user, goal=goal, body="Tie the coaching to the vision's fairness section.")
    plan.refresh_from_db()
    assert plan.status == "reviewed" and plan.reviewed_by == state_lead.user
    page = client_for(district_lead).get(reverse("insights:plan", args=[plan.pk])).content.decode()
    assert "Tie the coaching to the vision" in page and "$8,000" in page


def test_a_goal_must_be_tied_to_the_framework_or_the_vision_and_the_form_keeps_it(plan, district_lead):
    client = client_for(district_lead)
    response = client.post(reverse("insights:plan", args=[plan.pk]),
                           {"form": "goal", "goal-statement": "Families understand our AI use."})
    assert response.status_code == 200 and PlanGoal.objects.count() == 1
    assert "Families understand our AI use." in response.content.decode()
    assert "at least one competency" in response.content.decode()


def test_plan_pages_by_role(request, plan, tree, competency, district_lead, state_lead):
    plan_submit(actor=district_lead.user, plan=plan)
    goal = plan.goals.get()
    before = snapshot()
    for who in ROLES:
        person = request.getfixturevalue(who)
        client = client_for(person)
        for url in (reverse("insights:plan", args=[plan.pk]),
                    reverse("insights:district-plans", args=[tree.district.pk])):
            response = client.get(url)
            assert response.status_code == (200 if who in VIEWERS else 404), (who, url)
        if who != "state_lead":
            with pytest.raises(PermissionDenied):
                goal_feedback_add(actor=person.user, goal=goal, body="Mine.")
            response = client.post(reverse("insights:goal-feedback", args=[goal.pk]), {"feedback-body": "Mine."})
            assert response.status_code in (403, 404), who
        if who not in EDITORS:
            with pytest.raises(PermissionDenied):
                plan_create(actor=person.user, district=tree.district, title="Mine", first_year=2026, last_year=2027)
            response = client.post(reverse("insights:district-plans", args=[tree.district.pk]),
                                   {"form": "plan", "plan-title": "Mine", "plan-first_year": "2026",
                                    "plan-last_year": "2027"})
            assert response.status_code in (403, 404), who
            assert client.post(reverse("insights:plan-submit", args=[plan.pk])).status_code in (403, 404), who
        assert snapshot() == before, who
    assert not GoalFeedback.objects.exists() and Plan.objects.count() == 1
