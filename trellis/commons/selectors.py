"""Reads of the commons: search with facets, similar items, and the lists people work from."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.http import Http404

from trellis.commons import text
from trellis.commons.competencies import area_choices
from trellis.commons.index import match_sql
from trellis.commons.models import (
    CommonsItem,
    CommonsStats,
    CommonsTerm,
    Format,
    GradeBand,
    ItemKind,
    Subject,
)
from trellis.commons.permissions import can_curate
from trellis.orgs.models import Organization
from trellis.orgs.selectors import QUARTILE_LABELS

#: BM25's parameters, the usual ones.
K1, B = 1.2, 0.75
PAGE_SIZE = 10

#: Facet → (the item's field, its choices, or a function giving them). Competencies are a list per
#: item: the areas of the shipped competency framework, read from the database.
FACETS: dict[str, tuple[str, Any]] = {
    "kind": ("kind", ItemKind.choices),
    "format": ("format", Format.choices),
    "competency": ("competencies", area_choices),
    "grade_band": ("grade_band", GradeBand.choices),
    "subject": ("subject", Subject.choices),
    "locale": ("locale", Organization.Locale.choices),
    "poverty": ("poverty_quartile", list(QUARTILE_LABELS.items())),
}
FACET_TITLES = {"kind": "What it is", "format": "Format", "competency": "Competency area",
                "grade_band": "Grade band", "subject": "Subject", "locale": "Locale", "poverty": "Poverty level"}


def published() -> QuerySet[CommonsItem]:
    return CommonsItem.objects.filter(status=CommonsItem.Status.PUBLISHED)


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class SearchResult:
    query: str
    terms: list[str]
    items: list[CommonsItem]
    total: int
    page: int
    pages: int
    facets: dict[str, list[FacetOption]]


def _bm25_page(items: QuerySet[CommonsItem], terms: list[str], start: int, stop: int) -> list[int]:
    """Ids of ``items`` from ``start`` to ``stop`` in BM25 order for ``terms`` over the published
    commons: score = Σ idf(t) · f·(k1+1) / (f + k1·(1 − b + b·|d|/avgdl)), with
    idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5)), f the term's count in the item and |d| its number
    of terms. The sum runs in the database, in one grouped pass over CommonsTerm, and is rounded
    to 9 decimals there, so that the order never hangs on the last bits of a floating-point sum
    (SQLite and PostgreSQL may add in another order). Ties go to the larger id (the item added later)."""
    stats = CommonsStats.objects.filter(pk=1).first()
    total = stats.items if stats else 0
    average = stats.terms / stats.items if stats and stats.items else 1.0
    frequencies = _item_counts(terms)
    weights = Case(*(When(term=t, then=Value(math.log(1 + (total - frequencies.get(t, 0) + 0.5)
                                                              / (frequencies.get(t, 0) + 0.5))))
                     for t in terms), output_field=FloatField())
    count = Cast(F("count"), FloatField())
    length_norm = K1 * (1 - B) + (K1 * B / average) * Cast(F("length"), FloatField())
    scores = (CommonsTerm.objects.filter(term__in=terms, item__in=items).order_by().values("item_id")
              .annotate(score=_rounded(Sum(weights * count * (K1 + 1) / (count + length_norm))))
              .order_by("-score", "-item_id"))
    return [row["item_id"] for row in scores[start:stop]]


def _item_counts(terms: list[str]) -> dict[str, int]:
    """How many published items hold each of ``terms``. Counting the item ids, which the term
    index holds, lets PostgreSQL read the index alone (counting the rows' own ids read a table row
    for every item holding the term: 0.8 s for one in every item, among 100,000)."""
    return dict(CommonsTerm.objects.filter(term__in=terms).values("term").annotate(df=Count("item_id"))
                .values_list("term", "df"))


def _rounded(expression: Any) -> Any:
    """ROUND(x, 9) on either database (PostgreSQL rounds numerics, not doubles)."""
    if connection.vendor == "postgresql":
        return Func(expression, template="ROUND(CAST(%(expressions)s AS numeric), 9)", output_field=FloatField())
    return Func(expression, Value(9), function="ROUND", output_field=FloatField())


def commons_search(*, query: str = "", filters: dict[str, list[str]] | None = None, page: int = 1) -> SearchResult:
    """Published items matching every term of ``query`` (all published items when it has none),
    narrowed by ``filters`` (facet → chosen values; several values of one facet widen, facets
    narrow), ranked by BM25 (newest first without a query; ties to the item added later).
    Facet counts are over the results."""
    filters = filters or {}
    terms = text.query_terms(query)[:12]
    items = published()
    if terms:
        sql, params = match_sql(terms)
        items = items.filter(pk__in=RawSQL(sql, params))
    for facet, values in filters.items():
        if facet not in FACETS or not values:
            continue
        field = FACETS[facet][0]
        if facet == "competency":
            condition = Q()
            for value in values:
                # The list is stored as JSON text; a quoted value matches one whole element.
                condition |= Q(competencies__icontains=json.dumps(value))
            items = items.filter(condition)
        elif facet == "poverty":
            items = items.filter(**{f"{field}__in": [int(v) for v in values if v.isdigit()]})
        else:
            items = items.filter(**{f"{field}__in": values})
    total, facets = _facet_counts(items, filters)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    start, stop = (page - 1) * PAGE_SIZE, page * PAGE_SIZE
    if terms:
        ids = _bm25_page(items, terms, start, stop)
    else:
        ids = list(items.order_by("-published_at", "-pk").values_list("pk", flat=True)[start:stop])
    by_id = CommonsItem.objects.select_related("organization").in_bulk(ids)
    return SearchResult(query, terms, [by_id[i] for i in ids], total, page, pages, facets)


def _facet_counts(items: QuerySet[CommonsItem],
                  filters: dict[str, list[str]]) -> tuple[int, dict[str, list[FacetOption]]]:
    """How many items there are, and how many have each facet value: one grouped pass over the
    items, by every facet field at once (the combinations are few)."""
    fields = [field for field, _ in FACETS.values()]
    counts: dict[str, Counter[str]] = {facet: Counter() for facet in FACETS}
    total = 0
    for *values, n in items.order_by().values_list(*fields).annotate(n=Count("pk")):
        total += n
        for facet, value in zip(FACETS, values, strict=True):
            for one in (value if isinstance(value, list) else [value]):
                if one not in (None, ""):
                    counts[facet][str(one)] += n
    return total, {
        facet: [FacetOption(str(value), str(label), counts[facet][str(value)],
                            str(value) in filters.get(facet, [])) for value, label in choices]
        for facet, (_, choices) in FACETS.items()
        for choices in [choices() if callable(choices) else choices]
    }


def commons_item_get(*, user: Any, pk: int) -> CommonsItem:
    """A published item for anyone; an unpublished one only for its submitter and the state lead."""
    item = CommonsItem.objects.select_related("organization", "submitted_by").filter(pk=pk).first()
    if item is None:
        raise Http404("No such item.")
    if item.status == CommonsItem.Status.PUBLISHED:
        return item
    if getattr(user, "is_authenticated", False) and (item.submitted_by_id == user.pk or can_curate(user)):
        return item
    raise Http404("No such item.")


def similar_items(item: CommonsItem, *, limit: int = 5, words: int = 10) -> list[CommonsItem]:
    """Published items that share the item's most distinctive words.

    The item's ``words`` terms with the highest tf-idf (count × ln(N/df)) are its profile; every
    other published item holding one of them scores Σ w_item(t) · w_other(t), with
    w(t) = count · ln(N/df) / (number of terms in the item), so long items do not win by length.
    Ties go to the newer item."""
    if item.status != CommonsItem.Status.PUBLISHED or not item.term_total:
        return []
    total = published().count()
    own = dict(CommonsTerm.objects.filter(item=item).values_list("term", "count"))
    frequencies = _item_counts(list(own))
    weight = {t: own[t] * math.log(total / frequencies[t]) / item.term_total for t in own}
    profile = [t for t, w in sorted(weight.items(), key=lambda tw: (-tw[1], tw[0])) if w > 0][:words]
    if not profile:
        return []
    scores: dict[int, float] = defaultdict(float)
    rows = (CommonsTerm.objects.filter(term__in=profile).exclude(item=item)
            .values_list("item_id", "term", "count", "item__term_total"))
    for other, term, count, length in rows:
        scores[other] += weight[term] * count * math.log(total / frequencies[term]) / max(length, 1)
    others = published().in_bulk(list(scores))
    ranked = sorted(others.values(), key=lambda o: (-round(scores[o.pk], 9), -o.published_at.timestamp(), -o.pk))
    return ranked[:limit]


def review_queue_for(*, user: Any) -> QuerySet[CommonsItem]:
    if not can_curate(user):
        raise Http404("No such page.")
    return CommonsItem.objects.filter(status=CommonsItem.Status.SUBMITTED).select_related(
        "organization", "submitted_by").order_by("updated_at", "pk")


def my_items_for(*, user: Any) -> QuerySet[CommonsItem]:
    return CommonsItem.objects.filter(submitted_by=user).order_by("-updated_at", "-pk")
