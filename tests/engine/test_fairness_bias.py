"""Synthetic tool outputs with a known bias, and an audit that finds exactly that bias."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from trellis.engine.fairness import AuditResult, audit
from trellis.engine.synth.tool_outputs import COLUMNS, RACE_SHARES, tool_outputs, write_tool_outputs

BIAS = {"english_learner": {"Y": 3.0}, "disability": {"Y": 2.0}}
BIASED = {("english_learner", "Y"), ("disability", "Y")}


@pytest.fixture(scope="module")
def biased_audit() -> AuditResult:
    table = tool_outputs(200_000, seed=2024, bias=BIAS)
    return audit(
        table,
        prediction="flag",
        label="label",
        by=["english_learner", "disability", "sex"],
        intersections="pairs",
    )


def _flagged_groups(result: AuditResult, metric: str) -> set[tuple[tuple[str, str], ...]]:
    rows = result.table[(result.table["metric"] == metric) & result.table["flagged"]]
    return {tuple(sorted(group.items())) for group in rows["group"]}


def test_audit_flags_exactly_the_biased_groups_for_fpr(biased_audit: AuditResult) -> None:
    fpr = biased_audit.table[biased_audit.table["metric"] == "false_positive_rate"]
    fpr = fpr[fpr["attributes"] != ()]
    for record in fpr.itertuples():
        biased = any((a, v) in BIASED for a, v in record.group.items())
        reference_biased = any((a, v) in BIASED for a, v in record.reference.items())
        assert not reference_biased
        assert record.flagged == biased, record.group
    single = {
        (g[0][0], g[0][1])
        for g in _flagged_groups(biased_audit, "false_positive_rate")
        if len(g) == 1
    }
    assert single == BIASED


@pytest.mark.parametrize("metric", ["true_positive_rate", "false_negative_rate", "prevalence"])
def test_audit_flags_nothing_on_metrics_the_bias_does_not_touch(
    biased_audit: AuditResult, metric: str
) -> None:
    assert _flagged_groups(biased_audit, metric) == set()


def test_measured_fpr_ratio_recovers_the_multiplier(biased_audit: AuditResult) -> None:
    rows = biased_audit.select(
        metric="false_positive_rate", attributes=["english_learner"], published=False
    )
    learner = rows[[g == {"english_learner": "Y"} for g in rows["group"]]].iloc[0]
    # Mixed with the disability bias (x2 for 15%), the expected ratio is 3 (same mix in both).
    assert learner["ratio"] == pytest.approx(3.0, rel=0.05)
    assert learner["ratio_ci_high"] / learner["ratio_ci_low"] < 1.2


def test_nothing_flagged_without_bias() -> None:
    result = audit(
        tool_outputs(100_000, seed=7),
        prediction="flag",
        label="label",
        by=["english_learner", "disability", "sex"],
    )
    assert result.flagged().empty


def test_tool_outputs_are_deterministic_and_prefix_stable() -> None:
    first = tool_outputs(2_500, seed=5, bias=BIAS)
    assert first.equals(tool_outputs(2_500, seed=5, bias=BIAS))
    assert first.slice(0, 1_000).equals(tool_outputs(1_000, seed=5, bias=BIAS))
    assert not first.equals(tool_outputs(2_500, seed=6, bias=BIAS))
    assert tuple(first.column_names) == COLUMNS


def test_tool_outputs_follow_the_requested_shares_and_rates() -> None:
    frame = tool_outputs(300_000, seed=1, bias={"english_learner": {"Y": 3.0}}).to_pandas()
    shares = frame["race"].value_counts(normalize=True)
    total = sum(RACE_SHARES.values())
    for race, share in RACE_SHARES.items():
        assert shares[race] == pytest.approx(share / total, abs=0.005)
    negatives = frame[frame["label"] == 0]
    fpr = negatives.groupby("english_learner", observed=True)["flag"].mean()
    assert fpr["N"] == pytest.approx(0.10, abs=0.005)
    assert fpr["Y"] == pytest.approx(0.30, abs=0.01)
    tpr = frame[frame["label"] == 1].groupby("english_learner", observed=True)["flag"].mean()
    assert tpr["N"] == pytest.approx(0.80, abs=0.01) and tpr["Y"] == pytest.approx(0.80, abs=0.02)
    assert ((frame["score"] >= 0.5) == (frame["flag"] == 1)).all()


def test_write_tool_outputs_round_trips(tmp_path: Path) -> None:
    path = write_tool_outputs(tmp_path / "outputs.parquet", 1_500_000, seed=3, bias=BIAS)
    written = pq.read_table(path)
    assert written.num_rows == 1_500_000
    assert pq.ParquetFile(path).num_row_groups == 2
    assert written.slice(0, 10_000).equals(tool_outputs(10_000, seed=3, bias=BIAS))


def test_missing_rate_leaves_nulls_that_audit_reports() -> None:
    table = tool_outputs(20_000, seed=4, missing_rate=0.05)
    nulls = table.column("sex").null_count
    assert 800 < nulls < 1_200
    result = audit(table, prediction="flag", by=["sex"], intersections="none")
    missing = result.select(metric="count", attributes=["sex"], published=False)
    assert missing[[g == {"sex": "(missing)"} for g in missing["group"]]]["value"].item() == nulls


def test_unknown_bias_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown attribute 'ethnicity'"):
        tool_outputs(10, seed=1, bias={"ethnicity": {"X": 2.0}})
    with pytest.raises(ValueError, match="unknown value 'Z'"):
        tool_outputs(10, seed=1, bias={"sex": {"Z": 2.0}})
    assert np.isclose(tool_outputs(0, seed=1).num_rows, 0)
