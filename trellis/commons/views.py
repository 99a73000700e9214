from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from trellis.commons import selectors
from trellis.commons.forms import AdoptForm, CommonsItemForm, ReviewForm
from trellis.commons.models import CommonsItem
from trellis.commons.permissions import adopting_districts, can_curate, can_edit_item, can_submit
from trellis.commons.services import (
    commons_item_adopt,
    commons_item_create,
    commons_item_publish,
    commons_item_request_changes,
    commons_item_update,
)
from trellis.recognition.selectors import recognised_organization_ids


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() else 1


def search_from_request(request: HttpRequest) -> tuple[selectors.SearchResult, str]:
    """The search a page's query string asks for (bounded), and that query string without its page."""
    query = request.GET.get("q", "")[:200]
    filters = {facet: request.GET.getlist(facet)[:20] for facet in selectors.FACETS if request.GET.getlist(facet)}
    result = selectors.commons_search(query=query, filters=filters, page=_page_number(request))
    params = request.GET.copy()
    params.pop("page", None)
    return result, params.urlencode()


@login_required
def commons_search(request: HttpRequest) -> HttpResponse:
    result, query_string = search_from_request(request)
    return render(request, "commons/search.html", {
        "result": result, "facet_titles": selectors.FACET_TITLES, "query_string": query_string,
        "recognised": recognised_organization_ids(),
        "can_submit": can_submit(request.user), "can_curate": can_curate(request.user),
    })


@login_required
def commons_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.commons_item_get(user=request.user, pk=pk)
    districts = adopting_districts(request.user)
    adopted = set(item.adoption_records.filter(district__in=districts).values_list("district_id", flat=True))
    open_districts = [d for d in districts if d.pk not in adopted]
    return render(request, "commons/item.html", {
        "item": item, "similar": selectors.similar_items(item), "recognised": recognised_organization_ids(),
        "can_edit": can_edit_item(request.user, item),
        "review_form": ReviewForm() if can_curate(request.user) and item.status == "submitted" else None,
        "adopt_form": AdoptForm(districts=open_districts) if open_districts and item.status == "published" else None,
        "adopted_by_mine": [d for d in districts if d.pk in adopted],
    })


@login_required
def commons_item_new(request: HttpRequest) -> HttpResponse:
    if not can_submit(request.user):
        raise PermissionDenied("Only staff with a role in Trellis can share an item.")
    form = CommonsItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = commons_item_create(actor=request.user, fields=form.cleaned_data, submit="submit" in request.POST)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Sent to the state for review." if item.status == "submitted"
                             else "Saved as a draft. Only you can see it.")
            return redirect("commons:item", pk=item.pk)
    return render(request, "commons/item_form.html", {"form": form, "item": None})


@login_required
def commons_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.commons_item_get(user=request.user, pk=pk)
    if not can_edit_item(request.user, item):
        raise PermissionDenied("Only the person who shared an item can change it, before it is published.")
    form = CommonsItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            commons_item_update(actor=request.user, item=item, fields=form.cleaned_data,
                                submit="submit" in request.POST)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("commons:item", pk=item.pk)
    return render(request, "commons/item_form.html", {"form": form, "item": item})


@login_required
@require_POST
def commons_item_review(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.commons_item_get(user=request.user, pk=pk)
    if not can_curate(request.user):
        raise PermissionDenied("Only the state AI lead reviews commons items.")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "publish":
                commons_item_publish(actor=request.user, item=item, note=form.cleaned_data["note"])
                messages.success(request, "Published. Everyone can now find it.")
            else:
                commons_item_request_changes(actor=request.user, item=item, note=form.cleaned_data["note"])
                messages.success(request, "Sent back with your note.")
            return redirect("commons:item", pk=item.pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "commons/item.html", {"item": item, "similar": [], "review_form": form,
                                                 "can_edit": False, "adopt_form": None, "adopted_by_mine": []})


@login_required
@require_POST
def commons_item_adopt_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.commons_item_get(user=request.user, pk=pk)
    districts = adopting_districts(request.user)
    if not districts:
        raise PermissionDenied("Only a district's AI lead can adopt an item for the district.")
    form = AdoptForm(request.POST, districts=districts)
    if form.is_valid():
        try:
            adoption = commons_item_adopt(actor=request.user, item=item, district=form.cleaned_data["district"],
                                          note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            name = form.cleaned_data["district"].name
            if adoption.offering_id:
                messages.success(request, f"{name} has adopted this item. Here is its draft offering: add "
                                          "sessions and credit hours, then publish it.")
                return redirect("offering-detail", pk=adoption.offering_id)
            messages.success(request, f"{name} has adopted this item. It is a draft goal in the district's plan.")
            return redirect("roadmap:district", pk=adoption.district_id)
    else:
        messages.error(request, "Choose one of your districts.")
    return redirect("commons:item", pk=item.pk)


@login_required
def commons_review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "commons/review_queue.html", {"items": selectors.review_queue_for(user=request.user)})


@login_required
def commons_mine(request: HttpRequest) -> HttpResponse:
    return render(request, "commons/mine.html", {"items": selectors.my_items_for(user=request.user),
                                                 "statuses": CommonsItem.Status})
