"""How a roster read uses the machine: every setting that changes its speed or its memory, and
nothing else (none changes what is read, kept or refused).

They are judged by ``benchmarks/import_roster.py`` (a state's roster beside DuckDB's plain
``read_csv`` of the same files; see benchmarks/README.md), not by tests. The reader takes them
from ``TUNING`` when it runs, so a different machine, or a test that wants many small batches,
can put another ``ReaderTuning`` there.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb

_CORES = os.cpu_count() or 1


@dataclass(frozen=True)
class ReaderTuning:
    #: DuckDB's threads while it reads and checks CSV files: one more than the cores keeps them
    #: busy through the loads' serial steps, also beside the staff writer (five alternating pairs
    #: of state imports: 0.2 to 1.5 s faster).
    read_threads: int = field(default_factory=lambda: _CORES + 1)
    #: DuckDB's threads otherwise: while Python works alongside (the staff), and for the sorts of
    #: the enrollments, which take the most memory; with more, the writer, slowed, lasts into them.
    work_threads: int = _CORES
    #: The most memory DuckDB may take while it reads a roster. It spills nothing to disk (spill
    #: files would hold names), so past this a read is refused, not swapped. A whole state's
    #: roster peaks at about 3.5 GB.
    memory_limit: str = "8GB"
    #: The CSV reader's buffer. A buffer larger than DuckDB's default makes fewer, larger
    #: batches, which a load that keeps the file's order puts together with about a quarter less
    #: CPU (measured on a state's enrollments). At least ``tables.MAX_LINE_BYTES``.
    csv_buffer_bytes: int = 64 << 20
    #: Rows sorted at once when a file is written in parts (about 0.5 GB of sort memory).
    sort_rows: int = 4_000_000
    #: Tables at least this large are sampled, not read whole, to cut the sort's ranges.
    sample_from_rows: int = 1_000_000
    #: Rows per batch handed from DuckDB to the Parquet writer, and batches waiting between them.
    write_batch_rows: int = 500_000
    write_queue_batches: int = 4

    @contextlib.contextmanager
    def reading(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """``read_threads`` for the duration, ``work_threads`` after it."""
        con.execute(f"SET threads = {int(self.read_threads)}")
        try:
            yield
        finally:
            con.execute(f"SET threads = {int(self.work_threads)}")


TUNING = ReaderTuning()


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration, for a process that does nothing but the
    import (the command line; never the web process, whose other requests it would leave
    uncollected: the reader itself never pauses it). The staff records (and whatever a
    ``people_ready`` caller builds from them) are millions of long-lived objects, and every full
    collection walks all of them while holding Python's lock: a third of the staff step's time,
    with the other thread waiting meanwhile. Reference counting still frees what the read drops;
    the few cycles left wait for the next collection after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
