"""Synthetic outputs of an AI tool on student-like rows, with a bias you choose.

Each row is one student decision of a binary tool (say an AI-writing detector): the student's
disaggregation attributes, the ground truth ``label``, the tool's ``score`` in (0, 1) and its
``flag`` (``score >= 0.5``). The label is independent of the attributes (every group has the same
prevalence) and the tool is equally good for everyone, except that its false-positive rate is
multiplied for the groups named in ``bias``. An audit of this data should therefore flag exactly the
biased groups for ``false_positive_rate`` and nothing for ``true_positive_rate`` or ``prevalence``.

How the score is drawn: ``z = mu + e`` with ``e ~ N(0, 1)`` and ``score = 1 / (1 + exp(-z))``, so
``flag = 1`` exactly when ``z >= 0``. For positives ``mu = Phi^-1(base_tpr)``; for negatives
``mu = Phi^-1(fpr)`` with ``fpr = min(base_fpr * m, 0.999)``, where ``m`` is the product of the
multipliers of the biased groups the student belongs to. Hence ``P(flag = 1 | label = 0) = fpr``
and ``P(flag = 1 | label = 1) = base_tpr`` in expectation.

Rows are generated in fixed chunks of 1,000,000, each from its own seed derived from ``(seed,
chunk index)``: the output depends only on ``(n_rows, seed, ...)``, the first ``k`` rows of a larger
table equal a table of ``k`` rows, and 20 million rows take a few seconds with bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.special import ndtri

CHUNK_ROWS = 1_000_000

# Shares of US public-school enrollment (NCES Digest, fall 2021), federal 7 categories.
RACE_SHARES: dict[str, float] = {
    "Hispanic/Latino": 0.28,
    "American Indian or Alaska Native": 0.009,
    "Asian": 0.055,
    "Black or African American": 0.149,
    "Native Hawaiian or Other Pacific Islander": 0.004,
    "White": 0.452,
    "Two or more races": 0.051,
}
SEX_SHARES: dict[str, float] = {"F": 0.486, "M": 0.514}
GRADES: tuple[str, ...] = (
    "KG",
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "07",
    "08",
    "09",
    "10",
    "11",
    "12",
)


@dataclass(frozen=True)
class _Attribute:
    name: str
    values: tuple[str, ...]
    shares: tuple[float, ...]


def _yes_no(name: str, share_yes: float) -> _Attribute:
    return _Attribute(name, ("N", "Y"), (1.0 - share_yes, share_yes))


ATTRIBUTES: tuple[_Attribute, ...] = (
    _Attribute("race", tuple(RACE_SHARES), tuple(RACE_SHARES.values())),
    _Attribute("sex", tuple(SEX_SHARES), tuple(SEX_SHARES.values())),
    _yes_no("english_learner", 0.103),
    _yes_no("disability", 0.15),
    _yes_no("econ_disadvantaged", 0.45),
    _Attribute("grade", GRADES, tuple([1.0 / len(GRADES)] * len(GRADES))),
)
COLUMNS: tuple[str, ...] = (
    "student_id",
    *(attribute.name for attribute in ATTRIBUTES),
    "label",
    "score",
    "flag",
)


def _check_bias(bias: Mapping[str, Mapping[str, float]]) -> None:
    known = {attribute.name: attribute.values for attribute in ATTRIBUTES}
    for name, multipliers in bias.items():
        if name not in known:
            raise ValueError(f"bias names unknown attribute {name!r}; known: {sorted(known)}")
        for value, multiplier in multipliers.items():
            if value not in known[name]:
                raise ValueError(
                    f"bias names unknown value {value!r} of {name!r}; known: {list(known[name])}"
                )
            if not multiplier > 0:
                raise ValueError(f"bias multiplier for {name}={value} must be > 0")


def _chunk(
    start: int,
    n_rows: int,
    chunk_index: int,
    *,
    seed: int,
    bias: Mapping[str, Mapping[str, float]],
    prevalence: float,
    base_fpr: float,
    base_tpr: float,
    missing_rate: float,
) -> pa.Table:
    def stream(purpose: int) -> np.random.Generator:
        # One generator per column: a shorter table is then an exact prefix of a longer one.
        return np.random.default_rng(np.random.SeedSequence([seed, chunk_index, purpose]))

    columns: dict[str, pa.Array] = {
        "student_id": pa.array(np.arange(start, start + n_rows, dtype=np.int64))
    }
    fpr_multiplier = np.ones(n_rows)
    for index, attribute in enumerate(ATTRIBUTES):
        cumulative = np.cumsum(attribute.shares)
        draws = stream(2 * index).random(n_rows)
        codes = np.searchsorted(cumulative / cumulative[-1], draws, side="right")
        codes = np.minimum(codes, len(attribute.values) - 1).astype(np.int8)
        for value, multiplier in bias.get(attribute.name, {}).items():
            fpr_multiplier[codes == attribute.values.index(value)] *= multiplier
        mask = stream(2 * index + 1).random(n_rows) < missing_rate if missing_rate > 0 else None
        indices = pa.array(codes, mask=mask)
        columns[attribute.name] = pa.DictionaryArray.from_arrays(
            indices, pa.array(attribute.values)
        )
    label = stream(100).random(n_rows) < prevalence
    fpr = np.minimum(base_fpr * fpr_multiplier, 0.999)
    mu = np.where(label, ndtri(base_tpr), ndtri(fpr))
    z = mu + stream(101).standard_normal(n_rows)
    columns["label"] = pa.array(label.astype(np.int8))
    columns["score"] = pa.array(1.0 / (1.0 + np.exp(-z)))
    columns["flag"] = pa.array((z >= 0).astype(np.int8))
    return pa.table(columns)


def iter_tool_outputs(
    n_rows: int,
    *,
    seed: int,
    bias: Mapping[str, Mapping[str, float]] | None = None,
    prevalence: float = 0.15,
    base_fpr: float = 0.10,
    base_tpr: float = 0.80,
    missing_rate: float = 0.0,
) -> Iterator[pa.Table]:
    """Yield the rows of :func:`tool_outputs` as tables of at most 1,000,000 rows.

    Parameters and columns are those of :func:`tool_outputs`; concatenating the chunks gives
    exactly ``tool_outputs(n_rows, seed=seed, ...)``.
    """
    bias = bias or {}
    _check_bias(bias)
    if n_rows < 0:
        raise ValueError("n_rows must be >= 0")
    for chunk_index, start in enumerate(range(0, n_rows, CHUNK_ROWS)):
        yield _chunk(
            start,
            min(CHUNK_ROWS, n_rows - start),
            chunk_index,
            seed=seed,
            bias=bias,
            prevalence=prevalence,
            base_fpr=base_fpr,
            base_tpr=base_tpr,
            missing_rate=missing_rate,
        )


def tool_outputs(
    n_rows: int,
    *,
    seed: int,
    bias: Mapping[str, Mapping[str, float]] | None = None,
    prevalence: float = 0.15,
    base_fpr: float = 0.10,
    base_tpr: float = 0.80,
    missing_rate: float = 0.0,
) -> pa.Table:
    """Generate a binary tool's outputs on synthetic students, with a known false-positive bias.

    Parameters
    ----------
    n_rows : int
        Number of rows (one per student decision).
    seed : int
        Seed; the same ``(n_rows, seed, ...)`` always gives the same table.
    bias : mapping of attribute -> {value: multiplier}, optional
        Multiply the false-positive rate of the named groups, e.g.
        ``{"english_learner": {"Y": 3.0}}``. A student in several biased groups gets the product
        of their multipliers; the rate is capped at 0.999. Unknown names raise ``ValueError``.
    prevalence : float
        ``P(label = 1)``, the same in every group.
    base_fpr, base_tpr : float
        The tool's false- and true-positive rates at the 0.5 threshold for unbiased groups.
    missing_rate : float
        Probability that each attribute value is independently set to null (to exercise the
        "(missing)" group of an audit).

    Returns
    -------
    pyarrow.Table
        Columns ``student_id`` (int64, a row number, not a real identifier), ``race`` (federal 7
        categories at national shares), ``sex`` (F/M), ``english_learner``, ``disability``,
        ``econ_disadvantaged`` (N/Y), ``grade`` (KG, 01..12) as dictionary-encoded strings,
        ``label`` (int8 0/1), ``score`` (float64 in (0, 1)) and ``flag`` (int8,
        ``score >= 0.5``).
    """
    chunks = list(
        iter_tool_outputs(
            n_rows,
            seed=seed,
            bias=bias,
            prevalence=prevalence,
            base_fpr=base_fpr,
            base_tpr=base_tpr,
            missing_rate=missing_rate,
        )
    )
    if not chunks:
        return _chunk(
            0,
            0,
            0,
            seed=seed,
            bias={},
            prevalence=prevalence,
            base_fpr=base_fpr,
            base_tpr=base_tpr,
            missing_rate=0.0,
        )
    return pa.concat_tables(chunks)


def write_tool_outputs(
    path: str | Path,
    n_rows: int,
    seed: int,
    bias: Mapping[str, Mapping[str, float]] | None = None,
    **options: float,
) -> Path:
    """Write :func:`tool_outputs` to one Parquet file, one row group per million rows.

    Memory stays bounded by one chunk, so 20 million rows fit easily on a small machine.
    ``options`` are the keyword arguments of :func:`tool_outputs` (``prevalence``, ``base_fpr``,
    ``base_tpr``, ``missing_rate``). Returns the path written.
    """
    path = Path(path)
    writer: pq.ParquetWriter | None = None
    try:
        for chunk in iter_tool_outputs(n_rows, seed=seed, bias=bias, **options):
            if writer is None:
                writer = pq.ParquetWriter(path, chunk.schema)
            writer.write_table(chunk)
        if writer is None:
            pq.write_table(tool_outputs(0, seed=seed), path)
    finally:
        if writer is not None:
            writer.close()
    return path
