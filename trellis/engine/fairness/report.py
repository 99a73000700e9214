"""The audit report: one self-contained HTML file that a district team can read and share.

:func:`render_report` turns an :class:`~trellis.engine.fairness.result.AuditResult` into a single
HTML page with no network access: the vendored Vega, Vega-Lite and Vega-Embed are inlined, and so
is the CSS. The page says what was audited, then what was found (the flagged disparities in plain
language), then one section per metric with a chart per grouping (value and interval per group,
reference group marked) followed by the same numbers as a table, and ends with how to read it.

Only the published view is used. A suppressed row shows no number at all, in the tables, the
findings or the chart data; a rate of a small group is top/bottom coded as the suppression policy
says (:func:`trellis.engine.suppression.code_rate`). :func:`shown_rows` is that view, row by row,
and :func:`findings` the plain-language findings; the ``trellis audit`` command prints both.

Plain Python: never imports Django.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

import numpy as np

from trellis.engine.fairness.metrics import DEFINITIONS, RATES
from trellis.engine.fairness.result import AuditResult
from trellis.engine.suppression import SuppressionPolicy, code_rate

VEGA_FILES: tuple[str, ...] = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
"""The vendored chart libraries, in load order (under ``trellis/core/static/vendor/vega``)."""

RATE_METRICS = frozenset((*RATES, "calibration", "exact_agreement"))
"""Metrics whose value is a share of students: shown as percentages and top/bottom coded."""

METRIC_NAMES: dict[str, str] = {
    "count": "number of students",
    "selection_rate": "selection rate",
    "prevalence": "prevalence",
    "true_positive_rate": "true positive rate",
    "false_positive_rate": "false positive rate",
    "true_negative_rate": "true negative rate",
    "false_negative_rate": "false negative rate",
    "positive_predictive_value": "positive predictive value",
    "negative_predictive_value": "negative predictive value",
    "false_discovery_rate": "false discovery rate",
    "false_omission_rate": "false omission rate",
    "accuracy": "accuracy",
    "mean_score": "mean score",
    "std_score": "score standard deviation",
    "standardized_mean_difference": "standardized mean difference",
    "auc": "AUC",
    "calibration": "calibration",
    "exact_agreement": "exact agreement",
    "quadratic_weighted_kappa": "quadratic weighted kappa",
}
"""A short plain name of every metric, lower case."""

# What a rate counts, so that a ratio reads "... are flagged falsely 3.1 times as often as ...".
FINDING_PHRASES: dict[str, str] = {
    "selection_rate": "are flagged by the tool",
    "prevalence": "have a positive label",
    "true_positive_rate": "are correctly flagged when truly positive",
    "false_positive_rate": "are flagged falsely",
    "true_negative_rate": "are correctly left unflagged when truly negative",
    "false_negative_rate": "are missed when truly positive",
    "positive_predictive_value": "are truly positive when flagged",
    "negative_predictive_value": "are truly negative when not flagged",
    "false_discovery_rate": "are truly negative when flagged",
    "false_omission_rate": "are truly positive when not flagged",
    "accuracy": "are classified correctly",
    "calibration": "have a positive label",
    "exact_agreement": "get the same machine and human score",
}

REFERENCE, FLAGGED, NOT_FLAGGED = "Reference group", "Flagged", "Not flagged"


def suppressed_text(min_n: int) -> str:
    """What a table cell says instead of a suppressed value.

    Every suppressed cell says the same: which cells are small (primary) and which are hidden
    only to protect them (complementary) must not be told apart.
    """
    return f"Suppressed (protects a group of fewer than {min_n} students)"


@dataclass(frozen=True)
class ShownRow:
    """One row of the published view as it may be shown, with top/bottom coding applied.

    ``n``, ``value``, ``ci``, ``difference`` and ``ratio`` are None when hidden or undefined;
    ``value_note`` then says why (suppressed, the coded text such as ``"<5%"``, or not defined)
    and ``comparison_note`` why the comparison is missing. ``difference`` and ``ratio`` are
    ``(estimate, low, high)``.
    """

    attributes: tuple[str, ...]
    group: dict[str, str]
    metric: str
    threshold: float | None
    bin: int | None
    reference: dict[str, str] | None
    is_reference: bool
    suppressed: bool
    n: int | None
    value: float | None
    ci: tuple[float, float] | None
    difference: tuple[float, float, float] | None
    ratio: tuple[float, float, float] | None
    flagged: bool
    coded: str | None
    value_note: str | None
    comparison_note: str | None
    disparity: float

    @property
    def key(self) -> tuple[Any, ...]:
        """``(attributes, group values, metric, threshold, bin)``: unique in an audit."""
        values = tuple(self.group[a] for a in self.attributes)
        return (self.attributes, values, self.metric, self.threshold, self.bin)

    @property
    def reference_key(self) -> tuple[Any, ...] | None:
        """The :attr:`key` of this row's reference group, None for the overall row."""
        if self.reference is None:
            return None
        values = tuple(self.reference[a] for a in self.attributes)
        return (self.attributes, values, self.metric, self.threshold, self.bin)


