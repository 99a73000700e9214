"""The one seam through which the roster import writes many rows: INSERT and UPDATE statements
of many rows each, one executemany per batch (a state has hundreds of thousands of staff), ids of
the inserted rows derived rather than read back."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, Protocol

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from trellis.orgs.roster import tuning


def unusable_passwords(count: int) -> list[str]:
    """``count`` unusable passwords, as Django's ``make_password(None)`` stores them (rostered
    staff sign in through their district until someone sets them a password), cut from one block
    of random bytes because a state has hundreds of thousands of accounts: every 30 bytes encode
    to exactly 40 characters, as in ``secrets.token_urlsafe(30)``."""
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(30 * count)).decode()
    return [UNUSABLE_PASSWORD_PREFIX + encoded[start:start + 40] for start in range(0, 40 * count, 40)]


class Row(Protocol):
    """A row to write: a NamedTuple whose field names are the model's field names."""

    _fields: tuple[str, ...]

    def __iter__(self) -> Iterator[Any]: ...


def insert_rows(model: type[Any], rows: Sequence[Row], *, key: str | None = None) -> dict[Any, int]:
    """Insert ``rows`` of ``model`` in the order given (NamedTuples of one type, named by the
    model's fields). A model's ``created_at`` and ``updated_at``, when the rows do not carry them,
    are set to now. With ``key``, a unique field the rows carry: its value → the id of each row
    inserted (otherwise nothing is returned)."""
    if not rows:
        return {}
    before = largest_pk(model) if key else 0
    _insert_rows(model, rows)
    return new_ids(model, before, [getattr(row, key) for row in rows], key) if key else {}


def _insert_rows(model: type[Any], rows: Sequence[Row]) -> None:
    meta = model._meta
    fields = rows[0]._fields
    columns = [meta.get_field(name).column for name in fields]
    stamps = [name for name in ("created_at", "updated_at") if name not in fields and _has_field(model, name)]
    if stamps:
        now = meta.get_field(stamps[0]).get_db_prep_save(timezone.now(), connection)
        columns += [meta.get_field(name).column for name in stamps]
        extra = (now,) * len(stamps)
        _insert(meta.db_table, columns, [(*row, *extra) for row in rows])
    else:
        _insert(meta.db_table, columns, rows)  # NamedTuples are tuples: no copy


def _has_field(model: type[Any], name: str) -> bool:
    return any(field.name == name for field in model._meta.concrete_fields)


def _insert(table: str, columns: list[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` in order, as many to a statement as the tuning's ``insert_values`` allows
    and one executemany per batch. The rows take their ids in the
    order given, on SQLite as on PostgreSQL (Django's bulk_create relies on the same), which
    ``new_ids`` uses."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    head = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    settings = tuning.TUNING
    per = max(1, settings.insert_values // len(columns))
    with connection.cursor() as cursor:
        # Batches of whole statements, so that only the last batch leaves a shorter rest.
        for chunk in chunks(rows, per * max(1, settings.batch_rows // per)):
            whole = len(chunk) - len(chunk) % per
            if whole:
                cursor.executemany(
                    head + ", ".join([one] * per),
                    [tuple(chain.from_iterable(chunk[start:start + per])) for start in range(0, whole, per)],
                )
            if whole < len(chunk):
                rest = chunk[whole:]
                cursor.execute(head + ", ".join([one] * len(rest)), tuple(chain.from_iterable(rest)))


def update_rows(model: type[Any], rows: dict[int, Row]) -> None:
    """Set the fields of each row on the row of ``model`` whose id is its key (NamedTuples of
    one type, named by the model's fields), with one executemany per batch."""
    if not rows:
        return
    meta = model._meta
    fields = next(iter(rows.values()))._fields
    assignments = ", ".join(f"{connection.ops.quote_name(meta.get_field(f).column)} = %s" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} WHERE id = %s"
    with connection.cursor() as cursor:
        for chunk in chunks(rows.items(), tuning.TUNING.batch_rows):
            cursor.executemany(sql, [(*row, pk) for pk, row in chunk])


def largest_pk(model: type[Any]) -> int:
    """The largest id in use. Ids only grow, so rows inserted after this call have larger ones."""
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def new_ids(model: type[Any], before: int, keys: list[Any], field: str) -> dict[Any, int]:
    """key → id of the rows just inserted (in the order of ``keys``) after ``largest_pk`` gave
    ``before``; ``field`` is the unique column the keys are.

    When exactly ``len(keys)`` rows lie above ``before`` and the largest is ``before + len(keys)``,
    the rows took the ids ``before + 1`` onwards in insertion order, and none of them needs to be
    read back (a state has hundreds of thousands). Otherwise (another session inserted rows
    meanwhile, or a sequence skipped values) they are read back by key.
    """
    above = model.objects.filter(pk__gt=before).aggregate(rows=Count("pk"), top=Max("pk"))
    if above["rows"] == len(keys) and above["top"] == before + len(keys):
        return dict(zip(keys, range(before + 1, before + len(keys) + 1), strict=True))
    wanted = set(keys)
    return {key: pk for key, pk in model.objects.filter(pk__gt=before).order_by().values_list(field, "pk")
            if key in wanted}


def chunks(items: list[Any] | Iterable[Any], size: int) -> Iterable[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
