"""Intervals from counts: exact agreement with statsmodels, hand-computed edges, NaN on n = 0."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from trellis.engine import intervals

Z95 = stats.norm.isf(0.025)

# (count1, nobs1, count2, nobs2): zeros, all-successes, tiny and unbalanced samples.
PAIRS = [
    (0, 10, 5, 10),
    (10, 10, 5, 10),
    (5, 10, 0, 10),
    (5, 10, 10, 10),
    (0, 10, 0, 10),
    (10, 10, 10, 10),
    (0, 1, 1, 1),
    (1, 1, 1, 2),
    (1, 2, 1, 3),
    (3, 7, 2, 9),
    (1, 1000, 999, 1000),
    (50, 100, 30, 200),
    (4239, 44772, 521, 5228),
]
LEVELS = [0.95, 0.9, 0.99]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    ("count", "nobs"), [(0, 1), (1, 1), (0, 10), (10, 10), (1, 2), (3, 7), (17, 1000), (999, 1000)]
)
def test_wilson_equals_statsmodels(count: int, nobs: int, level: float) -> None:
    expected = proportion_confint(count, nobs, alpha=1 - level, method="wilson")
    low, high = intervals.wilson(count, nobs, level)
    assert float(low) == pytest.approx(expected[0], abs=1e-12)
    assert float(high) == pytest.approx(expected[1], abs=1e-12)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("count1", "nobs1", "count2", "nobs2"), PAIRS)
def test_newcombe_equals_statsmodels(
    count1: int, nobs1: int, count2: int, nobs2: int, level: float
) -> None:
    expected = confint_proportions_2indep(
        count1, nobs1, count2, nobs2, method="newcomb", compare="diff", alpha=1 - level
    )
    low, high = intervals.newcombe_difference(count1, nobs1, count2, nobs2, level)
    assert float(low) == pytest.approx(expected[0], abs=1e-9)
    assert float(high) == pytest.approx(expected[1], abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    ("count1", "nobs1", "count2", "nobs2"), [p for p in PAIRS if p[0] > 0 and p[2] > 0]
)
def test_katz_equals_statsmodels(
    count1: int, nobs1: int, count2: int, nobs2: int, level: float
) -> None:
    expected = confint_proportions_2indep(
        count1, nobs1, count2, nobs2, method="log", compare="ratio", alpha=1 - level
    )
    low, high = intervals.katz_ratio(count1, nobs1, count2, nobs2, level)
    assert float(low) == pytest.approx(expected[0], rel=1e-9)
    assert float(high) == pytest.approx(expected[1], rel=1e-9)


def test_wilson_edges_by_hand() -> None:
    # count = 0: (0, z^2 / (n + z^2)); count = n: (n / (n + z^2), 1).
    low, high = intervals.wilson([0, 10], [10, 10])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(Z95**2 / (10 + Z95**2), abs=1e-15)
    assert low[1] == pytest.approx(10 / (10 + Z95**2), abs=1e-15)
    assert high[1] == 1.0


def test_vectorized_equals_elementwise() -> None:
    c1, n1, c2, n2 = (np.array(column) for column in zip(*PAIRS, strict=True))
    for function in (intervals.newcombe_difference, intervals.katz_ratio):
        low, high = function(c1, n1, c2, n2)
        for i in range(len(PAIRS)):
            one = function(c1[i], n1[i], c2[i], n2[i])
            np.testing.assert_array_equal([low[i], high[i]], [float(one.low), float(one.high)])


def test_empty_samples_give_nan_without_warnings() -> None:
    assert all(math.isnan(float(b)) for b in intervals.wilson(0, 0))
    assert all(math.isnan(float(b)) for b in intervals.newcombe_difference(0, 0, 3, 10))
    assert all(math.isnan(float(b)) for b in intervals.newcombe_difference(3, 10, 0, 0))
    assert all(math.isnan(float(b)) for b in intervals.katz_ratio(3, 10, 0, 0))


@pytest.mark.parametrize(("count1", "count2"), [(0, 5), (5, 0), (0, 0)])
def test_katz_is_nan_with_a_zero_count(count1: int, count2: int) -> None:
    low, high = intervals.katz_ratio(count1, 10, count2, 10)
    assert math.isnan(float(low)) and math.isnan(float(high))


def test_mean_interval_is_the_t_interval() -> None:
    sample = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    expected = stats.t.interval(0.95, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample))
    low, high = intervals.mean_interval(sample.mean(), sample.std(ddof=1), len(sample))
    assert float(low) == pytest.approx(expected[0], abs=1e-12)
    assert float(high) == pytest.approx(expected[1], abs=1e-12)
    assert all(math.isnan(float(b)) for b in intervals.mean_interval(3.0, np.nan, 1))


def test_welch_difference_matches_scipy() -> None:
    a = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 3.0])
    b = np.array([2.0, 2.5, 3.0, 3.5])
    result = stats.ttest_ind(a, b, equal_var=False)
    expected = result.confidence_interval(0.95)
    low, high = intervals.welch_difference(
        a.mean(), a.std(ddof=1), len(a), b.mean(), b.std(ddof=1), len(b)
    )
    assert float(low) == pytest.approx(expected.low, abs=1e-12)
    assert float(high) == pytest.approx(expected.high, abs=1e-12)


def test_sd_interval_is_the_chi_square_interval() -> None:
    low, high = intervals.sd_interval(2.0, 11)
    assert float(low) == pytest.approx(2.0 * math.sqrt(10 / stats.chi2.ppf(0.975, 10)), abs=1e-12)
    assert float(high) == pytest.approx(2.0 * math.sqrt(10 / stats.chi2.ppf(0.025, 10)), abs=1e-12)


def test_log_ratio_interval_by_hand() -> None:
    low, high = intervals.log_ratio_interval(0.8, 0.0004, 0.9, 0.0009)
    half = Z95 * math.sqrt(0.0004 / 0.64 + 0.0009 / 0.81)
    assert float(low) == pytest.approx(0.8 / 0.9 * math.exp(-half), abs=1e-15)
    assert float(high) == pytest.approx(0.8 / 0.9 * math.exp(half), abs=1e-15)
    assert math.isnan(float(intervals.log_ratio_interval(-0.1, 0.01, 0.5, 0.01).low))


def test_level_outside_zero_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="level"):
        intervals.wilson(1, 2, level=1.0)
