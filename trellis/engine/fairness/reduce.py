"""The one pass over the data: a single GROUP BY that reduces it to sufficient statistics.

The audit never looks at rows again after :func:`reduce_source`. The SQL it runs
(:func:`reduction_sql`) is one plain ``SELECT ... GROUP BY`` over a sub-select, using only
``CASE``, ``count``, ``sum``, ``floor``, ``least``, ``greatest``, ``lower``, ``trim`` and ``CAST``,
so it runs unchanged on Spark SQL (pass ``quote="`"``). Its grain is the finest cell of the
grouping attributes, refined by

- the mapped prediction ``p`` and label ``y`` (0/1, or NULL for a value that is not binary), so the
  four confusion-matrix cells are rows rather than ``sum(CASE ...)`` columns (faster, and invalid
  values land in their own NULL row instead of needing a second scan to be found);
- ``k``, the number of score thresholds the score reaches (``score >= t``), so the confusion
  counts at every threshold are exact sums of grain rows (one ``CASE`` instead of one
  ``sum(CASE ...)`` per threshold);
- the fine score bin ``b`` when there is a score and a label (the histogram behind AUC and
  calibration);
- the machine and human scores ``m`` and ``h`` in ordinal mode (their contingency table).

Each output row carries ``n = count(*)`` and, for a score, ``s1 = sum(s - c)`` and
``s2 = sum((s - c)^2)`` (centred on the mid-range ``c`` to avoid cancellation). Only when a score
is given is there a
cheap pre-query for ``count(*)``, ``count(s)``, ``min(s)`` and ``max(s)`` (answered from Parquet
statistics where available) to fix the histogram range. When a value is invalid, one more query
fetches a few offending values for the error message; that happens only on the way to an error.

:mod:`trellis.engine.fairness.cells` turns the grain into the per-cell tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from trellis.engine.fairness.errors import AuditInputError
from trellis.engine.fairness.source import Source

TRUE_TEXT = ("1", "1.0", "true", "t", "yes", "y")
FALSE_TEXT = ("0", "0.0", "false", "f", "no", "n")
NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "DECIMAL",
)
INTEGER_TYPES = NUMERIC_TYPES[:10]


@dataclass(frozen=True)
class ReductionSpec:
    """What to reduce: the columns and the resolution of the score histogram.

    ``score_bins`` is the number of calibration bins; ``auc_bins`` the number of fine histogram
    bins over ``[min(score), max(score)]``, a multiple of ``score_bins`` so each calibration bin is
    a union of fine bins.
    """

    attributes: tuple[str, ...]
    prediction: str | None = None
    score: str | None = None
    thresholds: tuple[float, ...] = ()
    label: str | None = None
    ordinal: bool = False
    score_bins: int = 10
    auc_bins: int = 1000

    @property
    def histogram(self) -> bool:
        """Whether the reduction keeps a score histogram (needs a score and a label)."""
        return self.score is not None and self.label is not None


@dataclass(frozen=True)
class ScoreRange:
    """The score range from the pre-query; ``center`` is the shift used in the sums."""

    low: float
    high: float

    @property
    def center(self) -> float:
        return (self.low + self.high) / 2.0


def _kind(duckdb_type: str) -> str:
    base = duckdb_type.split("(")[0].strip().upper()
    if base == "BOOLEAN":
        return "boolean"
    if base in INTEGER_TYPES:
        return "integer"
    if base in NUMERIC_TYPES:
        return "numeric"
    if base in ("VARCHAR", "ENUM"):
        return "text"
    return "other"


def _quoted(name: str, quote: str) -> str:
    return quote + name.replace(quote, quote * 2) + quote


def binary_expression(column: str, duckdb_type: str, quote: str = '"') -> str:
    """SQL mapping a binary column to 1, 0, or NULL for anything else (missing or not binary).

    Booleans map directly; numbers 1 and 0; text (case- and space-insensitive) ``1, true, t, yes,
    y`` to 1 and ``0, false, f, no, n`` to 0.
    """
    name = _quoted(column, quote)
    kind = _kind(duckdb_type)
    if kind == "boolean":
        return f"CASE WHEN {name} THEN 1 WHEN NOT {name} THEN 0 END"
    if kind in ("integer", "numeric"):
        return f"CASE WHEN {name} = 1 THEN 1 WHEN {name} = 0 THEN 0 END"
    if kind == "text":
        trues = ", ".join(f"'{text}'" for text in TRUE_TEXT)
        falses = ", ".join(f"'{text}'" for text in FALSE_TEXT)
        normal = f"lower(trim({name}))"
        return f"CASE WHEN {normal} IN ({trues}) THEN 1 WHEN {normal} IN ({falses}) THEN 0 END"
    raise AuditInputError(
        f"column {column!r} must be binary (0/1, true/false, yes/no); its type is {duckdb_type}"
    )


def binary_key(column: str, duckdb_type: str, quote: str = '"') -> str:
    """The grouping key for a binary column in the reduction.

    Boolean and integer columns are grouped by their raw values, which is cheaper than mapping
    every row; :func:`map_binary_key` maps the few grain rows afterwards. Other types are mapped
    in SQL by :func:`binary_expression`.
    """
    if _kind(duckdb_type) in ("boolean", "integer"):
        return _quoted(column, quote)
    return binary_expression(column, duckdb_type, quote)


def map_binary_key(grain: pa.Table, key: str) -> pa.Table:
    """Map a raw boolean or integer grain key to 1, 0 or NULL (anything else), as in SQL."""
    raw = grain.column(key)
    if pa.types.is_boolean(raw.type):
        mapped = pc.cast(raw, pa.int64())
    else:
        mapped = pc.if_else(pc.is_in(raw, pa.array([0, 1], raw.type)), pc.cast(raw, pa.int64()), None)
    return grain.set_column(grain.schema.get_field_index(key), key, mapped)


def ordinal_expression(column: str, duckdb_type: str, quote: str = '"') -> str:
    """SQL mapping an ordinal score column to an integer, or NULL if missing or not whole."""
    name = _quoted(column, quote)
    kind = _kind(duckdb_type)
    if kind == "integer":
        return f"CAST({name} AS BIGINT)"
    if kind == "numeric":
        return f"CASE WHEN {name} = floor({name}) THEN CAST({name} AS BIGINT) END"
    raise AuditInputError(
        f"ordinal column {column!r} must hold small integer scores; its type is {duckdb_type}"
    )


def reduction_sql(
    spec: ReductionSpec,
    types: dict[str, str],
    score_range: ScoreRange | None = None,
    *,
    table: str = "audit_input",
    quote: str = '"',
) -> str:
    """The single aggregation that reduces the input to sufficient statistics.

    Parameters
    ----------
    spec : ReductionSpec
        Columns and bins.
    types : dict
        Column name -> DuckDB type name (decides how a binary value is recognised).
    score_range : ScoreRange, optional
        Required when ``spec.score`` is set: fixes the centre of the sums and the histogram bins.
    table : str
        Name of the input table or view.
    quote : str
        Identifier quote: ``'"'`` for DuckDB and PostgreSQL, ``"`"`` for Spark SQL.

    Returns
    -------
    str
        ``SELECT a0.., [p], [y], [k], [b | m, h], n, [s1, s2] FROM (...) GROUP BY ...``. Missing
        attribute values stay NULL here (GROUP BY keeps NULL as a group); they become
        "(missing)" afterwards, on the small result.
    """
    inner = [f"{_quoted(name, quote)} AS a{i}" for i, name in enumerate(spec.attributes)]
    keys = [f"a{i}" for i in range(len(spec.attributes))]
    aggregates = ["count(*) AS n"]
    if spec.ordinal:
        assert spec.prediction is not None and spec.label is not None
        inner.append(f"{ordinal_expression(spec.prediction, types[spec.prediction], quote)} AS m")
        inner.append(f"{ordinal_expression(spec.label, types[spec.label], quote)} AS h")
        keys += ["m", "h"]
    else:
        if spec.prediction is not None:
            inner.append(
                f"{binary_key(spec.prediction, types[spec.prediction], quote)} AS p"
            )
            keys.append("p")
        if spec.label is not None:
            inner.append(f"{binary_key(spec.label, types[spec.label], quote)} AS y")
            keys.append("y")
    if spec.score is not None:
        if score_range is None:
            raise ValueError("score_range is required when the spec has a score")
        center = repr(float(score_range.center))
        score = f"CAST({_quoted(spec.score, quote)} AS DOUBLE)"
        inner.append(f"{score} - {center} AS d")
        aggregates += ["sum(d) AS s1", "sum(d * d) AS s2"]
        if spec.thresholds:
            # k = how many thresholds the score reaches: one CASE and one more grain key instead
            # of one sum per threshold (cheaper, and it only splits the bins a threshold cuts).
            steps = " ".join(
                f"WHEN {score} >= {float(t)!r} THEN {i + 1}"
                for i, t in reversed(list(enumerate(spec.thresholds)))
            )
            inner.append(f"CASE {steps} ELSE 0 END AS k")
            keys.append("k")
        if spec.histogram:
            width = (score_range.high - score_range.low) / spec.auc_bins
            if width > 0:
                position = f"CAST(floor(({score} - {score_range.low!r}) / {width!r}) AS INTEGER)"
                inner.append(f"least({spec.auc_bins - 1}, greatest(0, {position})) AS b")
            else:
                inner.append("0 AS b")
            keys.append("b")
    select = ", ".join(keys + aggregates)
    group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
    return f"SELECT {select} FROM (SELECT {', '.join(inner)} FROM {table}) AS t{group_by}"


def _query(source: Source, sql: str) -> duckdb.DuckDBPyRelation:
    """``sql`` over the source (as ``audit_input``); unreadable input becomes AuditInputError."""
    try:
        relation = source.relation.query("audit_input", sql)
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise AuditInputError(f"cannot read {source.description}: {exc}") from exc
    assert relation is not None
    return relation


def _fetch(source: Source, sql: str) -> list[tuple[Any, ...]]:
    try:
        return _query(source, sql).fetchall()
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise AuditInputError(f"cannot read {source.description}: {exc}") from exc


def _score_range(source: Source, column: str) -> ScoreRange:
    name = _quoted(column, '"')
    query = f"SELECT count(*), count({name}), min({name}), max({name}) FROM audit_input"
    rows, present, low, high = _fetch(source, query)[0]
    if rows == 0:
        raise AuditInputError(f"{source.description} has no rows")
    if present < rows:
        raise AuditInputError(
            f"score column {column!r} has {rows - present} missing values; every row needs a score"
        )
    if not (math.isfinite(low) and math.isfinite(high)):
        raise AuditInputError(f"score column {column!r} has a non-finite value (NaN or infinity)")
    return ScoreRange(float(low), float(high))


def _offending_values(source: Source, column: str, expression: str) -> str:
    query = (
        f"SELECT DISTINCT CAST({_quoted(column, chr(34))} AS VARCHAR) AS v FROM audit_input "
        f"WHERE ({expression}) IS NULL LIMIT 3"
    )
    values = [row[0] for row in _fetch(source, query)]
    return ", ".join("a missing value (null)" if v is None else repr(v) for v in values)


def _check_mapped(
    source: Source,
    grain: pa.Table,
    key: str,
    column: str,
    role: str,
    expression: str,
    expected: str,
) -> None:
    bad = pc.sum(pc.filter(grain.column("n"), pc.is_null(grain.column(key)))).as_py() or 0
    if bad:
        examples = _offending_values(source, column, expression)
        raise AuditInputError(
            f"{role} column {column!r} must be {expected}; {bad} rows are not, e.g. {examples}"
        )


def reduce_source(source: Source, spec: ReductionSpec) -> tuple[pa.Table, ScoreRange | None]:
    """Run the reduction on ``source`` and validate what it found.

    Returns
    -------
    grain : pyarrow.Table
        One row per non-empty grain cell (see :func:`reduction_sql`).
    score_range : ScoreRange or None

    Raises
    ------
    AuditInputError
        For a missing column, an empty table, missing or non-finite scores, and predictions or
        labels that are missing or not binary (or not whole numbers in ordinal mode); the message
        names the column and shows offending values.
    """
    for attribute in spec.attributes:
        source.require(attribute, "attribute")
    if spec.prediction is not None:
        source.require(spec.prediction, "prediction")
    if spec.label is not None:
        source.require(spec.label, "label")
    score_range = None
    if spec.score is not None:
        kind = _kind(source.require(spec.score, "score"))
        if kind not in ("integer", "numeric"):
            kind_name = source.types[spec.score]
            raise AuditInputError(
                f"score column {spec.score!r} must be numeric; its type is {kind_name}"
            )
        score_range = _score_range(source, spec.score)
    sql = reduction_sql(spec, source.types, score_range)
    try:
        grain = _query(source, sql).to_arrow_table()
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise AuditInputError(f"cannot read {source.description}: {exc}") from exc
    if grain.num_rows == 0 or (pc.sum(grain.column("n")).as_py() or 0) == 0:
        raise AuditInputError(f"{source.description} has no rows")
    if not spec.ordinal:
        for key, column in (("p", spec.prediction), ("y", spec.label)):
            if column is not None and _kind(source.types[column]) in ("boolean", "integer"):
                grain = map_binary_key(grain, key)
    checks: list[tuple[str, str | None, str, str]] = []
    if spec.ordinal:
        checks = [
            ("m", spec.prediction, "prediction", "a whole-number score"),
            ("h", spec.label, "label", "a whole-number score"),
        ]
    else:
        checks = [
            ("p", spec.prediction, "prediction", "binary (0/1, true/false, yes/no)"),
            ("y", spec.label, "label", "binary (0/1, true/false, yes/no)"),
        ]
    for key, column, role, expected in checks:
        if column is None:
            continue
        mapping = ordinal_expression if spec.ordinal else binary_expression
        _check_mapped(
            source, grain, key, column, role, mapping(column, source.types[column]), expected
        )
    return grain, score_range
