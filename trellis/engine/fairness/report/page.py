"""The HTML page: findings first, then one chart per measure, the numbers folded away."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from trellis.engine.fairness.metrics import DEFINITIONS, RATES
from trellis.engine.fairness.report.assets import RENDER_SCRIPT, STYLE, escape, script_json, vendored_scripts
from trellis.engine.fairness.report.charts import chart_spec, chart_summary, row_label
from trellis.engine.fairness.report.findings import Finding, findings, next_steps
from trellis.engine.fairness.report.labels import Labels
from trellis.engine.fairness.report.rows import (
    COMPLEMENT_TEXT,
    ShownRow,
    hidden_summary,
    primary_text,
    shown_rows,
)
from trellis.engine.fairness.report.wording import (
    bin_text,
    definition_html,
    format_difference,
    format_ratio,
    format_value,
    level_text,
    metric_title,
)
from trellis.engine.fairness.result import AuditResult
from trellis.engine.suppression import SuppressionPolicy

_e = escape


@dataclass(frozen=True)
class Section:
    """One measure (and threshold): its overall rows and its rows per grouping, in table order."""

    metric: str
    threshold: float | None
    groupings: list[tuple[tuple[str, ...], list[ShownRow]]]
    overall: list[ShownRow]

    @property
    def rows(self) -> list[ShownRow]:
        return [row for _, rows in self.groupings for row in rows]


def sections(rows: Sequence[ShownRow]) -> list[Section]:
    """One section per metric (and threshold), in the order of the first attribute's rows.

    ``count`` has no section (every table shows the group sizes), nor has ``prevalence`` at a
    threshold (it does not depend on the threshold: the same numbers as ``prevalence``).
    """
    ordered = [row for row in rows if row.attributes] + [row for row in rows if not row.attributes]
    order: dict[tuple[str, float | None], dict[tuple[str, ...], list[ShownRow]]] = {}
    for row in ordered:
        if row.metric == "count" or (row.metric == "prevalence" and row.threshold is not None):
            continue
        order.setdefault((row.metric, row.threshold), {})
    for row in rows:
        if (row.metric, row.threshold) in order:
            order[(row.metric, row.threshold)].setdefault(row.attributes, []).append(row)
    found = []
    for (metric, threshold), by_grouping in order.items():
        overall = by_grouping.pop((), [])
        found.append(Section(metric, threshold, list(by_grouping.items()), overall))
    return found


def _interval_text(metric: str, ci: tuple[float, float] | None) -> str:
    if ci is None:
        return "Not defined"
    return f"{format_value(metric, ci[0])} to {format_value(metric, ci[1])}"


def _comparison_text(metric: str, row: ShownRow, which: str) -> str:
    if row.is_reference:
        return "Reference group"
    triple = row.difference if which == "difference" else row.ratio
    if triple is None:
        return row.comparison_note or "Not defined"
    estimate, low, high = triple
    if which == "difference":
        text = format_difference(metric, estimate)
        if math.isfinite(low) and math.isfinite(high):
            text += f" ({format_difference(metric, low, unit=False)} to {format_difference(metric, high, unit=False)})"
        return text
    text = format_ratio(estimate)
    if math.isfinite(low) and math.isfinite(high):
        text += f" ({format_ratio(low)} to {format_ratio(high)})"
    return text


def _table(result: AuditResult, rows: Sequence[ShownRow], caption: str, metric: str) -> list[str]:
    level = level_text(result.level)
    has_ratio = any(row.ratio is not None for row in rows)
    has_difference = any(row.difference is not None for row in rows)
    has_q = any(row.q_value is not None for row in rows)
    head = ["Group", "Students", "Value", f"{level} interval"]
    if has_difference:
        head.append(f"Difference from the reference group ({level} interval)")
    if has_ratio:
        head.append(f"Ratio to the reference group ({level} interval)")
        if has_q:
            head.append("q-value")
        head.append("Flagged")
    out = [f"<table><caption>{_e(caption)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col">{_e(text)}</th>' for text in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        label = row_label(result, row)
        if row.is_reference:
            label += " (reference group)"
        cells = [f'<th scope="row">{_e(label)}</th>']
        if row.suppressed:
            # One cell for the whole row, with the reason.
            cells.append(f'<td colspan="{len(head) - 1}">{_e(row.value_note)}</td>')
            out.append("<tr>" + "".join(cells) + "</tr>")
            continue
        size = "Not known" if row.n is None else f"{row.n:,}"
        value = row.value_note if row.value is None else format_value(metric, row.value)
        interval = row.value_note if row.value is None else _interval_text(metric, row.ci)
        cells += [f'<td class="number">{_e(text)}</td>' for text in (size, value, interval)]
        if has_difference:
            cells.append(f'<td class="number">{_e(_comparison_text(metric, row, "difference"))}</td>')
        if has_ratio:
            cells.append(f'<td class="number">{_e(_comparison_text(metric, row, "ratio"))}</td>')
            if has_q:
                q = "" if row.q_value is None or row.is_reference else f"{row.q_value:.3g}"
                cells.append(f'<td class="number">{_e(q)}</td>')
            cells.append('<td><span class="flag">Flagged</span></td>' if row.flagged else "<td>No</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def _audited_items(
    result: AuditResult,
    rows: Sequence[ShownRow],
    labels: Labels,
    *,
    source_name: str,
    prediction: str | None,
    score: str | None,
    label: str | None,
    min_n: int,
    audited_on: date,
) -> list[tuple[str, str]]:
    overall = next((r for r in rows if r.metric == "count" and not r.attributes), None)
    total = f"{overall.n:,}" if overall is not None and overall.n is not None else f"fewer than {min_n}"
    groups = {a: sum(1 for r in rows if r.metric == "count" and r.attributes == (a,)) for a in result.attributes}
    intersections = [g for g in result.groupings if len(g) > 1]
    items: list[tuple[str, str]] = [("File", source_name), ("Rows (students)", total)]
    if prediction:
        items.append(("Prediction column", prediction))
    if score:
        items.append(("Score column", score))
        if result.thresholds:
            items.append(("Score thresholds", ", ".join(f"{t:g}" for t in result.thresholds)))
    items.append(("Label (ground truth) column", label or "None given"))
    items.append(
        (
            "Student groups by",
            "; ".join(f"{labels.column(a)} ({a}, {groups[a]} groups)" for a in result.attributes),
        )
    )
    items.append(
        ("Intersections", "; ".join(" × ".join(labels.column(a) for a in g) for g in intersections) or "None")
    )
    items += [
        ("Date of the audit", audited_on.isoformat()),
        ("Confidence level", level_text(result.level)),
        ("Minimum group size", f"{min_n} students (smaller groups are not shown)"),
        ("Tolerance band for ratios", f"{result.tolerance[0]:g} to {result.tolerance[1]:g}"),
    ]
    return items


def _hidden_sentence(result: AuditResult, policy: SuppressionPolicy) -> str:
    hidden = hidden_summary(result, policy)
    if not hidden.hidden:
        return f"Every group has at least {policy.min_n} students: nothing is hidden."
    parts = [
        f"To protect students' privacy, {hidden.hidden} of {hidden.groups} groups are not shown: "
        f"{hidden.too_few} with too few students (fewer than {policy.min_n}) and "
        f"{hidden.complements} hidden so that a smaller group cannot be worked out from the totals."
    ]
    share = hidden.share_hidden
    if share is not None:
        parts.append(f"They hold {100 * share:.1f}% of the students counted across all groupings.")
    return " ".join(parts)


def _findings_html(
    result: AuditResult,
    found: Sequence[Finding],
    rows: Sequence[ShownRow],
    labels: Labels,
    policy: SuppressionPolicy,
    source_name: str,
) -> list[str]:
    measures = list(dict.fromkeys((r.metric, r.threshold) for s in sections(rows) for r in s.rows))
    overall = next((r for r in rows if r.metric == "count" and not r.attributes), None)
    students = f"{overall.n:,} students" if overall is not None and overall.n is not None else "the students"
    grouped = ", ".join(labels.column(a) for a in result.attributes)
    intersections = any(len(g) > 1 for g in result.groupings)
    out = [
        '<section aria-labelledby="found">',
        '<h2 id="found">What we found</h2>',
        f'<p class="lead">This audit of {_e(source_name)} compares {_e(students)} in groups by '
        f"{_e(grouped)}{' and their combinations' if intersections else ''}, on {len(measures)} "
        f"measure{'s' if len(measures) != 1 else ''} of how the tool treats them.</p>",
    ]
    if not found:
        out.append(
            "<p><strong>No disparity was flagged.</strong> For every group large enough to show, "
            "the gap to its reference group is within the tolerance band, or too uncertain to "
            "tell apart from chance.</p>"
        )
    else:
        alone = sum(1 for f in found if len(f.attributes) == 1)
        out.append(
            f"<p><strong>{len(found)} disparit{'ies are' if len(found) != 1 else 'y is'} flagged</strong>"
            f" ({alone} for a single group, {len(found) - alone} for combinations of groups). "
            "Each says who, by how much and how sure we are; measures that share counts move "
            "together, so one difference often shows in several measures.</p>"
        )
        single = [f for f in found if len(f.attributes) == 1]
        combined = [f for f in found if len(f.attributes) > 1]
        out += _finding_list(single or combined)
        if single and combined:
            # Combinations mostly repeat what the single groups show: folded away.
            out += ["<details>", f"<summary>{_e(f'The {len(combined)} flagged combinations of groups')}</summary>"]
            out += _finding_list(combined, start=len(single) + 1)
            out.append("</details>")
    out.append(f"<p>{_e(_hidden_sentence(result, policy))}</p>")
    out.append("<h3>What to do next</h3>")
    out.append('<ul class="next">')
    out += [f"<li>{_e(step)}</li>" for step in next_steps(found)]
    out += ["</ul>", "</section>"]
    return out


def _finding_list(found: Sequence[Finding], start: int = 1) -> list[str]:
    out = [f'<ol class="findings" start="{start}">']
    for finding in found:
        title = metric_title(finding.metric, finding.threshold)
        out.append(f"<li><strong>{_e(title)}.</strong> {_e(finding.sentence)}</li>")
    out.append("</ol>")
    return out


def _how_to_read(result: AuditResult, rows: Sequence[ShownRow], policy: SuppressionPolicy) -> list[str]:
    level = level_text(result.level)
    metrics = list(dict.fromkeys(row.metric for row in rows))
    compared = sum(1 for row in rows if row.ratio is not None and not row.is_reference and math.isfinite(row.ratio[1]))
    low, high = result.tolerance
    coding = ""
    if policy.top_bottom > 0:
        percent = f"{100 * policy.top_bottom:g}%"
        coding = (
            f" In groups of fewer than {policy.small_group} students a rate below {percent} is "
            f"shown as “&lt;{percent}” and a rate above {100 - 100 * policy.top_bottom:g}% as "
            f"“&gt;{100 - 100 * policy.top_bottom:g}%”, because an exact value would reveal "
            "the outcome of single students; its interval and comparisons are then not shown."
        )
    if any(row.q_value is not None for row in rows):
        many = (
            f"<p><strong>Many comparisons.</strong> This report compares {compared:,} results with "
            "their reference groups. Flags control the false discovery rate across all of them: "
            "among flagged results, few are expected to be chance. The q-value of a result is the "
            "smallest false discovery rate at which it would be flagged.</p>"
        )
    else:
        many = (
            f"<p><strong>Many comparisons.</strong> This report compares {compared:,} results with "
            f"their reference groups. Even where there is no real difference, about 1 comparison in "
            f"{round(1 / (1 - result.level)):,} has an interval that excludes 1 by chance, so a "
            "single flag in a small group, on one measure, is weaker evidence than a pattern "
            "across measures or groupings.</p>"
        )
    out = [
        '<section aria-labelledby="how-to-read">',
        '<h2 id="how-to-read">How to read this</h2>',
        f"<p><strong>Intervals.</strong> Each value comes with a {level} interval: the range of "
        "values that are consistent with the data, given how many students are in the group. "
        "Small groups have wide intervals.</p>",
        "<p><strong>Reference group and ratios.</strong> Each group is compared with a "
        "reference group of the same grouping (marked in the tables and as a diamond in the "
        "charts): the largest group unless the audit named one. The ratio is the group's value "
        "divided by the reference group's value: 2.0 means twice as often, 0.5 half as often, "
        "1.0 the same. The difference is the group's value minus the reference group's value, "
        "in percentage points for rates.</p>",
        f"<p><strong>Flagged.</strong> A result is flagged when its ratio lies outside the band "
        f"{low:g} to {high:g} (the “four-fifths rule” and its mirror image), or a standardized "
        "mean difference lies beyond ±0.15, <em>and</em> the evidence that it lies beyond that band "
        "holds up across every comparison of the audit: the false discovery rate is controlled "
        "(Benjamini–Hochberg), so among flagged results few are expected to be chance. Only results "
        "where both the group and the reference group have at least the minimum group size can be "
        "flagged. A flag is a reason to look closer, not proof of unfair treatment; a group that is "
        "not flagged may still be treated differently if it is too small to tell.</p>",
        many,
        "<p><strong>Hidden numbers.</strong> To protect students' privacy, no number is shown for "
        f"a group of fewer than {policy.min_n} students (“{_e(primary_text(policy.min_n))}”), and a "
        "few other groups are hidden too, so that a small group cannot be worked out from the "
        f"totals or from another table (“{_e(COMPLEMENT_TEXT)}”). Trellis hides as few students "
        f"as it can, and avoids hiding a flagged result when another choice protects as well.{coding}</p>",
        "<p><strong>Missing values.</strong> Students whose value of an attribute is missing "
        "form their own group (“not recorded”); nobody is left out.</p>",
        "<h3>What each measure means</h3>",
    ]
    if any(metric in RATES for metric in metrics):
        out.append(
            "<p>TP, FP, TN and FN count the students the tool flags correctly (true positives), "
            "flags wrongly (false positives), leaves alone correctly (true negatives) and misses "
            "(false negatives), judged against the label; n is the number of students.</p>"
        )
    out.append("<dl>")
    for metric in metrics:
        if metric in DEFINITIONS:
            out.append(f"<dt>{_e(metric_title(metric))}</dt><dd>{definition_html(metric)}</dd>")
    out += ["</dl>", "</section>"]
    return out


def _section_html(
    result: AuditResult, section: Section, index: int, chart: str, labels: Labels
) -> tuple[list[str], str | None]:
    heading = metric_title(section.metric, section.threshold)
    out = [f'<section aria-labelledby="measure-{index}">', f'<h2 id="measure-{index}">{_e(heading)}</h2>']
    if section.metric in DEFINITIONS:
        out.append(f"<p>{definition_html(section.metric)}</p>")
    for overall in section.overall:
        text = (
            overall.value_note
            if overall.value is None
            else (
                f"{format_value(overall.metric, overall.value)} "
                f"({level_text(result.level)} interval {_interval_text(overall.metric, overall.ci)})"
            )
        )
        where = f", {bin_text(result, overall.bin)}" if overall.bin is not None else ""
        out.append(f"<p>All students{_e(where)}: {_e(text)}.</p>")
    rows = section.rows
    spec = None
    if any(row.value is not None for row in rows):
        title = f"{heading} by group"
        out += [
            "<figure>",
            f'<div role="img" aria-label="{_e(chart_summary(result, rows, title))}">'
            f'<div id="{chart}" class="chart"></div></div>',
            f"<figcaption>{_e(title)}: each point is a group's value and the line its "
            f"{level_text(result.level)} interval; diamonds are reference groups and squares "
            "flagged groups. The numbers are in the tables below.</figcaption>",
            "</figure>",
        ]
        data = script_json(chart_spec(result, rows, title))
        spec = f'<script type="application/json" data-chart="{chart}">{data}</script>'
    else:
        out.append('<p class="note">No chart: no group can be shown for this measure.</p>')
    flagged = sum(row.flagged for row in rows)
    summary = f"The numbers for every group ({len(rows)} rows{f', {flagged} flagged' if flagged else ''})"
    out += ["<details>", f"<summary>{_e(summary)}</summary>"]
    for attributes, group_rows in section.groupings:
        out += _table(result, group_rows, f"{heading} by {labels.grouping(attributes)}", section.metric)
    out += ["</details>", "</section>"]
    return out, spec


def render_report(
    result: AuditResult,
    *,
    title: str,
    source_name: str,
    prediction: str | None = None,
    score: str | None = None,
    label: str | None = None,
    min_n: int = 10,
    policy: SuppressionPolicy | None = None,
    audited_on: date | None = None,
    labels: Labels | None = None,
) -> str:
    """Render an audit as one self-contained, accessible HTML page.

    The page opens with what was found: what was audited in one sentence, the flagged
    disparities in plain language (who, how large, the interval), how much privacy hid and what
    to do next. Then one section per measure: its definition (formulas as text), one chart with
    every group on it, and the numbers per grouping folded away in ``<details>``. It ends with
    what was audited in detail and how to read the page.

    Parameters
    ----------
    result : AuditResult
        The audit. Only its published view is used (:func:`shown_rows`).
    title : str
        The page title and first heading.
    source_name : str
        The audited file's name.
    prediction, score, label : str, optional
        The audited columns, as given to :func:`~trellis.engine.fairness.audit`.
    min_n : int
        The audit's minimum group size; ignored when ``policy`` is given.
    policy : SuppressionPolicy, optional
        The suppression policy of the audit (default ``SuppressionPolicy(min_n=min_n)``); its
        top/bottom coding is applied to the rates of small groups.
    audited_on : date, optional
        The date shown; default today.
    labels : Labels, optional
        Words for columns and values (default :class:`Labels`, which knows the ESSA subgroups).

    Returns
    -------
    str
        The HTML. It loads nothing from the network: Vega, Vega-Lite and Vega-Embed are inlined.
        Every value from the data is escaped. Hidden rows show their reason; their values appear
        nowhere, in the tables, the findings or the chart data.
    """
    policy = policy or SuppressionPolicy(min_n=min_n)
    labels = labels or Labels()
    rows = shown_rows(result, policy, labels)
    found = findings(result, policy, rows, labels)
    measures = sections(rows)
    audited = _audited_items(
        result,
        rows,
        labels,
        source_name=source_name,
        prediction=prediction,
        score=score,
        label=label,
        min_n=policy.min_n,
        audited_on=audited_on or date.today(),
    )
    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        '<a class="skip-link" href="#main">Skip to the report</a>',
        '<header class="banner"><p>Trellis fairness audit</p></header>',
        '<main id="main" tabindex="-1">',
        f"<h1>{_e(title)}</h1>",
        *_findings_html(result, found, rows, labels, policy, source_name),
        '<nav aria-labelledby="contents"><h2 id="contents">Results by measure</h2><ul>',
    ]
    for index, section in enumerate(measures):
        flagged = sum(row.flagged for row in section.rows)
        note = f" ({flagged} flagged)" if flagged else ""
        heading = _e(metric_title(section.metric, section.threshold))
        page.append(f'<li><a href="#measure-{index}">{heading}</a>{note}</li>')
    page.append('<li><a href="#audited">What was audited</a></li>')
    page.append('<li><a href="#how-to-read">How to read this</a></li></ul></nav>')
    specs: list[str] = []
    for index, section in enumerate(measures):
        html_part, spec = _section_html(result, section, index, f"chart-{index}", labels)
        page += html_part
        if spec is not None:
            specs.append(spec)
    page += ['<section aria-labelledby="audited">', '<h2 id="audited">What was audited</h2>', '<dl class="audited">']
    page += [f"<dt>{_e(term)}</dt><dd>{_e(definition)}</dd>" for term, definition in audited]
    page += ["</dl>", "</section>"]
    page += _how_to_read(result, rows, policy)
    page.append("</main>")
    page += specs
    page += [f"<script>{script}</script>" for script in vendored_scripts()]
    page.append(f"<script>{RENDER_SCRIPT}</script>")
    page += ["</body>", "</html>", ""]
    return "\n".join(page)