@dataclass(frozen=True)
class Finding:
    """A flagged disparity, in plain language."""

    metric: str
    threshold: float | None
    attributes: tuple[str, ...]
    group: dict[str, str]
    sentence: str


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool | np.bool_):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _bin(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _triple(row: dict[str, Any], name: str) -> tuple[float, float, float] | None:
    estimate = _number(row[name])
    if estimate is None:
        return None
    low, high = _number(row[f"{name}_ci_low"]), _number(row[f"{name}_ci_high"])
    return (estimate, math.nan if low is None else low, math.nan if high is None else high)


def _coded(
    metric: str, value: float | None, size: float | None, policy: SuppressionPolicy
) -> str | None:
    if metric not in RATE_METRICS or value is None or size is None or not 0.0 <= value <= 1.0:
        return None
    # A published denominator below min_n (possible for a rate such as TP / label positives) is
    # coded as the smallest publishable group: coding more is the safe side.
    return code_rate(value, max(int(size), policy.min_n), policy)


def shown_rows(result: AuditResult, policy: SuppressionPolicy) -> list[ShownRow]:
    """The published view of ``result``, row by row, as it may be shown to people.

    Starts from :meth:`AuditResult.published` (suppressed rows have no counts, values,
    intervals, comparisons or flag) and applies the top/bottom coding of ``policy`` to the rates
    of groups with ``policy.min_n <= size < policy.small_group``, where size is the rate's
    denominator (the group's ``n`` when the denominator is not published). A coded rate loses its
    interval and comparisons, and so does every row compared with a coded reference value (the
    ratio would reveal it).

    Small groups, suppressed cells and missing values: a suppressed row keeps only its group and
    metric; a value that is NaN without suppression (an empty denominator) is "not defined".
    """
    published = result.published()
    records = published.to_dict("records")
    hidden = suppressed_text(policy.min_n)
    coded: dict[tuple[Any, ...], str | None] = {}
    suppressed_keys: set[tuple[Any, ...]] = set()
    keys: list[tuple[Any, ...]] = []
    for row in records:
        attributes = tuple(row["attributes"])
        group = dict(row["group"])
        key = (
            attributes,
            tuple(group[a] for a in attributes),
            row["metric"],
            _number(row["threshold"]),
            _bin(row["bin"]),
        )
        keys.append(key)
        if row["suppressed"]:
            coded[key] = None
            suppressed_keys.add(key)
            continue
        size = _number(row["denominator"])
        size = _number(row["n"]) if size is None else size
        coded[key] = _coded(row["metric"], _number(row["value"]), size, policy)
    rows = []
    for row, key in zip(records, keys, strict=True):
        attributes, values = key[0], key[1]
        reference = None if row["reference"] is None else dict(row["reference"])
        is_reference = reference is not None and values == tuple(reference[a] for a in attributes)
        reference_key = (
            None
            if reference is None
            else (attributes, tuple(reference[a] for a in attributes), *key[2:])
        )
        suppressed = bool(row["suppressed"])
        value = None if suppressed else _number(row["value"])
        own_code = coded[key]
        reference_code = coded.get(reference_key) if reference_key is not None else None
        difference = None if suppressed else _triple(row, "difference")
        ratio = None if suppressed else _triple(row, "ratio")
        ci_low, ci_high = _number(row["ci_low"]), _number(row["ci_high"])
        ci = None if suppressed or ci_low is None or ci_high is None else (ci_low, ci_high)
        value_note = comparison_note = None
        if suppressed:
            value_note = comparison_note = hidden
        elif own_code is not None:
            value, ci, difference, ratio = None, None, None, None
            value_note = own_code
            comparison_note = "Not shown: the rate is top/bottom coded"
        elif value is None:
            value_note = "Not defined (no students in the denominator)"
        if not suppressed and own_code is None and reference_code is not None and not is_reference:
            difference = ratio = None
            comparison_note = "Not shown: the reference group's rate is top/bottom coded"
        if not suppressed and comparison_note is None and reference_key is not None:
            if difference is None and ratio is None and reference_key in suppressed_keys:
                comparison_note = "Not shown: the reference group is suppressed"
        ratio_value = _number(row["ratio"])
        disparity = abs(math.log(ratio_value)) if ratio_value and ratio_value > 0 else 0.0
        rows.append(
            ShownRow(
                attributes=attributes,
                group=dict(row["group"]),
                metric=row["metric"],
                threshold=key[3],
                bin=key[4],
                reference=reference,
                is_reference=is_reference,
                suppressed=suppressed,
                n=None if suppressed or _number(row["n"]) is None else int(row["n"]),
                value=value,
                ci=ci,
                difference=difference,
                ratio=ratio,
                flagged=row["flagged"] is True or row["flagged"] is np.True_,
                coded=own_code,
                value_note=value_note,
                comparison_note=comparison_note,
                # A coded row sorts as if it had no disparity: its order must not hint at it.
                disparity=0.0 if own_code or reference_code else disparity,
            )
        )
    return rows


# Formatting ------------------------------------------------------------------------------------


def level_text(level: float) -> str:
    """``0.95`` -> ``"95%"``."""
    return f"{100 * level:g}%"


def format_value(metric: str, value: float | None) -> str:
    """A metric value as shown: rates in percent (one decimal), counts with separators."""
    if value is None:
        return "Not defined"
    if metric in RATE_METRICS:
        return f"{100 * value:.1f}%"
    if metric == "count":
        return f"{value:,.0f}"
    return f"{value:.3f}"


def format_ratio(value: float) -> str:
    """A ratio with two significant digits (``3.1``, ``0.42``, ``12``)."""
    if not math.isfinite(value):
        return "not defined"
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_difference(metric: str, value: float, *, unit: bool = True) -> str:
    """A signed difference: percentage points for rates (``"+12.3 points"``)."""
    if not math.isfinite(value):
        return "not defined"
    if metric in RATE_METRICS:
        return f"{100 * value:+.1f}" + (" points" if unit else "")
    return f"{value:+.3f}"


def group_text(group: dict[str, str]) -> str:
    """``{"race": "Asian", "sex": "F"}`` -> ``"race = Asian and sex = F"``; ``{}`` -> all."""
    if not group:
        return "all students"
    return " and ".join(f"{attribute} = {value}" for attribute, value in group.items())


def group_label(row: ShownRow) -> str:
    """The short label of a group in a chart or table: the value alone for one attribute."""
    if len(row.attributes) == 1:
        return row.group[row.attributes[0]]
    return ", ".join(f"{a} = {row.group[a]}" for a in row.attributes)


def metric_title(metric: str, threshold: float | None = None) -> str:
    """``"False positive rate"``, ``"False positive rate at score threshold 0.5"``."""
    name = METRIC_NAMES.get(metric, metric.replace("_", " "))
    title = name[0].upper() + name[1:]
    return title if threshold is None else f"{title} at score threshold {threshold:g}"


def bin_text(result: AuditResult, index: int | None) -> str:
    """The score range of a calibration bin, ``"scores 0.30–0.40"``."""
    if index is None:
        return ""
    edges = result.score_bin_edges
    if edges is None or index + 1 >= len(edges):
        return f"score bin {index + 1}"
    return f"scores {edges[index]:.2f}–{edges[index + 1]:.2f}"


# Findings --------------------------------------------------------------------------------------


def finding_sentence(
    row: ShownRow, reference: ShownRow | None, level: float, result: AuditResult | None = None
) -> str:
    """One flagged row in plain language.

    e.g. "Students with english_learner = Y are flagged falsely 3.1 times as often as the
    reference group (english_learner = N): false positive rate 18.2% vs 5.9% (ratio 95% CI
    2.8–3.4)."
    """
    who = f"Students with {group_text(row.group)}"
    where = ""
    if row.bin is not None and result is not None:
        where = f" with {bin_text(result, row.bin)}"
    ref_group = group_text(row.reference or {})
    name = METRIC_NAMES.get(row.metric, row.metric)
    if row.threshold is not None:
        name = f"{name} at score threshold {row.threshold:g}"
    ref_value = format_value(row.metric, reference.value) if reference else "Not defined"
    if reference is not None and reference.coded:
        ref_value = reference.coded
    if row.metric == "standardized_mean_difference" and row.value is not None:
        return _smd_sentence(row, who + where, ref_group, level)
    if row.ratio is None:
        shown = row.coded or format_value(row.metric, row.value)
        return (
            f"{who}{where} differ from the reference group ({ref_group}) beyond the tolerance "
            f"band: {name} {shown} vs {ref_value}; the ratio is not shown because a rate is "
            "top/bottom coded."
        )
    ratio, low, high = row.ratio
    numbers = (
        f"{name} {format_value(row.metric, row.value)} vs {ref_value} "
        f"(ratio {level_text(level)} CI {format_ratio(low)}–{format_ratio(high)})."
    )
    phrase = FINDING_PHRASES.get(row.metric)
    if phrase is not None:
        return (
            f"{who}{where} {phrase} {format_ratio(ratio)} times as often as the reference group "
            f"({ref_group}): {numbers}"
        )
    return (
        f"For students with {group_text(row.group)}{where}, the {name} is "
        f"{format_ratio(ratio)} times that of the reference group ({ref_group}): {numbers}"
    )


def _smd_sentence(row: ShownRow, who: str, ref_group: str, level: float) -> str:
    """A flagged standardized mean difference: flagged on its size, it has no ratio."""
    assert row.value is not None
    if row.difference is None:  # score mode: the value is the difference from the reference
        size, interval = row.value, row.ci
        lead = f"{who} score {abs(size):.2f} standard deviations"
        direction = "lower" if size < 0 else "higher"
        text = f"{lead} {direction} than the reference group ({ref_group})"
    else:  # ordinal mode: machine minus human, compared with the reference group's
        size, low, high = row.difference
        interval = (low, high)
        text = (
            f"{who}: machine scores differ from human scores by {row.value:.2f} standard "
            f"deviations, {abs(size):.2f} {'less' if size < 0 else 'more'} than for the "
            f"reference group ({ref_group})"
        )
    if interval is None:
        return text + "."
    return f"{text} ({level_text(level)} CI {interval[0]:.2f} to {interval[1]:.2f})."


def findings(
    result: AuditResult, policy: SuppressionPolicy, rows: Sequence[ShownRow] | None = None
) -> list[Finding]:
    """The flagged disparities that may be published, largest first, in plain language.

    Flagged rows of suppressed groups, or compared with a suppressed reference, are not
    findings here: the published view has no flag for them.
    """
    rows = shown_rows(result, policy) if rows is None else list(rows)
    by_key = {row.key: row for row in rows}
    # Each attribute alone first, then intersections; largest disparity first within each.
    flagged = sorted(
        (row for row in rows if row.flagged), key=lambda row: (len(row.attributes), -row.disparity)
    )
    return [
        Finding(
            metric=row.metric,
            threshold=row.threshold,
            attributes=row.attributes,
            group=row.group,
            sentence=finding_sentence(
                row,
                by_key.get(row.reference_key) if row.reference_key else None,
                result.level,
                result,
            ),
        )
        for row in flagged
    ]


# HTML ------------------------------------------------------------------------------------------

STYLE = """
:root { color: #1b1b1b; background: #ffffff; font-family: system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; line-height: 1.5; }
body { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
a { color: #005ea2; }
a:focus, [tabindex]:focus { outline: 3px solid #2491ff; outline-offset: 2px; }
.skip-link { position: absolute; left: -999rem; top: 0; background: #ffffff; padding: 0.5rem; }
.skip-link:focus { left: 0.5rem; z-index: 10; }
header.banner { background: #162e51; color: #ffffff; padding: 0.5rem 1.25rem; }
header.banner p { margin: 0; max-width: 60rem; margin: 0 auto; font-weight: 600; }
h1 { font-size: 1.9rem; margin-top: 1rem; }
h2 { font-size: 1.45rem; border-top: 1px solid #a9aeb1; padding-top: 1rem; margin-top: 2.5rem; }
h3 { font-size: 1.15rem; margin-top: 1.75rem; }
dl.audited { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1.25rem; }
dl.audited dt { font-weight: 600; }
dl.audited dd { margin: 0; }
ol.findings li { margin-bottom: 0.5rem; }
figure { margin: 1rem 0 0.5rem; }
figcaption { color: #3d4551; font-size: 0.95rem; }
.chart { min-height: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; margin-bottom: 1rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border-bottom: 1px solid #a9aeb1; padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid #1b1b1b; }
td.number { text-align: right; white-space: nowrap; }
.flag { color: #8b0a03; font-weight: 700; }
.note { color: #3d4551; }
"""

RENDER_SCRIPT = """
document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (node) {
  var target = document.getElementById(node.getAttribute("data-chart"));
  if (!target || typeof vegaEmbed === "undefined") { return; }
  vegaEmbed(target, JSON.parse(node.textContent),
            { actions: false, renderer: "svg", mode: "vega-lite" }).then(function () {
    var svg = target.querySelector("svg");
    if (svg) { svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false"); }
    target.setAttribute("data-rendered", "true");
  });
});
"""


def vendored_scripts() -> tuple[str, ...]:
    """The text of the vendored Vega, Vega-Lite and Vega-Embed (read from the package data)."""
    folder = files("trellis").joinpath("core", "static", "vendor", "vega")
    return tuple(folder.joinpath(name).read_text(encoding="utf-8") for name in VEGA_FILES)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _script_json(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (no ``</script>``)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _interval_text(metric: str, ci: tuple[float, float] | None) -> str:
    if ci is None:
        return "Not defined"
    return f"{format_value(metric, ci[0])} to {format_value(metric, ci[1])}"


def _comparison_text(metric: str, row: ShownRow, which: str, hidden: str | None) -> str:
    if row.is_reference:
        return "Reference group"
    triple = row.difference if which == "difference" else row.ratio
    if triple is None:
        return hidden or "Not defined"
    estimate, low, high = triple
    if which == "difference":
        text = format_difference(metric, estimate)
        if math.isfinite(low) and math.isfinite(high):
            text += f" ({format_difference(metric, low, unit=False)} to "
            text += f"{format_difference(metric, high, unit=False)})"
        return text
    text = format_ratio(estimate)
    if math.isfinite(low) and math.isfinite(high):
        text += f" ({format_ratio(low)} to {format_ratio(high)})"
    return text


def _row_label(result: AuditResult, row: ShownRow) -> str:
    label = group_label(row)
    if row.bin is not None:
        label = f"{label} · {bin_text(result, row.bin)}"
    return label


def _chart_spec(result: AuditResult, rows: Sequence[ShownRow], title: str) -> dict[str, Any]:
    metric = rows[0].metric
    is_rate = metric in RATE_METRICS
    values = []
    for row in rows:
        if row.value is None:
            continue  # suppressed, coded or not defined: never in the chart data
        role = REFERENCE if row.is_reference else FLAGGED if row.flagged else NOT_FLAGGED
        values.append(
            {
                "group": _row_label(result, row),
                "value": row.value,
                "low": None if row.ci is None else row.ci[0],
                "high": None if row.ci is None else row.ci[1],
                "role": role,
            }
        )
    axis = {"format": ".0%"} if is_rate else {"format": ".3~f"}
    x_title = f"{title} with {level_text(result.level)} interval"
    return {
        "description": title,
        "width": 460,
        "height": {"step": 24},
        "data": {"values": values},
        "encoding": {
            "y": {
                "field": "group",
                "type": "nominal",
                "sort": None,
                "title": None,
                "axis": {"labelLimit": 320},
            }
        },
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 2, "color": "#565c65"},
                "encoding": {
                    "x": {
                        "field": "low",
                        "type": "quantitative",
                        "title": x_title,
                        "axis": axis,
                        "scale": {"zero": is_rate},
                    },
                    "x2": {"field": "high"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90, "opacity": 1},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative", "title": x_title},
                    "shape": {
                        "field": "role",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [REFERENCE, NOT_FLAGGED, FLAGGED],
                            "range": ["diamond", "circle", "square"],
                        },
                    },
                    "color": {
                        "field": "role",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [REFERENCE, NOT_FLAGGED, FLAGGED],
                            "range": ["#1b1b1b", "#005ea2", "#b50909"],
                        },
                    },
                    "tooltip": [
                        {"field": "group", "title": "Group"},
                        {"field": "value", "title": "Value", "format": axis["format"]},
                        {"field": "low", "title": "Interval from", "format": axis["format"]},
                        {"field": "high", "title": "Interval to", "format": axis["format"]},
                        {"field": "role", "title": "Status"},
                    ],
                },
            },
        ],
        "config": {"font": "system-ui, sans-serif", "axis": {"labelColor": "#1b1b1b"}},
    }


