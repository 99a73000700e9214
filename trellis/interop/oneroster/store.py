"""The Parquet student store: what the reader stages and how a staged roster joins the store.

The store is a folder with ``students.parquet``, ``classes.parquet`` and ``enrollments.parquet``.
Staged files (under the reader's ``staging_dir``) have the same columns plus, for the students
of a delta, three bookkeeping columns that :func:`merge_student_store` uses and drops:

- ``from_users``: the row carries this delta's users.csv record (school, grade, status, and the
  program flags read from users.csv);
- ``from_demographics``: the row carries this delta's demographics.csv record (race/ethnicity,
  sex, and the program flags read from demographics.csv);
- ``update_only``: the user had no role in the delta, or only a demographics row; the row may
  update or delete a student already in the store but never adds one.

Enrollments carry no id of their own: a delta row replaces every stored row with the same class,
person_key and role (or deletes them when it is marked tobedeleted).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Collection, Iterator
from itertools import pairwise
from pathlib import Path
from queue import Queue

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from trellis.interop.oneroster import tuning
from trellis.interop.oneroster.records import RosterBundle, SchoolStats
from trellis.interop.oneroster.staging import UNSTAGED, Staging
from trellis.interop.oneroster.tables import Loaded, count, first_row, literal
from trellis.interop.pseudonym import pseudonym_sql
from trellis.interop.subgroups import PROGRAM_FLAG_COLUMNS

STUDENTS = "students.parquet"
CLASSES = "classes.parquet"
ENROLLMENTS = "enrollments.parquet"

STUDENT_COLUMNS = (
    "student_key",
    "school_sourced_id",
    "grade",
    "race_ethnicity",
    "sex",
    *PROGRAM_FLAG_COLUMNS,
    "status",
)
CLASS_COLUMNS = (
    "class_sourced_id",
    "title",
    "course_sourced_id",
    "school_sourced_id",
    "term_sourced_ids",
    "grades",
    "subjects",
    "status",
)
ENROLLMENT_COLUMNS = (
    "class_sourced_id",
    "school_sourced_id",
    "person_key",
    "role",
    "primary",
    "begin_date",
    "end_date",
    "status",
)
#: The store's row order: the key (class, person, role) first, then every other column, so that
#: the order is total and says nothing about the order of the SIS's files.
ENROLLMENT_ORDER = (
    "class_sourced_id",
    "person_key",
    "role",
    "school_sourced_id",
    "primary",
    "begin_date",
    "end_date",
    "status",
)
_EMPTY_STUDENTS = (
    "SELECT NULL::VARCHAR AS student_key, NULL::VARCHAR AS school_sourced_id, "
    "NULL::VARCHAR AS grade, NULL::VARCHAR AS race_ethnicity, NULL::VARCHAR AS sex, "
    + ", ".join(f"NULL::BOOLEAN AS {flag}" for flag in PROGRAM_FLAG_COLUMNS)
    + ", NULL::VARCHAR AS status WHERE false"
)
_EMPTY_CLASSES = (
    "SELECT NULL::VARCHAR AS class_sourced_id, NULL::VARCHAR AS title, "
    "NULL::VARCHAR AS course_sourced_id, NULL::VARCHAR AS school_sourced_id, "
    "NULL::VARCHAR[] AS term_sourced_ids, NULL::VARCHAR[] AS grades, "
    "NULL::VARCHAR[] AS subjects, NULL::VARCHAR AS status WHERE false"
)
_EMPTY_ENROLLMENTS = (
    "SELECT NULL::VARCHAR AS class_sourced_id, "
    "NULL::VARCHAR AS school_sourced_id, NULL::VARCHAR AS person_key, NULL::VARCHAR AS role, "
    'NULL::BOOLEAN AS "primary", NULL::DATE AS begin_date, NULL::DATE AS end_date, '
    "NULL::VARCHAR AS status WHERE false"
)


def _optional(loaded: Loaded, column: str, cast: str = "VARCHAR") -> str:
    return f'"{column}"' if column in {c.name for c in loaded.columns} else f"NULL::{cast}"


def write_classes(con: duckdb.DuckDBPyConnection, classes: Loaded, mode: str, path: Path) -> None:
    live = "true" if mode == "delta" else "\"status\" IS DISTINCT FROM 'tobedeleted'"
    con.execute(
        f"""COPY (
            SELECT "sourcedId" AS class_sourced_id, "title" AS title,
                   "courseSourcedId" AS course_sourced_id, "schoolSourcedId" AS school_sourced_id,
                   "termSourcedIds" AS term_sourced_ids,
                   {_optional(classes, "grades", "VARCHAR[]")} AS grades,
                   {_optional(classes, "subjects", "VARCHAR[]")} AS subjects,
                   coalesce("status", 'active') AS status
            FROM {classes.table} WHERE {live} ORDER BY class_sourced_id
        ) TO {literal(str(path))} (FORMAT parquet)"""
    )


def find_unstaged(staging: Staging, *, users_table: str | None = None) -> None:
    """Stage ``unstaged``: family members, and students without a staged row (deleted in a bulk
    file, or only in roles.csv of a delta). Run while ``kinds`` and ``student_users`` exist;
    write_enrollments reads it. Few users are either, so it is a small table."""
    if users_table is not None:
        # users.csv is bulk: every student with a role has a row there (or the set is refused);
        # those without a staged row are the ones marked tobedeleted.
        unstaged_students = f"""kind = 'student' AND uid IN
            (SELECT "sourcedId" FROM {users_table} WHERE "status" = 'tobedeleted')"""
    else:
        unstaged_students = "kind = 'student' AND NOT EXISTS (SELECT 1 FROM student_users s WHERE s.sid = k.uid)"
    staging.table(
        UNSTAGED,
        f"""SELECT uid, kind FROM kinds k WHERE uid IS NOT NULL AND (kind = 'family' OR ({unstaged_students}))""",
    )


#: Pseudonyms are random hex, which snappy barely shrinks once a column is dictionary-encoded (a
#: state's enrollments: 272 MB with, 347 MB without) for about a CPU-second per state. They are
#: stored uncompressed; every other column gets snappy, Parquet's usual codec.
UNCOMPRESSED_COLUMNS = frozenset({"student_key", "person_key"})



def write_sorted(
    con: duckdb.DuckDBPyConnection, select: str, order: tuple[str, ...], path: Path, *, rows: int, firsts: str
) -> None:
    """Write the rows of ``select`` (about ``rows`` of them) to one Parquet file, sorted by ``order``.

    A state's enrollments are tens of millions of rows, and sorting them at once would take
    several GB. The rows are sorted in ranges of the first ``order`` column instead, each range
    streamed into the file after the one before, so the file is sorted as a whole while memory
    holds one range at a time. ``firsts`` is a cheap query whose one column has (a sample of)
    the values of the first ``order`` column, from which the ranges are cut.
    """
    ordered = _columns(order)
    first = _columns(order[:1])
    parts = max(1, -(-rows // tuning.TUNING.sort_rows))
    bounds: list[str] = []
    if parts > 1:
        fractions = ", ".join(str(i / parts) for i in range(1, parts))
        (quantiles,) = first_row(con, f"SELECT quantile_disc(#1, [{fractions}]) FROM ({firsts})") or (None,)
        bounds = sorted({value for value in quantiles or [] if value is not None})
    ranges = ["true"]
    if bounds:
        ranges = [f"{first} < {literal(bounds[0])}"]
        ranges += [f"{first} >= {literal(low)} AND {first} < {literal(high)}" for low, high in pairwise(bounds)]
        ranges.append(f"({first} >= {literal(bounds[-1])} OR {first} IS NULL)")
    write_queries(con, [f"SELECT * FROM ({select}) WHERE {where} ORDER BY {ordered}" for where in ranges], path)


def write_queries(con: duckdb.DuckDBPyConnection, queries: list[str], path: Path) -> None:
    """Write the rows of ``queries``, one after the other and each in its own order, to one
    Parquet file: the pseudonyms (UNCOMPRESSED_COLUMNS) as they are, every other column with
    snappy. With no rows at all the file still has the columns."""

    def batches() -> Iterator[pa.RecordBatch]:
        written = 0
        for query in queries:
            reader = con.sql(query).to_arrow_reader(tuning.TUNING.write_batch_rows)
            for batch in reader:
                written += batch.num_rows
                yield batch
        if not written:
            yield pa.RecordBatch.from_pylist([], schema=reader.schema)

    _write_parquet(batches(), path)


def _write_parquet(batches: Iterator[pa.RecordBatch], path: Path) -> None:
    """Write ``batches`` to one Parquet file on a second thread, so that producing the next
    batches (DuckDB sorting the next range) and encoding these (pyarrow) overlap. Both leave
    Python's lock while they work; the queue between them holds a bounded number of batches."""
    queue: Queue[pa.RecordBatch | None] = Queue(maxsize=tuning.TUNING.write_queue_batches)
    failures: list[BaseException] = []

    def write() -> None:
        writer = None
        finished = False
        try:
            while (batch := queue.get()) is not None:
                if writer is None:
                    codecs = {name: "none" if name in UNCOMPRESSED_COLUMNS else "snappy" for name in batch.schema.names}
                    writer = pq.ParquetWriter(path, batch.schema, compression=codecs)
                writer.write_batch(batch)
            finished = True
            if writer is not None:
                writer.close()
        except BaseException as exc:  # handed to the producing thread below
            failures.append(exc)
            if not finished:
                if writer is not None:
                    with contextlib.suppress(Exception):
                        writer.close()
                while queue.get() is not None:  # let the producer finish
                    pass

    thread = threading.Thread(target=write, name="trellis-parquet-writer", daemon=True)
    thread.start()
    try:
        for batch in batches:
            queue.put(batch)
            if failures:
                break
    finally:
        queue.put(None)
        thread.join()
    if failures:
        raise failures[0]


