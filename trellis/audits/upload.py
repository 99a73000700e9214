"""An uploaded file of a tool's outputs, joined to the roster store for the students' subgroups.

The raw student ids are pseudonymised on arrival with the roster's key (the same HMAC the roster
import uses) and joined to ``students.parquet``; nobody uploads demographics by hand. Rows that
match no rostered student of the district are counted and reported, never dropped silently. The
engine then audits the joined rows; only its suppressed (publishable) view leaves this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from trellis.interop.oneroster.store import STUDENTS
from trellis.interop.pseudonym import pseudonymise_column
from trellis.interop.subgroups import RACE_ETHNICITY, SUBGROUP_COLUMNS

PARQUET_MAGIC = b"PAR1"
#: The subgroups an audit reports, each as it is shown (attribute name -> SQL over the store).
AUDIT_ATTRIBUTES: dict[str, str] = {
    "Race/ethnicity": "CASE s.race_ethnicity "
    + " ".join(f"WHEN '{code}' THEN '{label.en}'" for code, label in RACE_ETHNICITY.items())
    + " END",
    "Sex": "CASE s.sex WHEN 'F' THEN 'Female' WHEN 'M' THEN 'Male' WHEN 'X' THEN 'Another sex or gender' END",
    **{
        str(SUBGROUP_COLUMNS[flag].en): f"CASE WHEN s.{flag} THEN 'Yes' WHEN NOT s.{flag} THEN 'No' END"
        for flag in ("english_learner", "disability", "economically_disadvantaged")
    },
}
OVERRIDE_RATE = "override_rate"


class UploadProblem(Exception):
    """A problem with the uploaded file, written for the person who uploaded it."""


@dataclass(frozen=True)
class JoinedOutputs:
    connection: duckdb.DuckDBPyConnection
    relation: duckdb.DuckDBPyRelation
    total: int
    matched: int
    columns: dict[str, str]

    @property
    def unmatched(self) -> int:
        return self.total - self.matched


def check_file(path: Path, name: str) -> str:
    """The file's kind (``csv`` or ``parquet``), by its first bytes as well as its name."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    lower = name.lower()
    if lower.endswith((".parquet", ".pq")):
        if not head.startswith(PARQUET_MAGIC):
            raise UploadProblem(f"{name} is named as a Parquet file but is not one. Export it again as Parquet or CSV.")
        return "parquet"
    if lower.endswith(".csv"):
        if b"\x00" in head or head.startswith((PARQUET_MAGIC, b"PK\x03\x04", b"%PDF")):
            raise UploadProblem(f"{name} is not a text CSV file. Export the tool's outputs as CSV or Parquet.")
        return "csv"
    raise UploadProblem(f"{name} is neither a .csv nor a .parquet file. Export the tool's outputs as CSV or Parquet.")


def open_upload(connection: duckdb.DuckDBPyConnection, path: Path, kind: str,
                id_column: str | None = None) -> duckdb.DuckDBPyRelation:
    if kind == "parquet":
        return connection.read_parquet(str(path))
    if id_column is None:
        return connection.read_csv(str(path), all_varchar=True, header=True)
    # Ids stay text (leading zeros kept); DuckDB types the outputs, so that 0/1 flags are numbers and
    # anything else reaches the engine's binary check as it was written.
    return connection.read_csv(str(path), header=True, dtype={id_column: "VARCHAR"})


def check_columns(path: Path, name: str, kind: str, required: dict[str, str]) -> None:
    """Each named column must be in the file; ``required`` maps a column to what it is for."""
    connection = duckdb.connect(config={"temp_directory": ""})
    try:
        try:
            columns = open_upload(connection, path, kind).columns
        except duckdb.Error as exc:
            raise UploadProblem(f"{name} could not be read: {str(exc).splitlines()[0]}") from exc
    finally:
        connection.close()
    for column, role in required.items():
        if column not in columns:
            raise UploadProblem(f"{name} has no column {column!r} ({role}). Its columns are: "
                                + ", ".join(repr(c) for c in columns) + ".")


