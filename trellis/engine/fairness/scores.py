"""Metrics of a numeric score: mean, spread, standardized mean difference, AUC and calibration.

All come from the per-group count, mean and sum of squared deviations, and from the fine score
histogram (label positives and negatives per bin); none rescans the data.
"""

from __future__ import annotations

from collections.abc import Mapping

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
from trellis.engine.fairness.cells import calibration_columns
from trellis.engine.fairness.groupings import Grouping, ScoreHistogram
from trellis.engine.fairness.metrics import RATES, rate_block

Counts = Mapping[str, npt.ArrayLike]


def mean_score(counts: Counts) -> FloatArray:
    """Mean score ``sum(s) / n`` per group."""
    return np.asarray(counts["score_mean"], dtype=np.float64)


def std_score(counts: Counts) -> FloatArray:
    """Sample standard deviation ``sqrt(sum((s - mean)^2) / (n - 1))``; NaN for ``n < 2``."""
    n = np.asarray(counts["n"], dtype=np.float64)
    return np.sqrt(safe_divide(counts["score_m2"], np.where(n >= 2, n - 1.0, 0.0)))


def standardized_mean_difference(counts: Counts, reference: int) -> tuple[FloatArray, FloatArray]:
    """Cohen's d of each group against the reference group, with its large-sample variance.

    .. math::

        d = \\frac{\\bar s_g - \\bar s_r}{s_p},\\quad
        s_p^2 = \\frac{(n_g - 1)s_g^2 + (n_r - 1)s_r^2}{n_g + n_r - 2},\\quad
        \\operatorname{Var}(d) = \\frac{n_g + n_r}{n_g n_r} + \\frac{d^2}{2(n_g + n_r)}

    Returns ``(d, variance)``; NaN where the pooled SD is 0 or undefined. The reference group's own
    ``d`` is 0 with NaN variance.
    """
    n = np.asarray(counts["n"], dtype=np.float64)
    mean = mean_score(counts)
    m2 = np.asarray(counts["score_m2"], dtype=np.float64)
    n_r, mean_r, m2_r = n[reference], mean[reference], m2[reference]
    pooled = np.sqrt(safe_divide(m2 + m2_r, n + n_r - 2.0))
    d = safe_divide(mean - mean_r, pooled)
    variance = (n + n_r) / (n * n_r) + d**2 / (2.0 * (n + n_r))
    variance[reference] = np.nan
    return d, variance


