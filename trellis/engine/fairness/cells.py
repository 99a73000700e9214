"""From the reduction's grain to the per-cell sufficient statistics, and roll-ups of them.

Everything here works on the small grain table (a few hundred to a few hundred thousand rows), never
on the data. Missing attribute values (NULL, empty or blank text) become the group "(missing)".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from trellis.engine.fairness.errors import AuditInputError
from trellis.engine.fairness.reduce import ReductionSpec, ScoreRange

MISSING = "(missing)"
MOMENT_COLUMNS = ("score_mean", "score_m2")
MAX_ORDINAL_LEVELS = 50
RESERVED = {
    "n", "pred_pos", "pred_neg", "label_pos", "label_neg", "tp", "fp", "fn", "tn", "correct",
    "agree", "machine_sum", "human_sum", "diff_sum", "diff_sumsq", *MOMENT_COLUMNS,
    "bin", "machine", "human",
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
        Score and label given: attributes, ``bin`` (fine bin index), ``label_pos``, ``label_neg``.
    contingency : pandas.DataFrame or None
        Ordinal mode: attributes, ``machine``, ``human`` and ``n``.
    levels : numpy.ndarray or None
        Ordinal mode: the sorted score levels seen in either column.
    score_range : ScoreRange or None
    """

    table: pd.DataFrame
    attributes: tuple[str, ...]
    count_columns: tuple[str, ...]
    histogram: pd.DataFrame | None = None
    contingency: pd.DataFrame | None = None
    levels: npt.NDArray[np.int64] | None = None
    score_range: ScoreRange | None = None


def _as_text(column: pa.ChunkedArray) -> pa.Array:
    array = column.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    array = pc.utf8_trim_whitespace(array)
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    return pc.fill_null(array, MISSING)


def _grain_frame(grain: pa.Table, attributes: Sequence[str]) -> pd.DataFrame:
    columns: dict[str, object] = {}
    for i, name in enumerate(attributes):
        columns[name] = _as_text(grain.column(f"a{i}")).to_numpy(zero_copy_only=False)
    for key in grain.column_names:
        if not key.startswith("a") or not key[1:].isdigit():
            # Prefixed so that no attribute name can collide with a grain column.
            columns[f"_{key}"] = grain.column(key).to_numpy()
    return pd.DataFrame(columns)


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
    frame = _grain_frame(grain, spec.attributes)
    keys = list(spec.attributes)
    n = frame["_n"].to_numpy(dtype=np.int64)
    stats: dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]] = {"n": n}
    if spec.ordinal:
        return _ordinal_cells(frame, spec, stats)
    positive = frame["_y"].to_numpy() == 1 if spec.label is not None else None
    if spec.prediction is not None:
        predicted = frame["_p"].to_numpy() == 1
        stats.update(_confusion(n * predicted, n, positive, suffix=""))
    if positive is not None:
        stats["label_pos"] = n * positive
        stats["label_neg"] = n * ~positive
    if spec.score is not None:
        assert score_range is not None
        s1 = frame["_s1"].to_numpy(dtype=np.float64)
        s2 = frame["_s2"].to_numpy(dtype=np.float64)
        stats["score_mean"] = score_range.center + s1 / n
        stats["score_m2"] = np.maximum(s2 - s1 * s1 / n, 0.0)
        for i, threshold in enumerate(spec.thresholds):
            above = frame[f"_ge{i}"].to_numpy(dtype=np.int64)
            for base, values in _confusion(above, n, positive, suffix="").items():
                stats[threshold_column(base, threshold)] = values
    histogram = None
    if spec.histogram:
        assert positive is not None
        fine = frame["_b"].to_numpy(dtype=np.int64)
        calibration_bin = fine // (spec.auc_bins // spec.score_bins)
        for b in range(spec.score_bins):
            count_column, positive_column = calibration_columns(b)
            stats[count_column] = n * (calibration_bin == b)
            stats[positive_column] = n * ((calibration_bin == b) & positive)
        histogram = (
            pd.DataFrame({**{k: frame[k] for k in keys}, "bin": fine,
                          "label_pos": n * positive, "label_neg": n * ~positive})
            .groupby([*keys, "bin"], sort=True, observed=True, as_index=False)
            .sum()
        )
    table = rollup(pd.DataFrame({**{k: frame[k] for k in keys}, **stats}), keys)
    count_columns = tuple(c for c in table.columns if c not in keys and c not in MOMENT_COLUMNS)
    return Cells(table, tuple(keys), count_columns, histogram=histogram, score_range=score_range)


def _confusion(
    predicted_positive: npt.NDArray[np.int64],
    n: npt.NDArray[np.int64],
    positive: npt.NDArray[np.bool_] | None,
    suffix: str,
) -> dict[str, npt.NDArray[np.int64]]:
    predicted_negative = n - predicted_positive
    out = {"pred_pos": predicted_positive, "pred_neg": predicted_negative}
    if positive is not None:
        out["tp"] = predicted_positive * positive
        out["fp"] = predicted_positive * ~positive
        out["fn"] = predicted_negative * positive
        out["tn"] = predicted_negative * ~positive
        out["correct"] = out["tp"] + out["tn"]
    return {f"{key}{suffix}": value for key, value in out.items()}


def _ordinal_cells(
    frame: pd.DataFrame,
    spec: ReductionSpec,
    stats: dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]],
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
    table = rollup(pd.DataFrame({**{k: frame[k] for k in keys}, **stats}), keys)
    contingency = pd.DataFrame(
        {**{k: frame[k] for k in keys}, "machine": machine, "human": human, "n": n}
    )
    return Cells(table, tuple(keys), ("n", "agree"), contingency=contingency, levels=levels)


def group_codes(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[npt.NDArray[np.int64], pd.DataFrame]:
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


def rollup(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Sum the statistics of ``frame`` over every attribute not in ``keys``.

    Count columns add up. ``score_mean`` and ``score_m2`` combine by the parallel formula
    ``mean = sum(n_i mean_i) / N`` and ``M2 = sum(M2_i) + sum(n_i (mean_i - mean)^2)``, which keeps
    precision however many cells are merged. Groups come in the order of :func:`group_codes`.
    """
    codes, uniques = group_codes(frame, keys)
    size = len(uniques)
    value_columns = [c for c in frame.columns if c not in keys]
    out: dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]] = {}
    for column in value_columns:
        if column in MOMENT_COLUMNS:
            continue
        values = frame[column].to_numpy()
        out[column] = np.bincount(codes, weights=values, minlength=size).astype(values.dtype)
    if "score_mean" in frame.columns:
        n = frame["n"].to_numpy(dtype=np.float64)
        mean_i = frame["score_mean"].to_numpy(dtype=np.float64)
        total = np.bincount(codes, weights=n, minlength=size)
        mean = np.bincount(codes, weights=n * mean_i, minlength=size) / total
        spread = frame["score_m2"].to_numpy() + n * (mean_i - mean[codes]) ** 2
        out["score_mean"] = mean
        out["score_m2"] = np.bincount(codes, weights=spread, minlength=size)
    result = pd.concat([uniques.reset_index(drop=True), pd.DataFrame(out)], axis=1)
    return result[[*keys, *value_columns]]
