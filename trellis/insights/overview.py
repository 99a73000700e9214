"""The state's cross-silo view: one row per district with what federal programs, curriculum and
edtech each keep about it (funding, professional learning, vetted tools, audits, incidents and
the roadmap stage), already limited to what the reader may see."""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils import timezone

from trellis.audits.models import FairnessAudit
from trellis.engine.measures import MeasureResult, MeasureRow
from trellis.insights.measures_sections import MEASURE_LABELS, cell
from trellis.insights.models import Allocation, FundingStream
from trellis.learning.measures import can_see_measures, data_version, pl_measures
from trellis.orgs.models import Organization
from trellis.roadmap.permissions import can_view_state_roadmap
from trellis.roadmap.selectors import DistrictStageRow, state_roadmap_rows
from trellis.tools.models import Decision, Incident


def can_view_overview(user: Any) -> bool:
    """The state team (state AI lead and state analysts) reads the cross-silo view."""
    return can_view_state_roadmap(user)


#: The measures shown per district on the page, in the CSV and the API (shares of teachers).
PL_MEASURES = ("participation_share", "durable_share")
MEASURES_CACHE_SECONDS = 3600


def state_measures(*, user: Any, state: Organization, year: int) -> MeasureResult:
    """The statewide PL measures of school year ``year`` (suppressed by the engine), cached until
    any table they are computed from changes. Permission is checked before the cache is read."""
    if not can_see_measures(user, state):
        raise Http404("No such page.")
    version = hashlib.sha256(repr(data_version()).encode()).hexdigest()
    key = f"overview-measures:{year}:{settings.TRELLIS_MIN_N}:{version}"
    cache = measures_cache()
    result = cache.get(key)
    if result is None:
        # One computation per process at a time: readers arriving together wait for it rather than
        # each computing the same measures.
        with _COMPUTING:
            result = cache.get(key)
            if result is None:
                result = pl_measures(user=user, organization=state, year=year)
                cache.set(key, result, MEASURES_CACHE_SECONDS)
    return result


_COMPUTING = threading.Lock()


def measures_cache() -> FileBasedCache:
    """The cache of computed measures, in files under ``TRELLIS_HOME`` so that every server
    process shares it (they hold suppressed, published cells only)."""
    return FileBasedCache(str(Path(settings.TRELLIS_HOME) / "cache" / "measures"),
                          {"TIMEOUT": MEASURES_CACHE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 100}})


def district_measure_rows(result: MeasureResult) -> dict[str, dict[str, MeasureRow]]:
    """The district rows of the published measures, by district id and measure."""
    rows: dict[str, dict[str, MeasureRow]] = defaultdict(dict)
    for row in result.rows:
        if row.group_kind == "district" and row.measure in PL_MEASURES:
            rows[row.group][row.measure] = row
    return rows


def comparison_rows(result: MeasureResult) -> list[MeasureRow]:
    """The state's comparison rows (whole state, poverty quartiles, locales): the same on every
    filter of the page, so comparing two filtered views shows nothing new."""
    order = {"all": 0, "poverty_quartile": 1, "locale": 2}
    return sorted((r for r in result.rows if r.group_kind in order and r.measure in PL_MEASURES),
                  key=lambda r: (PL_MEASURES.index(r.measure), order[r.group_kind], r.group))


def funding_by_district(district_ids: list[int], year: int) -> tuple[list[FundingStream], dict[int, dict[int, Any]]]:
    """Each district's allocation per active funding stream in school year ``year``."""
    streams = list(FundingStream.objects.filter(is_active=True).order_by("position", "name"))
    amounts: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in (Allocation.objects.filter(year=year, district_id__in=district_ids)
                .values("district_id", "stream_id").annotate(total=Sum("amount")).order_by()):
        amounts[row["district_id"]][row["stream_id"]] = f"{Decimal(row['total']):.2f}"
    return streams, amounts


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
    #: Further columns in order, heading → value: funding per stream and the PL measures.
    extra: dict[str, Any] = field(default_factory=dict)
    #: The published measure rows of the district (suppressed ones included, with no number).
    measures: dict[str, MeasureRow] = field(default_factory=dict)
    #: The school year's allocation per funding stream (by the stream's code), in USD.
    funding: dict[str, str] = field(default_factory=dict)


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


def measure_heading(measure: str, result: MeasureResult) -> str:
    return MEASURE_LABELS[measure].format(h=result.hours_threshold)


@dataclass(frozen=True)
class Overview:
    year: int
    rows: list[OverviewRow]
    measures: MeasureResult
    #: The statewide comparison rows of the measures, the same whatever the filters.
    comparison: list[MeasureRow]


def overview_for(*, user: Any, year: int, region: int | None = None, locale: str = "",
                 quartile: int | None = None) -> Overview:
    """Every active district matching the filters, with its funding, PL measures, governance and
    roadmap figures.

    Counts of tools, audits and incidents and funding amounts are facts about the district, not
    about people, and are shown as they are. Every number about people comes from the statewide
    measures, suppressed once by the engine (minimum n and complementary suppression across
    districts, quartiles and locales): the filters only choose which of those published cells are
    shown, and nothing is totalled over the districts shown, so comparing filtered views recovers
    nothing."""
    if not can_view_overview(user):
        raise Http404("No such page.")
    state = Organization.objects.filter(kind=Organization.Kind.STATE).order_by("pk").first()
    if state is None:
        raise Http404("No such page.")
    measures = state_measures(user=user, state=state, year=year)
    rows = _overview_rows(user=user, year=year, region=region, locale=locale, quartile=quartile, measures=measures)
    return Overview(year, rows, measures, comparison_rows(measures))


def _overview_rows(*, user: Any, year: int, region: int | None, locale: str, quartile: int | None,
                   measures: MeasureResult) -> list[OverviewRow]:
    stages: list[DistrictStageRow] = state_roadmap_rows(user=user, region=region, locale=locale, quartile=quartile)
    ids = [row.district.pk for row in stages]
    vetted = vetted_tool_counts(ids)
    audits = audit_counts(ids)
    incidents, high = open_incident_counts(ids)
    streams, funding = funding_by_district(ids, year)
    by_district = district_measure_rows(measures)
    rows = []
    for row in stages:
        extra: dict[str, Any] = {f"{stream.name} allocation (USD)": funding[row.district.pk].get(stream.pk, "")
                                 for stream in streams}
        own = by_district.get(str(row.district.pk), {})
        for measure in PL_MEASURES:
            extra[measure_heading(measure, measures)] = cell(own[measure])[0] if measure in own else "No data"
        rows.append(OverviewRow(
            district=row.district, region=row.region, quartile=row.quartile, quartile_label=row.quartile_label,
            stage_label=row.stage_label, vetted_tools=vetted.get(row.district.pk, 0),
            audits=audits.get(row.district.pk, 0), open_incidents=incidents.get(row.district.pk, 0),
            open_high_incidents=high.get(row.district.pk, 0), extra=extra, measures=own,
            funding={stream.code: funding[row.district.pk][stream.pk] for stream in streams
                     if stream.pk in funding[row.district.pk]},
        ))
    return rows
