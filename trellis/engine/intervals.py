"""Confidence intervals computed from counts and summary statistics, vectorized over numpy arrays.

Every function takes scalars or arrays (broadcast against each other) and returns an
:class:`Interval` of float64 arrays. None of them raises on degenerate input: where an interval is
undefined (``n = 0``, a zero count in a log ratio, fewer than two observations for a variance) the
bounds are NaN, so a table of a few hundred groups can be computed in one call and the small groups
simply carry NaN. Suppression of small groups is not done here; it happens on the published table.

``level`` is the two-sided confidence level; ``z = Phi^-1(1 - (1 - level) / 2)`` (1.959963... for
0.95), computed as ``scipy.stats.norm.isf((1 - level) / 2)`` exactly as statsmodels does, so the
rate intervals agree with statsmodels to machine precision.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import stats

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]


class Interval(NamedTuple):
    """Lower and upper bounds (float64 arrays; NaN where undefined). Unpacks as ``low, high``."""

    low: FloatArray
    high: FloatArray


@functools.lru_cache(maxsize=64)
def critical_value(level: float) -> float:
    """Two-sided standard-normal critical value ``z = Phi^-1(1 - (1 - level) / 2)``."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return float(stats.norm.isf((1.0 - level) / 2.0))


def _as_float(*values: ArrayLike) -> list[FloatArray]:
    return [np.asarray(value, dtype=np.float64) for value in values]


def wilson(count: ArrayLike, nobs: ArrayLike, level: float = 0.95) -> Interval:
    """Wilson score interval for a binomial proportion ``p = count / nobs``.

    .. math::

        \\frac{\\hat p + z^2/(2n)}{1 + z^2/n} \\pm
        \\frac{z}{1 + z^2/n}\\sqrt{\\frac{\\hat p(1-\\hat p)}{n} + \\frac{z^2}{4n^2}}

    clipped to [0, 1] (it lies there mathematically; clipping removes rounding error), and exactly
    0 (1) at ``count = 0`` (``count = nobs``). Identical to
    ``statsmodels.stats.proportion.proportion_confint(count, nobs, alpha=1 - level,
    method="wilson")``.

    Parameters
    ----------
    count, nobs : array_like
        Number of successes and of trials, broadcast together.
    level : float
        Two-sided confidence level.

    Returns
    -------
    Interval
        ``count = 0`` gives a lower bound of 0 and ``count = nobs`` an upper bound of 1 (the
        interval stays informative, unlike the Wald interval). ``nobs = 0`` gives NaN bounds.
    """
    count_, nobs_ = _as_float(count, nobs)
    z = critical_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count_ / nobs_
        denominator = 1.0 + z**2 / nobs_
        center = (p + z**2 / (2.0 * nobs_)) / denominator
        half = z * np.sqrt(p * (1.0 - p) / nobs_ + z**2 / (4.0 * nobs_**2)) / denominator
    empty = nobs_ <= 0
    # The bounds are exactly 0 at count = 0 and 1 at count = nobs; rounding would miss by 1e-16.
    low = np.where(count_ <= 0, 0.0, np.clip(center - half, 0.0, 1.0))
    high = np.where(count_ >= nobs_, 1.0, np.clip(center + half, 0.0, 1.0))
    return Interval(np.where(empty, np.nan, low), np.where(empty, np.nan, high))


