"""Every write to coaching cycles, observations and self-assessments."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from trellis.core.services import audit_record
from trellis.learning.models import CoachingCycle, Competency, Framework, Observation, Rating, SelfAssessment
from trellis.learning.permissions import can_coach
from trellis.learning.rubrics import rubric_rows
from trellis.orgs.models import Membership, Organization, Person, Role


def staff_person(actor: Any) -> Person:
    """The staff member signed in as ``actor``; anyone else may not do what is asked."""
    person = Person.objects.filter(user=actor).first() if actor is not None else None
    if person is None:
        raise PermissionDenied("Only staff with a Trellis account can do that.")
    return person


def teacher_school(teacher: Person) -> Organization | None:
    """The school where the person teaches (their first teacher role at a school)."""
    membership = (Membership.objects.filter(person=teacher, role=Role.TEACHER, organization__kind="school")
                  .select_related("organization").order_by("pk").first())
    return membership.organization if membership else None


def _coachable_school(actor: Any, teacher: Person) -> Organization:
    school = teacher_school(teacher)
    if school is None or not can_coach(actor, school):
        raise PermissionDenied("You can only coach and observe teachers of schools you serve.")
    return school


def _checked_ratings(framework: Framework, ratings: dict[int, int]) -> list[tuple[Competency, int]]:
    rows = {row.competency.pk: row for row in rubric_rows(framework)}
    checked = []
    for competency_id, level in ratings.items():
        row = rows.get(competency_id)
        if row is None:
            raise ValidationError(f"Competency {competency_id} is not a row of the {framework} rubric.")
        if level not in row.scores:
            raise ValidationError(f"{level} is not a level of {row.competency} (levels {sorted(row.scores)}).")
        checked.append((row.competency, level))
    return checked


@transaction.atomic
def cycle_start(*, actor: Any, teacher: Person, competency: Competency, goal: str,
                started_on: datetime.date) -> CoachingCycle:
    coach = staff_person(actor)
    school = _coachable_school(actor, teacher)
    cycle = CoachingCycle(coach=coach, teacher=teacher, school=school, competency=competency, goal=goal,
                          started_on=started_on)
    cycle.full_clean()
    cycle.save()
    audit_record(actor=actor, action="coaching.start", target=cycle, organization_id=school.pk,
                 summary=f"Started a coaching cycle with {teacher.full_name} on {competency}")
    return cycle


@transaction.atomic
def cycle_update(*, actor: Any, cycle: CoachingCycle, **changes: Any) -> CoachingCycle:
    """The coach changes the stage and notes; the teacher writes their reflection."""
    person = staff_person(actor)
    allowed = {"stage", "planning_notes", "feedback", "reflection"} if person.pk == cycle.coach_id else (
        {"reflection"} if person.pk == cycle.teacher_id else set())
    if not allowed or set(changes) - allowed:
        raise PermissionDenied("Only the coach changes a cycle; the teacher writes the reflection.")
    for name, value in changes.items():
        setattr(cycle, name, value)
    if cycle.stage == CoachingCycle.Stage.CLOSED and cycle.closed_on is None:
        cycle.closed_on = datetime.date.today()
    cycle.full_clean()
    cycle.save()
    audit_record(actor=actor, action="coaching.update", target=cycle, organization_id=cycle.school_id,
                 summary=f"Updated the coaching cycle of {cycle.teacher.full_name} ({', '.join(sorted(changes))})")
    return cycle


@transaction.atomic
def observation_record(*, actor: Any, teacher: Person, framework: Framework, observed_on: datetime.date,
                       ratings: dict[int, int], notes: str = "", kind: str = Observation.Kind.OBSERVATION,
                       cycle: CoachingCycle | None = None) -> Observation:
    """Record an observation or walkthrough rated on the framework's rubric."""
    observer = staff_person(actor)
    school = _coachable_school(actor, teacher)
    if cycle is not None and (cycle.coach_id != observer.pk or cycle.teacher_id != teacher.pk):
        raise PermissionDenied("Only the cycle's coach records its observations.")
    checked = _checked_ratings(framework, ratings)
    observation = Observation(cycle=cycle, teacher=teacher, observer=observer, school=school, framework=framework,
                              kind=kind, observed_on=observed_on, notes=notes)
    observation.full_clean()
    observation.save()
    Rating.objects.bulk_create([Rating(observation=observation, competency=c, level=level) for c, level in checked])
    if cycle is not None and cycle.stage == CoachingCycle.Stage.PLANNING:
        cycle.stage = CoachingCycle.Stage.OBSERVING
        cycle.save(update_fields=["stage", "updated_at"])
    audit_record(actor=actor, action="observation.record", target=observation, organization_id=school.pk,
                 summary=f"Recorded a {observation.get_kind_display().lower()} of {teacher.full_name}")
    return observation


@transaction.atomic
def self_assessment_record(*, actor: Any, framework: Framework, assessed_on: datetime.date,
                           ratings: dict[int, int]) -> SelfAssessment:
    person = staff_person(actor)
    if not framework.is_published:
        raise PermissionDenied("Self-assessments use published frameworks.")
    checked = _checked_ratings(framework, ratings)
    if not checked:
        raise ValidationError("Rate yourself on at least one competency.")
    assessment = SelfAssessment(person=person, framework=framework, assessed_on=assessed_on)
    assessment.full_clean()
    assessment.save()
    Rating.objects.bulk_create([Rating(self_assessment=assessment, competency=c, level=level) for c, level in checked])
    audit_record(actor=actor, action="self_assessment.record", target=assessment,
                 organization_id=person.primary_organization_id, summary=f"{person.full_name} assessed themselves")
    return assessment
