"""The state's cross-silo view: one row per district with what federal programs, curriculum and
edtech each keep about it (funding, professional learning, vetted tools, audits, incidents and
the roadmap stage), already limited to what the reader may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from trellis.audits.models import FairnessAudit
from trellis.orgs.models import Organization
from trellis.roadmap.permissions import can_view_state_roadmap
from trellis.roadmap.selectors import DistrictStageRow, state_roadmap_rows
from trellis.tools.models import Decision, Incident


def can_view_overview(user: Any) -> bool:
    """The state team (state AI lead and state analysts) reads the cross-silo view."""
    return can_view_state_roadmap(user)


@dataclass(frozen=True)
class OverviewRow:
    district: Organization
    region: Organization | None
    quartile: int | None
    quartile_label: str
    stage_label: str
    vetted_tools: int
    audits: int
    open_incidents: int
    open_high_incidents: int
    extra: dict[str, Any] = field(default_factory=dict)


def vetted_tool_counts(district_ids: list[int]) -> dict[int, int]:
    """Tools whose decision in force in each district allows their use (approved, approved with
    conditions or pilot only, and not expired). The newest decision on a tool is the one in force."""
    today = timezone.localdate()
    latest: dict[tuple[int, int], tuple[str, Any]] = {}
    decisions = (Decision.objects.filter(district_id__in=district_ids)
                 .order_by("district_id", "tool_id", "-decided_on", "-id")
                 .values_list("district_id", "tool_id", "outcome", "expires_on"))
    for district_id, tool_id, outcome, expires_on in decisions:
        latest.setdefault((district_id, tool_id), (outcome, expires_on))
    counts: dict[int, int] = defaultdict(int)
    for (district_id, _), (outcome, expires_on) in latest.items():
        if outcome != Decision.Outcome.DENIED and (expires_on is None or expires_on >= today):
            counts[district_id] += 1
    return counts


def audit_counts(district_ids: list[int]) -> dict[int, int]:
    """Finished fairness audits of each district's deployments."""
    rows = (FairnessAudit.objects.filter(deployment__district_id__in=district_ids,
                                         status=FairnessAudit.Status.DONE)
            .values("deployment__district_id").annotate(audits=Count("id")).order_by())
    return {row["deployment__district_id"]: row["audits"] for row in rows}


def open_incident_counts(district_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Incidents not yet resolved, reported at each district or one of its schools: all of them,
    and the high-severity ones."""
    rows = (Incident.objects.exclude(status=Incident.Status.RESOLVED)
            .filter(Q(organization_id__in=district_ids) | Q(organization__parent_id__in=district_ids))
            .values("organization_id", "organization__parent_id", "organization__kind", "severity")
            .annotate(incidents=Count("id")).order_by())
    wanted = set(district_ids)
    every: dict[int, int] = defaultdict(int)
    high: dict[int, int] = defaultdict(int)
    for row in rows:
        district_id = (row["organization__parent_id"] if row["organization__kind"] == Organization.Kind.SCHOOL
                       else row["organization_id"])
        if district_id not in wanted:
            continue
        every[district_id] += row["incidents"]
        if row["severity"] == Incident.Severity.HIGH:
            high[district_id] += row["incidents"]
    return every, high


def overview_rows(*, user: Any, region: int | None = None, locale: str = "",
                  quartile: int | None = None) -> list[OverviewRow]:
    """Every active district matching the filters, with its governance and roadmap figures.

    The figures here are counts of tools, audits and incidents (facts about the district, not
    about people); numbers about people come only from already suppressed results."""
    if not can_view_overview(user):
        raise Http404("No such page.")
    stages: list[DistrictStageRow] = state_roadmap_rows(user=user, region=region, locale=locale, quartile=quartile)
    ids = [row.district.pk for row in stages]
    vetted = vetted_tool_counts(ids)
    audits = audit_counts(ids)
    incidents, high = open_incident_counts(ids)
    return [
        OverviewRow(
            district=row.district, region=row.region, quartile=row.quartile, quartile_label=row.quartile_label,
            stage_label=row.stage_label, vetted_tools=vetted.get(row.district.pk, 0),
            audits=audits.get(row.district.pk, 0), open_incidents=incidents.get(row.district.pk, 0),
            open_high_incidents=high.get(row.district.pk, 0),
        )
        for row in stages
    ]
