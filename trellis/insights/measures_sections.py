"""The report sections drawn from the professional learning measures (participation, practice,
outcomes and equity). The measures arrive suppressed; a suppressed cell is shown as suppressed,
with the reason, never as a number."""

from __future__ import annotations

from typing import Any

from trellis.insights.drafting import Figures, figures, table
from trellis.insights.models import ReportSection, school_year_label
from trellis.orgs.models import Organization
from trellis.orgs.selectors import QUARTILE_LABELS

MEASURE_LABELS = {
    "participation_share": "Teachers with at least {h:g} hours of AI-related professional learning",
    "hours_per_teacher": "Hours of AI-related professional learning per teacher",
    "durable_share": "Share of AI-related hours in durable formats",
    "practice_change": "Change in observed practice, coached teachers against others (levels)",
    "outcome_change": "Change in student outcomes, participating teachers' students against others",
}
SHARES = {"participation_share", "durable_share"}
NOT_CAUSAL = ("This compares teachers who were in a coaching cycle with teachers who were not. It is not a causal "
              "estimate: teachers who choose coaching may differ in other ways.")
GROUP_LABELS = {"all": "Whole state", **{str(k): v for k, v in QUARTILE_LABELS.items()},
                "city": "City", "suburb": "Suburb", "town": "Town", "rural": "Rural"}


def _number(measure: str, value: float) -> str:
    if measure in SHARES:
        return f"{value * 100:.0f}%"
    return f"{value:.1f}" if measure == "hours_per_teacher" else f"{value:+.2f}"


def cell(row: Any) -> list[str]:
    """Value, 95% interval and n of one measure row, or the reason it is suppressed."""
    if row.suppressed or row.value is None:
        return ["Suppressed", row.reason or "Too few teachers to publish.", ""]
    interval = ""
    if row.low is not None and row.high is not None:
        interval = f"{_number(row.measure, row.low)} to {_number(row.measure, row.high)}"
    return [_number(row.measure, row.value), interval, f"{row.n:,}" if row.n is not None else ""]


def _district_rows(result: Any, district: Organization) -> dict[str, Any]:
    return {r.measure: r for r in result.rows if r.group_kind == "district" and r.group == str(district.pk)}


def _measure_table(caption: str, measures: list[str], rows: dict[str, Any], threshold: float) -> dict[str, Any]:
    body = [[MEASURE_LABELS[m].format(h=threshold), *cell(rows[m])] for m in measures if m in rows]
    return table(caption, ["Measure", "Value", "95% interval", "Teachers"], body, [False, True, True, True])


def measure_sections(*, user: Any, district: Organization, year: int) -> dict[str, Figures]:
    from trellis.learning.measures import pl_measures

    label = school_year_label(year)
    result = pl_measures(user=user, organization=district, year=year)
    own = _district_rows(result, district)
    threshold = result.hours_threshold
    notes = list(result.notes)
    sections: dict[str, Figures] = {}

    participation = _measure_table(f"Participation in AI-related professional learning, {label}",
                                   ["participation_share", "hours_per_teacher", "durable_share"], own, threshold)
    share_row = own.get("participation_share")
    summary = ([f"{cell(share_row)[0]} of the district's teachers had at least {threshold:g} hours of AI-related "
                f"professional learning in {label}."] if share_row is not None and not share_row.suppressed
               else [f"The district's participation in {label} is too small to publish or has not been recorded."])
    sections[ReportSection.Key.PARTICIPATION] = figures(summary, [participation], notes=notes)

    practice = own.get("practice_change")
    if practice is None:
        sections[ReportSection.Key.PRACTICE] = figures(
            [f"No classroom observations against the framework are recorded for {label}."])
    else:
        sections[ReportSection.Key.PRACTICE] = figures(
            [f"Coached teachers' observed levels changed by {cell(practice)[0]} compared with other teachers."
             if not practice.suppressed else "Too few observed teachers to publish a change in practice."],
            [_measure_table(f"Change in practice, {label}", ["practice_change"], own, threshold)], notes=[NOT_CAUSAL])

    outcome = own.get("outcome_change")
    if outcome is None:
        sections[ReportSection.Key.OUTCOMES] = figures(
            [f"The district supplied no student outcome file for {label}, so there is no outcome measure."])
    else:
        sections[ReportSection.Key.OUTCOMES] = figures(
            ["Students of teachers who took part in AI-related professional learning, against other students."
             if not outcome.suppressed else "Too few students to publish an outcome measure."],
            [_measure_table(f"Student outcomes, {label}", ["outcome_change"], own, threshold)],
            notes=["Not a causal estimate: participating teachers and their classes may differ in other ways."])

    sections[ReportSection.Key.EQUITY] = _equity(result, label, threshold)
    return sections


def _equity(result: Any, label: str, threshold: float) -> Figures:
    """The state's participation by poverty quartile and locale, where the person may see it, with
    the gap between the highest- and lowest-poverty districts."""
    groups = [r for r in result.rows if r.measure == "participation_share"
              and r.group_kind in ("all", "poverty_quartile", "locale")]
    if not groups:
        return figures([f"State comparisons by poverty and locale for {label} are not published yet."])
    rows = [[GROUP_LABELS.get(r.group, r.group), *cell(r)] for r in groups]
    tables = [table(f"Teachers with at least {threshold:g} hours of AI-related professional learning, by "
                    f"district poverty level and locale, {label}",
                    ["Group", "Share", "95% interval", "Teachers"], rows, [False, True, True, True])]
    summary = []
    gap = next((g for g in result.gaps if g.measure == "participation_share"), None)
    if gap is not None and not gap.suppressed and gap.diff is not None:
        how = (f"{abs(gap.diff) * 100:.0f} percentage points {'less' if gap.diff < 0 else 'more'} likely to "
               f"reach {threshold:g} hours than" if round(abs(gap.diff) * 100) else
               f"about as likely to reach {threshold:g} hours as")
        summary.append(f"Teachers in the highest-poverty districts were {how} teachers in the lowest-poverty "
                       f"districts (difference {gap.diff * 100:+.0f} points, 95% interval {gap.low * 100:+.0f} to "
                       f"{gap.high * 100:+.0f}).")
        tables.append(table("Gap between the highest- and lowest-poverty districts",
                            ["Measure", "Difference", "95% interval"],
                            [[MEASURE_LABELS["participation_share"].format(h=threshold),
                              f"{gap.diff * 100:+.0f} points", f"{gap.low * 100:+.0f} to {gap.high * 100:+.0f}"]],
                            [False, True, True]))
    else:
        summary.append("The gap between the highest- and lowest-poverty districts cannot be published "
                       "for this year.")
    return figures(summary, tables)
