"""Every write to funding, district PL plans and annual reports."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trellis.core.services import audit_record
from trellis.insights.models import (
    Allocation,
    AnnualReport,
    FundingStream,
    GoalFeedback,
    Plan,
    PlanGoal,
    PlanLine,
    Rating,
    ReportSection,
    Review,
    SectionFeedback,
    Spending,
    school_year_label,
)
from trellis.insights.permissions import can_edit_district, can_manage_funding, can_review
from trellis.learning.models import Competency, Offering
from trellis.orgs.models import Organization
from trellis.vision.models import VisionSection

STREAM_FIELDS = ("code", "name", "description", "allowable_uses", "ai_pl_allowable", "is_active", "position")


def _check(allowed: bool, actor: Any, message: str) -> None:
    """``actor=None`` is system work (the demo and migrations), which may do anything."""
    if actor is not None and not allowed:
        raise PermissionDenied(message)


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


# Funding ---------------------------------------------------------------------------------------

@transaction.atomic
def stream_save(*, actor: Any, fields: dict[str, Any], stream: FundingStream | None = None) -> FundingStream:
    """Add a funding stream or change one, with its statement of allowable uses."""
    _check(can_manage_funding(actor), actor, "Only the state AI lead can change funding streams.")
    row = stream or FundingStream()
    before = {name: getattr(row, name) for name in STREAM_FIELDS} if row.pk else None
    for name in STREAM_FIELDS:
        if name in fields:
            setattr(row, name, fields[name].strip() if isinstance(fields[name], str) else fields[name])
    row.full_clean()
    after = {name: getattr(row, name) for name in STREAM_FIELDS}
    if before != after:
        row.save()
        audit_record(actor=actor, action="funding.stream_save", target=row,
                     summary=f"{'Added' if before is None else 'Changed'} the funding stream {row.name}",
                     details={"changed": sorted(k for k in after if before is None or before[k] != after[k])})
    return row


@transaction.atomic
def allocation_set(*, actor: Any, district: Organization, stream: FundingStream, year: int,
                   amount: Decimal) -> Allocation:
    """Set what a district receives from a stream in a year (replacing what was set before)."""
    _check(can_manage_funding(actor), actor, "Only the state AI lead sets allocations.")
    row = (Allocation.objects.select_for_update().filter(district=district, stream=stream, year=year).first()
           or Allocation(district=district, stream=stream, year=year))
    before = row.amount if row.pk else None
    row.amount = amount
    row.full_clean()
    if before != row.amount:
        row.save()
        audit_record(actor=actor, action="funding.allocation_set", target=row, organization_id=district.pk,
                     summary=f"Set {district.name}'s {stream.name} allocation for {school_year_label(year)} "
                             f"to {_money(amount)}",
                     details={"before": str(before) if before is not None else None, "after": str(amount)})
    return row


def _offering_reaches(offering: Offering, district: Organization) -> bool:
    """A district may pay for an offering of its own, of a school of its own or of an organization above it."""
    path = offering.organization.path
    return district.path.startswith(path) or path.startswith(district.path)


@transaction.atomic
def spending_record(*, actor: Any, district: Organization, stream: FundingStream, year: int, offering: Offering,
                    amount: Decimal, spent_on: datetime.date, competency: Competency | None = None,
                    description: str = "") -> Spending:
    """Record money the district spent on professional learning, tagged to stream, offering and competency."""
    _check(can_edit_district(actor, district), actor,
           "Only the district's AI lead or the state AI lead records its spending.")
    if not _offering_reaches(offering, district):
        raise ValidationError({"offering": "Choose an offering the district's staff can take."})
    if not stream.is_active:
        raise ValidationError({"stream": "This funding stream is no longer in use."})
    row = Spending(district=district, stream=stream, year=year, offering=offering, competency=competency,
                   amount=amount, spent_on=spent_on, description=description.strip(),
                   recorded_by=actor if actor is not None else None)
    row.full_clean()
    row.save()
    kind = "durable" if offering.is_durable else "one-time"
    audit_record(actor=actor, action="funding.spending_record", target=row, organization_id=district.pk,
                 summary=f"Recorded {_money(amount)} of {stream.name} on {offering.title} ({kind}) "
                         f"for {district.name}, {school_year_label(year)}")
    return row


# Plans -----------------------------------------------------------------------------------------

def _editable_plan(actor: Any, plan: Plan) -> None:
    _check(can_edit_district(actor, plan.district), actor,
           "Only the district's AI lead or the state AI lead writes its plan.")
    if plan.status != Review.DRAFT:
        raise ValidationError("A submitted plan does not change. Start a new plan to change course.")


@transaction.atomic
def plan_create(*, actor: Any, district: Organization, title: str, first_year: int, last_year: int,
                summary: str = "") -> Plan:
    _check(can_edit_district(actor, district), actor,
           "Only the district's AI lead or the state AI lead writes its plan.")
    plan = Plan(district=district, title=title.strip(), first_year=first_year, last_year=last_year,
                summary=summary.strip())
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="plan.create", target=plan, organization_id=district.pk,
                 summary=f"Started the professional learning plan {plan}")
    return plan


@transaction.atomic
def plan_goal_add(*, actor: Any, plan: Plan, statement: str, measure_of_success: str = "",
                  competencies: list[Competency] | None = None,
                  vision_sections: list[VisionSection] | None = None) -> PlanGoal:
    """Add a goal tied to framework competencies and vision sections."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _editable_plan(actor, plan)
    if not (competencies or vision_sections):
        raise ValidationError("Tie the goal to at least one competency of the framework or section of the vision.")
    goal = PlanGoal(plan=plan, statement=statement.strip(), measure_of_success=measure_of_success.strip(),
                    position=plan.goals.count() + 1)
    goal.full_clean()
    goal.save()
    goal.competencies.set(competencies or [])
    goal.vision_sections.set(vision_sections or [])
    audit_record(actor=actor, action="plan.goal_add", target=goal, organization_id=plan.district_id,
                 summary=f"Added goal {goal.position} to {plan.title}: {goal.statement[:120]}")
    return goal


