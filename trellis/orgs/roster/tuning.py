"""How the roster import writes to the database: every setting that changes its speed, and
nothing else (none changes what is written).

They are judged by ``benchmarks/import_roster.py`` (a state's roster; see benchmarks/README.md),
not by tests. The writer takes them from ``TUNING`` when it runs. The reading side has its own:
``trellis.interop.oneroster.tuning``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class WriterTuning:
    #: SQLite's page cache while an import writes, in KiB (its default is 2 MB). A roster's
    #: usernames come in no particular order, so the pages of their index are revisited at random.
    sqlite_page_cache_kib: int = 32 * 1024
    #: Values per INSERT statement: at most SQLite's smallest limit on a statement's parameters
    #: (999). A statement of many rows costs SQLite less per row than as many statements of one
    #: (a state's people: 1.8 s against 2.7 s).
    insert_values: int = 999
    #: Rows per executemany, of INSERT and UPDATE statements alike.
    batch_rows: int = 20_000
    #: Ids per ``pk IN (...)`` of the bulk updates and deletes.
    ids_per_query: int = 5_000

    @contextlib.contextmanager
    def page_cache(self) -> Iterator[None]:
        """SQLite's larger page cache for the duration, and its own back after (other databases
        manage their own)."""
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            (before,) = cursor.fetchone()
            cursor.execute(f"PRAGMA cache_size = -{int(self.sqlite_page_cache_kib)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")


TUNING = WriterTuning()