def _chart_summary(result: AuditResult, rows: Sequence[ShownRow], title: str) -> str:
    shown = [row for row in rows if row.value is not None]
    parts = [f"Chart: {title}, with {level_text(result.level)} intervals."]
    reference = next((row for row in shown if row.is_reference), None)
    if reference is not None:
        parts.append(
            f"Reference group {_row_label(result, reference)}: "
            f"{format_value(reference.metric, reference.value)}."
        )
    if len(shown) <= 8:
        listed = [
            f"{_row_label(result, row)} {format_value(row.metric, row.value)}"
            + (" (flagged)" if row.flagged else "")
            for row in shown
            if not row.is_reference
        ]
        if listed:
            parts.append("Other groups: " + "; ".join(listed) + ".")
    elif shown:
        ordered = sorted(shown, key=lambda row: row.value or 0.0)
        low, high = ordered[0], ordered[-1]
        parts.append(
            f"{len(shown)} groups, from {_row_label(result, low)} "
            f"{format_value(low.metric, low.value)} to {_row_label(result, high)} "
            f"{format_value(high.metric, high.value)}."
        )
    flagged = sum(row.flagged for row in shown)
    if flagged:
        parts.append(f"{flagged} flagged.")
    missing = len(rows) - len(shown)
    if missing:
        parts.append(f"{missing} not shown (suppressed, coded or not defined).")
    parts.append("The same numbers are in the table that follows.")
    return " ".join(parts)