def write_enrollments(con: duckdb.DuckDBPyConnection, enrollments: Loaded, mode: str, path: Path) -> int:
    """Write enrollments.parquet; return how many rows of family members were dropped.

    A student's person_key is their pseudonym (from the ``student_keys`` table the student
    step made); staff keep their sourcedId. Any other row with role student is pseudonymised
    too (a user Trellis does not know as a student: never quoted raw). The enrollment's own
    sourcedId is not kept (SIS exports often build it from the student's id); an enrollment is
    identified by class, person and role. Rows are in the store's order (ENROLLMENT_ORDER),
    never left in file order, which could follow the SIS's student ids. Needs the ``unstaged``
    table from find_unstaged.
    """
    live = "true" if mode == "delta" else "e.\"status\" IS DISTINCT FROM 'tobedeleted'"
    family, unknown_students = first_row(
        con, "SELECT count(*) FILTER (WHERE kind = 'family'), count(*) FILTER (WHERE kind = 'student') FROM unstaged"
    ) or (0, 0)
    # In a clean bulk roster both are empty, and the 15 million row query needs no lookups.
    pseudonymised = "e.\"role\" = 'student'"
    if unknown_students:
        pseudonymised += " OR e.\"userSourcedId\" IN (SELECT uid FROM unstaged WHERE kind = 'student')"
    kept = live
    if family:
        kept += " AND e.\"userSourcedId\" NOT IN (SELECT uid FROM unstaged WHERE kind = 'family')"
    select = f"""SELECT e."classSourcedId" AS class_sourced_id,
                   e."schoolSourcedId" AS school_sourced_id,
                   CASE WHEN s.student_key IS NOT NULL THEN s.student_key
                        WHEN {pseudonymised} THEN {pseudonym_sql('e."userSourcedId"')}
                        ELSE e."userSourcedId" END AS person_key,
                   e."role" AS role, {_optional(enrollments, "primary", "BOOLEAN")} AS "primary",
                   {_optional(enrollments, "beginDate", "DATE")} AS begin_date,
                   {_optional(enrollments, "endDate", "DATE")} AS end_date,
                   coalesce(e."status", 'active') AS status
            FROM {enrollments.table} e LEFT JOIN student_keys s ON s.sid = e."userSourcedId"
            WHERE {kept}"""
    # The ranges are cut from a sample of whole vectors (cheap on millions of rows); a small
    # table gives every value.
    sample = "USING SAMPLE 5 PERCENT (system)" if enrollments.rows >= tuning.TUNING.sample_from_rows else ""
    write_sorted(
        con, select, ENROLLMENT_ORDER, path,
        rows=enrollments.rows, firsts=f'SELECT "classSourcedId" FROM {enrollments.table} {sample}',
    )
    if not family:
        return 0
    return count(
        con,
        f"""SELECT count(*) FROM {enrollments.table} e
        WHERE e."userSourcedId" IN (SELECT uid FROM unstaged WHERE kind = 'family')""",
    )


