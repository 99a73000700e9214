"""audit() on small hand-written tables with known answers."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from trellis.engine.fairness import COLUMNS, MISSING, AuditResult, audit, reduction_sql
from trellis.engine.fairness.reduce import ReductionSpec, ScoreRange


def confusion_rows(school: str, tp: int, fp: int, fn: int, tn: int) -> list[dict[str, Any]]:
    rows = [(1, 1)] * tp + [(1, 0)] * fp + [(0, 1)] * fn + [(0, 0)] * tn
    return [{"school": school, "flag": flag, "truth": truth} for flag, truth in rows]


# School A: TP 3, FP 1, FN 2, TN 4. School B: TP 1, FP 3, FN 1, TN 5.
TWO_SCHOOLS = pd.DataFrame(confusion_rows("A", 3, 1, 2, 4) + confusion_rows("B", 1, 3, 1, 5))

EXPECTED = {
    "A": {
        "count": 10,
        "selection_rate": Fraction(4, 10),
        "prevalence": Fraction(5, 10),
        "true_positive_rate": Fraction(3, 5),
        "false_positive_rate": Fraction(1, 5),
        "true_negative_rate": Fraction(4, 5),
        "false_negative_rate": Fraction(2, 5),
        "positive_predictive_value": Fraction(3, 4),
        "negative_predictive_value": Fraction(4, 6),
        "false_discovery_rate": Fraction(1, 4),
        "false_omission_rate": Fraction(2, 6),
        "accuracy": Fraction(7, 10),
    },
    "B": {
        "count": 10,
        "selection_rate": Fraction(4, 10),
        "prevalence": Fraction(2, 10),
        "true_positive_rate": Fraction(1, 2),
        "false_positive_rate": Fraction(3, 8),
        "true_negative_rate": Fraction(5, 8),
        "false_negative_rate": Fraction(1, 2),
        "positive_predictive_value": Fraction(1, 4),
        "negative_predictive_value": Fraction(5, 6),
        "false_discovery_rate": Fraction(3, 4),
        "false_omission_rate": Fraction(1, 6),
        "accuracy": Fraction(6, 10),
    },
}


def row(
    result: AuditResult,
    group: dict[str, str],
    metric: str,
    *,
    threshold: float | None = None,
    bin_index: int | None = None,
    published: bool = False,
) -> dict[str, Any]:
    records = [
        r
        for r in result.to_records(published=published)
        if r["group"] == group
        and r["metric"] == metric
        and r["threshold"] == threshold
        and r["bin"] == bin_index
    ]
    assert len(records) == 1, (group, metric, threshold, bin_index)
    return records[0]


def audit_two_schools(**options: Any) -> AuditResult:
    return audit(
        TWO_SCHOOLS,
        prediction="flag",
        label="truth",
        by=["school"],
        reference={"school": "A"},
        **options,
    )


@pytest.mark.parametrize("school", ["A", "B"])
@pytest.mark.parametrize("metric", list(EXPECTED["A"]))
def test_binary_metrics_by_hand(school: str, metric: str) -> None:
    record = row(audit_two_schools(), {"school": school}, metric)
    assert record["value"] == float(EXPECTED[school][metric])
    assert record["n"] == 10


@pytest.mark.parametrize("metric", [m for m in EXPECTED["A"] if m != "count"])
def test_comparison_with_reference_by_hand(metric: str) -> None:
    result = audit_two_schools()
    b, a = EXPECTED["B"][metric], EXPECTED["A"][metric]
    record = row(result, {"school": "B"}, metric)
    assert record["reference"] == {"school": "A"}
    assert record["difference"] == pytest.approx(float(b - a), abs=1e-15)
    assert record["ratio"] == pytest.approx(float(b / a), abs=1e-15)
    own = row(result, {"school": "A"}, metric)
    assert (own["difference"], own["ratio"]) == (0.0, 1.0)
    assert own["difference_ci_low"] is None and own["ratio_ci_low"] is None


def test_intervals_are_wired_to_the_right_counts() -> None:
    record = row(audit_two_schools(), {"school": "B"}, "false_positive_rate")
    assert (record["numerator"], record["denominator"]) == (3, 8)
    assert (record["ci_low"], record["ci_high"]) == pytest.approx(
        proportion_confint(3, 8, method="wilson"), abs=1e-12
    )
    assert (record["difference_ci_low"], record["difference_ci_high"]) == pytest.approx(
        confint_proportions_2indep(3, 8, 1, 5, method="newcomb", compare="diff"), abs=1e-12
    )
    assert (record["ratio_ci_low"], record["ratio_ci_high"]) == pytest.approx(
        confint_proportions_2indep(3, 8, 1, 5, method="log", compare="ratio"), rel=1e-12
    )


def test_overall_row_sums_every_cell() -> None:
    record = row(audit_two_schools(), {}, "false_positive_rate")
    assert record["attributes"] == []
    assert (record["numerator"], record["denominator"], record["value"]) == (4, 13, 4 / 13)
    assert record["reference"] is None and record["difference"] is None and not record["flagged"]


def test_cells_hold_the_confusion_counts() -> None:
    cells = audit_two_schools().cells.set_index("school")
    assert cells.loc["A", ["n", "tp", "fp", "fn", "tn"]].tolist() == [10, 3, 1, 2, 4]
    assert cells.loc["B", ["n", "tp", "fp", "fn", "tn"]].tolist() == [10, 1, 3, 1, 5]


def test_without_label_only_count_and_selection_rate() -> None:
    result = audit(TWO_SCHOOLS, prediction="flag", by=["school"])
    assert result.metrics == ("count", "selection_rate")
    assert row(result, {"school": "B"}, "selection_rate")["value"] == 0.4


def test_default_reference_is_the_largest_group() -> None:
    frame = pd.DataFrame({"school": ["A"] * 3 + ["B"] * 5, "flag": [1, 0, 0, 1, 1, 0, 0, 0]})
    result = audit(frame, prediction="flag", by=["school"], min_n=1)
    assert result.references() == {(): None, ("school",): {"school": "B"}}


def test_intersection_reference_is_the_largest_cell_unless_all_named() -> None:
    frame = pd.DataFrame(
        {
            "race": ["W"] * 6 + ["H"] * 5,
            "sex": ["F", "M", "M", "M", "M", "F", "F", "F", "F", "M", "M"],
            "flag": [0] * 11,
        }
    )
    largest = audit(frame, prediction="flag", by=["race", "sex"], min_n=1)
    assert largest.references()[("race", "sex")] == {"race": "W", "sex": "M"}
    named = audit(
        frame, prediction="flag", by=["race", "sex"], min_n=1, reference={"race": "H", "sex": "F"}
    )
    assert named.references()[("race", "sex")] == {"race": "H", "sex": "F"}
    partly = audit(frame, prediction="flag", by=["race", "sex"], min_n=1, reference={"race": "H"})
    assert partly.references()[("race",)] == {"race": "H"}
    assert partly.references()[("race", "sex")] == {"race": "W", "sex": "M"}


def test_missing_attribute_values_are_their_own_group() -> None:
    frame = pd.DataFrame(
        {
            "ell": ["Y", None, "", "  ", "N", "N", None],
            "grade": [3, 3, None, 4, 4, 4, 4],
            "flag": [1, 0, 1, 1, 0, 0, 1],
        }
    )
    result = audit(frame, prediction="flag", by=["ell", "grade"], min_n=1)
    assert row(result, {"ell": MISSING}, "count")["value"] == 4
    assert row(result, {"ell": MISSING}, "selection_rate")["value"] == 0.75
    assert row(result, {"grade": MISSING}, "count")["value"] == 1
    assert row(result, {"grade": "3"}, "count")["value"] == 2
    groups = [
        r["group"]
        for r in result.to_records()
        if r["metric"] == "count" and r["attributes"] == ["ell"]
    ]
    assert groups == [{"ell": "N"}, {"ell": "Y"}, {"ell": MISSING}]
    assert set(result.cells["ell"]) == {"N", "Y", MISSING}
    assert int(result.cells["n"].sum()) == 7


@pytest.mark.parametrize(
    ("positive", "negative"),
    [
        (1, 0),
        (True, False),
        ("yes", "no"),
        ("Yes", "NO"),
        ("true", "false"),
        ("1", "0"),
        (1.0, 0.0),
        ("Y", "N"),
    ],
)
def test_prediction_encodings(positive: object, negative: object) -> None:
    frame = TWO_SCHOOLS.assign(
        flag=[positive if v else negative for v in TWO_SCHOOLS["flag"]],
        truth=[positive if v else negative for v in TWO_SCHOOLS["truth"]],
    )
    result = audit(frame, prediction="flag", label="truth", by=["school"])
    expected = audit_two_schools()
    pd.testing.assert_frame_equal(result.cells, expected.cells)


def test_intersection_options() -> None:
    frame = pd.DataFrame(
        {
            "a": ["x", "y"] * 4,
            "b": ["u"] * 4 + ["v"] * 4,
            "c": ["p", "q", "q", "p"] * 2,
            "flag": [0, 1] * 4,
        }
    )

    def groupings(option: Any) -> tuple[tuple[str, ...], ...]:
        return audit(
            frame, prediction="flag", by=["a", "b", "c"], intersections=option, min_n=1
        ).groupings

    assert groupings("none") == ((), ("a",), ("b",), ("c",))
    assert groupings("pairs")[4:] == (("a", "b"), ("a", "c"), ("b", "c"))
    assert groupings("all")[4:] == (("a", "b"), ("a", "c"), ("b", "c"), ("a", "b", "c"))
    assert groupings([("c", "a")])[4:] == (("c", "a"),)
    result = audit(frame, prediction="flag", by=["a", "b", "c"], intersections="all", min_n=1)
    assert row(result, {"a": "x", "b": "u", "c": "p"}, "count")["value"] == 1


def test_score_metrics_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "school": ["A"] * 4 + ["B"] * 4,
            "score": [0.1, 0.4, 0.35, 0.8, 0.2, 0.6, 0.7, 0.9],
            "truth": [0, 0, 1, 1, 0, 1, 0, 1],
        }
    )
    result = audit(
        frame,
        score="score",
        thresholds=[0.5],
        label="truth",
        by=["school"],
        reference={"school": "A"},
        min_n=1,
        score_bins=2,
    )
    a, b = frame.score[:4], frame.score[4:]
    assert row(result, {"school": "A"}, "mean_score")["value"] == pytest.approx(a.mean(), abs=1e-15)
    assert row(result, {"school": "B"}, "std_score")["value"] == pytest.approx(b.std(), abs=1e-15)
    pooled = math.sqrt((3 * a.var() + 3 * b.var()) / 6)
    smd = row(result, {"school": "B"}, "standardized_mean_difference")
    assert smd["value"] == pytest.approx((b.mean() - a.mean()) / pooled, abs=1e-12)
    se = math.sqrt(8 / 16 + smd["value"] ** 2 / 16)
    assert smd["ci_high"] - smd["value"] == pytest.approx(1.959963984540054 * se, abs=1e-12)
    # A: positives {0.35, 0.8} beat negatives {0.1, 0.4} in 3 of 4 pairs; B: in 3 of 4.
    assert row(result, {"school": "A"}, "auc")["value"] == 0.75
    assert row(result, {"school": "B"}, "auc")["value"] == 0.75
    assert row(result, {"school": "B"}, "false_positive_rate", threshold=0.5)["value"] == 0.5
    assert row(result, {"school": "A"}, "true_positive_rate", threshold=0.5)["value"] == 0.5
    # Calibration bins over [0.1, 0.9]: [0.1, 0.5) and [0.5, 0.9].
    np.testing.assert_allclose(result.score_bin_edges, [0.1, 0.5, 0.9])
    low_bin = row(result, {}, "calibration", bin_index=0)
    assert (low_bin["numerator"], low_bin["denominator"]) == (1, 4)
    high_bin = row(result, {"school": "B"}, "calibration", bin_index=1)
    assert (high_bin["numerator"], high_bin["denominator"]) == (2, 3)


def test_ordinal_metrics_by_hand() -> None:
    machine = [1, 2, 3, 4, 2, 2, 3, 1]
    human = [1, 2, 4, 4, 1, 3, 3, 1]
    frame = pd.DataFrame({"school": ["A"] * 8, "machine": machine, "human": human})
    result = audit(frame, prediction="machine", label="human", ordinal=True, by=["school"], min_n=1)
    assert result.metrics == (
        "count",
        "exact_agreement",
        "quadratic_weighted_kappa",
        "standardized_mean_difference",
    )
    agreement = row(result, {"school": "A"}, "exact_agreement")
    assert (agreement["numerator"], agreement["denominator"], agreement["value"]) == (5, 8, 0.625)
    m, h = np.array(machine, float), np.array(human, float)
    observed = ((m - h) ** 2).mean()
    expected = ((m[:, None] - h[None, :]) ** 2).mean()
    kappa = row(result, {"school": "A"}, "quadratic_weighted_kappa")["value"]
    assert kappa == pytest.approx(1 - observed / expected, abs=1e-12)
    pooled = math.sqrt((m.var(ddof=1) + h.var(ddof=1)) / 2)
    smd = row(result, {"school": "A"}, "standardized_mean_difference")["value"]
    assert smd == pytest.approx((m.mean() - h.mean()) / pooled, abs=1e-12)



def test_scores_that_agree_everywhere_give_a_zero_width_smd_interval_not_a_rounding_error() -> None:
    # Five 1s, four 2s and five 4s scored the same by both: the variance of the difference is a
    # hair below zero in floating point unless it is held at zero.
    scores = [1] * 5 + [2] * 4 + [4] * 5
    frame = pd.DataFrame({"school": ["A"] * len(scores), "machine": scores, "human": scores})
    with np.errstate(invalid="raise"):
        result = audit(frame, prediction="machine", label="human", ordinal=True, by=["school"], min_n=1)
    smd = row(result, {"school": "A"}, "standardized_mean_difference")
    assert smd["value"] == smd["ci_low"] == smd["ci_high"] == 0.0

def test_records_have_exactly_the_table_columns_and_no_nan() -> None:
    result = audit_two_schools()
    assert tuple(result.table.columns) == COLUMNS
    for record in result.to_records(published=False) + result.to_records(published=True):
        assert tuple(record) == COLUMNS
        assert isinstance(record["attributes"], list)
        assert all(not (isinstance(v, float) and math.isnan(v)) for v in record.values())


def test_flagged_rows_come_largest_disparity_first() -> None:
    frame = pd.DataFrame(
        confusion_rows("A", 20, 5, 5, 70)
        + confusion_rows("B", 20, 40, 5, 35)
        + confusion_rows("C", 20, 20, 5, 55)
    )
    result = audit(
        frame,
        prediction="flag",
        label="truth",
        by=["school"],
        reference={"school": "A"},
        fdr=None,
    )
    flagged = result.flagged()
    fpr = flagged[flagged["metric"] == "false_positive_rate"]
    assert [g["school"] for g in fpr["group"]] == ["B", "C"]
    disparity = np.abs(np.log(flagged["ratio"].to_numpy()))
    assert (np.diff(disparity) <= 0).all()
    assert flagged["flagged"].all()


def test_flags_need_the_interval_wholly_outside_the_band() -> None:
    # FPR ratio 1.2 with a tight interval (1.11-1.30): inside the 0.8-1.25 band, so not flagged.
    frame = pd.DataFrame(
        confusion_rows("A", 0, 1000, 0, 9000) + confusion_rows("B", 0, 1200, 0, 8800)
    )
    options: dict[str, Any] = {"reference": {"school": "A"}, "fdr": None}
    result = audit(frame, prediction="flag", label="truth", by=["school"], **options)
    record = row(result, {"school": "B"}, "false_positive_rate")
    assert record["ratio"] == pytest.approx(1.2) and record["ratio_ci_low"] > 1
    assert record["p_value"] == 1.0 and record["flagged"] is False
    # Band 0.9-1.1: the interval lies wholly above 1.1, and p < 0.05 says the same.
    narrow = audit(
        frame, prediction="flag", label="truth", by=["school"], tolerance=(0.9, 1.1), **options
    )
    record = row(narrow, {"school": "B"}, "false_positive_rate")
    assert record["ratio_ci_low"] > 1.1 and record["p_value"] < 0.05
    assert record["flagged"] is True
    # Band 0.8-1.19: 1.2 is above it, but the interval reaches into it: not a flag.
    edge = audit(
        frame, prediction="flag", label="truth", by=["school"], tolerance=(0.8, 1.19), **options
    )
    record = row(edge, {"school": "B"}, "false_positive_rate")
    assert record["ratio_ci_low"] < 1.19 < record["ratio"] and record["p_value"] > 0.05
    assert record["flagged"] is False


def test_reduction_is_one_plain_group_by() -> None:
    spec = ReductionSpec(
        ("race", "sex"), prediction="flag", score="score", thresholds=(0.5,), label="truth"
    )
    types = {
        "race": "VARCHAR",
        "sex": "VARCHAR",
        "flag": "BIGINT",
        "score": "DOUBLE",
        "truth": "BOOLEAN",
    }
    sql = reduction_sql(spec, types, ScoreRange(0.0, 1.0), quote="`")
    assert sql.count("GROUP BY") == 1 and sql.count("SELECT") == 2
    assert "`race` AS a0" in sql and '"' not in sql
    assert "GROUP BY a0, a1, p, y, k, c, b" in sql
    assert "CASE WHEN CAST(`score` AS DOUBLE) >= CAST('0.5' AS DOUBLE) THEN 1 ELSE 0 END AS k" in sql
    # Every distinct score is kept: no sums at all.
    assert "CAST(`score` AS DOUBLE) AS b" in sql and "sum(" not in sql
    # Too many rows to keep every score: bins between quantiles and stable moments instead.
    binned = reduction_sql(spec, types, ScoreRange(0.0, 1.0, (0.25, 0.5, 0.75)), quote="`")
    assert binned.count("GROUP BY") == 1 and "avg(d) AS s1, var_pop(d) AS s2" in binned
    assert "GROUP BY a0, a1, p, y, k, c, b" in binned and "AS DOUBLE) AS b" not in binned


def test_progress_is_reported() -> None:
    seen: list[tuple[float, str]] = []
    audit_two_schools(progress=lambda fraction, message: seen.append((fraction, message)))
    assert seen[0][0] == 0.0 and seen[-1] == (1.0, "done")
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"g": ["a", "b", "b"], "s": [0.5, 0.5, 0.5], "y": [0, 1, 0], "f": [1, 1, 0]}),
        pd.DataFrame({"g": ["a", "b", "b"], "s": [0.1, 0.2, 0.9], "y": [0, 0, 0], "f": [0, 0, 0]}),
        pd.DataFrame({"g": ["a"], "s": [0.3], "y": [1], "f": [1]}),
    ],
    ids=["constant-score", "no-positives", "one-row"],
)
def test_degenerate_data_gives_nan_not_errors_or_warnings(frame: pd.DataFrame) -> None:
    result = audit(frame, prediction="f", score="s", thresholds=[0.5], label="y", by=["g"])
    assert len(result.table) > 0
    auc = result.select(metric="auc", published=False)
    if frame["y"].nunique() == 1:
        assert auc["value"].isna().all()
    assert (result.table["n"] >= 1).all()


def test_score_without_label_reports_distribution_and_selection() -> None:
    frame = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5, "s": [0.1, 0.2, 0.6, 0.7, 0.9] * 2})
    result = audit(frame, score="s", thresholds=[0.5], by=["g"], min_n=1)
    assert set(result.metrics) == {
        "count",
        "mean_score",
        "std_score",
        "standardized_mean_difference",
        "selection_rate",
    }
    assert row(result, {"g": "b"}, "selection_rate", threshold=0.5)["value"] == 0.6
    assert row(result, {"g": "b"}, "standardized_mean_difference")["value"] == 0.0


def test_published_flagged_rows_exclude_suppressed_ones() -> None:
    frame = pd.DataFrame(
        confusion_rows("A", 20, 5, 5, 70)
        + confusion_rows("B", 20, 40, 5, 35)
        + confusion_rows("C", 2, 6, 0, 1)
        + confusion_rows("D", 1, 5, 0, 2)
    )
    result = audit(frame, prediction="flag", label="truth", by=["school"], min_n=10)
    assert not result.flagged(published=True)["suppressed"].any()
    assert len(result.flagged(published=True)) <= len(result.flagged())
