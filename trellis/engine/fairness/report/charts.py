"""One Vega-Lite chart per measure, every group on it, and its text alternative.

Each group is a point (its value) on a line (its interval); the reference groups are diamonds and
flagged groups squares. Hidden, coded and undefined values are never in the chart data: the table
that follows every chart lists them with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trellis.engine.fairness.report.rows import ShownRow
from trellis.engine.fairness.report.wording import RATE_METRICS, bin_text, format_value, level_text
from trellis.engine.fairness.result import AuditResult

REFERENCE, FLAGGED, NOT_FLAGGED = "Reference group", "Flagged", "Not flagged"
CHART_WIDTH = 340
"""Width of the plotting area in pixels: with labels and legend the chart fits a 1,280 px window."""
LABEL_LIMIT = 420


def row_label(result: AuditResult, row: ShownRow) -> str:
    """A group's label in a chart or table, with its score range for a calibration bin."""
    if row.bin is not None:
        return f"{row.label} · {bin_text(result, row.bin)}"
    return row.label


def chart_spec(result: AuditResult, rows: Sequence[ShownRow], title: str) -> dict[str, Any]:
    """The Vega-Lite specification of one measure's chart."""
    metric = rows[0].metric
    is_rate = metric in RATE_METRICS
    values = []
    for row in rows:
        if row.value is None:
            continue  # hidden, coded or not defined: never in the chart data
        role = REFERENCE if row.is_reference else FLAGGED if row.flagged else NOT_FLAGGED
        values.append(
            {
                "group": row_label(result, row),
                "value": row.value,
                "low": None if row.ci is None else row.ci[0],
                "high": None if row.ci is None else row.ci[1],
                "role": role,
            }
        )
    axis = {"format": ".0%"} if is_rate else {"format": ".3~f"}
    x_title = f"{title} with {level_text(result.level)} interval"
    scale = {"domain": [REFERENCE, NOT_FLAGGED, FLAGGED]}
    return {
        "description": title,
        "width": CHART_WIDTH,
        "height": {"step": 18},
        "data": {"values": values},
        "encoding": {
            "y": {"field": "group", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": LABEL_LIMIT}}
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
                "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
                "encoding": {
                    "x": {"field": "value", "type": "quantitative", "title": x_title},
                    "shape": {
                        "field": "role",
                        "type": "nominal",
                        "title": None,
                        "scale": {**scale, "range": ["diamond", "circle", "square"]},
                    },
                    "color": {
                        "field": "role",
                        "type": "nominal",
                        "title": None,
                        "scale": {**scale, "range": ["#1b1b1b", "#005ea2", "#b50909"]},
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
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelColor": "#1b1b1b"},
            "legend": {"orient": "top"},
        },
    }


def chart_summary(result: AuditResult, rows: Sequence[ShownRow], title: str) -> str:
    """The chart's text alternative: the range of values, the flagged groups, what is not shown."""
    shown = [row for row in rows if row.value is not None]
    parts = [f"Chart: {title}, with {level_text(result.level)} intervals."]
    if shown:
        ordered = sorted(shown, key=lambda row: row.value or 0.0)
        low, high = ordered[0], ordered[-1]
        parts.append(
            f"{len(shown)} groups, from {row_label(result, low)} {format_value(low.metric, low.value)} "
            f"to {row_label(result, high)} {format_value(high.metric, high.value)}."
        )
    flagged = [row for row in shown if row.flagged]
    if flagged:
        listed = "; ".join(f"{row_label(result, row)} {format_value(row.metric, row.value)}" for row in flagged[:6])
        more = f" and {len(flagged) - 6} more" if len(flagged) > 6 else ""
        parts.append(f"Flagged: {listed}{more}.")
    missing = len(rows) - len(shown)
    if missing:
        parts.append(
            f"{missing} not shown (too few students, hidden to protect a smaller group, coded or not defined)."
        )
    parts.append("The same numbers are in the table that follows.")
    return " ".join(parts)