def join_to_roster(*, path: Path, kind: str, key: bytes, store_dir: Path, schools: Sequence[str], id_column: str,
                   columns: dict[str, str]) -> JoinedOutputs:
    """Pseudonymise ``id_column`` and join each row to the district's rostered students.

    ``columns`` maps an output (``prediction``, ``label``, ``human``) to the file's column. The
    joined relation has those columns, under their own names, and the :data:`AUDIT_ATTRIBUTES`,
    for matched rows only.
    """
    store = store_dir / STUDENTS
    if not store.exists():
        raise UploadProblem("There is no roster for this district yet: import the roster first, so that the "
                            "students' groups can be looked up.")
    connection = duckdb.connect(config={"temp_directory": ""})
    wanted = list(dict.fromkeys([id_column, *columns.values()]))
    upload = open_upload(connection, path, kind, id_column).select(*[duckdb.ColumnExpression(c) for c in wanted])
    try:
        rows = upload.to_arrow_table()
    except duckdb.Error as exc:
        raise UploadProblem(f"{path.name} could not be read: {str(exc).splitlines()[0]}") from exc
    # polars-hash's HMAC is about three times faster than the same HMAC written in DuckDB's SQL.
    ids = pc.utf8_trim_whitespace(pc.cast(rows[id_column], pa.string()))
    keyed = rows.drop_columns([id_column]) if id_column not in columns.values() else rows
    connection.register("upload_rows", keyed.append_column("student_key", pseudonymise_column(key, ids)))
    del rows
    connection.execute("CREATE TEMP TABLE district_schools (school_sourced_id VARCHAR)")
    connection.executemany("INSERT INTO district_schools VALUES (?)", [[s] for s in schools])
    # The file's own column names are kept, so that the engine's messages name what the person uploaded.
    picked = ", ".join(f'u."{column}"' for column in dict.fromkeys(columns.values()))
    attributes = ", ".join(f'{sql} AS "{name}"' for name, sql in AUDIT_ATTRIBUTES.items())
    connection.execute(f"""
        CREATE TEMP TABLE joined AS
        SELECT {picked}, {attributes}, s.student_key IS NOT NULL AS trellis_matched
        FROM upload_rows AS u
        LEFT JOIN (SELECT * FROM read_parquet(?) WHERE school_sourced_id IN (SELECT * FROM district_schools)) AS s
        USING (student_key)
    """, [str(store)])
    connection.unregister("upload_rows")
    total, matched = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE trellis_matched) FROM joined").fetchall()[0]
    relation = connection.sql("SELECT * EXCLUDE (trellis_matched) FROM joined WHERE trellis_matched")
    return JoinedOutputs(connection, relation, int(total), int(matched), dict(columns))


