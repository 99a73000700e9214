"""audit() against fairlearn, scikit-learn and statsmodels on generated data."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, cohen_kappa_score, precision_score, roc_auc_score
from statsmodels.stats.inter_rater import cohens_kappa

from tests.engine.raw import delong_variance
from trellis.engine.fairness import AuditResult, audit
from trellis.engine.fairness.ordinal import quadratic_weighted_kappa
from trellis.engine.fairness.scores import auc
from trellis.engine.synth.tool_outputs import tool_outputs

ATTRIBUTES = ["sex", "english_learner", "disability", "grade"]


def _precision(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(precision_score(y_true, y_pred, zero_division=np.nan))


def _npv(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(precision_score(y_true, y_pred, pos_label=0, zero_division=np.nan))


REFERENCE_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "count": count,
    "selection_rate": selection_rate,
    "prevalence": lambda y_true, y_pred: selection_rate(y_true, y_true),
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "true_negative_rate": true_negative_rate,
    "false_negative_rate": false_negative_rate,
    "positive_predictive_value": _precision,
    "negative_predictive_value": _npv,
    "false_discovery_rate": lambda y_true, y_pred: 1.0 - _precision(y_true, y_pred),
    "false_omission_rate": lambda y_true, y_pred: 1.0 - _npv(y_true, y_pred),
    "accuracy": accuracy_score,
}


@pytest.fixture(scope="module")
def students() -> pd.DataFrame:
    return tool_outputs(6000, seed=11, bias={"english_learner": {"Y": 2.0}}).to_pandas()


@pytest.fixture(scope="module")
def binary_audit(students: pd.DataFrame) -> AuditResult:
    return audit(students, prediction="flag", label="label", by=ATTRIBUTES, intersections="pairs")


def _by_group(students: pd.DataFrame, attributes: list[str]) -> pd.DataFrame:
    frame = MetricFrame(
        metrics=REFERENCE_METRICS,
        y_true=students["label"].to_numpy(),
        y_pred=students["flag"].to_numpy(),
        sensitive_features=students[attributes].astype(str),
    )
    return frame.by_group


@pytest.mark.parametrize(
    "attributes",
    [[a] for a in ATTRIBUTES] + [list(pair) for pair in combinations(ATTRIBUTES, 2)],
    ids=lambda attributes: "x".join(attributes),
)
def test_binary_metrics_equal_fairlearn(
    students: pd.DataFrame, binary_audit: AuditResult, attributes: list[str]
) -> None:
    expected = _by_group(students, attributes)
    table = binary_audit.table[binary_audit.table["attributes"] == tuple(attributes)]
    assert len(table) == len(expected) * len(REFERENCE_METRICS)
    for record in table.itertuples():
        key = tuple(record.group[a] for a in attributes)
        reference = expected.loc[key if len(key) > 1 else key[0], record.metric]
        assert record.value == pytest.approx(reference, abs=1e-9, nan_ok=True), (key, record.metric)


def test_overall_equals_fairlearn(students: pd.DataFrame, binary_audit: AuditResult) -> None:
    frame = MetricFrame(
        metrics=REFERENCE_METRICS,
        y_true=students["label"],
        y_pred=students["flag"],
        sensitive_features=students["sex"],
    )
    overall = binary_audit.table[binary_audit.table["attributes"] == ()]
    for record in overall.itertuples():
        assert record.value == pytest.approx(frame.overall[record.metric], abs=1e-9)


def test_threshold_metrics_equal_fairlearn_on_the_thresholded_score(students: pd.DataFrame) -> None:
    result = audit(
        students, score="score", thresholds=[0.3, 0.7], label="label", by=["english_learner", "sex"]
    )
    for threshold in (0.3, 0.7):
        expected = MetricFrame(
            metrics=REFERENCE_METRICS,
            y_true=students["label"].to_numpy(),
            y_pred=(students["score"] >= threshold).astype(int).to_numpy(),
            sensitive_features=students[["english_learner", "sex"]],
        ).by_group
        table = result.table[
            (result.table["attributes"] == ("english_learner", "sex"))
            & (result.table["threshold"] == threshold)
        ]
        assert len(table) == 4 * (len(REFERENCE_METRICS) - 1)
        for record in table.itertuples():
            key = (record.group["english_learner"], record.group["sex"])
            assert record.value == pytest.approx(expected.loc[key, record.metric], abs=1e-9)


def test_score_summaries_equal_pandas(students: pd.DataFrame) -> None:
    result = audit(students, score="score", label="label", by=["grade"], intersections="none")
    grouped = students.groupby("grade")["score"]
    for metric, expected in (("mean_score", grouped.mean()), ("std_score", grouped.std())):
        table = result.select(metric=metric, attributes=["grade"], published=False)
        for record in table.itertuples():
            assert record.value == pytest.approx(expected[record.group["grade"]], abs=1e-12)


def test_auc_equals_sklearn_when_bins_separate_scores() -> None:
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 40, size=3000) / 40.0
    labels = (rng.random(3000) < 0.2 + 0.5 * scores).astype(int)
    frame = pd.DataFrame({"g": rng.choice(["a", "b", "c"], size=3000), "s": scores, "y": labels})
    result = audit(frame, score="s", label="y", by=["g"], auc_bins=1000)
    for record in result.select(metric="auc", published=False).itertuples():
        subset = frame if not record.group else frame[frame["g"] == record.group["g"]]
        assert record.value == pytest.approx(roc_auc_score(subset["y"], subset["s"]), abs=1e-12)


def test_histogram_auc_and_delong_variance_equal_the_raw_computation() -> None:
    rng = np.random.default_rng(9)
    scores = rng.integers(0, 25, size=800)
    labels = (rng.random(800) < 0.1 + 0.03 * scores).astype(int)
    positives = np.bincount(scores[labels == 1], minlength=25)
    negatives = np.bincount(scores[labels == 0], minlength=25)
    area, variance = auc(positives[None, :], negatives[None, :])
    assert area[0] == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert variance[0] == pytest.approx(delong_variance(scores, labels), rel=1e-9)


def test_kappa_equals_sklearn_and_statsmodels() -> None:
    rng = np.random.default_rng(3)
    human = rng.integers(1, 7, size=500)
    machine = np.clip(human + rng.integers(-1, 2, size=500), 1, 6)
    levels = np.arange(1, 7)
    table = np.zeros((6, 6))
    np.add.at(table, (machine - 1, human - 1), 1)
    kappa, variance = quadratic_weighted_kappa(table[None], levels)
    assert kappa[0] == pytest.approx(
        cohen_kappa_score(machine, human, weights="quadratic"), abs=1e-12
    )
    expected = cohens_kappa(table, weights=levels, wt="quadratic")
    assert kappa[0] == pytest.approx(expected.kappa, abs=1e-12)
    assert variance[0] == pytest.approx(expected.var_kappa, rel=1e-9)


def test_ordinal_audit_equals_sklearn_per_group() -> None:
    rng = np.random.default_rng(4)
    human = rng.integers(0, 5, size=2000)
    group = rng.choice(["x", "y"], size=2000)
    shift = np.where(group == "y", 1, 0)
    machine = np.clip(human + shift + rng.integers(-1, 2, size=2000), 0, 4)
    frame = pd.DataFrame({"g": group, "machine": machine, "human": human})
    result = audit(frame, prediction="machine", label="human", ordinal=True, by=["g"])
    for record in result.select(metric="quadratic_weighted_kappa", published=False).itertuples():
        subset = frame if not record.group else frame[frame["g"] == record.group["g"]]
        expected = cohen_kappa_score(subset["machine"], subset["human"], weights="quadratic")
        assert record.value == pytest.approx(expected, abs=1e-12)
    for record in result.select(metric="exact_agreement", published=False).itertuples():
        subset = frame if not record.group else frame[frame["g"] == record.group["g"]]
        assert record.value == (subset["machine"] == subset["human"]).mean()