def _grouping_title(attributes: tuple[str, ...]) -> str:
    return "By " + " and ".join(attributes)


@dataclass(frozen=True)
class _Section:
    metric: str
    threshold: float | None
    groupings: list[tuple[tuple[str, ...], list[ShownRow]]]
    overall: list[ShownRow]


def _sections(rows: Sequence[ShownRow]) -> list[_Section]:
    """One section per metric (and threshold), in the order of the first attribute's rows.

    ``count`` has no section (every table shows the group sizes), nor has ``prevalence`` at a
    threshold (it does not depend on the threshold: the same numbers as ``prevalence``).
    """
    # The overall grouping lacks comparison-only metrics, so take the order from the others.
    ordered = [row for row in rows if row.attributes] + [row for row in rows if not row.attributes]
    order: dict[tuple[str, float | None], dict[tuple[str, ...], list[ShownRow]]] = {}
    for row in ordered:
        if row.metric == "count" or (row.metric == "prevalence" and row.threshold is not None):
            continue
        order.setdefault((row.metric, row.threshold), {})
    for row in rows:
        if (row.metric, row.threshold) in order:
            order[(row.metric, row.threshold)].setdefault(row.attributes, []).append(row)
    sections = []
    for (metric, threshold), by_grouping in order.items():
        overall = by_grouping.pop((), [])
        sections.append(_Section(metric, threshold, list(by_grouping.items()), overall))
    return sections


