"""Reads of funding, plans and reports, already limited to what the person may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from trellis.insights.drafting import DURABLE, ONE_TIME
from trellis.insights.models import (
    Allocation,
    AnnualReport,
    FundingStream,
    GoalFeedback,
    Plan,
    PlanGoal,
    Review,
    SectionFeedback,
    Spending,
    school_year_label,
)
from trellis.insights.permissions import can_view_district, can_view_state, can_view_streams
from trellis.learning.models import Offering
from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import memberships_of
from trellis.orgs.selectors import QUARTILE_LABELS, organization_get, poverty_quartiles


def streams_list(*, user: Any, active_only: bool = False) -> QuerySet[FundingStream]:
    if not can_view_streams(user):
        raise Http404("No such page.")
    streams = FundingStream.objects.all()
    return streams.filter(is_active=True) if active_only else streams


def stream_get(*, user: Any, pk: int) -> FundingStream:
    try:
        return streams_list(user=user).get(pk=pk)
    except FundingStream.DoesNotExist as exc:
        raise Http404("No such funding stream.") from exc


def district_get(*, user: Any, pk: int) -> Organization:
    """A district whose funding, plans and reports the person may see; anything else is "not found"."""
    district = organization_get(user=user, pk=pk)
    if not can_view_district(user, district):
        raise Http404("No such district.")
    return district


def own_district_for(*, user: Any) -> Organization | None:
    """The district a district lead leads, for their home links."""
    lead = next((m for m in memberships_of(user)
                 if m.role == Role.DISTRICT_LEAD and m.organization.kind == Organization.Kind.DISTRICT), None)
    return lead.organization if lead else None


@dataclass(frozen=True)
class StreamYear:
    stream: FundingStream
    year: int
    allocated: Decimal | None
    spent: Decimal

    @property
    def year_label(self) -> str:
        return school_year_label(self.year)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.allocated is None else self.allocated - self.spent


def district_funding(*, district: Organization) -> list[StreamYear]:
    """Allocation and spend per stream and year, newest year first."""
    allocated = {(a.stream_id, a.year): a.amount for a in Allocation.objects.filter(district=district)}
    spent: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in Spending.objects.filter(district=district).values("stream_id", "year").annotate(total=Sum("amount")):
        spent[(row["stream_id"], row["year"])] = row["total"]
    streams = {s.pk: s for s in FundingStream.objects.all()}
    keys = sorted(set(allocated) | set(spent), key=lambda k: (-k[1], streams[k[0]].position, streams[k[0]].name))
    return [StreamYear(streams[s], y, allocated.get((s, y)), spent.get((s, y), Decimal(0))) for s, y in keys]


def district_spending(*, district: Organization) -> QuerySet[Spending]:
    return Spending.objects.filter(district=district).select_related("stream", "offering", "competency")


def offerings_for_district(district: Organization) -> QuerySet[Offering]:
    """Offerings the district's staff can take: the district's own and its schools', and those above it."""
    above = [district.path[:i] for i in range(1, len(district.path) + 1) if district.path[i - 1] == "/"]
    return (Offering.objects.filter(organization__path__in=[*above, district.path])
            | Offering.objects.filter(organization__path__startswith=district.path)).distinct().order_by("title")


def plans_for(*, district: Organization) -> QuerySet[Plan]:
    return Plan.objects.filter(district=district)


def plan_get(*, user: Any, pk: int) -> Plan:
    plan = (Plan.objects.select_related("district", "submitted_by", "reviewed_by")
            .prefetch_related(Prefetch("goals", PlanGoal.objects.prefetch_related(
                "competencies", "vision_sections",
                Prefetch("feedback", GoalFeedback.objects.select_related("author")))),
                "lines__stream", "lines__offering", "lines__goal").filter(pk=pk).first())
    if plan is None or not can_view_district(user, plan.district):
        raise Http404("No such plan.")
    return plan


