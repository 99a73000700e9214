"""Binary metrics: each a rate ``numerator / denominator`` of counts in the cells table.

Each named function takes a mapping of count arrays (a cells or roll-up DataFrame, or a dict) and
returns the metric per row; its docstring gives the formula. :func:`rate_block` computes a rate for
every group of a grouping with a Wilson interval, and against the reference group a difference
(Newcombe hybrid score interval) and a ratio (Katz log interval).

Small groups: a rate whose denominator is 0 is NaN with NaN intervals; nothing raises. Groups are
never dropped for being small here: suppression happens on the published view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from trellis.engine import intervals
from trellis.engine.fairness.blocks import (
    FloatArray,
    MetricBlock,
    at_reference,
    blank_reference_row,
    safe_divide,
)
from trellis.engine.fairness.cells import threshold_column
from trellis.engine.fairness.groupings import Grouping

Counts = Mapping[str, npt.ArrayLike]


@dataclass(frozen=True)
class Rate:
    """A rate metric: its name, count columns and whether it needs a ground-truth label."""

    name: str
    numerator: str
    denominator: str
    needs_label: bool
    compute: Callable[[Counts], FloatArray]


def _ratio(counts: Counts, numerator: str, denominator: str) -> FloatArray:
    return safe_divide(counts[numerator], counts[denominator])


def selection_rate(counts: Counts) -> FloatArray:
    """Share of students the tool flags: ``(TP + FP) / n``."""
    return _ratio(counts, "pred_pos", "n")


def prevalence(counts: Counts) -> FloatArray:
    """Share of students whose ground truth is positive: ``(TP + FN) / n``."""
    return _ratio(counts, "label_pos", "n")


def true_positive_rate(counts: Counts) -> FloatArray:
    """Sensitivity, recall: ``TP / (TP + FN)``, the share of true positives the tool flags."""
    return _ratio(counts, "tp", "label_pos")


def false_positive_rate(counts: Counts) -> FloatArray:
    """``FP / (FP + TN)``: the share of true negatives the tool wrongly flags."""
    return _ratio(counts, "fp", "label_neg")


def true_negative_rate(counts: Counts) -> FloatArray:
    """Specificity: ``TN / (FP + TN)``, the share of true negatives the tool leaves alone."""
    return _ratio(counts, "tn", "label_neg")


def false_negative_rate(counts: Counts) -> FloatArray:
    """Miss rate: ``FN / (TP + FN)``, the share of true positives the tool misses."""
    return _ratio(counts, "fn", "label_pos")


def positive_predictive_value(counts: Counts) -> FloatArray:
    """Precision: ``TP / (TP + FP)``, the share of flagged students who are truly positive."""
    return _ratio(counts, "tp", "pred_pos")


def negative_predictive_value(counts: Counts) -> FloatArray:
    """``TN / (TN + FN)``: the share of unflagged students who are truly negative."""
    return _ratio(counts, "tn", "pred_neg")


def false_discovery_rate(counts: Counts) -> FloatArray:
    """``FP / (TP + FP)``: the share of flagged students who are truly negative."""
    return _ratio(counts, "fp", "pred_pos")


def false_omission_rate(counts: Counts) -> FloatArray:
    """``FN / (TN + FN)``: the share of unflagged students who are truly positive."""
    return _ratio(counts, "fn", "pred_neg")


def accuracy(counts: Counts) -> FloatArray:
    """``(TP + TN) / n``: the share of students the tool gets right."""
    return _ratio(counts, "correct", "n")


RATES: dict[str, Rate] = {
    rate.name: rate
    for rate in (
        Rate("selection_rate", "pred_pos", "n", False, selection_rate),
        Rate("prevalence", "label_pos", "n", True, prevalence),
        Rate("true_positive_rate", "tp", "label_pos", True, true_positive_rate),
        Rate("false_positive_rate", "fp", "label_neg", True, false_positive_rate),
        Rate("true_negative_rate", "tn", "label_neg", True, true_negative_rate),
        Rate("false_negative_rate", "fn", "label_pos", True, false_negative_rate),
        Rate("positive_predictive_value", "tp", "pred_pos", True, positive_predictive_value),
        Rate("negative_predictive_value", "tn", "pred_neg", True, negative_predictive_value),
        Rate("false_discovery_rate", "fp", "pred_pos", True, false_discovery_rate),
        Rate("false_omission_rate", "fn", "pred_neg", True, false_omission_rate),
        Rate("accuracy", "correct", "n", True, accuracy),
    )
}
"""The binary rate metrics by name, in report order."""


BINARY_METRICS: tuple[str, ...] = ("count", *RATES)

DEFINITIONS: dict[str, str] = {
    "count": "Number of students in the group (n).",
    **{name: " ".join((rate.compute.__doc__ or "").split()) for name, rate in RATES.items()},
    "mean_score": "Mean score of the group.",
    "std_score": "Standard deviation of the score in the group (denominator n - 1).",
    "standardized_mean_difference": (
        "Score mode: (mean score - reference mean score) / pooled SD. Ordinal mode: mean of "
        "machine - human over the pooled SD of the two scores."
    ),
    "auc": "Probability that a random positive scores above a random negative (ties count half).",
    "calibration": "Share of students with a positive label among those whose score is in the bin.",
    "exact_agreement": "Share of students whose machine and human scores are equal.",
    "quadratic_weighted_kappa": "Agreement of machine and human scores beyond chance, weighting "
    "disagreements by the squared score difference (1 = perfect, 0 = chance).",
}
"""A plain-language definition of every metric name, for reports."""


def count_block(grouping: Grouping) -> MetricBlock:
    """``count``: the number of students ``n`` in each group (no interval, no comparison)."""
    n = grouping.column("n")
    return MetricBlock(
        "count",
        grouping,
        n.copy(),
        np.full(len(n), np.nan),
        np.full(len(n), np.nan),
        numerator=n.copy(),
    )


def rate_block(
    rate: Rate,
    grouping: Grouping,
    level: float,
    *,
    threshold: float | None = None,
    numerator: str | None = None,
    denominator: str | None = None,
    metric: str | None = None,
    bin_index: int | None = None,
) -> MetricBlock:
    """A rate for every group of ``grouping``, with intervals and the comparison to the reference.

    ``value = x / d`` with a Wilson interval; against the reference group ``r``:
    ``difference = x/d - x_r/d_r`` with the Newcombe hybrid score interval and
    ``ratio = (x/d) / (x_r/d_r)`` with the Katz log interval; the log ratio and its Katz standard
    error are the effect tested against the tolerance band
    (:func:`trellis.engine.intervals.katz_log_ratio`). The reference row itself gets difference 0
    and ratio 1 with NaN intervals and no test. A zero denominator gives NaN; a zero count in
    either group gives a ratio interval of NaN (never flagged). The overall grouping has no
    reference, so its comparisons are NaN.

    ``threshold`` picks the count columns at that score threshold (``tp@0.5`` ...); ``numerator``,
    ``denominator`` and ``metric`` override the columns and name (used for calibration bins).
    """
    top = numerator or rate.numerator
    bottom = denominator or rate.denominator
    if threshold is not None:
        top = top if top in ("n", "label_pos", "label_neg") else threshold_column(top, threshold)
        bottom = (
            bottom
            if bottom in ("n", "label_pos", "label_neg")
            else threshold_column(bottom, threshold)
        )
    x = grouping.column(top)
    d = grouping.column(bottom)
    value = safe_divide(x, d)
    low, high = intervals.wilson(x, d, level)
    gates = tuple(dict.fromkeys(("n", top, bottom)))
    block = MetricBlock(
        metric or rate.name,
        grouping,
        value,
        low,
        high,
        gates=gates,
        numerator=x,
        denominator=d,
        threshold=threshold,
        bin=bin_index,
    )
    r = grouping.reference
    if r is None:
        return block
    x_r, d_r = at_reference(x, r), at_reference(d, r)
    difference = value - value[r]
    difference_ci = intervals.newcombe_difference(x, d, x_r, d_r, level)
    ratio = safe_divide(value, at_reference(value, r))
    ratio_ci = intervals.katz_ratio(x, d, x_r, d_r, level)
    effect, effect_se = intervals.katz_log_ratio(x, d, x_r, d_r)
    blank_reference_row(
        r, difference_ci.low, difference_ci.high, ratio_ci.low, ratio_ci.high, effect_se
    )
    return replace(
        block,
        difference=difference,
        difference_ci_low=difference_ci.low,
        difference_ci_high=difference_ci.high,
        ratio=ratio,
        ratio_ci_low=ratio_ci.low,
        ratio_ci_high=ratio_ci.high,
        effect=effect,
        effect_se=effect_se,
        effect_kind="ratio",
    )


def binary_blocks(
    grouping: Grouping, level: float, *, has_label: bool, threshold: float | None = None
) -> list[MetricBlock]:
    """``count`` (unless at a threshold) and every rate the data supports, for one grouping."""
    blocks = [] if threshold is not None else [count_block(grouping)]
    for rate in RATES.values():
        if rate.needs_label and not has_label:
            continue
        blocks.append(rate_block(rate, grouping, level, threshold=threshold))
    return blocks
