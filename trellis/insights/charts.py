"""Charts of the report and the state's spend page: a Vega-Lite spec for pages, an SVG for the
PDF (which runs no script). Both always sit beside a table of the same numbers."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

BAR_COLOR = "#005ea2"


def bar_spec(chart: dict[str, Any]) -> dict[str, Any]:
    """A horizontal Vega-Lite bar chart of a report figure's ``bars``."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": chart["alt"],
        "width": "container", "height": 24 * len(chart["bars"]),
        "data": {"values": chart["bars"]},
        "mark": {"type": "bar", "color": BAR_COLOR},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "value", "type": "quantitative", "title": chart.get("unit", "")},
            "tooltip": [{"field": "label", "title": "Format"}, {"field": "value", "title": chart.get("unit", ""),
                                                                "format": ",.0f"}],
        },
    }


def spend_spec(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked bars: one-time against durable spend in each poverty level."""
    values = [{"poverty": r["poverty"], "format": kind, "dollars": float(r[key])}
              for r in rows for kind, key in (("One-time workshops", "one_time"), ("Durable formats", "durable"))]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": "Professional learning spending by format in each poverty level",
        "width": "container", "height": 40 * max(len(rows), 1),
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "poverty", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "dollars", "type": "quantitative", "title": "US dollars", "stack": "zero"},
            "color": {"field": "format", "type": "nominal", "title": "Format",
                      "scale": {"range": ["#d54309", BAR_COLOR]}},
            "tooltip": [{"field": "poverty", "title": "Poverty level"}, {"field": "format", "title": "Format"},
                        {"field": "dollars", "title": "US dollars", "format": ",.0f"}],
        },
    }


def bar_svg(chart: dict[str, Any], *, width: int = 520) -> str:
    """The same bars as an SVG, for the PDF."""
    bars = chart["bars"]
    label_w, bar_h, gap = 200, 18, 8
    top = max((b["value"] for b in bars), default=0) or 1
    height = len(bars) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">']
    for i, bar in enumerate(bars):
        y = gap + i * (bar_h + gap)
        w = (width - label_w - 80) * bar["value"] / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(bar["label"])}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BAR_COLOR}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 13}">${bar["value"]:,.0f}</text>')
    parts.append("</svg>")
    return "data:image/svg+xml;base64," + base64.b64encode("".join(parts).encode()).decode()
