"""From the reduction's grain to the per-cell sufficient statistics, and roll-ups of them.

Everything here works on the small grain table (a few hundred to a few hundred thousand rows), never
on the data. Missing attribute values (NULL, empty or blank text) become the group "(missing)"; a
real value that reads "(missing)" stays a group of its own (see :func:`attribute_labels`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trellis.engine.fairness.errors import AuditInputError
from trellis.engine.fairness.reduce import ReductionSpec, ScoreRange

MISSING = "(missing)"
Statistic = npt.NDArray[Any]
"""One statistic per row or group: int64 counts, float64 means and squared deviations."""
MOMENT_COLUMNS = ("score_mean", "score_m2")
MAX_ORDINAL_LEVELS = 50
RESERVED = {
    "n",
    "pred_pos",
    "pred_neg",
    "label_pos",
    "label_neg",
    "tp",
    "fp",
    "fn",
    "tn",
    "correct",
    "agree",
    "machine_sum",
    "human_sum",
    "diff_sum",
    "diff_sumsq",
    *MOMENT_COLUMNS,
    "bin",
    "machine",
    "human",
}


def threshold_column(base: str, threshold: float) -> str:
    """Name of the cells column holding ``base`` (e.g. ``tp``) at a score threshold: ``tp@0.5``."""
    return f"{base}@{float(threshold)!r}"


def calibration_columns(bin_index: int) -> tuple[str, str]:
    """Names of the cells columns with a calibration bin's count and label positives."""
    return f"calibration_n@{bin_index}", f"calibration_label_pos@{bin_index}"


@dataclass(frozen=True)
class Cells:
    """Sufficient statistics per finest cell of the grouping attributes.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per non-empty combination of the attributes (values as text, "(missing)" for
        missing), with integer count columns (``n``, ``pred_pos``, ``tp`` ...; per threshold
        ``tp@0.5`` ...; per calibration bin ``calibration_n@3`` ...), and for a score
        ``score_mean`` and ``score_m2`` (sum of squared deviations from the cell mean).
    attributes : tuple of str
    count_columns : tuple of str
        The integer count columns, in the order suppression should consider them.
    histogram : pandas.DataFrame or None
        Score and label given: ``cell`` (row of ``table``), ``bin`` (the rank of the score among
        the distinct scores, or of its fine bin above
        :data:`~trellis.engine.fairness.reduce.EXACT_SCORE_ROWS` rows), ``label_pos``,
        ``label_neg``; only non-empty entries, sorted by cell and bin.
    contingency : pandas.DataFrame or None
        Ordinal mode: ``cell`` (row of ``table``), ``machine``, ``human`` and ``n``.
    levels : numpy.ndarray or None
        Ordinal mode: the sorted score levels seen in either column.
    score_range : ScoreRange or None
    parts : mapping of str -> tuple of str
        For every count column, the independent count columns it is computed from (itself for an
        independent one): ``fn = label_pos - tp`` has parts ``("label_pos", "tp")``. Suppression
        runs on the independent columns only; a derived cell is hidden when any part is.
    denominators : mapping of str -> str
        The denominator of every independent count column other than ``n``, for suppression.
    warnings : tuple of str
        What was merged or renamed in reading the attribute values (see
        :func:`attribute_labels`).
    """

    table: pd.DataFrame
    attributes: tuple[str, ...]
    count_columns: tuple[str, ...]
    histogram: pd.DataFrame | None = None
    contingency: pd.DataFrame | None = None
    levels: npt.NDArray[np.int64] | None = None
    score_range: ScoreRange | None = None
    parts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    denominators: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def independent_columns(self) -> tuple[str, ...]:
        """The count columns that are not sums or differences of others (what suppression sees)."""
        return tuple(c for c in self.count_columns if self.parts.get(c, (c,)) == (c,))


def _quoted_text(text: str) -> str:
    return "\u201c" + text + "\u201d"


