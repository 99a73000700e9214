"""Reads of district roadmaps and the state's overview, already limited to what the person may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from trellis.orgs.models import Organization
from trellis.orgs.selectors import QUARTILE_LABELS, organization_get, poverty_quartiles
from trellis.roadmap.indicators import STAGES, STATE_ACTIONS
from trellis.roadmap.models import IndicatorRating, RoadmapAssessment, StateActionStatus
from trellis.roadmap.permissions import can_view_roadmap, can_view_state_roadmap
from trellis.roadmap.progress import RoadmapProgress, roadmap_progress

NOT_ASSESSED = "Not yet assessed"


def roadmap_district_get(*, user: Any, pk: int) -> Organization:
    """A district whose roadmap the person may see; anything else is "not found"."""
    district = organization_get(user=user, pk=pk)
    if not can_view_roadmap(user, district):
        raise Http404("No such roadmap.")
    return district


@dataclass(frozen=True)
class DistrictRoadmap:
    district: Organization
    #: The draft when there is one, else the latest submitted assessment, else None.
    current: RoadmapAssessment | None
    ratings: dict[str, IndicatorRating]
    progress: RoadmapProgress
    history: list[RoadmapAssessment]


def district_roadmap(*, district: Organization) -> DistrictRoadmap:
    assessments = list(RoadmapAssessment.objects.filter(district=district)
                       .select_related("submitted_by").prefetch_related("ratings"))
    draft = next((a for a in assessments if a.status == RoadmapAssessment.Status.DRAFT), None)
    submitted = sorted((a for a in assessments if a.status == RoadmapAssessment.Status.SUBMITTED),
                       key=lambda a: (a.submitted_at, a.pk), reverse=True)
    current = draft or (submitted[0] if submitted else None)
    ratings = {r.indicator: r for r in current.ratings.all()} if current else {}
    progress = roadmap_progress({key: r.rating for key, r in ratings.items()})
    history = [(a, roadmap_progress({r.indicator: r.rating for r in a.ratings.all()})) for a in submitted]
    for assessment, assessed in history:
        assessment.progress = assessed  # type: ignore[attr-defined]
    return DistrictRoadmap(district, current, ratings, progress, submitted)


def next_step_help(progress: RoadmapProgress, *, per_step: int = 3) -> dict[str, list[Any]]:
    """For each next step, the best-ranked published commons items for its indicator's word."""
    from trellis.commons.selectors import commons_search

    found: dict[str, list[Any]] = {}
    for indicator in progress.next_steps:
        if indicator.commons_query:
            found[indicator.key] = commons_search(query=indicator.commons_query).items[:per_step]
    return found


@dataclass(frozen=True)
class DistrictStageRow:
    district: Organization
    region: Organization | None
    quartile: int | None
    progress: RoadmapProgress | None
    submitted_at: Any

    @property
    def stage_label(self) -> str:
        return self.progress.label if self.progress else NOT_ASSESSED

    @property
    def quartile_label(self) -> str:
        return QUARTILE_LABELS.get(self.quartile or 0, "Not known")


def state_roadmap_rows(*, user: Any, region: int | None = None, locale: str = "",
                       quartile: int | None = None) -> list[DistrictStageRow]:
    """Every active district with the stage of its latest submitted roadmap (drafts are the
    district's own until submitted), filtered by region, locale and poverty quartile."""
    if not can_view_state_roadmap(user):
        raise Http404("No such page.")
    districts = Organization.objects.filter(kind=Organization.Kind.DISTRICT, is_active=True).select_related("parent")
    if region:
        districts = districts.filter(parent_id=region)
    if locale:
        districts = districts.filter(locale=locale)
    submitted = (RoadmapAssessment.objects.filter(status=RoadmapAssessment.Status.SUBMITTED)
                 .order_by("district_id", "-submitted_at", "-id")
                 .prefetch_related(Prefetch("ratings", queryset=IndicatorRating.objects.only(
                     "assessment_id", "indicator", "rating"))))
    latest: dict[int, RoadmapAssessment] = {}
    for assessment in submitted.filter(district__in=districts):
        latest.setdefault(assessment.district_id, assessment)
    quartiles = poverty_quartiles(Organization.Kind.DISTRICT)
    rows = []
    for district in districts.order_by("name"):
        assessment = latest.get(district.pk)
        progress = roadmap_progress({r.indicator: r.rating for r in assessment.ratings.all()}) if assessment else None
        parent = district.parent if district.parent and district.parent.kind == Organization.Kind.REGION else None
        rows.append(DistrictStageRow(district, parent, quartiles.get(district.pk), progress,
                                     assessment.submitted_at if assessment else None))
    if quartile:
        rows = [row for row in rows if row.quartile == quartile]
    return rows


def stage_labels() -> list[str]:
    """Every label a district's stage can have, in roadmap order."""
    return [NOT_ASSESSED, *(f"Stage {s.number}: {s.title}" for s in STAGES), "All three stages met"]


def stage_by_quartile(rows: list[DistrictStageRow]) -> list[dict[str, Any]]:
    """Districts per stage and poverty level: does the state's high-poverty quarter lag behind?"""
    table = []
    for quartile, label in [*QUARTILE_LABELS.items(), (0, "Not known")]:
        members = [row for row in rows if (row.quartile or 0) == quartile]
        if not members and quartile == 0:
            continue
        for order, stage in enumerate(stage_labels()):
            table.append({"poverty": label, "stage": stage, "stage_order": order,
                          "districts": sum(row.stage_label == stage for row in members)})
    return table


def regions_for_filter() -> list[Organization]:
    return list(Organization.objects.filter(kind=Organization.Kind.REGION, is_active=True).order_by("name"))


@dataclass(frozen=True)
class StateActionRow:
    key: str
    intensity: str
    text: str
    status: StateActionStatus | None


def state_actions_for(*, user: Any, state: Organization) -> list[StateActionRow]:
    if not can_view_state_roadmap(user):
        raise Http404("No such page.")
    statuses = {s.action: s for s in StateActionStatus.objects.filter(state=state)}
    return [StateActionRow(a.key, a.intensity, a.text, statuses.get(a.key)) for a in STATE_ACTIONS]
