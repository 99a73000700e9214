"""Every write to the tool registry, inventories, requests, reviews, decisions, agreements,
incidents and opt-out requests. Each checks permission, validates and writes the audit log."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trellis.core.services import UserFacingError, audit_record
from trellis.orgs.models import Organization
from trellis.tools import permissions as perm
from trellis.tools.models import (
    Agreement,
    Criterion,
    CriterionRating,
    Decision,
    Deployment,
    Incident,
    InventoryEntry,
    OptOutRequest,
    Review,
    RubricVersion,
    Tool,
    ToolRequest,
)
from trellis.tools.rubric import criteria_by_area, rubric_current
from trellis.tools.vocabulary import STEP_AREAS, Rating, ReviewArea

PDF_MAGIC = b"%PDF-"


def _deny_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


#: The catalog entry's own fields, as the catalog form gives them.
TOOL_FIELDS = ("vendor", "product", "version", "summary", "ai_functions", "model_provider", "provider_kind",
               "student_data", "staff_data", "youngest_age", "privacy_policy_url", "accessibility_url",
               "evidence_url")


def _tool_fields(*, vendor: str, product: str, summary: str, ai_functions: list[str], version: str = "",
                 model_provider: str = "", provider_kind: str = Tool.ProviderKind.INTERNAL,
                 student_data: list[str] | None = None, staff_data: list[str] | None = None,
                 youngest_age: int | None = None, privacy_policy_url: str = "", accessibility_url: str = "",
                 evidence_url: str = "") -> dict[str, Any]:
    return {"vendor": vendor, "product": product, "version": version, "summary": summary,
            "ai_functions": list(ai_functions), "model_provider": model_provider, "provider_kind": provider_kind,
            "student_data": list(student_data or []), "staff_data": list(staff_data or []),
            "youngest_age": youngest_age, "privacy_policy_url": privacy_policy_url,
            "accessibility_url": accessibility_url, "evidence_url": evidence_url}


@transaction.atomic
def tool_create(*, actor: Any, **fields: Any) -> Tool:
    _deny_unless(actor is None or perm.can_add_tool(actor), "Only the state or a district AI lead adds tools.")
    tool = Tool(**_tool_fields(**fields))
    tool.full_clean()
    tool.save()
    audit_record(actor=actor, action="tool.create", target=tool, summary=f"Added {tool} to the state catalog")
    return tool


@transaction.atomic
def tool_update(*, actor: Any, tool: Tool, **fields: Any) -> Tool:
    """Change a catalog entry. The audit log keeps what each changed field was and became."""
    _deny_unless(perm.can_edit_tool(actor), "Only the state lead changes the state catalog.")
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    wanted = _tool_fields(**fields)
    changes = {name: {"was": getattr(tool, name), "now": value} for name, value in wanted.items()
               if getattr(tool, name) != value}
    if not changes:
        return tool
    for name, value in wanted.items():
        setattr(tool, name, value)
    tool.full_clean()
    tool.save()
    audit_record(actor=actor, action="tool.change", target=tool,
                 summary=f"Changed {tool} in the state catalog: " + ", ".join(
                     str(Tool._meta.get_field(name).verbose_name) for name in changes),
                 details={"changes": changes})
    return tool


@transaction.atomic
def inventory_save(*, actor: Any, district: Organization, tool: Tool, schools: Iterable[Organization],
                   grades: list[str], purpose: str) -> InventoryEntry:
    """Add a tool to a district's inventory, or change where and for which grades it is used."""
    _deny_unless(actor is None or perm.can_govern(actor, district),
                 "Only the district's AI lead keeps its inventory.")
    schools = list(schools)
    if any(school.parent_id != district.pk for school in schools):
        raise ValidationError({"schools": "Choose schools of this district only."})
    entry = InventoryEntry.objects.filter(district=district, tool=tool).first() or InventoryEntry(
        district=district, tool=tool
    )
    created = entry.pk is None
    entry.grades, entry.purpose = list(grades), purpose
    entry.full_clean()
    entry.save()
    entry.schools.set(schools)
    audit_record(
        actor=actor, action="inventory.add" if created else "inventory.change", target=entry,
        organization_id=district.pk, summary=f"{'Added' if created else 'Changed'} {tool} in the inventory",
        details={"schools": [s.pk for s in schools], "grades": entry.grades},
    )
    return entry


