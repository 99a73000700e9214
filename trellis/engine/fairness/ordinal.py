"""Agreement of an ordinal machine score with a human score (essay scoring), per group.

Everything comes from each group's contingency table ``C[i, j]`` = number of students with machine
score ``levels[i]`` and human score ``levels[j]``.
"""

from __future__ import annotations

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
from trellis.engine.fairness.groupings import Grouping
from trellis.engine.fairness.metrics import RATES, count_block, rate_block

Contingency = npt.NDArray[np.int64] | npt.NDArray[np.float64]


def exact_agreement(contingency: Contingency) -> FloatArray:
    """Share of students whose machine and human scores are equal: ``sum_i C[i, i] / n``."""
    table = np.asarray(contingency, dtype=np.float64)
    return safe_divide(np.trace(table, axis1=-2, axis2=-1), table.sum(axis=(-2, -1)))


def quadratic_weighted_kappa(
    contingency: Contingency, levels: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Quadratic weighted kappa of machine against human scores, with its large-sample variance.

    With ``p_ij = C_ij / n``, row and column margins ``p_i.`` and ``p_.j``, agreement weights
    ``w_ij = 1 - (v_i - v_j)^2 / (v_max - v_min)^2`` on the score values ``v``:

    .. math::

        \\kappa_w = \\frac{p_o - p_e}{1 - p_e},\\quad
        p_o = \\sum w_{ij} p_{ij},\\quad p_e = \\sum w_{ij} p_{i.} p_{.j}

    and the variance of Fleiss, Cohen and Everitt (1969), with
    ``wbar_i. = sum_j p_.j w_ij`` and ``wbar_.j = sum_i p_i. w_ij``:

    .. math::

        \\operatorname{Var}(\\kappa_w) = \\frac{\\sum_{ij} p_{ij}[w_{ij} - (\\bar w_{i.} +
        \\bar w_{.j})(1 - \\kappa_w)]^2 - [\\kappa_w - p_e(1 - \\kappa_w)]^2}{n (1 - p_e)^2}

    as in ``statsmodels.stats.inter_rater.cohens_kappa(table, weights=levels, wt="quadratic")``.
    Weights use the score values, so a level nobody used still counts in the distance. NaN when a
    group's scores are all one level (``p_e = 1``) or the group is empty.
    """
    table = np.asarray(contingency, dtype=np.float64)
    values = np.asarray(levels, dtype=np.float64)
    spread = values[-1] - values[0] if len(values) > 1 else 0.0
    if spread == 0:
        nan = np.full(table.shape[:-2], np.nan)
        return nan, nan.copy()
    weights = 1.0 - (values[:, None] - values[None, :]) ** 2 / spread**2
    n = table.sum(axis=(-2, -1))
    p = table / np.where(n > 0, n, 1.0)[..., None, None]
    rows = p.sum(axis=-1)
    columns = p.sum(axis=-2)
    observed = (weights * p).sum(axis=(-2, -1))
    expected = np.einsum("ij,...i,...j->...", weights, rows, columns)
    kappa = safe_divide(observed - expected, 1.0 - expected)
    row_weight = np.einsum("ij,...j->...i", weights, columns)
    column_weight = np.einsum("ij,...i->...j", weights, rows)
    inner = weights - (row_weight[..., :, None] + column_weight[..., None, :]) * (
        1.0 - kappa[..., None, None]
    )
    numerator = (p * inner**2).sum(axis=(-2, -1)) - (kappa - expected * (1.0 - kappa)) ** 2
    # The closed form can come out a rounding error below 0 for a nearly constant table.
    variance = np.maximum(safe_divide(numerator, n * (1.0 - expected) ** 2), 0.0)
    kappa = np.where(n > 0, kappa, np.nan)
    return kappa, np.where(n > 0, variance, np.nan)


def machine_human_smd(
    contingency: Contingency, levels: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Standardized mean difference of machine minus human scores, with its variance.

    .. math::

        d = \\frac{\\bar m - \\bar h}{\\sqrt{(s_m^2 + s_h^2)/2}}

    (the convention of Williamson, Xi and Breyer 2012 for automated scoring: the mean of
    ``machine - human`` over the pooled SD of the two scores). Large-sample variance by the delta
    method for paired scores under normality, with ``s_p^2 = (s_m^2 + s_h^2) / 2`` and
    ``s_d^2`` the variance of ``machine - human``:

    .. math::

        \\operatorname{Var}(d) = \\frac{s_d^2}{n s_p^2} +
        \\frac{d^2 (s_m^4 + s_h^4 + 2 \\operatorname{cov}(m, h)^2)}{8 n s_p^4}

    Sample variances use ``n - 1``. NaN for ``n < 2`` or when both scores are constant.
    """
    table = np.asarray(contingency, dtype=np.float64)
    values = np.asarray(levels, dtype=np.float64)
    n = table.sum(axis=(-2, -1))
    rows = table.sum(axis=-1)
    columns = table.sum(axis=-2)
    mean_m = safe_divide(rows @ values, n)
    mean_h = safe_divide(columns @ values, n)
    dm = values[None, :] - mean_m[:, None]
    dh = values[None, :] - mean_h[:, None]
    dof = np.where(n >= 2, n - 1.0, 0.0)
    var_m = safe_divide((rows * dm**2).sum(axis=-1), dof)
    var_h = safe_divide((columns * dh**2).sum(axis=-1), dof)
    cov = safe_divide(np.einsum("gij,gi,gj->g", table, dm, dh), dof)
    # The variance of m - h; rounding can take it a hair below zero when m and h agree everywhere.
    var_d = np.maximum(var_m + var_h - 2.0 * cov, 0.0)
    pooled = (var_m + var_h) / 2.0
    d = safe_divide(mean_m - mean_h, np.sqrt(pooled))
    variance = safe_divide(var_d, n * pooled) + safe_divide(
        d**2 * (var_m**2 + var_h**2 + 2.0 * cov**2), 8.0 * n * pooled**2
    )
    return d, variance


def ordinal_blocks(grouping: Grouping, level: float, levels: npt.ArrayLike) -> list[MetricBlock]:
    """``count``, ``exact_agreement``, ``quadratic_weighted_kappa`` and
    ``standardized_mean_difference`` (machine minus human) for one grouping.

    ``exact_agreement`` is a rate (count ``agree`` over ``n``) with Wilson, Newcombe and Katz
    intervals. Kappa gets a normal interval from its variance, a difference from the reference with
    variance ``Var_g + Var_r`` and a ratio by the delta method on the log scale (tested against
    the tolerance band like a rate's). The SMD gets a normal interval and a difference from the
    reference (no ratio: it changes sign); that difference is tested against the SMD threshold.
    """
    assert grouping.contingency is not None
    agreement = RATES["accuracy"]
    blocks = [
        count_block(grouping),
        rate_block(
            agreement, grouping, level, numerator="agree", denominator="n", metric="exact_agreement"
        ),
    ]
    r = grouping.reference
    kappa, kappa_variance = quadratic_weighted_kappa(grouping.contingency, levels)
    kappa_ci = intervals.normal_interval(kappa, np.sqrt(kappa_variance), level)
    smd, smd_variance = machine_human_smd(grouping.contingency, levels)
    smd_ci = intervals.normal_interval(smd, np.sqrt(smd_variance), level)
    if r is None:
        blocks.append(
            MetricBlock("quadratic_weighted_kappa", grouping, kappa, kappa_ci.low, kappa_ci.high)
        )
        blocks.append(
            MetricBlock("standardized_mean_difference", grouping, smd, smd_ci.low, smd_ci.high)
        )
        return blocks
    kappa_difference = intervals.normal_interval(
        kappa - kappa[r], np.sqrt(kappa_variance + kappa_variance[r]), level
    )
    kappa_ratio = intervals.log_ratio_interval(
        kappa, kappa_variance, at_reference(kappa, r), at_reference(kappa_variance, r), level
    )
    smd_difference = intervals.normal_interval(
        smd - smd[r], np.sqrt(smd_variance + smd_variance[r]), level
    )
    kappa_effect, kappa_se = intervals.delta_log_ratio(
        kappa, kappa_variance, at_reference(kappa, r), at_reference(kappa_variance, r)
    )
    smd_se = np.sqrt(smd_variance + smd_variance[r])
    blank_reference_row(
        r,
        kappa_se,
        smd_se,
        kappa_difference.low,
        kappa_difference.high,
        kappa_ratio.low,
        kappa_ratio.high,
        smd_difference.low,
        smd_difference.high,
    )
    blocks.append(
        MetricBlock(
            "quadratic_weighted_kappa",
            grouping,
            kappa,
            kappa_ci.low,
            kappa_ci.high,
            difference=kappa - kappa[r],
            difference_ci_low=kappa_difference.low,
            difference_ci_high=kappa_difference.high,
            ratio=safe_divide(kappa, at_reference(kappa, r)),
            ratio_ci_low=kappa_ratio.low,
            ratio_ci_high=kappa_ratio.high,
            effect=kappa_effect,
            effect_se=kappa_se,
            effect_kind="ratio",
        )
    )
    blocks.append(
        MetricBlock(
            "standardized_mean_difference",
            grouping,
            smd,
            smd_ci.low,
            smd_ci.high,
            difference=smd - smd[r],
            difference_ci_low=smd_difference.low,
            difference_ci_high=smd_difference.high,
            effect=smd - smd[r],
            effect_se=smd_se,
            effect_kind="smd",
        )
    )
    return blocks
