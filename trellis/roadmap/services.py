"""Every write to district roadmaps and the state's action tracker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trellis.core.services import audit_record
from trellis.orgs.models import Organization
from trellis.roadmap.indicators import INDICATORS, STATE_ACTION_KEYS
from trellis.roadmap.models import IndicatorRating, Rating, RoadmapAssessment, RoadmapGoal, StateActionStatus
from trellis.roadmap.permissions import can_edit_roadmap, can_edit_state_actions
from trellis.roadmap.progress import roadmap_progress


@dataclass(frozen=True)
class RatingInput:
    rating: str
    evidence: str = ""
    evidence_url: str = ""


def _latest_submitted(district: Organization) -> RoadmapAssessment | None:
    return (RoadmapAssessment.objects.filter(district=district, status=RoadmapAssessment.Status.SUBMITTED)
            .order_by("-submitted_at", "-id").first())


def _draft_for(district: Organization) -> RoadmapAssessment:
    """The district's draft, started as a copy of its last submitted assessment when there is none."""
    draft = RoadmapAssessment.objects.select_for_update().filter(
        district=district, status=RoadmapAssessment.Status.DRAFT).first()
    if draft is not None:
        return draft
    draft = RoadmapAssessment(district=district)
    draft.full_clean()
    draft.save()
    previous = _latest_submitted(district)
    if previous is not None:
        IndicatorRating.objects.bulk_create([
            IndicatorRating(assessment=draft, indicator=r.indicator, rating=r.rating, evidence=r.evidence,
                            evidence_url=r.evidence_url)
            for r in previous.ratings.all()
        ])
    return draft


@transaction.atomic
def roadmap_save(*, actor: Any, district: Organization, ratings: dict[str, RatingInput]) -> RoadmapAssessment:
    """Save the district's ratings into its draft. Raises ValidationError naming the indicator
    when a rating is not valid (for example "met" without evidence); nothing is saved then.
    ``actor=None`` is system work (the demo), which may rate any district."""
    if district.kind != Organization.Kind.DISTRICT:
        raise PermissionDenied("Only a district has a roadmap.")
    if actor is not None and not can_edit_roadmap(actor, district):
        raise PermissionDenied("Only the district's AI lead or the state AI lead can rate its roadmap.")
    unknown = set(ratings) - set(INDICATORS)
    if unknown:
        raise ValidationError(f"Not roadmap indicators: {', '.join(sorted(unknown))}.")
    draft = _draft_for(district)
    current = {r.indicator: r for r in draft.ratings.all()}
    changed: list[str] = []
    errors: dict[str, list[str]] = {}
    for key, given in ratings.items():
        row = current.get(key) or IndicatorRating(assessment=draft, indicator=key)
        before = (row.rating, row.evidence, row.evidence_url) if row.pk else None
        row.rating, row.evidence, row.evidence_url = given.rating, given.evidence.strip(), given.evidence_url.strip()
        try:
            row.full_clean(exclude=["assessment"])
        except ValidationError as exc:
            errors[key] = [message for messages in exc.message_dict.values() for message in messages]
            continue
        if before != (row.rating, row.evidence, row.evidence_url):
            row.save()
            changed.append(key)
    if errors:
        raise ValidationError(errors)
    if changed:
        met = sum(r.rating == Rating.MET for r in draft.ratings.all())
        audit_record(
            actor=actor, action="roadmap.save", target=draft, organization_id=district.pk,
            summary=f"Updated the roadmap of {district.name}: {len(changed)} indicator"
                    f"{'s' if len(changed) != 1 else ''} changed, {met} of {len(INDICATORS)} met",
            details={"changed": sorted(changed)},
        )
    return draft


@transaction.atomic
def roadmap_submit(*, actor: Any, district: Organization) -> RoadmapAssessment:
    """Submit the district's draft: it is kept as it is, and the state sees its stage."""
    if actor is not None and not can_edit_roadmap(actor, district):
        raise PermissionDenied("Only the district's AI lead or the state AI lead can submit its roadmap.")
    draft = RoadmapAssessment.objects.select_for_update().filter(
        district=district, status=RoadmapAssessment.Status.DRAFT).first()
    if draft is None:
        raise ValidationError("There is no draft to submit. Rate the indicators first.")
    draft.status = RoadmapAssessment.Status.SUBMITTED
    draft.submitted_at = timezone.now()
    draft.submitted_by = actor
    draft.full_clean()
    draft.save()
    progress = roadmap_progress({r.indicator: r.rating for r in draft.ratings.all()})
    audit_record(
        actor=actor, action="roadmap.submit", target=draft, organization_id=district.pk,
        summary=f"Submitted the roadmap of {district.name} ({progress.label})",
        details={"stages_complete": progress.stages_complete},
    )
    return draft


@transaction.atomic
def state_action_update(*, actor: Any, state: Organization, action: str, status: str,
                        note: str = "") -> StateActionStatus:
    if actor is not None and not can_edit_state_actions(actor):
        raise PermissionDenied("Only the state AI lead can update the state's actions.")
    if action not in STATE_ACTION_KEYS:
        raise ValidationError({"action": "Not a state action."})
    row = StateActionStatus.objects.select_for_update().filter(state=state, action=action).first()
    row = row or StateActionStatus(state=state, action=action)
    before = (row.status, row.note) if row.pk else None
    row.status, row.note = status, note.strip()
    row.full_clean()
    if before != (row.status, row.note):
        row.save()
        audit_record(
            actor=actor, action="roadmap.state_action", target=row, organization_id=state.pk,
            summary=f"Marked the state action {action} as {row.get_status_display().lower()}",
        )
    return row


@transaction.atomic
def roadmap_goal_create(*, actor: Any, district: Organization, title: str, description: str = "") -> RoadmapGoal:
    """A draft goal in the district's plan."""
    if not can_edit_roadmap(actor, district):
        raise PermissionDenied("Only the district's AI lead or the state AI lead can add to its plan.")
    goal = RoadmapGoal(district=district, title=title.strip()[:200], description=description.strip(),
                       created_by=actor)
    goal.full_clean()
    goal.save()
    audit_record(actor=actor, action="roadmap.goal_create", target=goal, organization_id=district.pk,
                 summary=f"Added the goal {goal.title} to the plan of {district.name}")
    return goal