def newcombe_difference(
    count1: ArrayLike,
    nobs1: ArrayLike,
    count2: ArrayLike,
    nobs2: ArrayLike,
    level: float = 0.95,
) -> Interval:
    """Newcombe hybrid score interval for a difference of proportions ``p1 - p2``.

    With Wilson intervals ``(l1, u1)`` for ``p1`` and ``(l2, u2)`` for ``p2`` (Newcombe 1998,
    method 10):

    .. math::

        \\left(\\hat p_1 - \\hat p_2 - \\sqrt{(\\hat p_1 - l_1)^2 + (u_2 - \\hat p_2)^2},\\;
        \\hat p_1 - \\hat p_2 + \\sqrt{(u_1 - \\hat p_1)^2 + (\\hat p_2 - l_2)^2}\\right)

    Identical to ``statsmodels.stats.proportion.confint_proportions_2indep(count1, nobs1, count2,
    nobs2, method="newcomb", compare="diff", alpha=1 - level)``. The sign convention is group 1
    minus group 2 (in an audit: group minus reference).

    Returns
    -------
    Interval
        Zero counts are fine (the Wilson bounds stay defined); NaN if either ``nobs`` is 0.
    """
    count1_, nobs1_, count2_, nobs2_ = _as_float(count1, nobs1, count2, nobs2)
    low1, high1 = wilson(count1_, nobs1_, level)
    low2, high2 = wilson(count2_, nobs2_, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = count1_ / nobs1_
        p2 = count2_ / nobs2_
    difference = p1 - p2
    low = difference - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = difference + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return Interval(np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64))


def katz_ratio(
    count1: ArrayLike,
    nobs1: ArrayLike,
    count2: ArrayLike,
    nobs2: ArrayLike,
    level: float = 0.95,
) -> Interval:
    """Katz log interval for a ratio of proportions ``p1 / p2`` (risk ratio).

    .. math::

        \\exp\\left(\\ln\\frac{\\hat p_1}{\\hat p_2} \\pm
        z\\sqrt{\\frac{1}{x_1} - \\frac{1}{n_1} + \\frac{1}{x_2} - \\frac{1}{n_2}}\\right)

    Identical to ``statsmodels.stats.proportion.confint_proportions_2indep(count1, nobs1, count2,
    nobs2, method="log", compare="ratio", alpha=1 - level)`` wherever both counts are positive.

    Returns
    -------
    Interval
        NaN where either count is 0 or either ``nobs`` is 0: the log ratio or its variance is then
        infinite and no 0.5 continuity correction is applied, so such a group is never flagged on
        this interval (statsmodels returns 0 or NaN bounds with warnings in that case).
    """
    return _exp_interval(*_katz(count1, nobs1, count2, nobs2), level)