def _table(result: AuditResult, rows: Sequence[ShownRow], caption: str, metric: str) -> list[str]:
    level = level_text(result.level)
    has_ratio = any(row.ratio is not None for row in rows)
    has_difference = any(row.difference is not None for row in rows)
    head = ["Group", "Students", "Value", f"{level} interval"]
    if has_difference:
        head.append(f"Difference from the reference group ({level} interval)")
    if has_ratio:
        head += [f"Ratio to the reference group ({level} interval)", "Flagged"]
    out = [f"<table><caption>{_e(caption)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col">{_e(text)}</th>' for text in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        label = _row_label(result, row)
        if row.is_reference:
            label += " (reference group)"
        cells = [f'<th scope="row">{_e(label)}</th>']
        if row.suppressed:
            # One cell for the whole row: every suppressed row reads the same.
            cells.append(f'<td colspan="{len(head) - 1}">{_e(row.value_note)}</td>')
            out.append("<tr>" + "".join(cells) + "</tr>")
            continue
        size = "Not known" if row.n is None else f"{row.n:,}"
        value = row.value_note if row.value is None else format_value(metric, row.value)
        interval = row.value_note if row.value is None else _interval_text(metric, row.ci)
        cells += [f'<td class="number">{_e(text)}</td>' for text in (size, value, interval)]
        if has_difference:
            text = _comparison_text(metric, row, "difference", row.comparison_note)
            cells.append(f'<td class="number">{_e(text)}</td>')
        if has_ratio:
            text = _comparison_text(metric, row, "ratio", row.comparison_note)
            cells.append(f'<td class="number">{_e(text)}</td>')
            cells.append(
                '<td><span class="flag">Flagged</span></td>' if row.flagged else "<td>No</td>"
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def _audited(
    result: AuditResult,
    rows: Sequence[ShownRow],
    *,
    source_name: str,
    prediction: str | None,
    score: str | None,
    label: str | None,
    min_n: int,
    audited_on: date,
) -> list[str]:
    overall = next((r for r in rows if r.metric == "count" and not r.attributes), None)
    total = (
        f"{overall.n:,}" if overall is not None and overall.n is not None else f"fewer than {min_n}"
    )
    groups = {
        a: sum(1 for r in rows if r.metric == "count" and r.attributes == (a,))
        for a in result.attributes
    }
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
            "; ".join(f"{a} ({groups[a]} groups)" for a in result.attributes),
        )
    )
    items.append(
        (
            "Intersections",
            "; ".join(" × ".join(g) for g in intersections) if intersections else "None",
        )
    )
    items += [
        ("Date of the audit", audited_on.isoformat()),
        ("Confidence level", level_text(result.level)),
        ("Minimum group size", f"{min_n} students (smaller groups are suppressed)"),
        (
            "Tolerance band for ratios",
            f"{result.tolerance[0]:g} to {result.tolerance[1]:g}",
        ),
    ]
    out = ['<dl class="audited">']
    for term, definition in items:
        out.append(f"<dt>{_e(term)}</dt><dd>{_e(definition)}</dd>")
    out.append("</dl>")
    return out


