from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import memberships_of
from trellis.roadmap import selectors
from trellis.roadmap.forms import RoadmapForm, StateActionForm, StateRoadmapFilterForm
from trellis.roadmap.indicators import INTENSITY_LABELS
from trellis.roadmap.permissions import can_edit_roadmap, can_edit_state_actions, can_view_state_roadmap
from trellis.roadmap.services import roadmap_save, roadmap_submit, state_action_update


@login_required
def roadmap_home(request: HttpRequest) -> HttpResponse:
    """The state's overview for state staff; a district lead's own district otherwise."""
    if can_view_state_roadmap(request.user):
        return redirect("roadmap:state")
    lead = next((m for m in memberships_of(request.user)
                 if m.role == Role.DISTRICT_LEAD and m.organization.kind == Organization.Kind.DISTRICT), None)
    if lead is None:
        raise PermissionDenied("The roadmap is kept by district AI leads and read by the state.")
    return redirect("roadmap:district", pk=lead.organization.pk)


@login_required
def district_roadmap(request: HttpRequest, pk: int) -> HttpResponse:
    district = selectors.roadmap_district_get(user=request.user, pk=pk)
    roadmap = selectors.district_roadmap(district=district)
    editable = can_edit_roadmap(request.user, district)
    form = RoadmapForm(request.POST if request.method == "POST" else None, ratings=roadmap.ratings)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("Only the district's AI lead or the state AI lead can rate its roadmap.")
        if form.is_valid():
            try:
                roadmap_save(actor=request.user, district=district, ratings=form.ratings())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "The roadmap is saved as a draft.")
                return redirect("roadmap:district", pk=district.pk)
    return render(request, "roadmap/district.html", {
        "district": district, "roadmap": roadmap, "form": form, "editable": editable,
        "help": selectors.next_step_help(roadmap.progress),
        "goals": district.roadmap_goals.all(),
    })


@login_required
@require_POST
def district_roadmap_submit(request: HttpRequest, pk: int) -> HttpResponse:
    district = selectors.roadmap_district_get(user=request.user, pk=pk)
    try:
        roadmap_submit(actor=request.user, district=district)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The roadmap is submitted. The state now sees the district's stage.")
    return redirect("roadmap:district", pk=district.pk)


@login_required
def state_roadmap(request: HttpRequest) -> HttpResponse:
    form = StateRoadmapFilterForm(request.GET or None, regions=selectors.regions_for_filter())
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.state_roadmap_rows(user=request.user, region=filters.get("region"),
                                        locale=filters.get("locale", ""), quartile=filters.get("quartile"))
    by_quartile = selectors.stage_by_quartile(rows)
    return render(request, "roadmap/state.html", {
        "form": form, "rows": rows, "by_quartile": by_quartile, "stages": selectors.stage_labels(),
        "chart": stage_chart(by_quartile), "assessed": sum(row.progress is not None for row in rows),
    })


def stage_chart(by_quartile: list[dict[str, object]]) -> dict[str, object]:
    """A stacked Vega-Lite bar chart of districts by stage in each poverty level; the page carries
    the same numbers as a table."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": "Districts at each roadmap stage, by poverty level",
        "width": "container", "height": 200,
        "data": {"values": by_quartile},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "poverty", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "districts", "type": "quantitative", "title": "Districts", "stack": "normalize",
                  "axis": {"format": "%"}},
            "color": {"field": "stage", "type": "nominal", "sort": selectors.stage_labels(), "title": "Stage",
                      "scale": {"range": ["#dfe1e2", "#d54309", "#e5a000", "#00a398", "#005ea2"]}},
            "order": {"field": "stage_order", "type": "quantitative"},
            "tooltip": [{"field": "poverty", "title": "Poverty level"}, {"field": "stage", "title": "Stage"},
                        {"field": "districts", "title": "Districts"}],
        },
    }


@login_required
def state_actions(request: HttpRequest) -> HttpResponse:
    state = Organization.objects.filter(kind=Organization.Kind.STATE).order_by("pk").first()
    if state is None:
        raise PermissionDenied("Trellis has no state yet.")
    rows = selectors.state_actions_for(user=request.user, state=state)
    editable = can_edit_state_actions(request.user)
    which = request.POST.get("action", "") if request.method == "POST" else ""
    bound = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("Only the state AI lead can update the state's actions.")
        bound = StateActionForm(request.POST, prefix=which)
        if bound.is_valid():
            try:
                state_action_update(actor=request.user, state=state, action=which,
                                    status=bound.cleaned_data["status"], note=bound.cleaned_data["note"])
            except ValidationError as exc:
                bound.add_error(None, exc)
            else:
                messages.success(request, "The state's action is updated.")
                return redirect("roadmap:state-actions")
    items = []
    for row in rows:
        form = bound if bound is not None and which == row.key else StateActionForm(
            prefix=row.key, initial={"status": row.status.status if row.status else "",
                                     "note": row.status.note if row.status else ""})
        items.append({"row": row, "form": form})
    groups = [{"label": label, "items": [i for i in items if i["row"].intensity == key]}
              for key, label in INTENSITY_LABELS.items()]
    return render(request, "roadmap/state_actions.html", {"groups": groups, "editable": editable})
