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


def exceeds_parity(
    block: MetricBlock, tolerance: tuple[float, float], smd_threshold: float
) -> npt.NDArray[np.bool_]:
    """Whether each row's effect is large enough to matter, whatever its uncertainty.

    A metric with a ratio: the ratio lies outside ``tolerance``. A standardized mean difference:
    ``|SMD| > smd_threshold``. Anything else (counts, means, spreads) is never flagged.
    """
    if block.standardized_effect is not None:
        with np.errstate(invalid="ignore"):
            return np.abs(np.asarray(block.standardized_effect)) > smd_threshold
    if block.p_value is None or block.ratio is None:
        return np.zeros(len(block.grouping), dtype=bool)
    ratio = block.filled("ratio")
    return (ratio < tolerance[0]) | (ratio > tolerance[1])


def flag(
    p_value: npt.NDArray[np.float64],
    q_value: npt.NDArray[np.float64],
    exceeds: npt.NDArray[np.bool_],
    *,
    fdr: float | None,
    level: float,
) -> npt.NDArray[np.bool_]:
    """``flagged``: the effect exceeds parity and the comparison is a discovery.

    With ``fdr`` a level (0.05 by default), a discovery is a Benjamini-Hochberg q-value at most
    ``fdr`` across every testable comparison of the audit. With ``fdr=None``, each comparison on
    its own: ``p < 1 - level``, the same as its interval excluding parity. NaN p-values (no
    reference, zero counts, groups too small) are never flagged.
    """
    with np.errstate(invalid="ignore"):
        discovery = q_value <= fdr if fdr is not None else p_value < 1.0 - level
    return exceeds & discovery


def _large_enough(block: MetricBlock, min_n: int) -> npt.NDArray[np.bool_]:
    size = block.denominator if block.denominator is not None else block.n
    size = np.nan_to_num(np.asarray(size, dtype=np.float64))
    r = block.grouping.reference
    if r is None:
        return np.zeros(len(size), dtype=bool)
    return (size >= min_n) & (size[r] >= min_n)


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

    Flags. A row is testable when it has a p-value, a flag rule (:func:`exceeds_parity`) and its
    denominator (its ``n`` for a metric that is not a rate) and the reference group's are both
    at least ``min_n`` (below that the Katz interval is unreliable, and the group could not be
    published anyway). ``q_value`` is the Benjamini-Hochberg adjustment of the p-values of every
    testable row of the audit: every group, intersection, metric, threshold and calibration bin
    together. ``flagged`` is :func:`flag`. Rows that are not testable have a NaN ``q_value``.

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
    exceeding: list[npt.NDArray[np.bool_]] = []
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
        for column in (*COMPARISON_COLUMNS, "p_value"):
            parts[column].append(np.where(blank_comparison, np.nan, block.filled(column)))
        parts["reference"].extend([reference] * size)
        p_value = parts["p_value"][-1]
        assert isinstance(p_value, np.ndarray)
        exceeding.append(exceeds_parity(block, tolerance, smd_threshold) & ~blank_comparison)
        testable.append(
            exceeds_rule(block) & _large_enough(block, min_n) & ~np.isnan(p_value)
        )
        parts["suppressed"].append(suppressed)
        hidden_value.append(suppressed | (reference_hidden & block.uses_reference))
        hidden_comparison.append(suppressed | reference_hidden)
    data: dict[str, object] = {}
    family = np.concatenate(testable) if blocks else np.array([], bool)
    p_values = np.concatenate(parts["p_value"]) if blocks else np.array([])  # type: ignore[arg-type]
    q_values = intervals.benjamini_hochberg(np.where(family, p_values, np.nan))
    flags = flag(
        np.where(family, p_values, np.nan),
        q_values,
        np.concatenate(exceeding) & family if blocks else np.array([], bool),
        fdr=fdr,
        level=level,
    )
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


def exceeds_rule(block: MetricBlock) -> bool:
    """Whether the metric has a flag rule: a ratio with a p-value, or a standardized effect."""
    return block.p_value is not None and (
        block.standardized_effect is not None or block.ratio is not None
    )


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
