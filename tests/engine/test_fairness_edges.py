"""The score metrics at the edges: outliers, heavy tails, scores on bin edges, large offsets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from tests.engine.raw import delong_variance
from trellis.engine.fairness import AuditResult, audit
from trellis.engine.fairness import reduce as reduction


def _record(result: AuditResult, group: dict[str, str], metric: str) -> pd.Series:
    table = result.table
    keep = (table["metric"] == metric) & np.array([g == group for g in table["group"]])
    return table[keep].iloc[0]


def _narrow_with_one_outlier(rng: np.random.Generator, n: int) -> np.ndarray:
    scores = rng.normal(0.5, 0.01, n)
    scores[0] = 100.0
    return scores


def _narrow_with_a_huge_outlier(rng: np.random.Generator, n: int) -> np.ndarray:
    scores = rng.normal(0.5, 0.01, n)
    scores[-1] = 1e4
    return scores


SCORES: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "cauchy": lambda rng, n: rng.standard_cauchy(n),
    "pareto": lambda rng, n: rng.pareto(1.1, n),
    "one outlier of 100": _narrow_with_one_outlier,
    "one outlier of 1e4": _narrow_with_a_huge_outlier,
    "offset 1e9": lambda rng, n: 1e9 + rng.normal(0.0, 0.25, n),
    "ties": lambda rng, n: rng.integers(0, 5, n).astype(float),
    "negative zero and zero": lambda rng, n: rng.choice([-0.0, 0.0, 1.0], n),
}


@pytest.mark.parametrize("kind", list(SCORES))
def test_auc_and_delong_variance_equal_the_raw_computation(kind: str) -> None:
    rng = np.random.default_rng(3)
    n = 900
    scores = SCORES[kind](rng, n)
    ranks = scores.argsort().argsort() / n
    labels = (rng.random(n) < 0.15 + 0.7 * ranks).astype(int)
    groups = rng.choice(["a", "b", "c"], n)
    frame = pd.DataFrame({"g": groups, "s": scores, "y": labels})
    result = audit(frame, score="s", label="y", by=["g"], min_n=1)
    for record in result.select(metric="auc", published=False).itertuples():
        keep = np.ones(n, bool) if not record.group else groups == record.group["g"]
        assert record.value == pytest.approx(roc_auc_score(labels[keep], scores[keep]), abs=1e-9)
        variance = delong_variance(scores[keep], labels[keep])
        z = (record.ci_high - record.ci_low) / 2 / np.sqrt(variance)
        assert z == pytest.approx(1.959963984540054, rel=1e-9), record.group


def test_one_extreme_score_does_not_hide_a_flagged_auc_gap() -> None:
    rng = np.random.default_rng(8)
    rows = []
    for group, separation in (("a", 1.5), ("b", 0.3)):
        labels = rng.random(1500) < 0.3
        scores = rng.normal(0.5, 0.02, 1500) + 0.02 * separation * labels
        rows.append(pd.DataFrame({"g": group, "s": scores, "y": labels.astype(int)}))
    frame = pd.concat(rows, ignore_index=True)
    frame.loc[0, "s"] = 1e4
    result = audit(frame, score="s", label="y", by=["g"])
    a, b = _record(result, {"g": "a"}, "auc"), _record(result, {"g": "b"}, "auc")
    for record, group in ((a, "a"), (b, "b")):
        subset = frame[frame["g"] == group]
        assert record["value"] == pytest.approx(roc_auc_score(subset["y"], subset["s"]), abs=1e-9)
    assert a["value"] > 0.8 and b["value"] < 0.62
    assert b["flagged"] is True or b["flagged"] is np.True_


def test_auc_between_quantiles_above_the_exact_size(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past EXACT_SCORE_ROWS the bins sit on quantiles of the data: one outlier changes nothing.
    monkeypatch.setattr(reduction, "EXACT_SCORE_ROWS", 100)
    rng = np.random.default_rng(4)
    scores = _narrow_with_one_outlier(rng, 5000)
    labels = (rng.random(5000) < 0.1 + 0.8 * (scores > 0.5)).astype(int)
    frame = pd.DataFrame({"g": rng.choice(["a", "b"], 5000), "s": scores, "y": labels})
    result = audit(frame, score="s", label="y", by=["g"], auc_bins=1000)
    overall = _record(result, {}, "auc")
    assert overall["value"] == pytest.approx(roc_auc_score(labels, scores), abs=2e-3)


@pytest.mark.parametrize("bins", [10, 4, 3])
def test_calibration_counts_use_the_returned_half_open_edges(bins: int) -> None:
    # Scores exactly on every edge, and between them; the maximum is in the last, closed bin.
    scores = np.round(np.linspace(0.0, 1.0, 31), 10)
    scores = np.concatenate([scores, [0.7, 0.7, 0.6, 0.8]])
    labels = np.arange(len(scores)) % 2
    frame = pd.DataFrame({"g": "a", "s": scores, "y": labels})
    result = audit(frame, score="s", label="y", by=["g"], min_n=1, score_bins=bins)
    edges = result.score_bin_edges
    assert edges is not None and len(edges) == bins + 1
    assert (edges[0], edges[-1]) == (0.0, 1.0)
    expected, _ = np.histogram(scores, bins=edges)  # half-open bins, the last one closed
    expected_positive, _ = np.histogram(scores[labels == 1], bins=edges)
    rows = result.select(metric="calibration", attributes=[], published=False)
    assert rows["denominator"].astype(int).tolist() == expected.tolist()
    assert rows["numerator"].astype(int).tolist() == expected_positive.tolist()
    for b, row in enumerate(rows.itertuples()):
        inside = (scores >= edges[b]) & ((scores < edges[b + 1]) | (b == bins - 1))
        assert row.denominator == inside.sum()


def test_a_score_of_0_7_is_in_the_bin_that_starts_at_0_7() -> None:
    scores = [0.0, 0.65, 0.7, 0.7, 1.0]
    frame = pd.DataFrame({"g": "a", "s": scores, "y": [0, 1, 0, 1, 1]})
    result = audit(frame, score="s", label="y", by=["g"], min_n=1)
    rows = result.select(metric="calibration", attributes=[], published=False)
    assert result.score_bin_edges is not None and result.score_bin_edges[7] == 0.7
    assert rows["denominator"].astype(int).tolist() == [1, 0, 0, 0, 0, 0, 1, 2, 0, 1]


def test_all_equal_scores_fall_in_the_last_closed_bin() -> None:
    frame = pd.DataFrame({"g": ["a"] * 4, "s": [2.5] * 4, "y": [0, 1, 0, 1]})
    result = audit(frame, score="s", label="y", by=["g"], min_n=1, score_bins=3)
    rows = result.select(metric="calibration", attributes=[], published=False)
    assert rows["denominator"].astype(int).tolist() == [0, 0, 4]
    assert _record(result, {}, "auc")["value"] == 0.5


def _reference_sd_and_smd(values: np.ndarray, groups: np.ndarray) -> tuple[dict[str, float], float]:
    """SD per group and Cohen's d of b against a, in extended precision (a two-pass reference)."""
    sd, mean, m2, n = {}, {}, {}, {}
    for group in ("a", "b"):
        x = values[groups == group].astype(np.longdouble)
        mean[group] = x.sum() / len(x)
        m2[group], n[group] = ((x - mean[group]) ** 2).sum(), len(x)
        sd[group] = float(np.sqrt(m2[group] / (n[group] - 1)))
    pooled = np.sqrt((m2["a"] + m2["b"]) / (n["a"] + n["b"] - 2))
    return sd, float((mean["b"] - mean["a"]) / pooled)


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "binned"])
@pytest.mark.parametrize("offset", [0.0, 1e3, 1e6, 1e8, 1e9])
@pytest.mark.parametrize("apart", [0.0, 1e8], ids=["together", "one group 1e8 above"])
def test_sd_and_smd_keep_their_precision_far_from_zero(
    offset: float, apart: float, exact: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not exact:
        monkeypatch.setattr(reduction, "EXACT_SCORE_ROWS", 10)
    rng = np.random.default_rng(12)
    groups = np.repeat(["a", "b"], [600, 400])
    noise = rng.normal(0.0, 0.227, 1000)
    values = offset + noise + np.where(groups == "b", apart - 0.72 * 0.227, 0.0)
    frame = pd.DataFrame({"g": groups, "s": values})
    result = audit(frame, score="s", by=["g"], reference={"g": "a"})
    sd, smd = _reference_sd_and_smd(values, groups)
    # Sums of squares lost every digit here (an SD of 1.85 for 0.227). What is left: the SD to
    # 1e-9 (binned: the engine's Welford updates, 1e-7), and the SMD to the rounding of the two
    # means themselves, a few units in the last place of a number near the offset.
    tolerance = 1e-9 if exact else 1e-7
    for group in ("a", "b"):
        got = _record(result, {"g": group}, "std_score")["value"]
        assert got == pytest.approx(sd[group], rel=tolerance)
    got_smd = _record(result, {"g": "b"}, "standardized_mean_difference")["value"]
    means_rounding = 4 * np.spacing(offset + apart) / 0.227
    assert got_smd == pytest.approx(smd, rel=tolerance, abs=means_rounding)
