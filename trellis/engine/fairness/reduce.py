"""The one pass over the data: a single GROUP BY that reduces it to sufficient statistics.

The audit never looks at rows again after :func:`reduce_source`. The SQL it runs
(:func:`reduction_sql`) is one plain ``SELECT ... GROUP BY`` over a sub-select, using only
``CASE``, ``count``, ``avg``, ``var_pop``, ``lower``, ``trim`` and ``CAST``, so it runs unchanged
on Spark SQL (pass ``quote="`"``). Its grain is the finest cell of the grouping attributes,
refined by

- the mapped prediction ``p`` and label ``y`` (0/1, or NULL for a value that is not binary), so the
  four confusion-matrix cells are rows rather than ``sum(CASE ...)`` columns (faster, and invalid
  values land in their own NULL row instead of needing a second scan to be found);
- ``k``, the number of score thresholds the score reaches (``score >= t``), so the confusion
  counts at every threshold are exact sums of grain rows (one ``CASE`` instead of one
  ``sum(CASE ...)`` per threshold);
- ``c``, the calibration bin when there is a score and a label: the number of inner bin edges the
  score reaches, so bin ``b`` is ``[edges[b], edges[b+1])`` and the last one is closed, by the
  same comparisons that give :attr:`ScoreRange.calibration_edges` (no rounding of a division);
- the score itself ``b`` (up to :data:`EXACT_SCORE_ROWS` rows), or above that its fine bin ``b``
  between quantiles of the data, when there is a score and a label: the histogram behind AUC;
- the machine and human scores ``m`` and ``h`` in ordinal mode (their contingency table).

Each output row carries ``n = count(*)``. In exact mode every grain row holds a single score
value, so its mean is that value and its spread zero: nothing is summed, and the roll-ups
(:func:`trellis.engine.fairness.cells.combine`) merge exact moments. Above that size each row
also carries ``s1 = avg(d)`` and ``s2 = var_pop(d)`` of ``d = score - c`` (``c`` the mid-range, a
shift read from the data); both engines compute these with Welford-type updates, so scores far
from zero keep their spread. Only when a score is given is there a cheap pre-query for
``count(*)``, ``count(s)``, ``min(s)`` and ``max(s)`` (answered from Parquet statistics where
available), and above :data:`EXACT_SCORE_ROWS` rows one more for the quantiles. When a value is
invalid, one more query fetches a few offending values for the error message; that happens only
on the way to an error.

:mod:`trellis.engine.fairness.cells` turns the grain into the per-cell tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
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
EXACT_SCORE_ROWS = 250_000
"""Up to this many rows the grain keeps every distinct score: AUC and the score moments are exact.
Above it the AUC histogram has ``auc_bins`` bins between quantiles of the data."""


@dataclass(frozen=True)
class ReductionSpec:
    """What to reduce: the columns and the resolution of the score histogram.

    ``score_bins`` is the number of equal-width calibration bins over ``[min(score), max(score)]``;
    ``auc_bins`` the number of fine histogram bins between quantiles of the score when the input
    has more than :data:`EXACT_SCORE_ROWS` rows (below that every distinct score is kept).
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
    """What the pre-query found about the score.

    ``low`` and ``high`` are its minimum and maximum; ``quantiles`` the inner edges of the fine AUC
    bins (sorted, distinct) when the input is too large to keep every score, else None (exact).
    """

    low: float
    high: float
    quantiles: tuple[float, ...] | None = None

    @property
    def center(self) -> float:
        """The shift subtracted from every score before its moments are taken (the mid-range)."""
        return self.low / 2.0 + self.high / 2.0

    @property
    def exact(self) -> bool:
        """Whether the grain keeps every distinct score (no fine bins)."""
        return self.quantiles is None

    def calibration_edges(self, bins: int) -> npt.NDArray[np.float64]:
        """Edges of ``bins`` equal-width calibration bins: ``low + (high - low) * b / bins``.

        Bin ``b`` is ``[edges[b], edges[b+1])`` and the last bin ``[edges[-2], edges[-1]]`` is
        closed. The reduction compares each score with these very numbers, so the counts and the
        edges agree exactly, including for a score on an edge. When every score is equal all
        edges are that value and every student is in the last (closed) bin.
        """
        share = np.arange(bins + 1, dtype=np.float64) / bins
        span = self.high - self.low
        if math.isfinite(span):
            edges = self.low + span * share
        else:  # a range wider than the largest float: interpolate without the overflowing span
            edges = self.low * (1.0 - share) + self.high * share
        edges[0], edges[-1] = self.low, self.high
        return np.maximum.accumulate(np.minimum(edges, self.high))


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


