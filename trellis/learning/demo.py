"""A year of professional learning for the demo state, shaped like a real one.

Many one-time tool workshops and fewer durable formats; uneven across districts, with high-poverty
and rural districts offered less (as RAND found); coaching cycles whose observed levels rise for
coached teachers while walkthroughs of other teachers stay level; a survey with responses; and a
learning system's xAPI statements about the same teachers. Deterministic for a seed, and loaded once.
"""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from trellis.engine.synth.learning import WORKSHOP_TITLES, district_learning, session_day
from trellis.learning.models import Framework, Offering
from trellis.learning.permissions import can_coach
from trellis.learning.rubrics import rubric_rows
from trellis.learning.services import (
    attendance_record,
    cycle_start,
    framework_default,
    observation_record,
    offering_create,
    registration_join,
    session_add,
    survey_create,
    survey_respond,
    xapi_import,
)
from trellis.learning.services.coaching import teacher_school
from trellis.orgs.models import Organization, Person, Role
from trellis.orgs.selectors import poverty_quartiles

TEACHERS_PER_DISTRICT = 12


def _teachers(organization: Organization, limit: int) -> list[Person]:
    return list(Person.objects.filter(memberships__role=Role.TEACHER,
                                      memberships__organization__path__startswith=organization.path,
                                      user__username__isnull=False, is_active=True)
                .distinct().order_by("pk")[:limit])


def _when(rng: random.Random) -> datetime.datetime:
    day = session_day(rng)
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 15, 30))


def _run(offering: Offering, teachers: list[Person], rng: random.Random, sessions: int) -> None:
    for _ in range(sessions):
        session_add(actor=None, offering=offering, starts_at=_when(rng), hours=offering.credit_hours / sessions)
    joined = [t for t in teachers if rng.random() < 0.6]
    for teacher in joined:
        registration_join(actor=teacher.user, offering=offering)
    for session in offering.sessions.all():
        present = {t.pk for t in joined if rng.random() < 0.85}
        attendance_record(actor=None, session=session, present=present)


def learning_demo_load(*, seed: int = 2026) -> dict[str, int]:
    """Load the demo's professional learning (once; a second call changes nothing)."""
    if Offering.objects.exists():
        return {"offerings": Offering.objects.count()}
    rng = random.Random(seed)
    framework = framework_default()
    code = {c.human_coding_scheme: c for c in framework.competencies.all()}
    state = Organization.objects.get(kind=Organization.Kind.STATE)
    districts = list(Organization.objects.filter(kind=Organization.Kind.DISTRICT, is_active=True).order_by("pk"))
    quartile = poverty_quartiles(Organization.Kind.DISTRICT)
    for title in WORKSHOP_TITLES[:2]:  # the state's webinars, open to everyone
        offering_create(actor=None, organization=state, title=f"Statewide webinar: {title}",
                        format=Offering.Format.WORKSHOP, provider=Offering.Provider.STATE,
                        modality=Offering.Modality.ONLINE, credit_hours=Decimal("1.5"),
                        competencies=[code["AI-CFT.3.1"]])
    all_teachers: list[Person] = []
    for district in districts:
        teachers = _teachers(district, TEACHERS_PER_DISTRICT)
        all_teachers.extend(teachers)
        plan = district_learning(rng, index=district.pk, poorer=quartile.get(district.pk, 2) >= 3,
                                 rural=district.locale in (Organization.Locale.RURAL, Organization.Locale.TOWN))
        for planned in plan:
            if planned.durable:
                offering = offering_create(actor=None, organization=district, title=planned.title,
                                           format=planned.format, provider=Offering.Provider.DISTRICT,
                                           modality=Offering.Modality.HYBRID,
                                           credit_hours=Decimal(str(planned.credit_hours)), capacity=25,
                                           competencies=[code[planned.competency]])
            else:
                offering = offering_create(
                    actor=None, organization=district, title=planned.title, format=planned.format,
                    provider=rng.choice([Offering.Provider.DISTRICT, Offering.Provider.VENDOR]), vendor_name="",
                    modality=rng.choice(list(Offering.Modality.values)),
                    credit_hours=Decimal(str(planned.credit_hours)), cost=Decimal(rng.choice([0, 0, 45, 120])),
                    competencies=[code[planned.competency]])
            _run(offering, teachers, rng, sessions=planned.sessions)
    _coaching(framework, rng)
    _voice(state, all_teachers, rng)
    _xapi(all_teachers, rng)
    return {"offerings": Offering.objects.count(), "teachers": len(all_teachers)}


