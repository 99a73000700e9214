"""The published view of an audit as tables and a chart; every number in the chart is in a table."""

from __future__ import annotations

from typing import Any

METRIC_TITLES = {
    "selection_rate": "Share of students flagged",
    "false_positive_rate": "Share wrongly flagged (of students who should not have been)",
    "true_positive_rate": "Share rightly flagged (of students who should have been)",
    "false_negative_rate": "Share missed (of students who should have been flagged)",
    "precision": "Share of flags that were right",
    "accuracy": "Share of decisions that were right",
}
SHOWN_METRICS = ("false_positive_rate", "selection_rate", "true_positive_rate")


def audit_tables(published: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per shown metric: the overall row and each attribute's groups (no intersections;
    those appear in the findings)."""
    rows = published.get("rows", [])
    tables = []
    for metric in SHOWN_METRICS:
        chosen = [r for r in rows if r["metric"] == metric and len(r["attributes"]) <= 1]
        if not chosen:
            continue
        tables.append({"metric": metric, "title": METRIC_TITLES.get(metric, metric),
                       "rows": [{"label": row_label(r), **r} for r in chosen]})
    return tables


def row_label(row: dict[str, Any]) -> str:
    if not row["attributes"]:
        return "All students"
    attribute = row["attributes"][0]
    return f"{attribute}: {row['group'][attribute]}"


def group_chart(table: dict[str, Any]) -> dict[str, Any]:
    """A Vega-Lite bar chart of one table's published values; suppressed groups are left out of the
    chart and say so in the table."""
    values = [{"group": r["label"], "value": r["value"], "flagged": "Flagged" if r["flagged"] else "Not flagged"}
              for r in table["rows"] if r["value"] is not None and not r["suppressed"]]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": table["title"] + " by group",
        "width": "container", "height": {"step": 18},
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "group", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "value", "type": "quantitative", "title": table["title"], "axis": {"format": "%"}},
            "color": {"field": "flagged", "type": "nominal", "title": None,
                      "scale": {"domain": ["Flagged", "Not flagged"], "range": ["#b50909", "#005ea2"]}},
            "tooltip": [{"field": "group"}, {"field": "value", "format": ".1%"}],
        },
    }
