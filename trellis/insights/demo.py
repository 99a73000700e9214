"""Demo funding, plans and reports: allocations from the three seeded streams; spending that goes
mostly to one-time workshops, as states find; a district plan with the state's feedback; and
annual reports in every state (a draft, submitted ones and reviewed ones with responses)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from trellis.insights.models import AnnualReport, FundingStream, ReportSection
from trellis.insights.services import (
    allocation_set,
    feedback_respond,
    goal_feedback_add,
    plan_create,
    plan_goal_add,
    plan_line_add,
    plan_submit,
    report_review,
    report_save,
    report_start,
    report_submit,
    spending_record,
)
from trellis.learning.models import Offering
from trellis.orgs.models import Membership, Organization, Role
from trellis.vision.models import VisionSection

REPORT_YEAR = 2026  # the school year of the demo's professional learning (2025–26)
#: Dollars per enrolled student from each stream.
PER_STUDENT = {"title-ii-a": Decimal("38"), "title-iv-a": Decimal("14"), "state": Decimal("9")}
NARRATIVE = {
    ReportSection.Key.PARTICIPATION: "Most teachers came to at least one session. Hours stayed low because most "
                                     "of what we offered was a single afternoon.",
    ReportSection.Key.PRACTICE: "Coached teachers moved up on checking AI output; we want more coaches next year.",
    ReportSection.Key.OUTCOMES: "We did not collect a student outcome file this year; we will for 2026–27.",
    ReportSection.Key.EQUITY: "Our rural schools had fewer offerings. We are joining the regional coaching network.",
    ReportSection.Key.SPENDING: "Vendor tool trainings took most of the Title II-A money. We plan to move part of it "
                                "to coaching cycles and a professional learning community.",
    ReportSection.Key.TOOLS: "We vetted the tools teachers asked for first and audited the reading tutor.",
}
REVIEW = {
    ReportSection.Key.PARTICIPATION: ("developing", "Good reach. Aim for ten or more hours per teacher."),
    ReportSection.Key.SPENDING: ("needs_support", "Three quarters of the spend went to one-time workshops. "
                                                  "Title II-A can pay for coaching cycles; the regional service "
                                                  "center can share a coach."),
    ReportSection.Key.TOOLS: ("strength", "A clear vetting record. Share your audit with the commons."),
}


def _people() -> tuple[Any, dict[int, Any]]:
    """The state lead, and each district's lead, as users (the demo's logins and the roster's)."""
    state_lead = (Membership.objects.filter(role=Role.STATE_LEAD, organization__kind=Organization.Kind.STATE,
                                            person__user__isnull=False)
                  .select_related("person__user").order_by("pk").first())
    leads = {m.organization_id: m.person.user for m in Membership.objects.filter(
        role=Role.DISTRICT_LEAD, person__user__isnull=False).select_related("person__user").order_by("-pk")}
    return (state_lead.person.user if state_lead else None), leads


def _spend(district: Organization, streams: dict[str, FundingStream], rng: random.Random) -> None:
    """Spend most of the federal allocations, weighted toward one-time workshops (three to one per
    offering), paying from Title II-A first and Title IV-A when II-A runs out."""
    offerings = list(Offering.objects.filter(organization=district).prefetch_related("competencies"))
    if not offerings:
        return
    left = {code: Decimal(district.enrollment or 1000) * PER_STUDENT[code] for code in ("title-ii-a", "title-iv-a")}
    budget = sum(left.values(), Decimal(0)) * Decimal(rng.uniform(0.55, 0.9))
    weights = [1.0 if o.is_durable else 3.0 for o in offerings]
    for offering, weight in zip(offerings, weights, strict=True):
        amount = (budget * Decimal(weight / sum(weights))).quantize(Decimal("1"))
        code = "title-ii-a" if left["title-ii-a"] >= amount else "title-iv-a"
        left[code] -= amount
        spending_record(actor=None, district=district, stream=streams[code], year=REPORT_YEAR, offering=offering,
                        amount=amount, spent_on=datetime.date(2025, 9, 1) + datetime.timedelta(days=rng.randrange(200)),
                        competency=offering.competencies.first(),
                        description="Coach stipends and materials" if offering.is_durable else "Vendor training fee")