def attribute_labels(
    column: pa.ChunkedArray, name: str, rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.object_], list[str]]:
    """The group label of every grain row for one attribute, and warnings about merged values.

    Values are compared as text with surrounding spaces trimmed. Missing values (NULL, empty or
    blank text) become "(missing)". A real value that reads "(missing)" is kept apart from them,
    as the group ``“(missing)”`` (in quotes), with a warning. Values that differ only by
    surrounding spaces are merged, with a warning giving each spelling's number of rows
    (``rows`` is the number of students in each grain row).
    """
    array = column.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    raw = array.to_numpy(zero_copy_only=False)
    trimmed = pc.utf8_trim_whitespace(array)
    missing = pc.fill_null(pc.equal(trimmed, ""), True).to_numpy(zero_copy_only=False)
    labels = np.asarray(pc.fill_null(trimmed, "").to_numpy(zero_copy_only=False), dtype=object)
    notes: list[str] = []
    present = ~missing
    if present.any():
        spellings = pd.DataFrame({"label": labels[present], "raw": raw[present], "n": rows[present]})
        counts = spellings.groupby(["label", "raw"], sort=True)["n"].sum()
        for label, variants in counts.groupby(level=0, sort=True):
            if len(variants) > 1:
                listed = ", ".join(f"{raw_value!r} ({int(n):,} rows)" for (_, raw_value), n in variants.items())
                notes.append(
                    f"attribute {name!r}: values that differ only by surrounding spaces were "
                    f"counted as one group {label!r}: {listed}"
                )
    texts_missing = present & (labels == MISSING)
    if texts_missing.any():
        taken = set(labels[present].tolist())
        renamed = _quoted_text(MISSING)
        while renamed in taken:
            renamed = _quoted_text(renamed)
        labels[texts_missing] = renamed
        notes.append(
            f"attribute {name!r}: {int(rows[texts_missing].sum()):,} rows hold the text "
            f"{MISSING!r}; they are the group {renamed}, apart from the "
            f"{int(rows[missing].sum()):,} rows with no value, which are the group {MISSING!r}"
        )
    labels[missing] = MISSING
    return labels, notes


