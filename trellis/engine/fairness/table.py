"""Assemble metric blocks into the long audit table and its published (suppressed) view."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from trellis.engine import intervals
from trellis.engine.fairness.blocks import MetricBlock

COLUMNS: tuple[str, ...] = (
    "attributes",
    "group",
    "metric",
    "threshold",
    "bin",
    "n",
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "reference",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "p_value",
    "q_value",
    "flagged",
    "suppressed",
)
"""Columns of :attr:`AuditResult.table`, in order."""

TEST_COLUMNS: tuple[str, ...] = ("p_value", "q_value")

COMPARISON_COLUMNS: tuple[str, ...] = (
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
)
VALUE_COLUMNS: tuple[str, ...] = ("n", "value", "ci_low", "ci_high", "numerator", "denominator")
FLOAT_COLUMNS: tuple[str, ...] = (
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    *COMPARISON_COLUMNS,
    *TEST_COLUMNS,
)
DEFAULT_FDR = 0.05
DEFAULT_SMD_THRESHOLD = 0.15

IsSuppressed = Callable[[tuple[str, ...], tuple[str, ...], str], bool]


def parity_p_value(
    block: MetricBlock, tolerance: tuple[float, float], smd_threshold: float
) -> npt.NDArray[np.float64]:
    """The p-value of each row: of the hypothesis that its disparity lies within the parity band.

    For a metric with a ratio the band is ``tolerance`` on the ratio (tested on the log scale of
    its interval); for a standardized mean difference it is ``[-smd_threshold, smd_threshold]``
    (:func:`trellis.engine.intervals.band_p_value`). A flag claims a disparity beyond the band,
    so that is the hypothesis each flag must reject; an estimate inside the band has p = 1.
    Means carry Welch's test of equal means; rows without a comparison are NaN.
    """
    if block.effect_kind == "ratio":
        low, high = np.log(tolerance[0]), np.log(tolerance[1])
    elif block.effect_kind == "smd":
        low, high = -smd_threshold, smd_threshold
    else:
        return block.filled("p_value")
    return intervals.band_p_value(block.filled("effect"), block.filled("effect_se"), low, high)


def flag(
    p_value: npt.NDArray[np.float64],
    q_value: npt.NDArray[np.float64],
    testable: npt.NDArray[np.bool_],
    *,
    fdr: float | None,
    level: float,
) -> npt.NDArray[np.bool_]:
    """``flagged``: a testable row whose disparity is beyond the parity band, as a discovery.

    With ``fdr`` a level (0.05 by default), a discovery is a Benjamini-Hochberg q-value at most
    ``fdr`` across every testable row of the audit, so that at most that share of the flags is
    expected to be disparities within the band. With ``fdr=None``, each row on its own:
    ``p < 1 - level``, the same as its interval lying wholly outside the band.
    """
    with np.errstate(invalid="ignore"):
        discovery = q_value <= fdr if fdr is not None else p_value < 1.0 - level
    return testable & discovery


MIN_NOT_COUNTED = 5
"""A rate is tested only when its group and the reference each have at least this many students
in its denominator that its numerator does not count. The Katz variance of ``ln(x / n)`` is
``1/x - 1/n``: with, say, 10 of 10 it is 0 and any ratio would look certain, while a small ``x``
makes it large, which errs on the safe side."""


def _large_enough(block: MetricBlock, min_n: int) -> npt.NDArray[np.bool_]:
    size = block.denominator if block.denominator is not None else block.n
    size = np.nan_to_num(np.asarray(size, dtype=np.float64))
    r = block.grouping.reference
    if r is None:
        return np.zeros(len(size), dtype=bool)
    enough = (size >= min_n) & (size[r] >= min_n)
    if block.numerator is not None and block.denominator is not None and block.metric != "count":
        count = np.nan_to_num(np.asarray(block.numerator, dtype=np.float64))
        others = size - count
        enough &= (others >= MIN_NOT_COUNTED) & (others[r] >= MIN_NOT_COUNTED)
    return enough


def _suppressed_rows(
    block: MetricBlock, is_suppressed: IsSuppressed, groups: Sequence[tuple[str, ...]]
) -> npt.NDArray[np.bool_]:
    attributes = block.grouping.attributes
    return np.array(
        [any(is_suppressed(attributes, group, gate) for gate in block.gates) for group in groups],
        dtype=bool,
    )


def assemble(
    blocks: Sequence[MetricBlock],
    tolerance: tuple[float, float],
    is_suppressed: IsSuppressed,
    min_n: int,
    *,
    fdr: float | None = DEFAULT_FDR,
    level: float = 0.95,
    smd_threshold: float = DEFAULT_SMD_THRESHOLD,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the raw table and the published view from metric blocks.

    Groups too small: in a group of fewer than ``min_n`` students every number but its count is
    missing (NaN) even in the raw table, since an interval or a comparison from so few students
    would mislead; a comparison with a reference group that small is missing too, and so is a
    value that is itself a comparison with it (score-mode SMD).

    Flags. ``p_value`` is :func:`parity_p_value`. A row is testable when it has an effect to test
    (a ratio or an SMD), a p-value, and its denominator (its ``n`` for a metric that is not a
    rate) and the reference group's are both at least ``min_n`` (below that the group could not
    be published anyway), and for a rate at least :data:`MIN_NOT_COUNTED` students of its
    denominator outside its numerator in both groups (below that the Katz variance vanishes). ``q_value`` is the
    Benjamini-Hochberg adjustment of the p-values of every testable row of the audit: every
    group, intersection, metric, threshold and calibration bin together. ``flagged`` is
    :func:`flag`. Rows that are not testable have a NaN ``q_value``.

    The published view hides, in every row whose own counts are suppressed (its group's ``n`` or
    the numerator or denominator count columns), the counts, the value, the intervals, the
    comparisons, the p- and q-values and the flag (None). In a row whose reference group is
    suppressed it hides the comparisons, p- and q-values and the flag, and for a value that is
    itself a comparison with the reference (score-mode ``standardized_mean_difference``) the
    value and its interval too.
    """
    parts: dict[str, list[object]] = {column: [] for column in COLUMNS}
    hidden_value: list[npt.NDArray[np.bool_]] = []
    hidden_comparison: list[npt.NDArray[np.bool_]] = []
    testable: list[npt.NDArray[np.bool_]] = []
    group_cache: dict[int, tuple[list[dict[str, str]], list[tuple[str, ...]]]] = {}
    for block in blocks:
        grouping = block.grouping
        size = len(grouping)
        if id(grouping) not in group_cache:
            dicts = grouping.groups()
            group_cache[id(grouping)] = (
                dicts,
                [tuple(d[a] for a in grouping.attributes) for d in dicts],
            )
        dicts, tuples = group_cache[id(grouping)]
        r = grouping.reference
        reference = None if r is None else dicts[r]
        suppressed = _suppressed_rows(block, is_suppressed, tuples)
        reference_hidden = np.full(size, r is not None and bool(suppressed[r]))
        too_small = block.n < min_n
        reference_small = np.full(size, r is not None and bool(too_small[r]))
        blank_value = (too_small & (block.metric != "count")) | (
            reference_small & block.uses_reference
        )
        blank_comparison = too_small | reference_small
        parts["attributes"].extend([grouping.attributes] * size)
        parts["group"].extend(dicts)
        parts["metric"].extend([block.metric] * size)
        parts["threshold"].extend([block.threshold] * size)
        parts["bin"].extend([block.bin] * size)
        parts["n"].append(block.n.astype(np.int64))
        for column in ("numerator", "denominator"):
            parts[column].append(block.filled(column))
        for column in ("value", "ci_low", "ci_high"):
            parts[column].append(np.where(blank_value, np.nan, block.filled(column)))
        for column in COMPARISON_COLUMNS:
            parts[column].append(np.where(blank_comparison, np.nan, block.filled(column)))
        p_value = np.where(
            blank_comparison, np.nan, parity_p_value(block, tolerance, smd_threshold)
        )
        parts["p_value"].append(p_value)
        parts["reference"].extend([reference] * size)
        testable.append(
            (block.effect_kind is not None) & _large_enough(block, min_n) & ~np.isnan(p_value)
        )
        parts["suppressed"].append(suppressed)
        hidden_value.append(suppressed | (reference_hidden & block.uses_reference))
        hidden_comparison.append(suppressed | reference_hidden)
    data: dict[str, object] = {}
    family = np.concatenate(testable) if blocks else np.array([], bool)
    p_values = np.concatenate(parts["p_value"]) if blocks else np.array([])  # type: ignore[arg-type]
    q_values = intervals.benjamini_hochberg(np.where(family, p_values, np.nan))
    flags = flag(p_values, q_values, family, fdr=fdr, level=level)
    parts["q_value"] = [q_values]
    parts["flagged"] = [flags]
    for column in COLUMNS:
        values = parts[column]
        if values and isinstance(values[0], np.ndarray):
            data[column] = np.concatenate(values)  # type: ignore[arg-type]
        else:
            data[column] = pd.Series(values, dtype=object)
    table = pd.DataFrame(data, columns=list(COLUMNS))
    published = _published(
        table,
        np.concatenate(hidden_value) if blocks else np.array([], bool),
        np.concatenate(hidden_comparison) if blocks else np.array([], bool),
    )
    return table, published


def _published(
    table: pd.DataFrame, hide_value: npt.NDArray[np.bool_], hide_comparison: npt.NDArray[np.bool_]
) -> pd.DataFrame:
    published = table.copy()
    suppressed = published["suppressed"].to_numpy(dtype=bool)
    published["n"] = published["n"].astype("Int64").mask(suppressed)
    for column in ("numerator", "denominator"):
        published[column] = published[column].mask(suppressed)
    for column in ("value", "ci_low", "ci_high"):
        published[column] = published[column].mask(hide_value)
    for column in (*COMPARISON_COLUMNS, *TEST_COLUMNS):
        published[column] = published[column].mask(hide_comparison)
    published["flagged"] = published["flagged"].astype(object).mask(hide_comparison, None)
    return published
