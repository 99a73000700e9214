"""The state's cross-silo page and its exports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from trellis.insights import exports
from trellis.insights.overview import OverviewRow, overview_rows
from trellis.roadmap.forms import StateRoadmapFilterForm
from trellis.roadmap.selectors import regions_for_filter


def _filtered_rows(request: HttpRequest) -> tuple[StateRoadmapFilterForm, list[OverviewRow]]:
    form = StateRoadmapFilterForm(request.GET or None, regions=regions_for_filter())
    filters = form.cleaned_data if form.is_valid() else {}
    rows = overview_rows(user=request.user, region=filters.get("region"), locale=filters.get("locale", ""),
                         quartile=filters.get("quartile"))
    return form, rows


def overview_chart(rows: list[OverviewRow]) -> dict[str, Any]:
    """Bars of vetted tools and open incidents per district, coloured by poverty level; the page
    carries the same numbers as a table."""
    values = []
    for row in rows:
        values.append({"district": row.district.name, "poverty": row.quartile_label, "measure": "Vetted tools",
                       "value": row.vetted_tools})
        values.append({"district": row.district.name, "poverty": row.quartile_label, "measure": "Open incidents",
                       "value": row.open_incidents})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": "Vetted tools and open incidents in each district",
        "width": "container",
        "data": {"values": values},
        "facet": {"column": {"field": "measure", "type": "nominal", "title": None}},
        "spec": {
            "height": {"step": 14},
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "district", "type": "nominal", "title": None, "sort": None},
                "x": {"field": "value", "type": "quantitative", "title": None},
                "color": {"field": "poverty", "type": "nominal", "title": "Poverty level",
                          "scale": {"range": ["#005ea2", "#00a398", "#e5a000", "#d54309", "#71767a"]}},
                "tooltip": [{"field": "district", "title": "District"}, {"field": "measure", "title": "Measure"},
                            {"field": "value", "title": "Value"}],
            },
        },
        "resolve": {"scale": {"x": "independent"}},
    }


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    form, rows = _filtered_rows(request)
    columns = exports.overview_columns(rows)
    return render(request, "insights/overview.html", {
        "form": form, "rows": rows, "headings": [heading for heading, _ in columns],
        "table": [[value(row) for _, value in columns] for row in rows],
        "chart": overview_chart(rows), "query": request.GET.urlencode(),
    })


@login_required
def overview_csv(request: HttpRequest) -> HttpResponse:
    _, rows = _filtered_rows(request)
    response = HttpResponse(exports.overview_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="trellis-districts.csv"'
    return response


@login_required
def overview_edfi(request: HttpRequest) -> HttpResponse:
    document = exports.edfi_professional_development(user=request.user, namespace=edfi_namespace(request))
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="trellis-professional-development.edfi.json"'
    return response


def edfi_namespace(request: HttpRequest) -> str:
    """The Ed-Fi namespace of the events: this Trellis site's own URI."""
    return f"uri://{request.get_host().split(':')[0]}/trellis"


