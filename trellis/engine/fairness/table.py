"""Assemble metric blocks into the long audit table and its published (suppressed) view."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

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
    "flagged",
    "suppressed",
)
"""Columns of :attr:`AuditResult.table`, in order."""

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
)

IsSuppressed = Callable[[tuple[str, ...], tuple[str, ...], str], bool]


def flag(
    ratio: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    tolerance: tuple[float, float],
    large_enough: npt.NDArray[np.bool_] | bool = True,
) -> npt.NDArray[np.bool_]:
    """``flagged``: the ratio lies outside ``tolerance`` and its interval excludes parity (1).

    NaN ratios or intervals (no reference, zero counts, metrics without a ratio) are never flagged,
    nor are rows that are not ``large_enough`` (see :func:`assemble`).
    """
    outside = (ratio < tolerance[0]) | (ratio > tolerance[1])
    excludes_parity = (low > 1.0) | (high < 1.0)
    return outside & excludes_parity & large_enough


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
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the raw table and the published view from metric blocks.

    A row is flagged only when its denominator (its ``n`` for a metric that is not a rate) and
    the reference group's are both at least ``min_n``: below that the Katz interval is unreliable
    (with ``x = n`` it ignores the group's own sampling error) and the group could not be
    published anyway.

    The published view hides, in every row whose own counts are suppressed (its group's ``n`` or
    the numerator or denominator count columns), the counts, the value, the intervals, the
    comparisons and the flag (None). In a row whose reference group is suppressed it hides the
    comparisons and the flag, and for a value that is itself a comparison with the reference
    (score-mode ``standardized_mean_difference``) the value and its interval too.
    """
    parts: dict[str, list[object]] = {column: [] for column in COLUMNS}
    hidden_value: list[npt.NDArray[np.bool_]] = []
    hidden_comparison: list[npt.NDArray[np.bool_]] = []
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
        ratio, ratio_low, ratio_high = (block.filled(c) for c in COMPARISON_COLUMNS[3:])
        suppressed = _suppressed_rows(block, is_suppressed, tuples)
        reference_hidden = np.full(size, r is not None and bool(suppressed[r]))
        parts["attributes"].extend([grouping.attributes] * size)
        parts["group"].extend(dicts)
        parts["metric"].extend([block.metric] * size)
        parts["threshold"].extend([block.threshold] * size)
        parts["bin"].extend([block.bin] * size)
        parts["n"].append(block.n.astype(np.int64))
        for column in (
            "value",
            "ci_low",
            "ci_high",
            "numerator",
            "denominator",
            *COMPARISON_COLUMNS,
        ):
            parts[column].append(block.filled(column))
        parts["reference"].extend([reference] * size)
        parts["flagged"].append(
            flag(ratio, ratio_low, ratio_high, tolerance, _large_enough(block, min_n))
        )
        parts["suppressed"].append(suppressed)
        hidden_value.append(suppressed | (reference_hidden & block.uses_reference))
        hidden_comparison.append(suppressed | reference_hidden)
    data: dict[str, object] = {}
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
    for column in COMPARISON_COLUMNS:
        published[column] = published[column].mask(hide_comparison)
    published["flagged"] = published["flagged"].astype(object).mask(hide_comparison, None)
    return published