def _how_to_read(
    result: AuditResult, rows: Sequence[ShownRow], policy: SuppressionPolicy
) -> list[str]:
    level = level_text(result.level)
    metrics = list(dict.fromkeys(row.metric for row in rows))
    compared = sum(
        1
        for row in rows
        if row.ratio is not None and not row.is_reference and math.isfinite(row.ratio[1])
    )
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
    out = [
        '<section aria-labelledby="how-to-read">',
        '<h2 id="how-to-read">How to read this</h2>',
        f"<p><strong>Intervals.</strong> Each value comes with a {level} interval: the range of "
        "values that are consistent with the data, given how many students are in the group. "
        "Small groups have wide intervals. Two groups whose intervals overlap may still differ, "
        "and a value outside the interval is unlikely but possible.</p>",
        "<p><strong>Reference group and ratios.</strong> Each group is compared with a "
        "reference group of the same grouping (marked in the tables and as a diamond in the "
        "charts): the largest group unless the audit named one. The ratio is the group's value "
        "divided by the reference group's value: 2.0 means twice as often, 0.5 half as often, "
        "1.0 the same. The difference is the group's value minus the reference group's value, "
        "in percentage points for rates.</p>",
        f"<p><strong>Flagged.</strong> A result is flagged when its ratio lies outside the band "
        f"{low:g} to {high:g} (the “four-fifths rule” and its mirror image) <em>and</em> the "
        f"{level} interval of the ratio does not include 1, so that chance alone is an unlikely "
        "explanation. Only results where both the group and the reference group have at least "
        "the minimum group size can be flagged. A flag is a reason to look closer, not proof of "
        "unfair treatment; a group that is not flagged may still be treated differently if it "
        "is too small to tell.</p>",
        f"<p><strong>Many comparisons.</strong> This report compares {compared:,} results with "
        f"their reference groups. Even where there is no real difference, about 1 comparison in "
        f"{round(1 / (1 - result.level)):,} has an interval that excludes 1 by chance, so a "
        "single flag in a small group, on one measure, is weaker evidence than a pattern "
        "across measures or groupings.</p>",
        "<p><strong>Suppression.</strong> To protect students' privacy, no number is shown for "
        "a group of fewer than the minimum group size, and some other cells are hidden too so "
        "that the small group cannot be worked out from totals or other tables. All such cells "
        f"read “{_e(suppressed_text(policy.min_n))}”.{coding}</p>",
        "<p><strong>Missing values.</strong> Students whose value of an attribute is missing "
        "form their own group, “(missing)”; nobody is left out.</p>",
        "<h3>What each measure means</h3>",
    ]
    if any(metric in RATES for metric in metrics):
        out.append(
            "<p>TP, FP, TN and FN count the students the tool flags correctly (true positives), "
            "flags wrongly (false positives), leaves alone correctly (true negatives) and misses "
            "(false negatives), judged against the label.</p>"
        )
    out.append("<dl>")
    for metric in metrics:
        if metric in DEFINITIONS:
            out.append(f"<dt>{_e(metric_title(metric))}</dt><dd>{_e(DEFINITIONS[metric])}</dd>")
    out += ["</dl>", "</section>"]
    return out


