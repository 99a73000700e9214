"""What Trellis drafts into each section of a district's annual report, from the district's data.

Each section's figures are plain JSON (sentences, tables and at most one chart) so that a
submitted report keeps exactly what it said, and the page and the PDF render the same numbers.
Measures of people come from the learning app's measures, already suppressed; money and tools are
not student data and are shown whole."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from trellis.insights.models import Allocation, FundingStream, ReportSection, Spending, school_year_label
from trellis.learning.models import Offering
from trellis.orgs.models import Organization

Figures = dict[str, Any]
ONE_TIME = "One-time workshops"
DURABLE = "Durable formats (courses, coaching, PLCs, micro-credentials)"


def school_year_dates(year: int) -> tuple[datetime.date, datetime.date]:
    """The school year 2026 runs from July 1, 2025 to June 30, 2026."""
    return datetime.date(year - 1, 7, 1), datetime.date(year, 6, 30)


def money(amount: Decimal | int | float) -> str:
    return f"${Decimal(amount):,.0f}"


def share(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole * 100):.0f}%" if whole else "None spent"


def table(caption: str, columns: list[str], rows: list[list[str]], numeric: list[bool] | None = None) -> dict[str, Any]:
    return {"caption": caption, "columns": columns, "rows": rows,
            "numeric": numeric or [False] + [True] * (len(columns) - 1)}


def figures(summary: list[str], tables: list[dict[str, Any]] | None = None, chart: dict[str, Any] | None = None,
            notes: list[str] | None = None) -> Figures:
    return {"summary": summary, "tables": tables or [], "chart": chart, "notes": notes or []}


def spend_by_format(spending: list[Spending]) -> dict[str, Decimal]:
    """Spend per offering format, and the one-time against durable split."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in spending:
        out[row.offering.format] += row.amount
    return out


def spending_figures(*, district: Organization, year: int) -> Figures:
    spending = list(Spending.objects.filter(district=district, year=year).select_related("offering", "stream"))
    allocations = {a.stream_id: a.amount for a in Allocation.objects.filter(district=district, year=year)}
    spent: dict[int, Decimal] = defaultdict(Decimal)
    for row in spending:
        spent[row.stream_id] += row.amount
    streams = [s for s in FundingStream.objects.all() if s.pk in allocations or s.pk in spent]
    stream_rows = [[s.name, money(allocations.get(s.pk, 0)), money(spent.get(s.pk, 0)),
                    share(spent.get(s.pk, Decimal(0)), allocations.get(s.pk, Decimal(0)))] for s in streams]
    by_format = spend_by_format(spending)
    total = sum(by_format.values(), Decimal(0))
    one_time = by_format.get(Offering.Format.WORKSHOP, Decimal(0))
    durable = total - one_time
    format_rows = [[label, money(by_format.get(key, 0)), share(by_format.get(key, Decimal(0)), total)]
                   for key, label in Offering.Format.choices]
    label = school_year_label(year)
    if not total:
        return figures([f"No professional learning spending is recorded for {label}."],
                       [table(f"Allocations and spending by funding stream, {label}",
                              ["Funding stream", "Allocated", "Spent", "Share of allocation spent"], stream_rows)])
    summary = [f"The district recorded {money(total)} of professional learning spending in {label}: "
               f"{share(one_time, total)} on one-time workshops and {share(durable, total)} on durable formats."]
    if one_time > durable:
        summary.append("Most of the money went to one-time workshops. Coaching cycles, professional learning "
                       "communities and multi-session courses build lasting capacity; consider shifting spend "
                       "toward them.")
    chart = {"title": f"Professional learning spending by format, {label}", "unit": "US dollars",
             "alt": f"Bar chart of spending by format in {label}: " + "; ".join(
                 f"{row[0]} {row[1]}" for row in format_rows) + ". The same numbers are in the table.",
             "bars": [{"label": lbl, "value": float(by_format.get(key, 0))} for key, lbl in Offering.Format.choices]}
    return figures(summary, [
        table(f"Allocations and spending by funding stream, {label}",
              ["Funding stream", "Allocated", "Spent", "Share of allocation spent"], stream_rows),
        table(f"Spending by format, {label}", ["Format", "Spent", "Share of spending"], format_rows),
        table(f"One-time against durable, {label}", ["", "Spent", "Share of spending"],
              [[ONE_TIME, money(one_time), share(one_time, total)], [DURABLE, money(durable), share(durable, total)]]),
    ], chart)


def tools_figures(*, district: Organization, year: int) -> Figures:
    from trellis.audits.models import FairnessAudit, Finding
    from trellis.tools.models import Decision, Deployment, Incident, InventoryEntry

    start, end = school_year_dates(year)
    label = school_year_label(year)
    inventory = InventoryEntry.objects.filter(district=district).count()
    decisions = Decision.objects.filter(district=district, decided_on__gte=start, decided_on__lte=end)
    by_outcome = {key: decisions.filter(outcome=key).count() for key, _ in Decision.Outcome.choices}
    deployments = Deployment.objects.filter(district=district)
    audits = FairnessAudit.objects.filter(deployment__district=district, status=FairnessAudit.Status.DONE,
                                          created_at__date__gte=start, created_at__date__lte=end)
    findings = Finding.objects.filter(audit__in=audits)
    incidents = Incident.objects.filter(organization__path__startswith=district.path,
                                        created_at__date__gte=start, created_at__date__lte=end)
    rows = [
        ["AI tools in the district's inventory", str(inventory)],
        ["Vetting decisions made in the year", str(decisions.count())],
        *[[f"… {str(lbl).lower()}", str(by_outcome[key])] for key, lbl in Decision.Outcome.choices],
        ["Tools piloted", str(deployments.filter(stage=Deployment.Stage.PILOT).count())],
        ["Tools in use at scale", str(deployments.filter(stage=Deployment.Stage.SCALED).count())],
        ["Fairness audits run in the year", str(audits.count())],
        ["Audit findings answered", f"{findings.filter(status=Finding.Status.ANSWERED).count()} of {findings.count()}"],
        ["Incidents reported in the year", str(incidents.count())],
    ]
    summary = [f"In {label} the district made {decisions.count()} vetting decision"
               f"{'s' if decisions.count() != 1 else ''} on AI tools and ran {audits.count()} fairness audit"
               f"{'s' if audits.count() != 1 else ''}; {inventory} tool{'s are' if inventory != 1 else ' is'} "
               f"in its inventory."]
    return figures(summary, [table(f"AI tools vetted and audited, {label}", ["", "Number"], rows)])


def report_figures(*, user: Any, district: Organization, year: int) -> dict[str, Figures]:
    """Every section's figures for a district and year."""
    from trellis.insights.measures_sections import measure_sections

    drafted = measure_sections(user=user, district=district, year=year)
    drafted[ReportSection.Key.SPENDING] = spending_figures(district=district, year=year)
    drafted[ReportSection.Key.TOOLS] = tools_figures(district=district, year=year)
    return drafted


def total_spend(district: Organization, year: int) -> Decimal:
    return Spending.objects.filter(district=district, year=year).aggregate(total=Sum("amount"))["total"] or Decimal(0)