@transaction.atomic
def request_create(*, actor: Any, tool: Tool, school: Organization, grades: list[str], purpose: str) -> ToolRequest:
    _deny_unless(perm.can_request_tool(actor, school), "You can only request tools for your own school.")
    tool_request = ToolRequest(tool=tool, school=school, requested_by=actor, grades=list(grades), purpose=purpose)
    tool_request.full_clean()
    tool_request.save()
    audit_record(actor=actor, action="tool_request.create", target=tool_request, organization_id=school.pk,
                 summary=f"Requested {tool} for {school}")
    return tool_request


@transaction.atomic
def request_route(*, actor: Any, tool_request: ToolRequest, reviewers: dict[str, Any]) -> list[Review]:
    """Send a request through the review steps the district chose, one reviewer each."""
    district = tool_request.district
    _deny_unless(perm.can_govern(actor, district), "Only the district's AI lead routes requests.")
    if not reviewers:
        raise ValidationError("Choose at least one review step.")
    unknown = set(reviewers) - set(STEP_AREAS)
    if unknown:
        raise ValidationError(f"Unknown review steps: {', '.join(sorted(unknown))}.")
    for reviewer in reviewers.values():
        if not perm.works_in(reviewer, district):
            raise ValidationError(f"{reviewer.get_username()} does not work in {district}.")
    rubric = rubric_current()
    reviews = []
    for step, reviewer in reviewers.items():
        review, _ = Review.objects.get_or_create(
            request=tool_request, step=step,
            defaults={"tool": tool_request.tool, "organization": district, "rubric": rubric, "reviewer": reviewer},
        )
        if review.status == Review.Status.DRAFT and review.reviewer_id != reviewer.pk:
            review.reviewer = reviewer
            review.save(update_fields=["reviewer", "updated_at"])
        reviews.append(review)
    tool_request.status = ToolRequest.Status.IN_REVIEW
    tool_request.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="tool_request.route", target=tool_request, organization_id=district.pk,
                 summary=f"Sent {tool_request.tool} to review: {', '.join(sorted(reviewers))}",
                 details={step: r.get_username() for step, r in reviewers.items()})
    return reviews


def review_criteria(review: Review) -> list[Criterion]:
    """The criteria a review rates: its step's areas, or all of them for a full review."""
    return criteria_by_area(review.rubric, STEP_AREAS.get(review.step) if review.step else None)


def can_edit_review(user: Any, review: Review) -> bool:
    return review.status == Review.Status.DRAFT and review.reviewer_id == getattr(user, "pk", None)


@transaction.atomic
def review_rate(*, actor: Any, review: Review, ratings: dict[int, dict[str, str]], summary: str,
                submit: bool) -> Review:
    """Save a reviewer's ratings; submitting needs a rating for every criterion of the review."""
    _deny_unless(can_edit_review(actor, review), "Only the assigned reviewer changes a review before it is sent.")
    criteria = {c.pk: c for c in review_criteria(review)}
    problems: dict[str, str] = {}
    for criterion_id, given in ratings.items():
        if criterion_id not in criteria:
            raise ValidationError("A rating is for a criterion this review does not rate.")
        if given.get("rating") and given["rating"] not in Rating.values:
            problems[f"rating_{criterion_id}"] = "Choose one of the three ratings."
    if submit:
        for criterion_id in criteria:
            if not ratings.get(criterion_id, {}).get("rating"):
                problems[f"rating_{criterion_id}"] = "Rate this criterion before sending the review."
    if problems:
        raise ValidationError(problems)
    for criterion_id, given in ratings.items():
        if not given.get("rating"):
            CriterionRating.objects.filter(review=review, criterion_id=criterion_id).delete()
            continue
        row = CriterionRating.objects.filter(review=review, criterion_id=criterion_id).first() or CriterionRating(
            review=review, criterion_id=criterion_id
        )
        row.rating, row.note, row.evidence_url = given["rating"], given.get("note", ""), given.get("evidence_url", "")
        row.full_clean()
        row.save()
    review.summary = summary
    if submit:
        review.status = Review.Status.SUBMITTED
    review.full_clean()
    review.save()
    audit_record(actor=actor, action="review.submit" if submit else "review.save", target=review,
                 organization_id=review.organization_id,
                 summary=f"{'Sent' if submit else 'Saved'} the {review.get_step_display() or 'full'} review "
                         f"of {review.tool}")
    return review