def _findings_html(found: Sequence[Finding]) -> list[str]:
    out = ['<section aria-labelledby="found">', '<h2 id="found">What we found</h2>']
    if not found:
        out.append(
            "<p>No disparity was flagged: for every group large enough to publish, the ratio to "
            "its reference group lies within the tolerance band or its interval includes 1.</p>"
        )
        out.append("</section>")
        return out
    metrics = list(dict.fromkeys((f.metric, f.threshold) for f in found))
    out.append(
        f"<p>{len(found)} result{'s' if len(found) != 1 else ''} "
        f"{'are' if len(found) != 1 else 'is'} flagged, in {len(metrics)} "
        f"measure{'s' if len(metrics) != 1 else ''}: each attribute alone first, then the "
        "intersections, largest disparity first. Measures that "
        "share counts move together: a tool that flags a group falsely more often also flags "
        "it more often overall.</p>"
    )
    for metric, threshold in metrics:
        items = [f for f in found if (f.metric, f.threshold) == (metric, threshold)]
        out.append(f"<h3>{_e(metric_title(metric, threshold))} ({len(items)})</h3>")
        out.append('<ol class="findings">')
        out += [f"<li>{_e(f.sentence)}</li>" for f in items]
        out.append("</ol>")
    out.append("</section>")
    return out


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
) -> str:
    """Render an audit as one self-contained, accessible HTML page.

    Parameters
    ----------
    result : AuditResult
        The audit. Only its published view is used (:func:`shown_rows`).
    title : str
        The page title and first heading.
    source_name : str
        The audited file's name, as shown under "What was audited".
    prediction, score, label : str, optional
        The audited columns, as given to :func:`~trellis.engine.fairness.audit`.
    min_n : int
        The audit's minimum group size; ignored when ``policy`` is given.
    policy : SuppressionPolicy, optional
        The suppression policy of the audit (default ``SuppressionPolicy(min_n=min_n)``); its
        top/bottom coding is applied to the rates of small groups.
    audited_on : date, optional
        The date shown; default today.

    Returns
    -------
    str
        The HTML. It loads nothing from the network: Vega, Vega-Lite and Vega-Embed are inlined.
        Every value from the data (attribute names and values, column and file names) is
        escaped. Suppressed rows show :func:`suppressed_text`; their values appear nowhere, in
        the tables, the findings or the chart data. A chart whose groups are all hidden is
        replaced by a sentence; the table is always there.
    """
    policy = policy or SuppressionPolicy(min_n=min_n)
    min_n = policy.min_n
    rows = shown_rows(result, policy)
    found = findings(result, policy, rows)
    sections = _sections(rows)
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
        '<section aria-labelledby="audited">',
        '<h2 id="audited">What was audited</h2>',
        *_audited(
            result,
            rows,
            source_name=source_name,
            prediction=prediction,
            score=score,
            label=label,
            min_n=min_n,
            audited_on=audited_on or date.today(),
        ),
        "</section>",
        *_findings_html(found),
        '<nav aria-labelledby="contents"><h2 id="contents">Results by measure</h2><ul>',
    ]
    for index, section in enumerate(sections):
        heading = metric_title(section.metric, section.threshold)
        page.append(f'<li><a href="#measure-{index}">{_e(heading)}</a></li>')
    page.append('<li><a href="#how-to-read">How to read this</a></li></ul></nav>')
    specs: list[str] = []
    chart = 0
    for index, section in enumerate(sections):
        heading = metric_title(section.metric, section.threshold)
        page.append(f'<section aria-labelledby="measure-{index}">')
        page.append(f'<h2 id="measure-{index}">{_e(heading)}</h2>')
        if section.metric in DEFINITIONS:
            page.append(f"<p>{_e(DEFINITIONS[section.metric])}</p>")
        for overall in section.overall:
            text = (
                overall.value_note
                if overall.value is None
                else (
                    f"{format_value(overall.metric, overall.value)} "
                    f"({level_text(result.level)} interval "
                    f"{_interval_text(overall.metric, overall.ci)})"
                )
            )
            where = f", {bin_text(result, overall.bin)}" if overall.bin is not None else ""
            page.append(f"<p>All students{_e(where)}: {_e(text)}.</p>")
        for attributes, group_rows in section.groupings:
            title_text = f"{heading} by {' and '.join(attributes)}"
            page.append(f"<h3>{_e(_grouping_title(attributes))}</h3>")
            if any(row.value is not None for row in group_rows):
                target = f"chart-{chart}"
                chart += 1
                summary = _chart_summary(result, group_rows, title_text)
                page += [
                    "<figure>",
                    f'<div role="img" aria-label="{_e(summary)}">'
                    f'<div id="{target}" class="chart"></div></div>',
                    f"<figcaption>{_e(title_text)}: each point is a group's value and the line "
                    f"its {level_text(result.level)} interval; the diamond is the reference "
                    "group and squares are flagged groups. The numbers are in the table below."
                    "</figcaption>",
                    "</figure>",
                ]
                spec = _chart_spec(result, group_rows, title_text)
                specs.append(
                    f'<script type="application/json" data-chart="{target}">'
                    f"{_script_json(spec)}</script>"
                )
            else:
                page.append('<p class="note">No chart: no group of this grouping can be shown.</p>')
            page += _table(
                result, group_rows, f"{title_text} (the numbers behind the chart)", section.metric
            )
        page.append("</section>")
    page += _how_to_read(result, rows, policy)
    page.append("</main>")
    page += specs
    page += [f"<script>{script}</script>" for script in vendored_scripts()]
    page.append(f"<script>{RENDER_SCRIPT}</script>")
    page += ["</body>", "</html>", ""]
    return "\n".join(page)
