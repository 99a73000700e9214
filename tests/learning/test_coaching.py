"""Coaching cycles, observations on the rubric, self-assessments: who may read and write what."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import person_with_role
from tests.learning.conftest import client_for
from trellis.core.models import AuditEvent
from trellis.learning.models import CoachingCycle, Observation, Rating, SelfAssessment
from trellis.learning.services import (
    cycle_start,
    cycle_update,
    framework_default,
    observation_record,
    self_assessment_record,
)

NOTE = "Struggled to explain to students why the chatbot answer was wrong."


def state_of() -> dict:
    return {
        "cycles": list(CoachingCycle.objects.order_by("pk").values_list("pk", "stage", "planning_notes", "feedback",
                                                                         "reflection")),
        "observations": list(Observation.objects.order_by("pk").values_list("pk", "notes")),
        "ratings": list(Rating.objects.order_by("pk").values_list("competency", "level")),
        "self": SelfAssessment.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def aspect(code: str):
    return framework_default().competencies.get(human_coding_scheme=code)


@pytest.fixture
def cycle(regional_coach, teacher):
    started = cycle_start(actor=regional_coach.user, teacher=teacher, competency=aspect("AI-CFT.2.2"),
                          goal="Check AI output with students", started_on=datetime.date(2026, 9, 1))
    cycle_update(actor=regional_coach.user, cycle=started, planning_notes=NOTE)
    framework = framework_default()
    for day, level in ((10, 1), (30, 2)):
        observation_record(actor=regional_coach.user, teacher=teacher, framework=framework, cycle=started,
                           observed_on=datetime.date(2026, 9, day), ratings={aspect("AI-CFT.2").pk: level},
                           notes=f"{NOTE} ({day})")
    return started


def test_a_regional_coach_serves_schools_in_several_districts(regional_coach, tree):
    other = person_with_role("riverside.teacher", "teacher", tree.outside_school)
    cycle = cycle_start(actor=regional_coach.user, teacher=other, competency=aspect("AI-CFT.4.1"),
                        goal="Plan with AI", started_on=datetime.date(2026, 9, 1))
    assert cycle.school == tree.outside_school


def test_levels_are_recorded_on_the_rubric_and_shown_over_time(cycle, teacher):
    response = client_for(teacher).get(reverse("cycle-detail", args=[cycle.pk]))
    history = response.context["history"]
    assert [(str(row["competency"]), row["levels"]) for row in history] == [("AI-CFT.2 Ethics of AI", [1, 2])]
    cycle.refresh_from_db()
    assert cycle.stage == "observing"


def test_ratings_must_be_rubric_rows_and_levels(regional_coach, teacher):
    framework = framework_default()
    aspect("AI-CFT.1")
    before = state_of()
    with pytest.raises(Exception, match="not a level"):
        observation_record(actor=regional_coach.user, teacher=teacher, framework=framework,
                           observed_on=datetime.date(2026, 9, 1), ratings={aspect("AI-CFT.1").pk: 7})
    with pytest.raises(Exception, match="not a row"):
        observation_record(actor=regional_coach.user, teacher=teacher, framework=framework,
                           observed_on=datetime.date(2026, 9, 1), ratings={aspect("AI-CFT.1.1").pk: 1})
    assert state_of() == before


@pytest.mark.parametrize("role, sees", [
    ("teacher", True), ("regional_coach", True), ("school_leader", True), ("district_lead", True),
    ("state_lead", True), ("state_analyst", False), ("outsider", False), ("other_teacher", False),
])
def test_notes_are_seen_only_by_the_teacher_their_coach_and_their_line(request, cycle, tree, role, sees):
    person = (person_with_role("other.teacher", "teacher", tree.school) if role == "other_teacher"
              else request.getfixturevalue(role))
    client = client_for(person)
    detail = client.get(reverse("cycle-detail", args=[cycle.pk]))
    assert detail.status_code == (200 if sees else 404)
    assert (NOTE in detail.content.decode()) is sees
    listing = client.get(reverse("coaching")).content.decode()
    assert ("Check AI output with students" in listing) is sees
    assert (NOTE in listing) is False


@pytest.mark.parametrize("role", ["school_leader", "district_lead", "state_lead", "teacher"])
def test_only_the_coach_changes_the_cycle_and_the_teacher_only_their_reflection(request, cycle, role):
    person = request.getfixturevalue(role)
    client = client_for(person)
    before = state_of()
    response = client.post(reverse("cycle-detail", args=[cycle.pk]),
                           {"stage": "closed", "planning_notes": "changed", "feedback": "changed"})
    if role == "teacher":
        # A teacher's post is read as their reflection only: the notes stay the coach's.
        cycle.refresh_from_db()
        assert cycle.planning_notes == NOTE and cycle.stage == "observing"
    else:
        assert response.status_code == 403 and state_of() == before
    assert client.get(reverse("observation-create", args=[cycle.pk])).status_code == 403
    assert client.post(reverse("observation-create", args=[cycle.pk]),
                       {"observed_on": "2026-10-01", f"level-{aspect('AI-CFT.2').pk}": "3"}).status_code == 403
    with pytest.raises(PermissionDenied):
        cycle_update(actor=person.user, cycle=cycle, feedback="mine now")


def test_teacher_writes_their_reflection(cycle, teacher):
    client_for(teacher).post(reverse("cycle-detail", args=[cycle.pk]), {"reflection": "I ask students to check."})
    cycle.refresh_from_db()
    assert cycle.reflection == "I ask students to check." and cycle.planning_notes == NOTE


@pytest.mark.parametrize("role", ["teacher", "state_analyst", "outsider"])
def test_others_cannot_start_cycles_or_observe(request, role, teacher):
    person = request.getfixturevalue(role)
    framework_default()
    before = state_of()
    with pytest.raises(PermissionDenied):
        cycle_start(actor=person.user, teacher=teacher, competency=aspect("AI-CFT.1.1"), goal="x",
                    started_on=datetime.date(2026, 9, 1))
    with pytest.raises(PermissionDenied):
        observation_record(actor=person.user, teacher=teacher, framework=framework_default(),
                           observed_on=datetime.date(2026, 9, 1), ratings={aspect("AI-CFT.1").pk: 1})
    page = client_for(person).get(reverse("cycle-create"))
    if role == "outsider":  # a district lead coaches in their own district, never in ours
        assert teacher.pk not in dict(page.context["form"].fields["teacher"].choices)
    else:
        assert page.status_code == 403
    assert state_of() == before


def test_coach_starts_a_cycle_and_observes_in_the_browser_form(regional_coach, teacher):
    client = client_for(regional_coach)
    form = client.get(reverse("cycle-create"))
    assert [choice[1] for choice in form.context["form"].fields["teacher"].choices] == [teacher.full_name]
    client.post(reverse("cycle-create"), {"teacher": teacher.pk, "competency": aspect("AI-CFT.3.2").pk,
                                          "goal": "Use AI for feedback", "started_on": "2026-09-01"})
    cycle = CoachingCycle.objects.get()
    row = aspect("AI-CFT.3").pk
    refused = client.post(reverse("observation-create", args=[cycle.pk]),
                          {"observed_on": "", f"level-{row}": "2", "notes": "Kept"})
    assert refused.status_code == 400 and "Kept" in refused.content.decode()
    assert 'value="2" checked' in refused.content.decode()
    client.post(reverse("observation-create", args=[cycle.pk]), {"observed_on": "2026-09-15", f"level-{row}": "2"})
    assert list(Rating.objects.values_list("competency", "level")) == [(row, 2)]


def test_self_assessment_growth_and_aggregates_only_from_the_minimum(settings, teacher, school_leader, tree):
    settings.TRELLIS_MIN_N = 3
    row = aspect("AI-CFT.1").pk
    client = client_for(teacher)
    client.post(reverse("self-assessment"), {f"level-{row}": "1"})
    assessment = SelfAssessment.objects.get()
    assessment.assessed_on = datetime.date(2026, 1, 5)
    assessment.save()
    client.post(reverse("self-assessment"), {f"level-{row}": "3"})
    mine = client.get(reverse("self-assessment"))
    assert [r["levels"] for r in mine.context["history"]] == [[1, 3]]
    summary = reverse("self-assessment-summary", args=[tree.school.pk])
    leader = client_for(school_leader)
    first = {r.competency.pk: r for r in leader.get(summary).context["rows"]}[row]
    assert (first.teachers, first.mean_level) == (1, None)
    assert "Fewer than 3" in leader.get(summary).content.decode()
    for number in range(2):
        other = person_with_role(f"t{number}", "teacher", tree.school)
        self_assessment_record(actor=other.user, framework=framework_default(), assessed_on=datetime.date.today(),
                               ratings={row: 2})
    shown = {r.competency.pk: r for r in leader.get(summary).context["rows"]}[row]
    # Each teacher's latest answer counts once: (3 + 2 + 2) / 3.
    assert (shown.teachers, round(shown.mean_level, 3)) == (3, 2.333)
    assert client.get(summary).status_code == 404  # a teacher sees no one else's answers