def school_stats(con: duckdb.DuckDBPyConnection, students_sql: str) -> dict[str, SchoolStats]:
    rows = con.execute(
        f"""SELECT school_sourced_id, count(*),
               count(*) FILTER (WHERE economically_disadvantaged),
               count(economically_disadvantaged)
        FROM ({students_sql}) WHERE status = 'active' AND school_sourced_id IS NOT NULL
        GROUP BY ALL ORDER BY school_sourced_id"""
    ).fetchall()
    return {school: SchoolStats(int(n), int(ed), int(reported)) for school, n, ed, reported in rows}


def _read(path: Path | None, empty: str) -> str:
    if path is None or not path.exists():
        return empty
    return f"SELECT * FROM read_parquet({literal(str(path))})"


def merge_student_store(
    current_dir: Path, staged: RosterBundle, out_dir: Path, *, covered_schools: Collection[str] | None = None
) -> dict[str, SchoolStats]:
    """Apply a staged roster to the store in ``current_dir``; write the result to ``out_dir``.

    A bulk file replaces its part of the store: the rows of the schools in ``covered_schools``
    (sourcedIds; None: every school), and rows with the same key. Rows of other schools stay.
    A delta upserts by key (``student_key``;
    ``class_sourced_id``; for enrollments class, person_key and role, every stored row with that
    key being replaced) and drops rows marked tobedeleted. For students
    a delta updates only the part of the record its files carry (see the module docstring);
    a blank school or grade in a delta keeps the stored one. A file absent from the roster
    leaves its part of the store as it was. ``current_dir`` may be missing (first import).

    Returns the per-school student counts of the merged store (aggregates only).
    """
    current_dir, out_dir = Path(current_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"temp_directory": ""})
    try:
        placed = staged.students_path is not None and _students_mode(staged) == "bulk"
        outside = _outside(covered_schools)
        if placed and _holds(con, current_dir / STUDENTS, outside):
            placed = False
            stored = _read(current_dir / STUDENTS, _EMPTY_STUDENTS)
            _copy(con, _merge_bulk(stored, staged.students_path, outside, ("student_key",), STUDENT_COLUMNS,
                                   ("student_key",)), out_dir / STUDENTS)
        elif placed:
            # The reader wrote a bulk file's students exactly as the store holds them.
            _place(staged.students_path, out_dir / STUDENTS)
        else:
            _copy(con, _merge_students(con, current_dir, staged), out_dir / STUDENTS)
        for name, staged_path, file, key, columns, order, empty in (
            (CLASSES, staged.classes_path, "classes.csv", ("class_sourced_id",), CLASS_COLUMNS,
             CLASS_COLUMNS, _EMPTY_CLASSES),
            (ENROLLMENTS, staged.enrollments_path, "enrollments.csv", ("class_sourced_id", "person_key", "role"),
             ENROLLMENT_COLUMNS, ENROLLMENT_ORDER, _EMPTY_ENROLLMENTS),
        ):
            mode = staged.modes.get(file, "absent")
            current = current_dir / name
            if staged_path is not None and mode == "bulk" and _holds(con, current, outside):
                _copy(con, _merge_bulk(_read(current, empty), staged_path, outside, key, columns, order),
                      out_dir / name)
            elif staged_path is not None and mode == "bulk":
                # The reader wrote only the live rows, already in the store's order.
                _place(staged_path, out_dir / name)
            elif (staged_path is None or mode == "absent") and current.exists():
                _place(current, out_dir / name)
            else:
                merged = _merge_keyed(_read(current, empty), staged_path, mode, key, columns, order)
                _copy(con, merged, out_dir / name)
        if placed and staged.school_stats:
            return dict(staged.school_stats)  # counted by the reader from this very file
        return school_stats(con, _read(out_dir / STUDENTS, _EMPTY_STUDENTS))
    finally:
        con.close()