def _plan(district: Organization, lead: Any, state_lead: Any, streams: dict[str, FundingStream]) -> None:
    offerings = list(Offering.objects.filter(organization=district))
    durable = next((o for o in offerings if o.is_durable), None)
    workshop = next((o for o in offerings if not o.is_durable), None)
    plan = plan_create(actor=lead, district=district, title="From tool trainings to coaching", first_year=2026,
                       last_year=2028, summary="Three years to move our professional learning on AI from one-time "
                                               "trainings to coaching and learning communities.")
    competency = (durable or workshop).competencies.first() if (durable or workshop) else None
    vision = list(VisionSection.objects.filter(version__status="published")[:1])
    goals = [
        plan_goal_add(actor=lead, plan=plan, statement="Every teacher can check an AI tool's output for errors "
                                                       "and bias before using it with students.",
                      measure_of_success="Observed levels on the framework rise for coached teachers.",
                      competencies=[competency] if competency else [], vision_sections=vision),
        plan_goal_add(actor=lead, plan=plan, statement="Each school has a professional learning community on AI "
                                                       "and fairness that meets monthly.",
                      measure_of_success="Half of AI-related hours are in durable formats by 2027–28.",
                      competencies=[competency] if competency else [], vision_sections=vision),
    ]
    for year, coaching, tools in ((2026, 6000, 12000), (2027, 12000, 6000), (2028, 16000, 3000)):
        plan_line_add(actor=lead, plan=plan, year=year, stream=streams["title-ii-a"], amount=Decimal(coaching),
                      offering=durable, goal=goals[0])
        plan_line_add(actor=lead, plan=plan, year=year, stream=streams["title-iv-a"], amount=Decimal(tools),
                      offering=workshop, goal=goals[1])
    plan_submit(actor=lead, plan=plan)
    if state_lead is not None:
        goal_feedback_add(actor=state_lead, goal=goals[0], body="A strong goal. Tie the observations to the "
                                                                "vision's section on fairness and say who coaches.")
        goal_feedback_add(actor=state_lead, goal=goals[1], body="Consider the regional service center's PLC "
                                                                "facilitators; Title II-A can pay for their time.")


@transaction.atomic
def insights_demo_load(*, seed: int = 2026) -> dict[str, int]:
    """Load the demo's funding, plans and reports (once; a second call changes nothing)."""
    if AnnualReport.objects.exists() or not Offering.objects.exists():
        return {"reports": AnnualReport.objects.count()}
    rng = random.Random(seed)
    streams = {s.code: s for s in FundingStream.objects.all()}
    state_lead, leads = _people()
    districts = list(Organization.objects.filter(kind=Organization.Kind.DISTRICT, is_active=True).order_by("pk"))
    for district in districts:
        students = Decimal(district.enrollment or 1000)
        for year in (REPORT_YEAR, REPORT_YEAR + 1):
            for code, rate in PER_STUDENT.items():
                allocation_set(actor=None, district=district, stream=streams[code], year=year,
                               amount=(students * rate).quantize(Decimal("1")))
        _spend(district, streams, rng)
    if state_lead is None:
        return {"reports": 0}
    # The demo district lead's district first: its plan is reviewed and its report is a draft to finish.
    ordered = sorted(districts, key=lambda d: (d.pk not in leads, d.pk))
    for index, district in enumerate(ordered[:9]):
        lead = leads.get(district.pk, state_lead)
        if index == 0:
            _plan(district, lead, state_lead, streams)
        report = report_start(actor=state_lead, district=district, year=REPORT_YEAR)
        narratives = {key: text for key, text in NARRATIVE.items() if index or key != ReportSection.Key.TOOLS}
        report_save(actor=lead, report=report, narratives=narratives)
        if index == 0:
            continue  # a draft, the tools section still to write
        report_submit(actor=lead, report=report)
        if index % 2:
            report_review(actor=state_lead, report=report, reviews=REVIEW)
            if index % 4 == 1:
                feedback = report.sections.get(key=ReportSection.Key.SPENDING).feedback.get()
                feedback_respond(actor=lead, feedback=feedback, response="We will fund two coaching cycles "
                                                                         "from Title II-A in 2026–27.")
    return {"reports": AnnualReport.objects.count()}