@transaction.atomic
def review_start(*, actor: Any, tool: Tool, organization: Organization, adopt: Review | None = None) -> Review:
    """A full review of a tool by the state or a district, optionally starting from another
    organization's submitted review (its ratings copied, its rubric version kept)."""
    allowed = perm.is_state_lead(actor) if organization.kind == Organization.Kind.STATE else perm.can_govern(
        actor, organization)
    _deny_unless(allowed, "Only the state AI lead or the district's AI lead starts a full review.")
    if adopt is not None:
        if adopt.tool_id != tool.pk or adopt.status != Review.Status.SUBMITTED:
            raise ValidationError("Only a sent review of the same tool can be adopted.")
        if adopt.organization_id == organization.pk:
            raise ValidationError("That review is already this organization's own.")
    review = Review(tool=tool, organization=organization, reviewer=actor,
                    rubric=adopt.rubric if adopt else rubric_current(), adopted_from=adopt,
                    summary=adopt.summary if adopt else "")
    review.full_clean()
    review.save()
    if adopt is not None:
        CriterionRating.objects.bulk_create(
            CriterionRating(review=review, criterion_id=r.criterion_id, rating=r.rating, note=r.note,
                            evidence_url=r.evidence_url)
            for r in adopt.ratings.all()
        )
    audit_record(actor=actor, action="review.start", target=review, organization_id=organization.pk,
                 summary=f"Started a review of {tool}" + (f" from {adopt.organization}'s" if adopt else ""))
    return review


@transaction.atomic
def review_publish(*, actor: Any, review: Review) -> Review:
    _deny_unless(perm.is_state_lead(actor), "Only the state AI lead publishes reviews.")
    if review.status != Review.Status.SUBMITTED:
        raise ValidationError("Send the review before publishing it.")
    review.published_at = timezone.now()
    review.save(update_fields=["published_at", "updated_at"])
    audit_record(actor=actor, action="review.publish", target=review, organization_id=review.organization_id,
                 summary=f"Published the review of {review.tool} by {review.organization}")
    return review


@transaction.atomic
def rubric_publish(*, actor: Any, criteria: list[tuple[str, str]], notes: str) -> RubricVersion:
    """Publish a new rubric version; reviews already started keep theirs."""
    _deny_unless(perm.is_state_lead(actor), "Only the state AI lead publishes the rubric.")
    problems = [f"line {i}: {area!r} is not a rubric area" for i, (area, _) in enumerate(criteria, 1)
                if area not in ReviewArea.values]
    missing = set(ReviewArea.values) - {area for area, _ in criteria}
    if problems or missing:
        missing_text = [f"no criterion for {ReviewArea(a).label}" for a in sorted(missing)]
        raise ValidationError("; ".join(problems + missing_text))
    latest = rubric_current()
    rubric = RubricVersion.objects.create(number=(latest.number if latest else 0) + 1, notes=notes,
                                          published_by=actor)
    rows = [Criterion(rubric=rubric, area=area, position=i, text=text.strip()) for i, (area, text) in
            enumerate(criteria, 1)]
    for row in rows:
        row.full_clean(exclude=["rubric"])
    Criterion.objects.bulk_create(rows)
    audit_record(actor=actor, action="rubric.publish", target=rubric,
                 summary=f"Published rubric version {rubric.number} ({len(rows)} criteria)")
    return rubric


@transaction.atomic
def decision_record(*, actor: Any, district: Organization, tool: Tool, outcome: str, reasons: str,
                    conditions: str = "", expires_on: datetime.date | None = None,
                    tool_request: ToolRequest | None = None) -> Decision:
    _deny_unless(actor is None or perm.can_govern(actor, district), "Only the district's AI lead decides.")
    if tool_request is not None and (tool_request.district.pk != district.pk or tool_request.tool_id != tool.pk):
        raise ValidationError("That request is for another district or tool.")
    decision = Decision(district=district, tool=tool, outcome=outcome, reasons=reasons, conditions=conditions,
                        expires_on=expires_on, request=tool_request, decided_by=actor,
                        decided_on=timezone.localdate())
    decision.full_clean()
    decision.save()
    if tool_request is not None:
        tool_request.status = ToolRequest.Status.DECIDED
        tool_request.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="decision.record", target=decision, organization_id=district.pk,
                 summary=f"{decision.get_outcome_display()}: {tool}",
                 details={"expires_on": str(expires_on) if expires_on else None})
    return decision