def _outside(covered_schools: Collection[str] | None) -> str | None:
    """SQL true on a stored row a bulk file does not cover (None: it covers every row)."""
    if covered_schools is None:
        return None
    schools = ", ".join(literal(school) for school in sorted(covered_schools)) or "NULL"
    return f"(school_sourced_id IS NULL OR school_sourced_id NOT IN ({schools}))"


def _holds(con: duckdb.DuckDBPyConnection, path: Path, outside: str | None) -> bool:
    """Whether the stored file holds rows a bulk file does not cover."""
    if outside is None or not path.exists():
        return False
    return bool(count(con, f"SELECT count(*) FROM ({_read(path, '')}) WHERE {outside}"))


def _merge_bulk(
    current: str, staged_path: Path, outside: str | None, key: tuple[str, ...], columns: tuple[str, ...],
    order: tuple[str, ...],
) -> str:
    """A bulk file's rows, and the stored rows of the schools it does not cover."""
    staged = _read(staged_path, "")
    same = " AND ".join(f's."{name}" = c."{name}"' for name in key)
    return f"""SELECT {_columns(columns)} FROM (
            SELECT {_columns(columns, "c")} FROM ({current}) c
            WHERE {outside or "false"} AND NOT EXISTS (SELECT 1 FROM ({staged}) s WHERE {same})
            UNION ALL
            SELECT {_columns(columns, "s")} FROM ({staged}) s WHERE s.status = 'active'
        ) ORDER BY {_columns(order)}"""