def plan_budget(plan: Plan) -> list[dict[str, Any]]:
    """Planned spend per year and stream, with the one-time and durable share of each year."""
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for line in plan.lines.all():
        row = rows.setdefault((line.year, line.stream.name), {"year": line.year, "stream": line.stream,
                                                               "year_label": school_year_label(line.year),
                                                               "amount": Decimal(0), "durable": Decimal(0)})
        row["amount"] += line.amount
        if line.offering is not None and line.offering.is_durable:
            row["durable"] += line.amount
    return [rows[k] for k in sorted(rows)]


def reports_for(*, district: Organization) -> QuerySet[AnnualReport]:
    return AnnualReport.objects.filter(district=district).select_related("submitted_by", "reviewed_by")


def report_get(*, user: Any, pk: int) -> AnnualReport:
    report = (AnnualReport.objects.select_related("district", "submitted_by", "reviewed_by")
              .prefetch_related(Prefetch("sections__feedback", SectionFeedback.objects.select_related(
                  "reviewer", "responded_by"))).filter(pk=pk).first())
    if report is None or not can_view_district(user, report.district):
        raise Http404("No such report.")
    return report


def feedback_get(*, user: Any, pk: int) -> SectionFeedback:
    feedback = SectionFeedback.objects.select_related("section__report__district").filter(pk=pk).first()
    if feedback is None or not can_view_district(user, feedback.section.report.district):
        raise Http404("No such feedback.")
    return feedback


def reports_waiting(*, user: Any) -> QuerySet[AnnualReport]:
    """Reports across the state for state staff, those waiting for review first."""
    if not can_view_state(user):
        raise Http404("No such page.")
    return (AnnualReport.objects.exclude(status=Review.DRAFT).select_related("district")
            .order_by("status", "-year", "district__name"))


def plans_waiting(*, user: Any) -> QuerySet[Plan]:
    if not can_view_state(user):
        raise Http404("No such page.")
    return Plan.objects.exclude(status=Review.DRAFT).select_related("district").order_by("status", "district__name")


def spend_years() -> list[int]:
    return sorted(set(Spending.objects.values_list("year", flat=True)), reverse=True)


def state_spend_by_format(*, user: Any, year: int | None) -> dict[str, Any]:
    """Spend per format (one-time workshops against durable formats) across districts, overall and
    by district poverty level, for one year. Money is not student data: nothing is suppressed."""
    if not can_view_state(user):
        raise Http404("No such page.")
    spending = Spending.objects.all()
    if year is not None:
        spending = spending.filter(year=year)
    quartiles = poverty_quartiles(Organization.Kind.DISTRICT)
    cells: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    districts: dict[int, set[int]] = defaultdict(set)
    for row in spending.values("district_id", "offering__format").annotate(total=Sum("amount")):
        quartile = quartiles.get(row["district_id"], 0)
        kind = ONE_TIME if row["offering__format"] == Offering.Format.WORKSHOP else DURABLE
        cells[(quartile, kind)] += row["total"]
        districts[quartile].add(row["district_id"])
    table = []
    for quartile, label in [*QUARTILE_LABELS.items(), (0, "Not known")]:
        one_time, durable = cells.get((quartile, ONE_TIME), Decimal(0)), cells.get((quartile, DURABLE), Decimal(0))
        if quartile == 0 and not (one_time or durable):
            continue
        total = one_time + durable
        table.append({"poverty": label, "districts": len(districts[quartile]), "one_time": one_time,
                      "durable": durable, "total": total,
                      "one_time_share": (one_time / total * 100) if total else None})
    one_time = sum((r["one_time"] for r in table), Decimal(0))
    durable = sum((r["durable"] for r in table), Decimal(0))
    total = one_time + durable
    return {"rows": table, "one_time": one_time, "durable": durable, "total": total,
            "one_time_share": (one_time / total * 100) if total else None,
            "districts": sum(r["districts"] for r in table)}
