"""The commons' full-text index: SQLite FTS5 or PostgreSQL full-text search over the same terms.

Only published items are indexed. The terms come from trellis.commons.text, so both databases
match exactly the same items; BM25 ranks them from CommonsTerm's counts (see selectors).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum

from trellis.commons import text
from trellis.commons.models import CommonsItem, CommonsStats, CommonsTerm

#: Fields that make an item's searchable text, each with its weight (the title counts three times).
FIELDS = (("title", 3), ("summary", 2), ("description", 1), ("served", 1), ("evidence", 1))


def item_terms(item: CommonsItem) -> list[str]:
    found: list[str] = []
    for name, weight in FIELDS:
        found += text.terms(getattr(item, name) or "") * weight
    for label in item.competency_labels:
        found += text.terms(label)
    return found


def index_item(item: CommonsItem) -> None:
    """(Re)index a published item: its search text, its term counts and the full-text row."""
    CommonsTerm.objects.filter(item=item).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM commons_fts WHERE rowid = %s", [item.pk])
    index_items([item])
    update_stats()


@transaction.atomic
def index_items(items: Sequence[CommonsItem]) -> None:
    """Index published items that have no index rows yet (new ones, or all of them after the index
    was emptied): their search text and term totals, their term counts and their full-text rows,
    each written in one statement for all of ``items``. Does not recount the commons (update_stats)."""
    terms: list[tuple[int, str, int, int]] = []
    for item in items:
        found = item_terms(item)
        counts = Counter(found)
        item.search_text, item.term_total = " ".join(sorted(counts)), len(found)
        terms += [(item.pk, t, n, item.term_total) for t, n in sorted(counts.items())]
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE commons_commonsitem SET search_text = %s, term_total = %s WHERE id = %s",
                           [(i.search_text, i.term_total, i.pk) for i in items])
        _write_terms(cursor, terms)
        if connection.vendor == "sqlite":
            cursor.executemany("INSERT INTO commons_fts (rowid, search_text) VALUES (%s, %s)",
                               [(i.pk, i.search_text) for i in items])


def _write_terms(cursor: Any, terms: list[tuple[int, str, int, int]]) -> None:
    """Term counts as plain rows: a hundred or so per item, so building a model instance for each
    (bulk_create) would cost more than writing them."""
    columns = "commons_commonsterm (item_id, term, count, length)"
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
            for row in terms:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {columns} VALUES (%s, %s, %s, %s)", terms)


def match_sql(terms: list[str]) -> tuple[str, list[Any]]:
    """SQL selecting the ids of published items holding every one of ``terms``."""
    if connection.vendor == "sqlite":
        # Each term quoted: FTS5 reads it as a string to find, never as query syntax.
        return ("SELECT rowid FROM commons_fts WHERE commons_fts MATCH %s",
                [" AND ".join(f'"{t}"' for t in terms)])
    return ("SELECT id FROM commons_commonsitem WHERE status = 'published' "
            "AND search_text::tsvector @@ %s::tsquery", [" & ".join(f"'{t}'" for t in terms)])


@transaction.atomic
def reindex_all(*, batch: int = 5000) -> int:
    """Rebuild the whole index from the published items (after a change to the terms, or a bulk
    load), in one transaction so that a search never sees half an index; returns how many items
    were indexed."""
    items = CommonsItem.objects.filter(status=CommonsItem.Status.PUBLISHED).order_by("pk")
    CommonsTerm.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM commons_fts")
    done = 0
    last = 0
    while chunk := list(items.filter(pk__gt=last)[:batch]):
        index_items(chunk)
        done += len(chunk)
        last = chunk[-1].pk
    update_stats()
    return done


def update_stats() -> None:
    """Recount the published commons (a publication is rare; a search reads this row)."""
    totals = CommonsItem.objects.filter(status=CommonsItem.Status.PUBLISHED).aggregate(
        items=Count("pk"), terms=Sum("term_total"))
    CommonsStats.objects.update_or_create(pk=1, defaults={"items": totals["items"], "terms": totals["terms"] or 0})
