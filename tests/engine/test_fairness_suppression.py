"""The audit's published view, through trellis.engine.suppression."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from trellis.engine.fairness import AuditResult, audit
from trellis.engine.suppression import SuppressionPolicy


def confusion_rows(school: str, tp: int, fp: int, fn: int, tn: int) -> list[dict[str, Any]]:
    rows = [(1, 1)] * tp + [(1, 0)] * fp + [(0, 1)] * fn + [(0, 0)] * tn
    return [{"school": school, "flag": flag, "truth": truth} for flag, truth in rows]


# D has 4 students: below min_n, so suppressed, and one more school must be suppressed with it
# so that D cannot be recovered from the published total.
SCHOOLS = pd.DataFrame(
    confusion_rows("A", 10, 5, 5, 60)
    + confusion_rows("B", 8, 12, 4, 40)
    + confusion_rows("C", 6, 4, 3, 27)
    + confusion_rows("D", 1, 1, 1, 1)
)


def by_school(result: AuditResult, metric: str, published: bool) -> dict[str, dict[str, Any]]:
    return {
        r["group"]["school"]: r
        for r in result.to_records(published=published)
        if r["metric"] == metric and r["attributes"] == ["school"]
    }


def test_small_group_and_its_complement_are_suppressed() -> None:
    result = audit(SCHOOLS, prediction="flag", label="truth", by=["school"])
    raw = by_school(result, "count", published=False)
    assert raw["D"]["suppressed"] and raw["D"]["value"] == 4
    suppressed = {school for school, record in raw.items() if record["suppressed"]}
    assert "D" in suppressed and len(suppressed) >= 2
    published = by_school(result, "false_positive_rate", published=True)
    for school in suppressed:
        record = published[school]
        assert record["suppressed"] is True
        hidden = (
            "n",
            "value",
            "ci_low",
            "ci_high",
            "numerator",
            "denominator",
            "difference",
            "ratio",
            "ratio_ci_low",
            "ratio_ci_high",
            "flagged",
        )
        assert all(record[key] is None for key in hidden), record
        assert record["group"] == {"school": school} and record["metric"] == "false_positive_rate"


def test_published_rows_keep_their_values() -> None:
    result = audit(SCHOOLS, prediction="flag", label="truth", by=["school"])
    raw = by_school(result, "false_positive_rate", published=False)
    published = by_school(result, "false_positive_rate", published=True)
    for school, record in published.items():
        if not record["suppressed"]:
            assert record == raw[school]
    overall = [r for r in result.to_records() if r["attributes"] == [] and r["metric"] == "count"]
    assert overall[0]["value"] == 188 and not overall[0]["suppressed"]


def test_suppressed_reference_hides_every_comparison() -> None:
    # C (40 students) is large enough to compare with, but hidden to protect D.
    result = audit(
        SCHOOLS, prediction="flag", label="truth", by=["school"], reference={"school": "C"}
    )
    published = by_school(result, "true_positive_rate", published=True)
    assert published["C"]["suppressed"] is True
    assert published["A"]["value"] == 0.6666666666666666
    assert published["A"]["reference"] == {"school": "C"}
    for key in ("difference", "ratio", "p_value", "q_value", "flagged"):
        assert published["A"][key] is None, key
    raw = by_school(result, "true_positive_rate", published=False)
    assert raw["A"]["difference"] is not None and raw["A"]["p_value"] is not None


def test_a_derived_count_is_hidden_with_its_parts() -> None:
    # min_count=2 hides a count of 1 on either side of its denominator.
    frame = pd.DataFrame(
        confusion_rows("A", 30, 10, 10, 150)
        + confusion_rows("B", 1, 20, 30, 150)
        + confusion_rows("C", 20, 20, 20, 100)
    )
    result = audit(
        frame,
        prediction="flag",
        label="truth",
        by=["school"],
        policy=SuppressionPolicy(min_n=10, min_count=2),
    )
    raw = {
        metric: by_school(result, metric, published=False)
        for metric in (
            "count",
            "true_positive_rate",
            "false_negative_rate",
            "selection_rate",
            "false_positive_rate",
        )
    }
    # B has a single true positive: tp is suppressed, so TPR, FNR (label_pos - tp) and the
    # selection rate (tp + fp) are too, while B's size and its FPR (fp over label_neg) are not.
    assert raw["true_positive_rate"]["B"]["suppressed"]
    assert raw["false_negative_rate"]["B"]["suppressed"]
    assert raw["selection_rate"]["B"]["suppressed"]
    assert not raw["count"]["B"]["suppressed"]
    assert not raw["false_positive_rate"]["B"]["suppressed"]


def test_score_audit_suppresses_calibration_bins() -> None:
    frame = pd.DataFrame(
        {
            "school": ["A"] * 60 + ["B"] * 60,
            "score": [i / 59 for i in range(60)] * 2,
            "truth": ([0] * 40 + [1] * 20) * 2,
        }
    )
    result = audit(
        frame,
        score="score",
        label="truth",
        by=["school"],
        score_bins=4,
        policy=SuppressionPolicy(min_n=10, min_count=1),
    )
    calibration = [
        r
        for r in result.to_records(published=True)
        if r["metric"] == "calibration" and r["attributes"] == ["school"]
    ]
    assert len(calibration) == 8
    for record in calibration:
        assert (record["value"] is None) == record["suppressed"]
    # Bins that are all negatives or all positives state every student's outcome: hidden.
    assert any(r["suppressed"] for r in calibration)


@pytest.mark.parametrize("min_n", [1, 10, 30])
def test_min_n_is_passed_to_the_policy(min_n: int) -> None:
    result = audit(SCHOOLS, prediction="flag", label="truth", by=["school"], min_n=min_n)
    raw = by_school(result, "count", published=False)
    primary = {school for school, record in raw.items() if record["value"] < min_n}
    assert primary <= {school for school, record in raw.items() if record["suppressed"]}
    if not primary:
        assert not any(record["suppressed"] for record in raw.values())
