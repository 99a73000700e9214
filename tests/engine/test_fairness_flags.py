"""Flags a district can act on: false discovery rate control, SMD flags, small groups, labels."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from trellis.engine.fairness import MISSING, AuditResult, AuditWarning, audit
from trellis.engine.synth.tool_outputs import tool_outputs

BIAS = {"english_learner": {"Y": 3.0}}
BIASED = ("english_learner", "Y")
# The bias multiplies the false positive rate only: these metrics stay equal for every group.
UNTOUCHED = {"true_positive_rate", "false_negative_rate", "prevalence"}
SEEDS = range(20)
AUDIT: dict[str, Any] = {
    "prediction": "flag",
    "score": "score",
    "label": "label",
    "by": ["english_learner", "disability"],
}


def _record(result: AuditResult, group: dict[str, str], metric: str) -> pd.Series:
    table = result.table
    keep = (table["metric"] == metric) & np.array([g == group for g in table["group"]])
    return table[keep].iloc[0]


def _about_the_bias(group: dict[str, str], metric: str) -> bool:
    return group.get(BIASED[0]) == BIASED[1] and metric not in UNTOUCHED


def test_unbiased_tool_outputs_get_no_flag_in_19_of_20_seeds() -> None:
    flagged = [len(audit(tool_outputs(8_000, seed=seed), **AUDIT).flagged()) for seed in SEEDS]
    assert sum(count > 0 for count in flagged) <= 1, flagged


def test_biased_tool_outputs_get_the_bias_and_nothing_else_in_18_of_20_seeds() -> None:
    wrong = []
    for seed in SEEDS:
        result = audit(tool_outputs(8_000, seed=seed, bias=BIAS), **AUDIT)
        flags = result.flagged()
        others = [
            (group, metric)
            for group, metric in zip(flags["group"], flags["metric"], strict=True)
            if not _about_the_bias(group, metric)
        ]
        found = _record(result, {"english_learner": "Y"}, "false_positive_rate")["flagged"]
        if others or not found:
            wrong.append((seed, bool(found), others))
    assert len(wrong) <= 2, wrong


def test_without_control_the_same_data_gets_chance_flags() -> None:
    # What the control is for: with a narrow band and each comparison judged alone, unbiased
    # data gets flags by chance; with the control over the same comparisons it gets none.
    options = {**AUDIT, "by": ["english_learner", "disability", "sex"], "tolerance": (0.97, 1.03)}
    alone, controlled = [], []
    for seed in range(3):
        data = tool_outputs(8_000, seed=seed)
        alone.append(int(audit(data, **options, fdr=None).table["flagged"].sum()))
        controlled.append(int(audit(data, **options).table["flagged"].sum()))
    assert sum(alone) > 0 and controlled == [0, 0, 0], (alone, controlled)


@pytest.fixture(scope="module")
def biased() -> AuditResult:
    return audit(tool_outputs(8_000, seed=3, bias=BIAS), **AUDIT, thresholds=[0.3])


def test_q_values_are_benjamini_hochberg_over_every_testable_row(biased: AuditResult) -> None:
    table = biased.table
    family = table["q_value"].notna().to_numpy()
    assert family.sum() > 100
    p = table["p_value"].to_numpy(dtype=float)[family]
    _, expected, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose(table["q_value"].to_numpy(dtype=float)[family], expected, rtol=1e-12)
    # The family spans every kind of flaggable row.
    metrics = set(table["metric"][family])
    assert {"calibration", "auc", "standardized_mean_difference", "false_positive_rate"} <= metrics
    assert table["threshold"][family].notna().any() and table["bin"][family].notna().any()
    flagged = table["flagged"].to_numpy(dtype=bool)
    assert (table["q_value"][flagged] <= 0.05).all() and flagged.any()
    assert not (table["q_value"][family & ~flagged] <= 0.05).any()


def test_p_values_agree_with_the_intervals(biased: AuditResult) -> None:
    # p < 0.05 exactly when the interval lies wholly outside the parity band.
    table = biased.table[biased.table["q_value"].notna()]
    ratio_rows = table[table["metric"] != "standardized_mean_difference"]
    outside = (ratio_rows["ratio_ci_low"] > 1.25) | (ratio_rows["ratio_ci_high"] < 0.8)
    assert ((ratio_rows["p_value"] < 0.05) == outside).all()
    smd = table[table["metric"] == "standardized_mean_difference"]
    outside = (smd["ci_low"] > 0.15) | (smd["ci_high"] < -0.15)
    assert ((smd["p_value"] < 0.05) == outside).all()
    inside = (ratio_rows["ratio"] >= 0.8) & (ratio_rows["ratio"] <= 1.25)
    assert (ratio_rows["p_value"][inside] == 1.0).all()


def test_fdr_level_and_off_change_the_flags(biased: AuditResult) -> None:
    options = {**AUDIT, "thresholds": [0.3]}
    data = tool_outputs(8_000, seed=3, bias=BIAS)
    strict = audit(data, **options, fdr=0.001)
    off = audit(data, **options, fdr=None)
    counts = [int(r.table["flagged"].sum()) for r in (strict, biased, off)]
    assert counts[0] <= counts[1] <= counts[2] and counts[0] < counts[2]
    # The same tests; sums in parallel may differ in their last bits.
    np.testing.assert_allclose(off.table["p_value"], biased.table["p_value"], rtol=1e-9, atol=0)
    assert (off.table["flagged"] == (off.table["q_value"].notna() & (off.table["p_value"] < 0.05))).all()


def _shifted_scores(shift: float, n_each: int = 400, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = np.repeat(["a", "b"], n_each)
    scores = rng.normal(0.0, 1.0, 2 * n_each) - np.where(groups == "b", shift, 0.0)
    return pd.DataFrame({"g": groups, "s": scores})


def test_a_score_only_audit_flags_a_group_0_72_sd_lower() -> None:
    result = audit(_shifted_scores(0.72), score="s", by=["g"], reference={"g": "a"})
    smd = _record(result, {"g": "b"}, "standardized_mean_difference")
    assert smd["value"] < -0.5 and smd["ci_high"] < -0.15
    assert smd["flagged"] is True or smd["flagged"] is np.True_
    assert result.flagged()["metric"].tolist() == ["standardized_mean_difference"]


@pytest.mark.parametrize(
    ("shift", "threshold", "flagged"),
    [(0.05, 0.15, False), (0.5, 0.15, True), (0.5, 0.6, False), (0.3, 0.0, True)],
)
def test_smd_flag_rule_uses_the_threshold(shift: float, threshold: float, flagged: bool) -> None:
    result = audit(
        _shifted_scores(shift, n_each=2000),
        score="s",
        by=["g"],
        reference={"g": "a"},
        smd_threshold=threshold,
    )
    smd = _record(result, {"g": "b"}, "standardized_mean_difference")
    assert bool(smd["flagged"]) is flagged
    if flagged:
        assert abs(smd["value"]) > threshold and smd["ci_high"] < 0


def test_groups_below_min_n_keep_their_count_and_nothing_else() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "g": ["big"] * 300 + ["one"],
            "s": np.append(rng.normal(0.5, 0.1, 300), 3.0),
            "flag": np.append(rng.integers(0, 2, 300), 1),
            "y": np.append(rng.integers(0, 2, 300), 0),
        }
    )
    result = audit(frame, prediction="flag", score="s", label="y", by=["g"], min_n=10)
    rows = result.table[[g == {"g": "one"} for g in result.table["group"]]]
    count = rows[rows["metric"] == "count"].iloc[0]
    assert (count["n"], count["value"]) == (1, 1.0)
    others = rows[rows["metric"] != "count"]
    numbers = ["value", "ci_low", "ci_high", "difference", "ratio", "ratio_ci_low", "p_value", "q_value"]
    assert others[numbers].isna().all().all()
    assert not others["flagged"].any() and rows["suppressed"].all()
    selection = rows[rows["metric"] == "selection_rate"].iloc[0]
    assert (selection["numerator"], selection["denominator"]) == (1, 1)
    # The same group with min_n=1 has its numbers.
    full = audit(frame, prediction="flag", score="s", label="y", by=["g"], min_n=1)
    assert _record(full, {"g": "one"}, "selection_rate")["value"] == 1.0


def test_a_too_small_reference_gives_no_comparisons() -> None:
    frame = pd.DataFrame({"g": ["big"] * 50 + ["tiny"] * 3, "flag": [1, 0] * 25 + [1, 1, 0]})
    result = audit(frame, prediction="flag", by=["g"], reference={"g": "tiny"}, min_n=10)
    big = _record(result, {"g": "big"}, "selection_rate")
    assert big["value"] == 0.5
    assert np.isnan(big["ratio"]) and np.isnan(big["difference"]) and np.isnan(big["p_value"])


def test_the_text_missing_stays_apart_from_missing_values() -> None:
    frame = pd.DataFrame(
        {"g": ["(missing)"] * 12 + [None] * 15 + ["a"] * 20, "flag": [1, 0, 0] * 4 + [0] * 35}
    )
    with pytest.warns(AuditWarning, match="12 rows hold the text '\\(missing\\)'"):
        result = audit(frame, prediction="flag", by=["g"], min_n=1)
    counts = {
        r["group"]["g"]: r["value"]
        for r in result.to_records(published=False)
        if r["metric"] == "count" and r["attributes"] == ["g"]
    }
    assert counts == {"a": 20, "“(missing)”": 12, MISSING: 15}
    assert len(result.warnings) == 1


def test_values_merged_by_trimming_spaces_are_reported_with_counts() -> None:
    frame = pd.DataFrame({"g": ["Y"] * 7 + [" Y"] * 2 + ["Y "] + ["N"] * 5, "flag": [1] * 15})
    with pytest.warns(AuditWarning) as caught:
        result = audit(frame, prediction="flag", by=["g"], min_n=1)
    message = str(caught[0].message)
    assert "'Y'" in message and "' Y' (2 rows)" in message and "'Y ' (1 rows)" in message
    assert "'Y' (7 rows)" in message
    assert _record(result, {"g": "Y"}, "count")["value"] == 10
    assert result.warnings == (message,)


def test_clean_values_give_no_warning() -> None:
    frame = pd.DataFrame({"g": ["a", "b", None, ""] * 5, "flag": [1, 0] * 10})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = audit(frame, prediction="flag", by=["g"], min_n=1)
    assert result.warnings == ()
    assert _record(result, {"g": MISSING}, "count")["value"] == 10