def double_literal(value: float) -> str:
    """An SQL DOUBLE equal to ``value`` bit for bit: a decimal literal would be a DECIMAL first."""
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def steps_reached(expression: str, edges: Sequence[float]) -> str:
    """SQL for how many of the sorted ``edges`` are at most ``expression`` (0 to ``len(edges)``).

    A balanced ``CASE`` tree: about ``log2(len(edges))`` comparisons per row whatever the number
    of edges.
    """

    def node(low: int, high: int) -> str:
        if low == high:
            return str(low)
        middle = (low + high) // 2
        return (
            f"CASE WHEN {expression} >= {double_literal(edges[middle])} "
            f"THEN {node(middle + 1, high)} ELSE {node(low, middle)} END"
        )

    return node(0, len(edges))


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
        ``SELECT a0.., [p], [y], [k], [c], [b | m, h], n, [s1, s2] FROM (...) GROUP BY ...``. Missing
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
        score = f"CAST({_quoted(spec.score, quote)} AS DOUBLE)"
        if spec.thresholds:
            # k = how many thresholds the score reaches: one CASE and one more grain key instead
            # of one sum per threshold (cheaper, and it only splits the bins a threshold cuts).
            inner.append(f"{steps_reached(score, spec.thresholds)} AS k")
            keys.append("k")
        if spec.histogram:
            inner_edges = score_range.calibration_edges(spec.score_bins)[1:-1]
            inner.append(f"{steps_reached(score, list(inner_edges))} AS c")
            keys.append("c")
        if score_range.exact:
            # Every distinct score is its own grain row: exact ranks for AUC, exact moments.
            inner.append(f"{score} AS b")
            keys.append("b")
        else:
            center = double_literal(score_range.center)
            inner.append(f"{score} - {center} AS d")
            aggregates += ["avg(d) AS s1", "var_pop(d) AS s2"]
            if spec.histogram:
                assert score_range.quantiles is not None
                inner.append(f"{steps_reached(score, score_range.quantiles)} AS b")
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


def _score_range(source: Source, column: str, fine_bins: int) -> ScoreRange:
    score = f"CAST({_quoted(column, chr(34))} AS DOUBLE)"
    # DuckDB orders NaN above every number but min/max can still come back finite around it, so
    # NaN and infinity are counted on their own: refused in every format (Parquet can hold them).
    query = (f"SELECT count(*), count({score}), min({score}), max({score}), "
             f"count(*) FILTER (WHERE isnan({score}) OR isinf({score})) FROM audit_input")
    rows, present, low, high, non_finite = _fetch(source, query)[0]
    if rows == 0:
        raise AuditInputError(f"{source.description} has no rows")
    if present < rows:
        raise AuditInputError(
            f"score column {column!r} has {rows - present} missing values; every row needs a score"
        )
    if non_finite or not (math.isfinite(low) and math.isfinite(high)):
        raise AuditInputError(
            f"score column {column!r} has {non_finite or 'a'} non-finite value{'s' if non_finite > 1 else ''} "
            "(NaN or infinity); every score must be a number"
        )
    if rows <= EXACT_SCORE_ROWS:
        return ScoreRange(float(low), float(high))
    # Bins between quantiles hold about the same number of students whatever the distribution,
    # so an outlier or a heavy tail cannot crush the rest into one bin. quantile_disc returns
    # data values, so a value shared by many students gets a bin of its own.
    shares = ", ".join(repr(i / fine_bins) for i in range(1, fine_bins))
    query = f"SELECT quantile_disc({score}, [{shares}]) FROM audit_input"
    found = _fetch(source, query)[0][0]
    quantiles = sorted({float(value) for value in found} - {float(low)})
    return ScoreRange(float(low), float(high), tuple(quantiles))


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
        score_range = _score_range(source, spec.score, spec.auc_bins)
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