def agreement_directory() -> Path:
    folder = Path(settings.TRELLIS_DATA_DIR) / "agreements"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_agreement_file(upload: Any) -> None:
    """A signed agreement must be a PDF (by its first bytes, not its name) within the size limit."""
    limit = settings.TRELLIS_AGREEMENT_MAX_BYTES
    if upload.size > limit:
        raise UserFacingError(f"{upload.name} is {upload.size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB. "
                              "Scan it at a lower resolution or upload the signed pages only.")
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise UserFacingError(f"{upload.name} is not a PDF file. Save the signed agreement as PDF and upload that.")


@transaction.atomic
def agreement_add(*, actor: Any, district: Organization, tool: Tool, starts_on: datetime.date,
                  ends_on: datetime.date, data_elements: list[str], clauses: list[str], coppa_basis: str = "",
                  allows_piggyback: bool = False, upload: Any = None,
                  piggyback_of: Agreement | None = None) -> Agreement:
    """Record a signed agreement with its PDF, or join another district's agreement with the vendor."""
    _deny_unless(actor is None or perm.can_govern(actor, district), "Only the district's AI lead adds agreements.")
    if (upload is None) == (piggyback_of is None):
        raise ValidationError("Upload the signed agreement, or choose another district's agreement to join.")
    agreement = Agreement(district=district, tool=tool, starts_on=starts_on, ends_on=ends_on,
                          data_elements=list(data_elements), clauses=list(clauses), coppa_basis=coppa_basis,
                          allows_piggyback=allows_piggyback, piggyback_of=piggyback_of, added_by=actor)
    if upload is not None:
        check_agreement_file(upload)
        agreement.original_name, agreement.file_size = Path(upload.name).name[:200], upload.size
        agreement.file_name = f"{uuid.uuid4().hex}.pdf"
    agreement.full_clean()
    target = agreement_directory() / agreement.file_name if upload is not None else None
    try:
        if target is not None:
            with target.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
        agreement.save()
        audit_record(actor=actor, action="agreement.add", target=agreement, organization_id=district.pk,
                     summary=f"Added the data privacy agreement for {tool}"
                             + (f" (joining {piggyback_of.district}'s)" if piggyback_of else ""),
                     details={"ends_on": str(ends_on)})
    except BaseException:
        if target is not None:
            target.unlink(missing_ok=True)
        raise
    return agreement


def agreement_file_path(agreement: Agreement) -> Path | None:
    source = agreement.piggyback_of or agreement
    return agreement_directory() / source.file_name if source.file_name else None


@transaction.atomic
def incident_report(*, actor: Any, organization: Organization, category: str, description: str,
                    severity: str = Incident.Severity.MEDIUM, tool: Tool | None = None, reporter_name: str = "",
                    reporter_contact: str = "", sender: str = "") -> Incident:
    """A report from staff (``actor`` signed in) or from the public (``actor=None``)."""
    from_public = actor is None
    if not from_public:
        _deny_unless(perm.can_report_incident(actor, organization), "You can report only where you work.")
    incident = Incident(organization=organization, tool=tool, category=category, severity=severity,
                        description=description, from_public=from_public, reported_by=actor,
                        reporter_name=reporter_name, reporter_contact=reporter_contact, sender=sender)
    incident.full_clean()
    incident.save()
    audit_record(actor=actor, action="incident.report", target=incident, organization_id=organization.pk,
                 summary=f"Incident {incident.reference} reported ({incident.get_category_display()})"
                         + (" from the public page" if from_public else ""))
    return incident


@transaction.atomic
def incident_triage(*, actor: Any, incident: Incident, status: str, severity: str, action_taken: str) -> Incident:
    _deny_unless(perm.can_govern(actor, incident.district), "Only the district's AI lead triages incidents.")
    before = (incident.status, incident.severity)
    incident.status, incident.severity, incident.action_taken = status, severity, action_taken
    incident.full_clean()
    incident.save()
    audit_record(actor=actor, action="incident.triage", target=incident, organization_id=incident.organization_id,
                 summary=f"Incident {incident.reference}: {incident.get_status_display()}",
                 details={"before": before, "after": [status, severity]})
    return incident


