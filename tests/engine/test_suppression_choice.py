"""Complementary suppression chosen by optimisation: less hidden than the greedy order, flagged
groups kept where possible, honest reasons that give nothing away, and no crash on empty LPs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from tests.engine.test_suppression import assert_guarantee, independent_intervals
from trellis.engine.fairness import audit
from trellis.engine.suppression import SuppressionPolicy, protection_intervals, suppress_groups


def fixed_table(seed: int) -> tuple[pd.DataFrame, list[str], list[tuple[str, ...]]]:
    """A table of 2 or 3 attributes with small, empty and absent cells, fixed by its seed."""
    rng = np.random.default_rng(seed)
    attributes = ["a", "b", "c"][: int(rng.integers(2, 4))]
    sizes = [int(rng.integers(2, 6)) for _ in attributes]
    rows = []
    for combination in itertools.product(*[range(size) for size in sizes]):
        if rng.random() < 0.1:
            continue
        n = int(rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 10, 12, 15, 25, 40, 80]))
        rows.append(
            {
                **{name: f"{name}{value}" for name, value in zip(attributes, combination, strict=True)},
                "n": n,
                "tp": int(rng.integers(0, n + 1)),
            }
        )
    groupings = [()] + [(name,) for name in attributes] + list(itertools.combinations(attributes, 2))
    return pd.DataFrame(rows), attributes, groupings


# Tables on which the integer programme hides strictly fewer students than the greedy order
# (seed: greedy, optimal), and tables on which both find the same; all were checked once.
FEWER = {2: (86, 77), 3: (196, 184), 7: (212, 168), 9: (163, 111), 10: (42, 37)}
SEEDS = [1, 2, 3, 4, 5, 7, 9, 10, 12]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_optimised_choice_hides_no_more_than_the_greedy_one(seed: int) -> None:
    cells, attributes, groupings = fixed_table(seed)
    hidden = {}
    for method in ("greedy", "optimal"):
        result = suppress_groups(
            cells, attributes=attributes, groupings=groupings, count_columns=("n", "tp"), method=method
        )
        assert_guarantee(cells, attributes, groupings, result, result.policy)
        summary = result.hidden("n")
        sizes = result.table.loc[result.table["column"] == "n", "value"]
        assert summary.primary == int(((sizes > 0) & (sizes < 10)).sum())
        hidden[method] = summary.students_hidden
    assert hidden["optimal"] <= hidden["greedy"]
    if seed in FEWER:
        assert (hidden["greedy"], hidden["optimal"]) == FEWER[seed]


def test_a_flagged_group_is_not_hidden_when_another_protects_as_well() -> None:
    # C (4 students) must be hidden with one other school; A is the smallest, so it is the
    # cheapest complement, unless A holds a flagged disparity: then B, which protects as well.
    cells = pd.DataFrame({"school": ["A", "B", "C", "D"], "n": [30, 80, 4, 400]})
    plain = suppress_groups(cells, attributes=["school"], groupings=[(), ("school",)])
    kept = suppress_groups(
        cells, attributes=["school"], groupings=[(), ("school",)], prefer_published=[(("school",), ("A",))]
    )

    def hidden(result) -> list[str]:
        part = result.table[(result.table["column"] == "n") & (result.table["status"] != "published")]
        return sorted(group[0] for group in part["group"] if group)

    assert hidden(plain) == ["A", "C"]
    assert hidden(kept) == ["B", "C"]
    assert kept.hidden("n").students_hidden == 84 and plain.hidden("n").students_hidden == 34


def test_a_flagged_group_is_hidden_when_nothing_else_protects() -> None:
    cells = pd.DataFrame({"school": ["A", "C"], "n": [30, 4]})
    result = suppress_groups(
        cells, attributes=["school"], groupings=[(), ("school",)], prefer_published=[(("school",), ("A",))]
    )
    assert result.is_suppressed(("school",), ("A",), "n")


def test_the_audit_keeps_a_flagged_disparity_published() -> None:
    # School E's false positive rate is far above the others'; F is small and needs a
    # complement. E is the smallest school that could serve, but it holds a flagged disparity.
    def school(name: str, tp: int, fp: int, fn: int, tn: int) -> list[dict[str, object]]:
        rows = [(1, 1)] * tp + [(1, 0)] * fp + [(0, 1)] * fn + [(0, 0)] * tn
        return [{"school": name, "flag": flag, "truth": truth} for flag, truth in rows]

    frame = pd.DataFrame(
        school("A", 40, 10, 10, 340) + school("B", 30, 8, 8, 254) + school("E", 10, 40, 2, 28) + school("F", 1, 1, 1, 1)
    )
    result = audit(frame, prediction="flag", label="truth", by=["school"])
    raw = {
        r["group"]["school"]: r
        for r in result.to_records(published=False)
        if r["metric"] == "false_positive_rate" and r["attributes"] == ["school"]
    }
    assert raw["E"]["flagged"] and raw["F"]["suppressed"]
    assert not raw["E"]["suppressed"]
    published = [
        r
        for r in result.to_records(published=True)
        if r["metric"] == "false_positive_rate" and r["group"] == {"school": "E"}
    ]
    assert published[0]["flagged"] is True


def test_reasons_name_small_groups_and_complements_honestly() -> None:
    cells = pd.DataFrame({"school": ["A", "B", "C"], "n": [30, 80, 4]})
    result = suppress_groups(cells, attributes=["school"], groupings=[(), ("school",)])
    part = result.table[result.table["column"] == "n"]
    reasons = dict(zip(part["group"], part["reason"], strict=True))
    assert reasons[("C",)] == "Too few students: fewer than 10 in this group."
    assert reasons[("A",)] == "Hidden so that a smaller group cannot be worked out from the published totals."
    summary = result.hidden("n")
    assert (summary.cells, summary.primary, summary.complementary) == (4, 1, 1)
    assert (summary.students, summary.students_hidden, summary.students_complementary) == (228, 34, 30)
    assert summary.share_hidden == pytest.approx(34 / 228)


def test_published_reasons_do_not_let_a_small_group_be_worked_out() -> None:
    # Hiding A (1 student) with B (10), the cheapest complement, leaves A + B = 11 known. Without
    # reasons A and B each lie in [1, 10]; told that A is small (1 to 9) and B a complement (at
    # least 10), anyone gets A = 1. So B will not do: D (250) protects A with the fewest students.
    cells = pd.DataFrame({"school": ["A", "B", "C", "D"], "n": [1, 10, 300, 250]})
    policy = SuppressionPolicy()
    result = suppress_groups(cells, attributes=["school"], groupings=[(), ("school",)], policy=policy)

    part = result.table[result.table["column"] == "n"]
    assert dict(zip(part["group"], part["status"], strict=True)) == {
        (): "published",
        ("A",): "primary",
        ("B",): "published",
        ("C",): "published",
        ("D",): "complementary",
    }
    intervals = independent_intervals(cells, ["school"], result, ["n"])
    assert {key[1]: (low, high) for key, (low, high, _) in intervals.items()} == {
        ("A",): (1.0, 9.0),
        ("D",): (242.0, 250.0),
    }
    assert protection_intervals(cells, ["school"], [(), ("school",)], "n", result)["protected"].all()


def test_a_pinned_problem_is_not_sent_to_the_solver() -> None:
    # Every label positive is in one school: the stronger attacker's LP for the true positives
    # has no variable left. It used to stop the audit with "c must be a 1-D array".
    frame = pd.DataFrame(
        {
            "school": ["A"] * 4 + ["B"] * 3,
            "score": [0.1, 0.4, 0.7, 0.9, 0.2, 0.3, 0.5],
            "truth": [0, 0, 1, 1, 0, 0, 0],
        }
    )
    result = audit(frame, score="score", label="truth", by=["school"])
    assert result.table["suppressed"].any()


@pytest.mark.parametrize("seed", range(12))
def test_small_score_audits_never_crash(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(5, 60))
    frame = pd.DataFrame(
        {
            "g": rng.choice(list("abc"), size),
            "h": rng.choice(list("xy"), size),
            "s": rng.random(size),
            "y": rng.integers(0, 2, size),
        }
    )
    result = audit(frame, score="s", label="y", by=["g", "h"])
    assert len(result.table) > 0


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method must be one of optimal, greedy"):
        suppress_groups(pd.DataFrame({"a": ["x"], "n": [3]}), attributes=["a"], groupings=[()], method="best")  # type: ignore[arg-type]