def _grain_frame(grain: pa.Table, attributes: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    columns: dict[str, object] = {}
    notes: list[str] = []
    rows = grain.column("n").to_numpy()
    for i, name in enumerate(attributes):
        columns[name], found = attribute_labels(grain.column(f"a{i}"), name, rows)
        notes.extend(found)
    for key in grain.column_names:
        if not key.startswith("a") or not key[1:].isdigit():
            # Prefixed so that no attribute name can collide with a grain column.
            columns[f"_{key}"] = grain.column(key).to_numpy()
    return pd.DataFrame(columns), notes


def build_cells(grain: pa.Table, spec: ReductionSpec, score_range: ScoreRange | None) -> Cells:
    """Derive the per-cell statistics (and histogram or contingency) from the reduction grain.

    Raises
    ------
    AuditInputError
        If an attribute name clashes with a statistic name, or ordinal scores take more than 50
        distinct values.
    """
    clashes = sorted(set(spec.attributes) & RESERVED)
    if clashes:
        raise AuditInputError(
            f"attribute column {clashes[0]!r} has the name of an audit statistic; rename it"
        )
    frame, notes = _grain_frame(grain, spec.attributes)
    keys = list(spec.attributes)
    n = frame["_n"].to_numpy(dtype=np.int64)
    stats: dict[str, Statistic] = {"n": n}
    if spec.ordinal:
        return _ordinal_cells(frame, spec, stats, notes)
    positive = frame["_y"].to_numpy() == 1 if spec.label is not None else None
    if spec.prediction is not None:
        predicted = frame["_p"].to_numpy() == 1
        stats.update(_confusion(n * predicted, n, positive))
    if positive is not None:
        stats["label_pos"] = n * positive
        stats["label_neg"] = n * ~positive
    if spec.score is not None:
        assert score_range is not None
        if score_range.exact:
            # Each grain row holds one score value: its mean is that value, its spread zero.
            stats["score_mean"] = frame["_b"].to_numpy(dtype=np.float64)
            stats["score_m2"] = np.zeros(len(frame))
        else:
            stats["score_mean"] = score_range.center + frame["_s1"].to_numpy(dtype=np.float64)
            stats["score_m2"] = frame["_s2"].to_numpy(dtype=np.float64) * n
        for i, threshold in enumerate(spec.thresholds):
            above = n * (frame["_k"].to_numpy(dtype=np.int64) > i)
            for base, values in _confusion(above, n, positive).items():
                stats[threshold_column(base, threshold)] = values
    histogram = None
    if spec.histogram:
        assert positive is not None
        calibration_bin = frame["_c"].to_numpy(dtype=np.int64)
        for b in range(spec.score_bins):
            count_column, positive_column = calibration_columns(b)
            stats[count_column] = n * (calibration_bin == b)
            stats[positive_column] = n * ((calibration_bin == b) & positive)
    codes, uniques = group_codes(frame, keys)
    if spec.histogram:
        assert positive is not None
        histogram = _histogram(frame["_b"].to_numpy(), codes, n, positive)
    table = pd.concat([uniques, pd.DataFrame(combine(codes, len(uniques), stats))], axis=1)
    count_columns = tuple(c for c in table.columns if c not in keys and c not in MOMENT_COLUMNS)
    parts, denominators = _dependencies(spec)
    return Cells(
        table,
        tuple(keys),
        count_columns,
        histogram=histogram,
        score_range=score_range,
        parts=parts,
        denominators=denominators,
        warnings=tuple(notes),
    )


def _histogram(
    bins: npt.NDArray[Any],
    codes: npt.NDArray[np.int64],
    n: npt.NDArray[np.int64],
    positive: npt.NDArray[np.bool_],
) -> pd.DataFrame:
    """Label positives and negatives per (cell, score rank), only where some student is.

    ``bins`` are the grain's score values (exact mode) or fine bin numbers; they become ranks
    ``0, 1, ...`` in increasing score order, equal scores sharing a rank (so they count as ties).
    """
    # + 0.0 turns -0.0 into 0.0, which np.unique would otherwise keep apart from 0.0.
    _, rank = np.unique(np.asarray(bins, dtype=np.float64) + 0.0, return_inverse=True)
    cell, ranks, label_pos, label_neg = sum_histogram(
        codes, rank.astype(np.int64).ravel(), n * positive, n * ~positive
    )
    return pd.DataFrame(
        {"cell": cell, "bin": ranks, "label_pos": label_pos, "label_neg": label_neg}
    )


def sum_histogram(
    group: npt.NDArray[np.int64],
    rank: npt.NDArray[np.int64],
    positives: npt.ArrayLike,
    negatives: npt.ArrayLike,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """Add up histogram entries with the same ``(group, rank)``; return them sorted by both.

    Returns ``(group, rank, positives, negatives)`` with one entry per distinct pair.
    """
    order = np.lexsort((rank, group))
    group, rank = group[order], rank[order]
    start = np.ones(len(order), dtype=bool)
    start[1:] = (group[1:] != group[:-1]) | (rank[1:] != rank[:-1])
    segment = np.cumsum(start) - 1
    size = int(segment[-1]) + 1 if len(segment) else 0
    sums = [
        np.bincount(
            segment, weights=np.asarray(w, dtype=np.float64)[order], minlength=size
        ).astype(np.int64)
        for w in (positives, negatives)
    ]
    return group[start], rank[start], sums[0], sums[1]


def _dependencies(spec: ReductionSpec) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Independent count columns (with their denominators) and what each derived one is made of.

    With a label the independent confusion counts are ``label_pos`` (over ``n``), ``tp`` (over
    ``label_pos``) and ``fp`` (over ``n``); without one, ``pred_pos`` (over ``n``). The last
    calibration bin is ``n`` (or ``label_pos``) minus the other bins.
    """
    parts: dict[str, tuple[str, ...]] = {"n": ("n",)}
    denominators: dict[str, str] = {}
    has_label = spec.label is not None

    def confusion(at: str) -> None:
        if has_label:
            tp, fp = f"tp{at}", f"fp{at}"
            denominators[tp], denominators[fp] = "label_pos", "n"
            parts.update(
                {
                    tp: (tp,),
                    fp: (fp,),
                    f"pred_pos{at}": (tp, fp),
                    f"pred_neg{at}": ("n", tp, fp),
                    f"fn{at}": ("label_pos", tp),
                    f"tn{at}": ("n", "label_pos", fp),
                    f"correct{at}": ("n", "label_pos", tp, fp),
                }
            )
        else:
            denominators[f"pred_pos{at}"] = "n"
            parts.update(
                {f"pred_pos{at}": (f"pred_pos{at}",), f"pred_neg{at}": ("n", f"pred_pos{at}")}
            )

    if spec.ordinal:
        denominators["agree"] = "n"
        parts["agree"] = ("agree",)
        return parts, denominators
    if has_label:
        denominators["label_pos"] = "n"
        parts.update({"label_pos": ("label_pos",), "label_neg": ("n", "label_pos")})
    if spec.prediction is not None:
        confusion("")
    for threshold in spec.thresholds:
        confusion(threshold_column("", threshold))
    if spec.histogram:
        bins = [calibration_columns(b) for b in range(spec.score_bins)]
        for count_column, positive_column in bins[:-1]:
            denominators[count_column] = "n"
            denominators[positive_column] = count_column
            parts[count_column] = (count_column,)
            parts[positive_column] = (positive_column,)
        last_count, last_positive = bins[-1]
        parts[last_count] = ("n", *(c for c, _ in bins[:-1]))
        parts[last_positive] = ("label_pos", *(p for _, p in bins[:-1]))
    return parts, denominators


def _confusion(
    predicted_positive: npt.NDArray[np.int64],
    n: npt.NDArray[np.int64],
    positive: npt.NDArray[np.bool_] | None,
) -> dict[str, npt.NDArray[np.int64]]:
    predicted_negative = n - predicted_positive
    out = {"pred_pos": predicted_positive, "pred_neg": predicted_negative}
    if positive is not None:
        out["tp"] = predicted_positive * positive
        out["fp"] = predicted_positive * ~positive
        out["fn"] = predicted_negative * positive
        out["tn"] = predicted_negative * ~positive
        out["correct"] = out["tp"] + out["tn"]
    return out


def _ordinal_cells(
    frame: pd.DataFrame,
    spec: ReductionSpec,
    stats: dict[str, Statistic],
    notes: list[str],
) -> Cells:
    keys = list(spec.attributes)
    n = stats["n"]
    machine = frame["_m"].to_numpy(dtype=np.int64)
    human = frame["_h"].to_numpy(dtype=np.int64)
    levels = np.union1d(machine, human)
    if len(levels) > MAX_ORDINAL_LEVELS:
        raise AuditInputError(
            f"ordinal scores in {spec.prediction!r} and {spec.label!r} take {len(levels)} distinct "
            f"values; ordinal mode expects small integer scores (at most {MAX_ORDINAL_LEVELS})"
        )
    stats["agree"] = n * (machine == human)
    stats["machine_sum"] = n * machine
    stats["human_sum"] = n * human
    stats["diff_sum"] = n * (machine - human)
    stats["diff_sumsq"] = n * (machine - human) ** 2
    codes, uniques = group_codes(frame, keys)
    table = pd.concat([uniques, pd.DataFrame(combine(codes, len(uniques), stats))], axis=1)
    contingency = pd.DataFrame({"cell": codes, "machine": machine, "human": human, "n": n})
    parts, denominators = _dependencies(spec)
    return Cells(
        table,
        tuple(keys),
        ("n", "agree"),
        contingency=contingency,
        levels=levels,
        parts=parts,
        denominators=denominators,
        warnings=tuple(notes),
    )


def group_codes(
    frame: pd.DataFrame, keys: Sequence[str]
) -> tuple[npt.NDArray[np.int64], pd.DataFrame]:
    """Integer group code per row of ``frame`` for the grouping ``keys``, and the group keys.

    Groups are numbered in sorted order of their text values, with "(missing)" after every other
    value of its attribute. ``keys = ()`` puts every row in group 0.
    """
    if not keys:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=[0])
    ordering = [frame[k].eq(MISSING).astype(np.int8) for k in keys]
    sort_frame = pd.DataFrame(
        {**{f"_missing{i}": o for i, o in enumerate(ordering)}, **{k: frame[k] for k in keys}}
    )
    interleaved = [c for i, k in enumerate(keys) for c in (f"_missing{i}", k)]
    grouped = sort_frame.groupby(interleaved, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    uniques = grouped.size().reset_index()[list(keys)]
    return codes, uniques


def combine(
    codes: npt.NDArray[np.int64],
    size: int,
    stats: Mapping[str, Statistic],
) -> dict[str, Statistic]:
    """Combine per-row statistics into ``size`` groups given each row's group code.

    Count columns add up. ``score_mean`` and ``score_m2`` combine by the parallel formula
    (Chan, Golub and LeVeque 1979) around a shift ``c`` per group, the mean of its first row:
    with ``e_i = mean_i - c`` (exact when the means are close),
    ``mean = c + sum(n_i e_i) / N`` and ``M2 = sum(M2_i) + sum(n_i (e_i - (mean - c))^2)``. Scores
    far from zero (``1e9 + small``) therefore lose nothing to cancellation, however many cells
    are merged. Empty groups get a NaN mean and a zero ``M2``.
    """
    out: dict[str, Statistic] = {}
    for column, values in stats.items():
        if column in MOMENT_COLUMNS:
            continue
        out[column] = np.bincount(codes, weights=values, minlength=size).astype(values.dtype)
    if "score_mean" in stats:
        n = np.asarray(stats["n"], dtype=np.float64)
        mean_i = np.asarray(stats["score_mean"], dtype=np.float64)
        shift = np.zeros(size)
        present, first = np.unique(codes, return_index=True)
        shift[present] = mean_i[first]
        deviation = mean_i - shift[codes]
        total = np.asarray(out["n"], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            centred = np.bincount(codes, weights=n * deviation, minlength=size) / total
        spread = stats["score_m2"] + n * (deviation - centred[codes]) ** 2
        out["score_mean"] = shift + centred
        out["score_m2"] = np.bincount(codes, weights=spread, minlength=size)
    return {column: out[column] for column in stats}
