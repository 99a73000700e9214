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


# Sample outputs of three kinds of tool, for `trellis synth tool-outputs` -------------------------


@dataclass(frozen=True)
class SampleTool:
    """One kind of AI tool whose outputs anyone can generate and audit.

    ``columns`` renames the generator's ``label``, ``score`` and ``flag`` to what the tool's
    outputs are called; ``biases`` names the built-in biases it can be given (each a mapping
    attribute -> {value: multiplier} of the false-positive rate for a binary tool, or of points
    taken off the machine score for an essay scorer); ``audit`` is the command that audits it.
    """

    name: str
    description: str
    columns: Mapping[str, str]
    biases: Mapping[str, Mapping[str, Mapping[str, float]]]
    audit: str
    options: Mapping[str, float]


SAMPLE_TOOLS: dict[str, SampleTool] = {
    "writing-detector": SampleTool(
        name="writing-detector",
        description="An AI-writing detector: flags essays it believes a chatbot wrote.",
        columns={"label": "ai_written", "score": "ai_score", "flag": "flagged_as_ai"},
        biases={"english-learners": {"english_learner": {"Y": 3.0}}},
        audit="--prediction flagged_as_ai --label ai_written --by race,sex,english_learner",
        options={"prevalence": 0.15, "base_fpr": 0.10, "base_tpr": 0.80},
    ),
    "early-warning": SampleTool(
        name="early-warning",
        description="An early-warning system: flags students at risk of leaving school.",
        columns={"label": "left_school", "score": "risk_score", "flag": "at_risk_flag"},
        biases={
            "econ-disadvantaged": {"econ_disadvantaged": {"Y": 2.5}},
            "disability": {"disability": {"Y": 2.0}},
        },
        audit="--prediction at_risk_flag --label left_school --by race,econ_disadvantaged,disability",
        options={"prevalence": 0.08, "base_fpr": 0.12, "base_tpr": 0.70},
    ),
    "essay-scorer": SampleTool(
        name="essay-scorer",
        description="An automated essay scorer: scores essays 1 to 6, beside a teacher's score.",
        columns={"label": "teacher_score", "score": "machine_score"},
        biases={"english-learners": {"english_learner": {"Y": 0.6}}},
        audit="--ordinal --prediction machine_score --label teacher_score --by race,sex,english_learner",
        options={},
    ),
}
"""The sample tools, by name."""

ESSAY_LEVELS = 6


def _essay_scores(n_rows: int, seed: int, bias: Mapping[str, Mapping[str, float]]) -> pa.Table:
    """Teacher and machine scores 1..6 of one essay per student.

    Each student's writing has a latent quality ``q ~ N(3.5, 1.1)``; the teacher scores
    ``round(q + e_t)`` and the machine ``round(q + e_m - shift)``, with independent errors of SD
    0.5 and ``shift`` the sum of the points the bias takes off the student's groups, both clipped
    to 1..6. Without a bias the machine agrees with the teacher equally for every group.
    """
    base = tool_outputs(n_rows, seed=seed)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7_001]))
    quality = rng.normal(3.5, 1.1, n_rows)
    teacher = np.clip(np.rint(quality + rng.normal(0.0, 0.5, n_rows)), 1, ESSAY_LEVELS)
    shift = np.zeros(n_rows)
    for name, shifts in bias.items():
        values = np.asarray(base.column(name).to_pylist(), dtype=object)
        for value, points in shifts.items():
            shift[values == value] += points
    machine = np.clip(np.rint(quality + rng.normal(0.0, 0.5, n_rows) - shift), 1, ESSAY_LEVELS)
    keep = [column for column in base.column_names if column not in ("label", "score", "flag")]
    table = base.select(keep)
    table = table.append_column("teacher_score", pa.array(teacher.astype(np.int8)))
    return table.append_column("machine_score", pa.array(machine.astype(np.int8)))


def sample_tool_outputs(tool: str, n_rows: int, *, seed: int, bias: str | None = None) -> pa.Table:
    """Outputs of one of :data:`SAMPLE_TOOLS`, with or without one of its named biases.

    Parameters
    ----------
    tool : str
        ``"writing-detector"``, ``"early-warning"`` or ``"essay-scorer"``.
    n_rows : int
        Students (one output each).
    seed : int
        The same tool, rows, seed and bias give the same table.
    bias : str, optional
        One of the tool's named biases, or None (or ``"none"``) for a tool that treats every
        group alike. For a binary tool the bias multiplies the false-positive rate of the named
        group (:func:`tool_outputs`); for the essay scorer it takes points off the machine score.

    Returns
    -------
    pyarrow.Table
        The attribute columns of :func:`tool_outputs`, then the tool's own columns (see
        :attr:`SampleTool.columns`).

    Raises
    ------
    ValueError
        For an unknown tool or bias name (the message lists the known ones).
    """
    if tool not in SAMPLE_TOOLS:
        raise ValueError(f"unknown tool {tool!r}; choose one of: {', '.join(SAMPLE_TOOLS)}")
    spec = SAMPLE_TOOLS[tool]
    if bias in (None, "none"):
        chosen: Mapping[str, Mapping[str, float]] = {}
    elif bias in spec.biases:
        chosen = spec.biases[bias]
    else:
        known = ", ".join(["none", *spec.biases])
        raise ValueError(f"the {tool} has no built-in bias {bias!r}; choose one of: {known}")
    if tool == "essay-scorer":
        return _essay_scores(n_rows, seed, chosen)
    table = tool_outputs(n_rows, seed=seed, bias=chosen, **spec.options)
    return table.rename_columns([spec.columns.get(name, name) for name in table.column_names])


def write_sample_tool_outputs(path: str | Path, tool: str, n_rows: int, *, seed: int, bias: str | None = None) -> Path:
    """Write :func:`sample_tool_outputs` as CSV (``.csv``) or Parquet (any other suffix)."""
    path = Path(path)
    table = sample_tool_outputs(tool, n_rows, seed=seed, bias=bias)
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        columns = {}
        for name in table.column_names:
            column = table.column(name)
            columns[name] = column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
        pacsv.write_csv(pa.table(columns), path)
    else:
        pq.write_table(table, path)
    return path