@transaction.atomic
def plan_line_add(*, actor: Any, plan: Plan, year: int, stream: FundingStream, amount: Decimal,
                  offering: Offering | None = None, goal: PlanGoal | None = None) -> PlanLine:
    """Plan spend in one year from one stream, on an offering, towards a goal."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _editable_plan(actor, plan)
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError({"goal": "Choose a goal of this plan."})
    if offering is not None and not _offering_reaches(offering, plan.district):
        raise ValidationError({"offering": "Choose an offering the district's staff can take."})
    line = PlanLine(plan=plan, goal=goal, year=year, stream=stream, offering=offering, amount=amount)
    line.full_clean()
    line.save()
    audit_record(actor=actor, action="plan.line_add", target=line, organization_id=plan.district_id,
                 summary=f"Planned {_money(amount)} of {stream.name} in {school_year_label(year)} for {plan.title}")
    return line


@transaction.atomic
def plan_submit(*, actor: Any, plan: Plan) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _editable_plan(actor, plan)
    if not plan.goals.exists():
        raise ValidationError("Add at least one goal before submitting the plan.")
    plan.status, plan.submitted_at, plan.submitted_by = Review.SUBMITTED, timezone.now(), actor
    plan.full_clean()
    plan.save()
    audit_record(actor=actor, action="plan.submit", target=plan, organization_id=plan.district_id,
                 summary=f"Submitted the plan {plan} to the state")
    return plan


@transaction.atomic
def goal_feedback_add(*, actor: Any, goal: PlanGoal, body: str) -> GoalFeedback:
    """The state's written feedback on one goal of a submitted plan; the plan is then reviewed."""
    _check(can_review(actor), actor, "Only the state AI lead reviews plans.")
    plan = Plan.objects.select_for_update().get(pk=goal.plan_id)
    if plan.status == Review.DRAFT:
        raise ValidationError("The district has not submitted this plan yet.")
    feedback = GoalFeedback(goal=goal, body=body.strip(), author=actor)
    feedback.full_clean(exclude=["author"] if actor is None else None)
    feedback.save()
    if plan.status != Review.REVIEWED:
        plan.status, plan.reviewed_at, plan.reviewed_by = Review.REVIEWED, timezone.now(), actor
        plan.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
    audit_record(actor=actor, action="plan.feedback", target=feedback, organization_id=plan.district_id,
                 summary=f"Gave feedback on goal {goal.position} of {plan.title}")
    return feedback


# Annual reports --------------------------------------------------------------------------------

def _editable_report(actor: Any, report: AnnualReport) -> None:
    _check(can_edit_district(actor, report.district), actor,
           "Only the district's AI lead or the state AI lead writes its annual report.")
    if report.status != Review.DRAFT:
        raise ValidationError("A submitted report never changes.")


def _draft_figures(*, actor: Any, report: AnnualReport) -> None:
    from trellis.insights.drafting import report_figures

    figures = report_figures(user=actor, district=report.district, year=report.year)
    current = {s.key: s for s in report.sections.all()}
    for position, key in enumerate(ReportSection.Key.values, start=1):
        section = current.get(key) or ReportSection(report=report, key=key, position=position)
        section.figures = figures[key]
        section.full_clean(exclude=["report"])
        section.save()