def _katz(
    count1: ArrayLike, nobs1: ArrayLike, count2: ArrayLike, nobs2: ArrayLike
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """``(log ratio, its Katz standard error, where both are defined)``."""
    count1_, nobs1_, count2_, nobs2_ = _as_float(count1, nobs1, count2, nobs2)
    defined = (count1_ > 0) & (count2_ > 0) & (nobs1_ > 0) & (nobs2_ > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log((count1_ / nobs1_) / (count2_ / nobs2_))
        se = np.sqrt(1.0 / count1_ - 1.0 / nobs1_ + 1.0 / count2_ - 1.0 / nobs2_)
    return log_ratio, se, defined


def _log_ratio(
    estimate1: ArrayLike, variance1: ArrayLike, estimate2: ArrayLike, variance2: ArrayLike
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """``(log(e1 / e2), its delta-method standard error, where both are defined)``."""
    e1, v1, e2, v2 = _as_float(estimate1, variance1, estimate2, variance2)
    defined = (e1 > 0) & (e2 > 0) & np.isfinite(v1) & np.isfinite(v2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(e1 / e2)
        se = np.sqrt(v1 / e1**2 + v2 / e2**2)
    return log_ratio, se, defined


def _exp_interval(
    log_ratio: FloatArray, se: FloatArray, defined: npt.NDArray[np.bool_], level: float
) -> Interval:
    half = critical_value(level) * se
    with np.errstate(invalid="ignore", over="ignore"):
        low = np.where(defined, np.exp(log_ratio - half), np.nan)
        high = np.where(defined, np.exp(log_ratio + half), np.nan)
    return Interval(low, high)


def normal_interval(
    estimate: ArrayLike, standard_error: ArrayLike, level: float = 0.95
) -> Interval:
    """Large-sample interval ``estimate +/- z * standard_error``; NaN where either is NaN."""
    estimate_, se = _as_float(estimate, standard_error)
    z = critical_value(level)
    return Interval(estimate_ - z * se, estimate_ + z * se)


def log_ratio_interval(
    estimate1: ArrayLike,
    variance1: ArrayLike,
    estimate2: ArrayLike,
    variance2: ArrayLike,
    level: float = 0.95,
) -> Interval:
    """Delta-method interval for the ratio of two independent positive estimates ``e1 / e2``.

    .. math::

        \\exp\\left(\\ln\\frac{e_1}{e_2}
        \\pm z\\sqrt{\\frac{v_1}{e_1^2} + \\frac{v_2}{e_2^2}}\\right)

    Used for ratios of AUCs and of kappas. NaN unless both estimates are positive and both
    variances finite.
    """
    return _exp_interval(*_log_ratio(estimate1, variance1, estimate2, variance2), level)


def mean_interval(mean: ArrayLike, sd: ArrayLike, nobs: ArrayLike, level: float = 0.95) -> Interval:
    """Student t interval for a mean: ``mean +/- t_{n-1} * sd / sqrt(n)``.

    ``sd`` is the sample standard deviation (denominator ``n - 1``). NaN for ``n < 2``.
    """
    mean_, sd_, n = _as_float(mean, sd, nobs)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.t.isf((1.0 - level) / 2.0, np.where(n >= 2, n - 1.0, np.nan))
        half = t * sd_ / np.sqrt(n)
    return Interval(mean_ - half, mean_ + half)


def welch_difference(
    mean1: ArrayLike,
    sd1: ArrayLike,
    nobs1: ArrayLike,
    mean2: ArrayLike,
    sd2: ArrayLike,
    nobs2: ArrayLike,
    level: float = 0.95,
) -> Interval:
    """Welch interval for ``mean1 - mean2`` of two independent samples.

    ``(m1 - m2) +/- t_nu * sqrt(s1^2/n1 + s2^2/n2)`` with the Welch-Satterthwaite degrees of
    freedom ``nu = (s1^2/n1 + s2^2/n2)^2 / ((s1^2/n1)^2/(n1-1) + (s2^2/n2)^2/(n2-1))``. NaN if
    either sample has fewer than two observations or both variances are 0.
    """
    difference, se, dof = _welch(mean1, sd1, nobs1, mean2, sd2, nobs2)
    with np.errstate(invalid="ignore"):
        half = stats.t.isf((1.0 - level) / 2.0, dof) * se
    return Interval(difference - half, difference + half)


def _welch(
    mean1: ArrayLike,
    sd1: ArrayLike,
    nobs1: ArrayLike,
    mean2: ArrayLike,
    sd2: ArrayLike,
    nobs2: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(m1 - m2, its standard error, Welch-Satterthwaite degrees of freedom or NaN)``."""
    m1, s1, n1, m2, s2, n2 = _as_float(mean1, sd1, nobs1, mean2, sd2, nobs2)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = s1**2 / n1
        b = s2**2 / n2
        dof = (a + b) ** 2 / (a**2 / (n1 - 1.0) + b**2 / (n2 - 1.0))
        dof = np.where((n1 >= 2) & (n2 >= 2) & (a + b > 0), dof, np.nan)
    return m1 - m2, np.sqrt(a + b), dof


def sd_interval(sd: ArrayLike, nobs: ArrayLike, level: float = 0.95) -> Interval:
    """Chi-square interval for a standard deviation (exact under normality).

    ``( sd * sqrt((n-1) / chi2_{1-a/2, n-1}),  sd * sqrt((n-1) / chi2_{a/2, n-1}) )`` with
    ``a = 1 - level``. NaN for ``n < 2``.
    """
    sd_, n = _as_float(sd, nobs)
    alpha = 1.0 - level
    dof = np.where(n >= 2, n - 1.0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = sd_ * np.sqrt(dof / stats.chi2.isf(alpha / 2.0, dof))
        high = sd_ * np.sqrt(dof / stats.chi2.ppf(alpha / 2.0, dof))
    return Interval(low, high)


# Tests. Each uses the estimate and standard error of the interval of the same method, so a
# p-value below ``1 - level`` is the same event as that interval excluding the hypothesis.


def katz_log_ratio(
    count1: ArrayLike, nobs1: ArrayLike, count2: ArrayLike, nobs2: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """``ln(p1 / p2)`` and its Katz standard error, the scale of :func:`katz_ratio`.

    NaN where :func:`katz_ratio` is NaN (a zero count or an empty group).
    """
    log_ratio, se, defined = _katz(count1, nobs1, count2, nobs2)
    return np.where(defined, log_ratio, np.nan), np.where(defined, se, np.nan)


def delta_log_ratio(
    estimate1: ArrayLike, variance1: ArrayLike, estimate2: ArrayLike, variance2: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """``ln(e1 / e2)`` and its delta-method standard error, the scale of :func:`log_ratio_interval`.

    NaN where that interval is NaN.
    """
    log_ratio, se, defined = _log_ratio(estimate1, variance1, estimate2, variance2)
    return np.where(defined, log_ratio, np.nan), np.where(defined, se, np.nan)


def band_p_value(
    estimate: ArrayLike, standard_error: ArrayLike, low: float, high: float
) -> FloatArray:
    """Two-sided p-value of the hypothesis that the true value lies within ``[low, high]``.

    A test of a minimal effect: with ``d`` the distance of the estimate beyond the nearer end of
    the band (``estimate - high`` above it, ``low - estimate`` below it),
    ``p = min(1, 2 Phi(-d / se))``, and ``p = 1`` for an estimate inside the band. So
    ``p < 1 - level`` exactly when the normal interval ``estimate +/- z se`` lies wholly outside
    the band; with ``low = high = 0`` it is the usual two-sided test of no difference. NaN where
    the estimate or the standard error is NaN or the standard error is not positive.
    """
    estimate_, se = _as_float(estimate, standard_error)
    beyond = np.maximum(estimate_ - high, low - estimate_)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.minimum(1.0, 2.0 * stats.norm.sf(beyond / se))
    p = np.where(beyond > 0, p, 1.0)
    return np.where(np.isnan(estimate_) | ~(se > 0), np.nan, p)


def welch_p_value(
    mean1: ArrayLike,
    sd1: ArrayLike,
    nobs1: ArrayLike,
    mean2: ArrayLike,
    sd2: ArrayLike,
    nobs2: ArrayLike,
) -> FloatArray:
    """Two-sided p-value of ``mean1 = mean2`` by Welch's t test (inverts :func:`welch_difference`).

    Equal to ``scipy.stats.ttest_ind(x1, x2, equal_var=False).pvalue``; NaN where the Welch
    interval is NaN.
    """
    difference, se, dof = _welch(mean1, sd1, nobs1, mean2, sd2, nobs2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(2.0 * stats.t.sf(np.abs(difference) / se, dof), dtype=np.float64)


def benjamini_hochberg(p_values: ArrayLike) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (q-values) of a family of tests.

    ``q_(i) = min_{j >= i} m p_(j) / j`` over the ``m`` defined p-values in increasing order,
    capped at 1: flagging every test with ``q <= alpha`` keeps the expected share of false
    discoveries among the flags at most ``alpha`` (for independent or positively dependent
    tests). Computed by ``scipy.stats.false_discovery_control(method="bh")``, equal to
    ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``. NaN p-values are not part of
    the family and stay NaN.
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    defined = ~np.isnan(p)
    if defined.any():
        out[defined] = stats.false_discovery_control(np.clip(p[defined], 0.0, 1.0), method="bh")
    return out