def auc(positives: npt.ArrayLike, negatives: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Area under the ROC curve from dense score histograms, with the DeLong variance.

    Parameters
    ----------
    positives, negatives : array_like, shape (groups, bins)
        Counts of label positives and negatives per score value (or bin), in increasing score
        order.

    Returns
    -------
    auc, variance : numpy.ndarray
        As :func:`histogram_auc`, of which this is the dense form.
    """
    pos = np.atleast_2d(np.asarray(positives, dtype=np.int64))
    neg = np.atleast_2d(np.asarray(negatives, dtype=np.int64))
    groups, bins = pos.shape
    group = np.repeat(np.arange(groups, dtype=np.int64), bins)
    rank = np.tile(np.arange(bins, dtype=np.int64), groups)
    return histogram_auc(ScoreHistogram(group, rank, pos.ravel(), neg.ravel(), groups))


def histogram_auc(histogram: ScoreHistogram) -> tuple[FloatArray, FloatArray]:
    """Area under the ROC curve of every group, with the DeLong variance, from its histogram.

    With ``P_b`` positives and ``N_b`` negatives at score rank ``b`` of a group (``P``, ``N`` in
    all), ``N_{<b}`` the negatives below and ``P_{>b}`` the positives above:

    .. math::

        A = \\frac{1}{PN}\\sum_b P_b \\left(N_{<b} + \\tfrac12 N_b\\right)

    the probability that a random positive scores above a random negative, equal scores
    counting one half: the Mann-Whitney statistic, identical to
    ``sklearn.metrics.roc_auc_score`` (to rounding). Below
    :data:`~trellis.engine.fairness.reduce.EXACT_SCORE_ROWS` rows every distinct score is its
    own rank, so this is exact whatever the score distribution (outliers, heavy tails, large
    offsets); above it the ranks are bins between quantiles of the data, and the error is at most
    half the share of positive-negative pairs that share a bin. The variance is DeLong's (1988)
    closed form: ``V10_b = (N_{<b} + N_b/2) / N``, ``V01_b = (P_{>b} + P_b/2) / P``,
    ``Var(A) = sum_b P_b (V10_b - A)^2 / (P (P-1)) + sum_b N_b (V01_b - A)^2 / (N (N-1))``.
    No bootstrap is used.

    Small groups: NaN AUC without positives or without negatives; NaN variance with fewer than
    two of either. Empty groups are NaN.
    """
    groups = histogram.groups
    group = histogram.group
    pos = histogram.positives.astype(np.float64)
    neg = histogram.negatives.astype(np.float64)
    total_pos = np.bincount(group, weights=pos, minlength=groups)
    total_neg = np.bincount(group, weights=neg, minlength=groups)
    first = np.searchsorted(group, np.arange(groups))
    first_entry = np.minimum(first, max(len(group) - 1, 0))

    def within_group_cumsum(values: FloatArray) -> FloatArray:
        running = np.cumsum(values)
        before = running - values
        return running - before[first_entry][group] if len(values) else running

    below = within_group_cumsum(neg) - neg
    above = total_pos[group] - within_group_cumsum(pos)
    v10 = safe_divide(below + 0.5 * neg, total_neg[group])
    v01 = safe_divide(above + 0.5 * pos, total_pos[group])
    area = safe_divide(np.bincount(group, weights=pos * np.nan_to_num(v10), minlength=groups), total_pos)
    area = np.where(total_neg > 0, area, np.nan)
    spread10 = np.bincount(
        group, weights=pos * (np.nan_to_num(v10) - np.nan_to_num(area)[group]) ** 2, minlength=groups
    )
    spread01 = np.bincount(
        group, weights=neg * (np.nan_to_num(v01) - np.nan_to_num(area)[group]) ** 2, minlength=groups
    )
    variance = safe_divide(safe_divide(spread10, total_pos - 1), total_pos) + safe_divide(
        safe_divide(spread01, total_neg - 1), total_neg
    )
    variance = np.where((total_pos >= 2) & (total_neg >= 2), variance, np.nan)
    return area, variance


def mean_block(grouping: Grouping, level: float) -> MetricBlock:
    """``mean_score`` with a t interval; difference from the reference with a Welch interval.

    The p-value is Welch's t test of equal means. The mean is never flagged itself: its
    standardized difference is.
    """
    n = grouping.column("n")
    mean = mean_score(grouping.counts)
    sd = std_score(grouping.counts)
    ci = intervals.mean_interval(mean, sd, n, level)
    r = grouping.reference
    if r is None:
        return MetricBlock("mean_score", grouping, mean, ci.low, ci.high)
    difference_ci = intervals.welch_difference(
        mean, sd, n, at_reference(mean, r), at_reference(sd, r), at_reference(n, r), level
    )
    p_value = intervals.welch_p_value(
        mean, sd, n, at_reference(mean, r), at_reference(sd, r), at_reference(n, r)
    )
    blank_reference_row(r, difference_ci.low, difference_ci.high, p_value)
    return MetricBlock(
        "mean_score",
        grouping,
        mean,
        ci.low,
        ci.high,
        difference=mean - mean[r],
        difference_ci_low=difference_ci.low,
        difference_ci_high=difference_ci.high,
        p_value=p_value,
    )


def std_block(grouping: Grouping, level: float) -> MetricBlock:
    """``std_score`` with a chi-square interval (no comparison)."""
    sd = std_score(grouping.counts)
    ci = intervals.sd_interval(sd, grouping.column("n"), level)
    return MetricBlock("std_score", grouping, sd, ci.low, ci.high)


def smd_block(grouping: Grouping, level: float) -> MetricBlock | None:
    """``standardized_mean_difference`` against the reference; None for the overall grouping.

    A normal interval ``d +/- z sqrt(Var(d))``. It is flagged when the same normal test finds
    ``|d|`` beyond the audit's ``smd_threshold`` (0.15 by default) under the false discovery
    rate control; with ``fdr=None``, when the interval lies wholly beyond ``-threshold`` or
    ``+threshold``, so it excludes 0.
    """
    r = grouping.reference
    if r is None:
        return None
    d, variance = standardized_mean_difference(grouping.counts, r)
    ci = intervals.normal_interval(d, np.sqrt(variance), level)
    return MetricBlock(
        "standardized_mean_difference",
        grouping,
        d,
        ci.low,
        ci.high,
        uses_reference=True,
        effect=d,
        effect_se=np.sqrt(variance),
        effect_kind="smd",
    )


def auc_block(grouping: Grouping, level: float) -> MetricBlock:
    """``auc`` with a DeLong interval; difference and ratio against the reference.

    The AUC interval is ``A +/- z sqrt(Var)`` clipped to [0, 1]; the difference interval uses
    ``Var_g + Var_r`` (disjoint groups are independent); the ratio interval is the delta method on
    the log scale (:func:`trellis.engine.intervals.log_ratio_interval`), whose log ratio and
    standard error are the effect tested against the tolerance band.
    """
    assert grouping.histogram is not None
    area, variance = histogram_auc(grouping.histogram)
    ci = intervals.normal_interval(area, np.sqrt(variance), level)
    gates = ("n", "label_pos", "label_neg")
    low, high = np.clip(ci.low, 0.0, 1.0), np.clip(ci.high, 0.0, 1.0)
    r = grouping.reference
    if r is None:
        return MetricBlock("auc", grouping, area, low, high, gates=gates)
    difference = area - area[r]
    difference_ci = intervals.normal_interval(difference, np.sqrt(variance + variance[r]), level)
    ratio_ci = intervals.log_ratio_interval(
        area, variance, at_reference(area, r), at_reference(variance, r), level
    )
    effect, effect_se = intervals.delta_log_ratio(
        area, variance, at_reference(area, r), at_reference(variance, r)
    )
    blank_reference_row(
        r, difference_ci.low, difference_ci.high, ratio_ci.low, ratio_ci.high, effect_se
    )
    return MetricBlock(
        "auc",
        grouping,
        area,
        low,
        high,
        gates=gates,
        difference=difference,
        difference_ci_low=difference_ci.low,
        difference_ci_high=difference_ci.high,
        ratio=safe_divide(area, at_reference(area, r)),
        ratio_ci_low=ratio_ci.low,
        ratio_ci_high=ratio_ci.high,
        effect=effect,
        effect_se=effect_se,
        effect_kind="ratio",
    )


def calibration_blocks(grouping: Grouping, level: float, score_bins: int) -> list[MetricBlock]:
    """``calibration``: the observed label rate in each score bin, one block per bin.

    Bin ``b`` covers scores in ``[e_b, e_{b+1})`` with ``e_b = min + (max - min) b / bins``, the
    last bin ``[e_{bins-1}, max]`` closed: the edges of
    :meth:`~trellis.engine.fairness.reduce.ScoreRange.calibration_edges`, compared with each score
    in the reduction, so a score on an edge is in the bin that starts there. Each is a rate
    ``label positives / students in the bin`` with the same intervals and comparisons as the
    binary rates; an empty bin is NaN.
    """
    blocks = []
    for b in range(score_bins):
        count_column, positive_column = calibration_columns(b)
        blocks.append(
            rate_block(
                RATES["prevalence"],
                grouping,
                level,
                numerator=positive_column,
                denominator=count_column,
                metric="calibration",
                bin_index=b,
            )
        )
    return blocks


def score_blocks(
    grouping: Grouping, level: float, *, has_label: bool, score_bins: int
) -> list[MetricBlock]:
    """Every score metric for one grouping (the threshold metrics are built separately)."""
    blocks = [mean_block(grouping, level), std_block(grouping, level)]
    smd = smd_block(grouping, level)
    if smd is not None:
        blocks.append(smd)
    if has_label:
        blocks.append(auc_block(grouping, level))
        blocks.extend(calibration_blocks(grouping, level, score_bins))
    return blocks