@transaction.atomic
def report_start(*, actor: Any, district: Organization, year: int) -> AnnualReport:
    """Start a district's annual report for a year: Trellis drafts every section's figures."""
    _check(can_edit_district(actor, district), actor,
           "Only the district's AI lead or the state AI lead writes its annual report.")
    if AnnualReport.objects.filter(district=district, year=year).exists():
        raise ValidationError({"year": f"{district.name} already has a report for {school_year_label(year)}."})
    report = AnnualReport(district=district, year=year)
    report.full_clean()
    report.save()
    _draft_figures(actor=actor, report=report)
    audit_record(actor=actor, action="report.start", target=report, organization_id=district.pk,
                 summary=f"Started {district.name}'s professional learning report for {report.year_label}")
    return report


@transaction.atomic
def report_save(*, actor: Any, report: AnnualReport, narratives: dict[str, str], refresh: bool = False) -> AnnualReport:
    """Save the district's narrative per section (and, when asked, draft the figures again from today's data)."""
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    _editable_report(actor, report)
    unknown = set(narratives) - set(ReportSection.Key.values)
    if unknown:
        raise ValidationError(f"Not report sections: {', '.join(sorted(unknown))}.")
    if refresh:
        _draft_figures(actor=actor, report=report)
    changed = []
    errors: dict[str, list[str]] = {}
    for section in report.sections.all():
        if section.key not in narratives or narratives[section.key].strip() == section.narrative:
            continue
        section.narrative = narratives[section.key].strip()
        try:
            section.full_clean(exclude=["report"])
        except ValidationError as exc:
            errors[section.key] = exc.messages
            continue
        section.save()
        changed.append(section.key)
    if errors:
        raise ValidationError(errors)
    if changed or refresh:
        audit_record(actor=actor, action="report.save", target=report, organization_id=report.district_id,
                     summary=f"Saved the draft of {report}" + (", figures drafted again" if refresh else ""),
                     details={"changed": changed, "refreshed": refresh})
    return report


@transaction.atomic
def report_submit(*, actor: Any, report: AnnualReport) -> AnnualReport:
    """Submit the report: its figures and narrative are kept as they are from now on."""
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    _editable_report(actor, report)
    missing = [s.get_key_display() for s in report.sections.all() if not s.narrative.strip()]
    if missing:
        raise ValidationError(f"Write something in every section before submitting. Still empty: "
                              f"{', '.join(missing)}.")
    report.status, report.submitted_at, report.submitted_by = Review.SUBMITTED, timezone.now(), actor
    report.full_clean()
    report.save()
    audit_record(actor=actor, action="report.submit", target=report, organization_id=report.district_id,
                 summary=f"Submitted {report} to the state")
    return report


@transaction.atomic
def report_review(*, actor: Any, report: AnnualReport, reviews: dict[str, tuple[str, str]]) -> AnnualReport:
    """The state's rating (strength / developing / needs support) and feedback on each section given."""
    _check(can_review(actor), actor, "Only the state AI lead reviews annual reports.")
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.status == Review.DRAFT:
        raise ValidationError("The district has not submitted this report yet.")
    sections = {s.key: s for s in report.sections.all()}
    errors: dict[str, list[str]] = {}
    rows = []
    for key, (rating, body) in reviews.items():
        if key not in sections:
            errors[key] = ["Not a section of this report."]
            continue
        if not rating and not body.strip():
            continue
        row = SectionFeedback(section=sections[key], rating=rating, body=body.strip(), reviewer=actor)
        try:
            row.full_clean(exclude=["reviewer"] if actor is None else None)
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("Rate and answer at least one section.")
    for row in rows:
        row.save()
    report.status, report.reviewed_at, report.reviewed_by = Review.REVIEWED, timezone.now(), actor
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
    ratings = {row.section.key: row.rating for row in rows}
    audit_record(actor=actor, action="report.review", target=report, organization_id=report.district_id,
                 summary=f"Reviewed {report}: " + ", ".join(
                     f"{ReportSection.Key(k).label} {Rating(r).label.lower()}" for k, r in ratings.items()),
                 details={"ratings": ratings})
    return report


@transaction.atomic
def feedback_respond(*, actor: Any, feedback: SectionFeedback, response: str) -> SectionFeedback:
    """The district's answer to the state's feedback on a section."""
    feedback = SectionFeedback.objects.select_for_update().select_related("section__report__district").get(
        pk=feedback.pk)
    report = feedback.section.report
    _check(can_edit_district(actor, report.district), actor,
           "Only the district's AI lead or the state AI lead answers the state's feedback.")
    if not response.strip():
        raise ValidationError({"response": "Write the district's response."})
    if feedback.response:
        raise ValidationError({"response": "The district has answered this feedback already."})
    feedback.response, feedback.responded_at, feedback.responded_by = response.strip(), timezone.now(), actor
    feedback.full_clean(exclude=["reviewer"])
    feedback.save()
    audit_record(actor=actor, action="report.respond", target=feedback, organization_id=report.district_id,
                 summary=f"Answered the state's feedback on {feedback.section.get_key_display()} in {report}")
    return feedback