def students_leaving(
    current_dir: Path, staged: RosterBundle, covered_schools: Collection[str] | None
) -> dict[str, int]:
    """Per school sourcedId, the stored active students a bulk roster removes: those of the
    schools it covers that it no longer lists (aggregates only)."""
    path = Path(current_dir) / STUDENTS
    if staged.students_path is None or _students_mode(staged) != "bulk" or not path.exists():
        return {}
    inside = f"NOT {_outside(covered_schools)}" if covered_schools is not None else "true"
    con = duckdb.connect(config={"temp_directory": ""})
    try:
        rows = con.execute(
            f"""SELECT c.school_sourced_id, count(*) FROM ({_read(path, '')}) c
            WHERE c.status = 'active' AND {inside} AND NOT EXISTS
                (SELECT 1 FROM ({_read(staged.students_path, '')}) s WHERE s.student_key = c.student_key)
            GROUP BY ALL"""
        ).fetchall()
    finally:
        con.close()
    return {str(school): int(number) for school, number in rows}


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> None:
    temporary = path.with_suffix(".parquet.partial")
    con.execute(f"COPY ({sql}) TO {literal(str(temporary))} (FORMAT parquet)")
    shutil.move(temporary, path)


def _place(source: Path, path: Path) -> None:
    """Put an already finished file at ``path``: a hard link where the disk allows, else a copy."""
    try:
        os.link(source, path)
    except OSError:
        shutil.copyfile(source, path)


def _columns(names: tuple[str, ...], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{name}"' for name in names)


def _merge_keyed(
    current: str,
    staged_path: Path | None,
    mode: str,
    key: tuple[str, ...],
    columns: tuple[str, ...],
    order: tuple[str, ...],
) -> str:
    ordered = _columns(order)
    if staged_path is None or mode == "absent":
        return f"SELECT {_columns(columns)} FROM ({current}) ORDER BY {ordered}"
    staged = _read(staged_path, "")
    if mode == "bulk":
        return f"SELECT {_columns(columns)} FROM ({staged}) WHERE status = 'active' ORDER BY {ordered}"
    same = " AND ".join(f's."{name}" = c."{name}"' for name in key)
    return f"""SELECT {_columns(columns)} FROM (
            SELECT {_columns(columns, "c")} FROM ({current}) c
            WHERE NOT EXISTS (SELECT 1 FROM ({staged}) s WHERE {same})
            UNION ALL
            SELECT {_columns(columns, "s")} FROM ({staged}) s WHERE s.status = 'active'
        ) ORDER BY {ordered}"""


def _students_mode(staged: RosterBundle) -> str:
    mode = staged.modes.get("users.csv", "absent")
    return staged.modes.get("demographics.csv", "absent") if mode == "absent" else mode


def _merge_students(con: duckdb.DuckDBPyConnection, current_dir: Path, staged: RosterBundle) -> str:
    """The merged students of a delta (or the current ones when the roster carries none)."""
    current = _read(current_dir / STUDENTS, _EMPTY_STUDENTS)
    mode = _students_mode(staged)
    if staged.students_path is None or mode == "absent":
        return f"SELECT {_columns(STUDENT_COLUMNS)} FROM ({current}) ORDER BY student_key"
    staged_sql = _read(staged.students_path, "")

    def take(column: str, group: str) -> str:
        return f"CASE WHEN s.{group} THEN s.{column} ELSE c.{column} END AS {column}"

    flags = []
    for flag in PROGRAM_FLAG_COLUMNS:
        source = staged.program_flag_sources.get(flag)
        group = "from_demographics" if source == "demographics.csv" else "from_users"
        flags.append(take(flag, group) if source else f"c.{flag} AS {flag}")
    return f"""SELECT {_columns(STUDENT_COLUMNS)} FROM (
        SELECT coalesce(s.student_key, c.student_key) AS student_key,
               CASE WHEN s.from_users THEN coalesce(s.school_sourced_id, c.school_sourced_id)
                    ELSE c.school_sourced_id END AS school_sourced_id,
               CASE WHEN s.from_users THEN coalesce(s.grade, c.grade) ELSE c.grade END AS grade,
               {take("race_ethnicity", "from_demographics")}, {take("sex", "from_demographics")},
               {", ".join(flags)},
               CASE WHEN s.from_users THEN s.status ELSE coalesce(c.status, 'active') END AS status
        FROM ({current}) c FULL OUTER JOIN ({staged_sql}) s ON s.student_key = c.student_key
        WHERE c.student_key IS NOT NULL OR (s.from_users AND NOT s.update_only)
    ) WHERE status = 'active' ORDER BY student_key"""
