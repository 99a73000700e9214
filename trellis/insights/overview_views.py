"""The state's cross-silo page and its exports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from trellis.core.pages import cached_page
from trellis.insights import exports
from trellis.insights.forms import YearField, current_school_year
from trellis.insights.overview import Overview, OverviewRow, overview_for
from trellis.roadmap.forms import StateRoadmapFilterForm
from trellis.roadmap.selectors import regions_for_filter


class OverviewFilterForm(StateRoadmapFilterForm):
    year = YearField(required=False, back=4, ahead=0)


def filtered_overview(*, user: Any, params: Any) -> tuple[OverviewFilterForm, Overview]:
    params = params.copy()
    params.setdefault("year", str(current_school_year()))
    form = OverviewFilterForm(params, regions=regions_for_filter())
    filters = form.cleaned_data if form.is_valid() else {}
    overview = overview_for(user=user, year=filters.get("year") or current_school_year(),
                            region=filters.get("region"), locale=filters.get("locale", ""),
                            quartile=filters.get("quartile"))
    return form, overview


def chart_values(rows: list[OverviewRow]) -> list[dict[str, Any]]:
    """The chart's numbers: per district, the share of teachers with enough AI-related PL (only
    where published), vetted tools and open incidents."""
    values: list[dict[str, Any]] = []
    for row in rows:
        share = row.measures.get("participation_share")
        if share is not None and not share.suppressed and share.value is not None:
            values.append({"district": row.district.name, "poverty": row.quartile_label,
                           "measure": "Teachers with enough AI PL (%)", "value": round(100 * share.value)})
        values.append({"district": row.district.name, "poverty": row.quartile_label, "measure": "Vetted tools",
                       "value": row.vetted_tools})
        values.append({"district": row.district.name, "poverty": row.quartile_label, "measure": "Open incidents",
                       "value": row.open_incidents})
    return values


def overview_chart(rows: list[OverviewRow]) -> dict[str, Any]:
    """Bars per district, coloured by poverty level: PL coverage, vetted tools, open incidents. The
    page carries the same numbers as a table."""
    values = chart_values(rows)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": "Professional learning coverage, vetted tools and open incidents in each district",
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
@cached_page
def overview(request: HttpRequest) -> HttpResponse:
    form, found = filtered_overview(user=request.user, params=request.GET)
    columns = exports.overview_columns(found.rows)
    return render(request, "insights/overview.html", {
        "form": form, "overview": found, "rows": found.rows, "headings": [heading for heading, _ in columns],
        "table": [[value(row) for _, value in columns] for row in found.rows],
        "chart": overview_chart(found.rows), "chart_values": chart_values(found.rows),
        "comparison": exports.comparison_table(found), "query": request.GET.urlencode(),
    })


@login_required
def overview_csv(request: HttpRequest) -> HttpResponse:
    _, found = filtered_overview(user=request.user, params=request.GET)
    response = HttpResponse(exports.overview_csv(found.rows), content_type="text/csv; charset=utf-8")
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