def published_view(result: Any, policy: Any) -> dict[str, Any]:
    """The suppressed rows of an audit as they may be shown, and its findings in plain language."""
    from trellis.engine.fairness.report import findings, shown_rows

    rows = shown_rows(result, policy)
    shown = []
    for row in rows:
        if row.bin is not None or row.threshold is not None:
            continue
        shown.append({
            "attributes": list(row.attributes), "group": row.group, "metric": row.metric,
            "n": row.n, "value": _finite(row.value), "ci": [_finite(v) for v in row.ci] if row.ci else None,
            "ratio": _finite(row.ratio[0]) if row.ratio else None, "flagged": row.flagged,
            "suppressed": row.suppressed, "is_reference": row.is_reference, "note": row.value_note or "",
        })
    return {
        "metrics": list(result.metrics), "attributes": list(result.attributes), "rows": shown,
        "findings": [{"metric": f.metric, "sentence": f.sentence} for f in findings(result, policy, rows)],
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def audit_joined(joined: JoinedOutputs, *, min_n: int,
                 progress: Callable[[float, str], None] | None = None) -> tuple[Any, Any]:
    from trellis.engine.fairness import audit
    from trellis.engine.suppression import SuppressionPolicy

    policy = SuppressionPolicy(min_n=min_n)
    result = audit(joined.relation, prediction=joined.columns["prediction"], label=joined.columns.get("label"),
                   by=list(AUDIT_ATTRIBUTES), intersections="pairs", min_n=min_n, policy=policy, progress=progress)
    return result, policy


def override_rates(joined: JoinedOutputs, *, min_n: int) -> dict[str, Any]:
    """How often the human decision differs from the tool's, by subgroup, through the engine and
    suppressed like every other published number."""
    from trellis.engine.fairness import audit
    from trellis.engine.suppression import SuppressionPolicy

    policy = SuppressionPolicy(min_n=min_n)
    human, tool = (f'lower(trim(CAST("{joined.columns[name]}" AS VARCHAR)))' for name in ("human", "prediction"))
    attributes = ", ".join(f'"{name}"' for name in AUDIT_ATTRIBUTES)
    relation = joined.connection.sql(
        f"SELECT CASE WHEN {human} = {tool} THEN 0 ELSE 1 END AS trellis_overridden, {attributes} "
        "FROM joined WHERE trellis_matched"
    )
    result = audit(relation, prediction="trellis_overridden", by=list(AUDIT_ATTRIBUTES), intersections="none",
                   min_n=min_n, policy=policy)
    return published_view(result, policy)


@dataclass(frozen=True)
class LedgerRates:
    """Override rates from the ledger teachers keep: for each tool, the share of its students
    (those of the schools where it is deployed or an override of it was recorded) whose output a
    teacher overrode at least once, by tool and, per tool, by subgroup. Only published views."""

    by_tool: dict[str, Any]
    by_group: dict[str, dict[str, Any]]
    students_overridden: dict[str, int]
    students_read: int
    unmatched: int


def ledger_rates(*, overrides: Sequence[tuple[str, str]], populations: dict[str, Sequence[str]], store_dir: Path,
                 min_n: int) -> LedgerRates | None:
    """Override rates of the ledger's ``overrides`` (tool, student pseudonym), through the engine.

    ``populations`` maps each tool to the roster sourcedIds of the schools whose students it
    serves. A tool's subgroups are published only once at least ``min_n`` of its students were
    overridden, so that a handful of overrides never points at a group. An override whose student
    is not among the tool's rostered students is counted in ``unmatched``. ``None`` when there is
    no roster store.
    """
    from trellis.engine.fairness import audit
    from trellis.engine.suppression import SuppressionPolicy

    store = store_dir / STUDENTS
    if not store.exists():
        return None
    connection = duckdb.connect(config={"temp_directory": ""})
    try:
        connection.execute("CREATE TEMP TABLE ledger (tool VARCHAR, student_key VARCHAR)")
        connection.executemany("INSERT INTO ledger VALUES (?, ?)", [list(o) for o in overrides])
        connection.execute("CREATE TEMP TABLE population (tool VARCHAR, school_sourced_id VARCHAR)")
        connection.executemany("INSERT INTO population VALUES (?, ?)",
                               [[tool, school] for tool, schools in populations.items() for school in schools])
        attributes = ", ".join(f'{sql} AS "{name}"' for name, sql in AUDIT_ATTRIBUTES.items())
        connection.execute(f"""
            CREATE TEMP TABLE rows AS
            SELECT p.tool AS "Tool", {attributes},
                   CASE WHEN l.student_key IS NULL THEN 0 ELSE 1 END AS trellis_overridden
            FROM read_parquet(?) AS s
            JOIN population AS p USING (school_sourced_id)
            LEFT JOIN (SELECT DISTINCT tool, student_key FROM ledger) AS l
              ON l.tool = p.tool AND l.student_key = s.student_key
        """, [str(store)])
        read = connection.execute("SELECT count(*) FROM rows").fetchall()[0][0]
        unmatched = connection.execute("""
            SELECT count(*) FROM (SELECT DISTINCT tool, student_key FROM ledger) AS l
            WHERE NOT EXISTS (SELECT 1 FROM read_parquet(?) AS s JOIN population AS p USING (school_sourced_id)
                              WHERE p.tool = l.tool AND s.student_key = l.student_key)
        """, [str(store)]).fetchall()[0][0]
        if read == 0:
            return LedgerRates({}, {}, {}, 0, int(unmatched))
        policy = SuppressionPolicy(min_n=min_n)
        by_tool = published_view(audit(connection.table("rows"), prediction="trellis_overridden", by=["Tool"],
                                       intersections="none", min_n=min_n, policy=policy), policy)
        overridden = dict(connection.execute(
            'SELECT "Tool", sum(trellis_overridden) FROM rows GROUP BY "Tool"').fetchall())
        by_group = {}
        for tool, count in sorted(overridden.items()):
            if count >= min_n:
                relation = connection.sql('SELECT * EXCLUDE ("Tool") FROM rows WHERE "Tool" = $tool',
                                          params={"tool": tool})
                by_group[tool] = published_view(audit(relation, prediction="trellis_overridden",
                                                      by=list(AUDIT_ATTRIBUTES), intersections="none",
                                                      min_n=min_n, policy=policy), policy)
        return LedgerRates(by_tool, by_group, {t: int(c) for t, c in overridden.items()}, int(read), int(unmatched))
    finally:
        connection.close()


def warm() -> None:
    """Load the libraries and the engine an audit uses, and run each once on a few made-up rows,
    so that a server's first audit after a start takes as long as the next."""
    from trellis.engine.fairness import audit
    from trellis.engine.suppression import SuppressionPolicy

    ids = pa.array([f"warm-{i}" for i in range(40)])
    keys = pseudonymise_column(b"warm-up key, never used for data", ids)
    connection = duckdb.connect(config={"temp_directory": ""})
    try:
        connection.register("warm", pa.table({"student_key": keys, "flag": [i % 3 == 0 for i in range(40)],
                                              "label": [i % 2 == 0 for i in range(40)],
                                              "Sex": ["Female", "Male"] * 20}))
        relation = connection.sql("SELECT CAST(flag AS INTEGER) AS flag, CAST(label AS INTEGER) AS label, \"Sex\" "
                                  "FROM warm")
        policy = SuppressionPolicy(min_n=10)
        published_view(audit(relation, prediction="flag", label="label", by=["Sex"], intersections="none",
                             min_n=10, policy=policy), policy)
    finally:
        connection.close()