def _coaching(framework: Framework, rng: random.Random) -> None:
    """Coached teachers' observed levels rise between the autumn and spring; walkthroughs of
    teachers who are not coached stay where they were."""
    rows = rubric_rows(framework)
    coaches = list(Person.objects.filter(memberships__role__in=[Role.REGIONAL_COACH, Role.COACH]).distinct()[:3])
    for coach in coaches:
        membership = coach.memberships.filter(role__in=[Role.REGIONAL_COACH, Role.COACH]).select_related(
            "organization").first()
        # Only teachers whose school the coach serves (a rostered teacher's school can lie elsewhere).
        teachers = [t for t in _teachers(membership.organization, 8)
                    if (school := teacher_school(t)) is not None and can_coach(coach.user, school)]
        for index, teacher in enumerate(teachers):
            coached = index % 2 == 0
            cycle = None
            start = {row.competency.pk: rng.choice([1, 1, 2]) for row in rows}
            if coached:
                cycle = cycle_start(actor=coach.user, teacher=teacher, competency=rows[1].competency,
                                    goal="Use AI with students safely and check what it says",
                                    started_on=datetime.date(2025, 9, 15))
            for day, gain in ((datetime.date(2025, 10, 1), 0), (datetime.date(2026, 3, 1), 1)):
                ratings = {pk: min(3, level + (gain if coached else 0)) for pk, level in start.items()}
                observation_record(actor=coach.user, teacher=teacher, framework=framework, observed_on=day,
                                   ratings=ratings, cycle=cycle if coached else None,
                                   kind="observation" if coached else "walkthrough",
                                   notes="Demo observation notes.")


def _voice(state: Organization, teachers: list[Person], rng: random.Random) -> None:
    survey = survey_create(actor=None, organization=state, template="pl_quality")
    questions = list(survey.questions.all())
    for teacher in teachers[: max(6, len(teachers) // 3)]:
        survey_respond(actor=teacher.user, survey=survey, answers={
            questions[0].pk: str(rng.choice([2, 3, 4, 4, 5])), questions[1].pk: str(rng.choice([1, 2, 3, 4])),
            questions[3].pk: rng.choice(questions[3].options),
            questions[4].pk: rng.choice(["More time to practise", "Help checking AI for bias", "Coaching in class"]),
        })


def _xapi(teachers: list[Person], rng: random.Random) -> Any:
    """A learning system's statements about the demo teachers, imported as a district would."""
    lines = []
    for teacher in teachers:
        if not teacher.email:
            continue
        for verb in ("registered", "attended", "completed")[: rng.randrange(1, 4)]:
            lines.append(json.dumps({
                "id": f"7d1f0000-0000-4000-8000-{len(lines):012d}",
                "actor": {"objectType": "Agent", "mbox": f"mailto:{teacher.email}"},
                "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
                "object": {"id": "https://lms.example.org/course/ai-basics", "objectType": "Activity",
                           "definition": {"name": {"en-US": "AI basics (self-paced)"}}},
                "timestamp": _when(rng).isoformat(),
            }))
    if not lines:
        return None
    source = Path(settings.TRELLIS_HOME) / "demo-xapi-statements.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return xapi_import(actor=None, source=source, source_name=source.name, scope=None)