def public_sender(address: str) -> str:
    """A keyed hash of the sender's address: enough to count their posts, useless to identify them."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def public_posts_allowed(sender: str) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = (Incident.objects.filter(sender=sender, created_at__gte=since).count()
              + OptOutRequest.objects.filter(sender=sender, created_at__gte=since).count())
    return recent < settings.TRELLIS_PUBLIC_POSTS_PER_HOUR


@transaction.atomic
def opt_out_submit(*, school: Organization, parent_name: str, contact: str, tool: Tool | None = None,
                   grade: str = "", message: str = "", sender: str = "") -> OptOutRequest:
    if school.kind != Organization.Kind.SCHOOL:
        raise ValidationError("An opt-out request goes to one school.")
    request = OptOutRequest(school=school, tool=tool, parent_name=parent_name, contact=contact, grade=grade,
                            message=message, sender=sender)
    request.full_clean()
    request.save()
    audit_record(actor=None, action="opt_out.submit", target=request, organization_id=school.pk,
                 summary=f"Opt-out request {request.reference} received for {school}")
    return request


@transaction.atomic
def opt_out_answer(*, actor: Any, opt_out: OptOutRequest, answer: str) -> OptOutRequest:
    _deny_unless(perm.can_answer_opt_out(actor, opt_out.school), "Only the school's leader or district answers.")
    if not answer.strip():
        raise ValidationError({"answer": "Write the answer the family will receive."})
    opt_out.answer, opt_out.status, opt_out.answered_by = answer, OptOutRequest.Status.ANSWERED, actor
    opt_out.full_clean()
    opt_out.save()
    audit_record(actor=actor, action="opt_out.answer", target=opt_out, organization_id=opt_out.school_id,
                 summary=f"Answered opt-out request {opt_out.reference}")
    return opt_out


@transaction.atomic
def deployment_create(*, actor: Any, district: Organization, tool: Tool, schools: Iterable[Organization],
                      grades: list[str], stage: str, starts_on: datetime.date, ends_on: datetime.date | None = None,
                      question: str = "", success_measures: str = "", participants: str = "") -> Deployment:
    """Put a tool in schools: only while a decision allows it, and at scale only when that
    decision is more than "pilot only"."""
    _deny_unless(actor is None or perm.can_govern(actor, district), "Only the district's AI lead deploys tools.")
    decision = Decision.objects.filter(district=district, tool=tool).first()
    if decision is None or not decision.allows_use:
        raise ValidationError("The district has no decision in force that allows this tool.")
    if stage == Deployment.Stage.SCALED and decision.outcome == Decision.Outcome.PILOT_ONLY:
        raise ValidationError({"stage": "The decision allows a pilot only."})
    schools = list(schools)
    if not schools or any(school.parent_id != district.pk for school in schools):
        raise ValidationError({"schools": "Choose one or more schools of this district."})
    deployment = Deployment(district=district, tool=tool, grades=list(grades), stage=stage, starts_on=starts_on,
                            ends_on=ends_on, question=question, success_measures=success_measures,
                            participants=participants, created_by=actor,
                            scaled_on=starts_on if stage == Deployment.Stage.SCALED else None)
    deployment.full_clean()
    deployment.save()
    deployment.schools.set(schools)
    audit_record(actor=actor, action="deployment.create", target=deployment, organization_id=district.pk,
                 summary=f"Started {deployment.get_stage_display().lower()} of {tool} in {len(schools)} "
                         f"school{'s' if len(schools) != 1 else ''}")
    return deployment


@transaction.atomic
def pilot_evaluate(*, actor: Any, deployment: Deployment, evaluation: str) -> Deployment:
    _deny_unless(perm.can_govern(actor, deployment.district), "Only the district's AI lead evaluates pilots.")
    if not evaluation.strip():
        raise ValidationError({"evaluation": "Write what the pilot found."})
    deployment.evaluation, deployment.evaluated_on = evaluation, timezone.localdate()
    deployment.full_clean()
    deployment.save()
    audit_record(actor=actor, action="deployment.evaluate", target=deployment, organization_id=deployment.district_id,
                 summary=f"Evaluated the pilot of {deployment.tool}")
    return deployment
