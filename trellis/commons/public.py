"""The commons for the public, in English and Spanish: search with facets, each published item
and the items like it. Nothing unpublished, and nothing about who shared an item beyond its
organization."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from trellis.commons import selectors
from trellis.commons.views import search_from_request
from trellis.recognition.selectors import recognised_organization_ids
from trellis.tools.public import public_context


def commons(request: HttpRequest) -> HttpResponse:
    result, query_string = search_from_request(request)
    return render(request, "public/commons.html", public_context(
        request, result=result, facet_titles=selectors.FACET_TITLES, query_string=query_string,
        recognised=recognised_organization_ids()))


def commons_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.published().select_related("organization").filter(pk=pk).first()
    if item is None:
        raise Http404("No such item.")
    return render(request, "public/commons_item.html", public_context(
        request, item=item, similar=selectors.similar_items(item), recognised=recognised_organization_ids()))
