"""Minimum-n and complementary suppression: hand-made tables with known patterns, and the
guarantee itself checked on generated tables by an independent LP audit."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from trellis.engine.suppression import (
    SuppressionPolicy,
    code_rate,
    protection_intervals,
    suppress_groups,
)

ALL_TABLES_2 = [(), ("a",), ("b",), ("a", "b")]


def two_by_three(small: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": ["a1", "a1", "a1", "a2", "a2", "a2"],
            "b": ["b1", "b2", "b3", "b1", "b2", "b3"],
            "n": [20, small, 30, 25, 40, 50],
        }
    )


def statuses(result, column: str = "n") -> dict[tuple[tuple[str, ...], tuple[str, ...]], str]:
    part = result.table[result.table["column"] == column]
    return {
        (grouping, group): status
        for grouping, group, status in zip(part["grouping"], part["group"], part["status"], strict=True)
        if status != "published"
    }


# --------------------------------------------------------------------------------------------
# An independent audit: the finest cells over every attribute, one block of variables per
# column of the denominator chain, numerator <= denominator as explicit inequality rows, dense
# matrices, HiGHS. It shares no code with trellis.engine.suppression.


def independent_intervals(
    cells: pd.DataFrame,
    attributes: list[str],
    result,
    chain: list[str],
) -> dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[float, float, int]]:
    """(low, high, true value) of every suppressed cell of chain[0]."""
    fine = cells.groupby(attributes, sort=False)[chain].sum().reset_index()
    n_fine, depth = len(fine), len(chain)
    n_vars = n_fine * depth
    equalities: list[np.ndarray] = []
    rhs: list[float] = []
    targets = []
    for block, column in enumerate(chain):
        part = result.table[result.table["column"] == column]
        for grouping, group, value, status in zip(
            part["grouping"], part["group"], part["value"], part["status"], strict=True
        ):
            inside = np.ones(n_fine, dtype=bool)
            for name, wanted in zip(grouping, group, strict=True):
                inside &= (fine[name] == wanted).to_numpy()
            row = np.zeros(n_vars)
            row[block * n_fine : (block + 1) * n_fine] = inside
            if status == "published":
                assert value == fine.loc[inside, column].sum()
                equalities.append(row)
                rhs.append(float(value))
            elif block == 0:
                targets.append(((grouping, group), row, int(value)))
    inequalities = []
    bounds_rhs = []
    # Empty groups are always published: the attacker knows every suppressed n is at least 1.
    # The published reasons say more: a primary n is below min_n, a complementary one is not.
    min_n = result.policy.min_n
    n_part = result.table[result.table["column"] == "n"]
    for grouping, group, status in zip(n_part["grouping"], n_part["group"], n_part["status"], strict=True):
        if status == "published":
            continue
        inside = np.ones(n_fine, dtype=bool)
        for name, wanted in zip(grouping, group, strict=True):
            inside &= (fine[name] == wanted).to_numpy()
        row = np.zeros(n_vars)
        row[(depth - 1) * n_fine :] = -inside.astype(float)
        inequalities.append(row)
        bounds_rhs.append(-1.0 if status == "primary" else -float(min_n))
        if status == "primary":
            inequalities.append(-row)
            bounds_rhs.append(float(min_n - 1))
    for block in range(depth - 1):
        for k in range(n_fine):
            row = np.zeros(n_vars)
            row[block * n_fine + k] = 1.0
            row[(block + 1) * n_fine + k] = -1.0
            inequalities.append(row)
            bounds_rhs.append(0.0)
    a_eq = np.array(equalities) if equalities else None
    b_eq = np.array(rhs) if equalities else None
    a_ub = np.array(inequalities) if inequalities else None
    b_ub = np.array(bounds_rhs) if inequalities else None
    intervals = {}
    for key, row, value in targets:
        ends = []
        for sign in (1.0, -1.0):
            solved = linprog(
                sign * row,
                A_ub=a_ub,
                b_ub=b_ub,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=(0, None),
                method="highs",
            )
            if solved.status == 3:
                ends.append(math.inf)
            else:
                assert solved.status == 0, solved.message
                ends.append(sign * solved.fun)
        intervals[key] = (ends[0], ends[1], value)
    return intervals


def assert_guarantee(cells, attributes, groupings, result, policy, denominators=None):
    """Published = true sums; no small n published; every suppressed cell protected."""
    table = result.table
    for grouping in groupings:
        truth = (
            cells[list(result.count_columns)].sum().to_frame().T
            if grouping == ()
            else cells.groupby(list(grouping))[list(result.count_columns)].sum()
        )
        part = table[table["grouping"] == tuple(grouping)]
        for group, column, value in zip(part["group"], part["column"], part["value"], strict=True):
            expected = (
                truth[column].iloc[0] if grouping == () else truth.loc[group if len(group) > 1 else group[0], column]
            )
            assert value == expected
    n_part = table[table["column"] == "n"]
    small = n_part[(n_part["value"] > 0) & (n_part["value"] < policy.min_n)]
    assert (small["status"] == "primary").all()
    for column in result.count_columns:
        chain = [column]
        while chain[-1] != "n":
            chain.append((denominators or {}).get(chain[-1], "n"))
        for key, (low, high, value) in independent_intervals(cells, attributes, result, chain).items():
            assert low - 1e-6 <= value <= high + 1e-6
            assert high - low >= policy.protection - 1e-6, (column, key, low, high, value)


# --------------------------------------------------------------------------------------------
# Hand-made tables


def test_two_by_three_with_one_small_cell():
    result = suppress_groups(two_by_three(), attributes=["a", "b"], groupings=ALL_TABLES_2)

    assert statuses(result) == {
        (("a", "b"), ("a1", "b2")): "primary",
        (("a", "b"), ("a1", "b1")): "complementary",
        (("a", "b"), ("a2", "b1")): "complementary",
        (("a", "b"), ("a2", "b2")): "complementary",
    }
    published = result.published(("a", "b"))
    assert published.to_dict("list") == {
        "a": ["a1", "a1", "a1", "a2", "a2", "a2"],
        "b": ["b1", "b2", "b3", "b1", "b2", "b3"],
        "n": [None, None, 30, None, None, 50],
    }
    assert result.published(()).to_dict("list") == {"n": [168]}
    assert result.published(("b",)).to_dict("list") == {"b": ["b1", "b2", "b3"], "n": [45, 43, 80]}
    assert result.is_suppressed(("a", "b"), ("a1", "b2"), "n")
    assert not result.is_suppressed(("a",), ("a1",), "n")
    reasons = dict(zip(result.table["group"], result.table["reason"], strict=True))
    assert reasons[("a1", "b2")] == "Too few students: fewer than 10 in this group."
    assert reasons[("a2", "b2")] == (
        "Hidden so that a smaller group cannot be worked out from the published totals."
    )


def test_protection_intervals_of_the_two_by_three():
    cells = two_by_three()
    result = suppress_groups(cells, attributes=["a", "b"], groupings=ALL_TABLES_2)

    audit = protection_intervals(cells, ["a", "b"], ALL_TABLES_2, "n", result)

    # One degree of freedom t moves mass around the rectangle. The published reasons bound it:
    # the primary cell holds 1 to 9 students, so t = n(a1, b2) lies in [1, 9].
    assert audit[["group", "value", "status", "low", "high", "width", "protected"]].to_dict("records") == [
        {
            "group": ("a1", "b1"),
            "value": 20,
            "status": "complementary",
            "low": 14.0,
            "high": 22.0,
            "width": 8.0,
            "protected": True,
        },
        {
            "group": ("a1", "b2"),
            "value": 3,
            "status": "primary",
            "low": 1.0,
            "high": 9.0,
            "width": 8.0,
            "protected": True,
        },
        {
            "group": ("a2", "b1"),
            "value": 25,
            "status": "complementary",
            "low": 23.0,
            "high": 31.0,
            "width": 8.0,
            "protected": True,
        },
        {
            "group": ("a2", "b2"),
            "value": 40,
            "status": "complementary",
            "low": 34.0,
            "high": 42.0,
            "width": 8.0,
            "protected": True,
        },
    ]
    independent = independent_intervals(cells, ["a", "b"], result, ["n"])
    assert {key[1]: (low, high) for key, (low, high, _) in independent.items()} == {
        ("a1", "b1"): (14.0, 22.0),
        ("a1", "b2"): (1.0, 9.0),
        ("a2", "b1"): (23.0, 31.0),
        ("a2", "b2"): (34.0, 42.0),
    }


def test_a_small_margin_is_paired_with_the_smallest_other_margin_not_the_total():
    cells = pd.DataFrame({"race": ["A", "B", "C"], "n": [3, 60, 50]})

    result = suppress_groups(cells, attributes=["race"], groupings=[(), ("race",)])

    assert statuses(result) == {
        (("race",), ("A",)): "primary",
        (("race",), ("C",)): "complementary",
    }


def test_a_whole_table_below_min_n_suppresses_the_total_as_primary():
    cells = pd.DataFrame({"sex": ["F", "M"], "n": [4, 3]})

    result = suppress_groups(cells, attributes=["sex"], groupings=[(), ("sex",)])

    assert statuses(result) == {
        ((), ()): "primary",
        (("sex",), ("F",)): "primary",
        (("sex",), ("M",)): "primary",
    }


def test_empty_groups_are_published_as_zeros():
    cells = pd.DataFrame(
        {
            "a": ["a1", "a1", "a2", "a2"],
            "b": ["b1", "b2", "b1", "b2"],
            "n": [0, 30, 25, 40],
        }
    )

    result = suppress_groups(cells, attributes=["a", "b"], groupings=ALL_TABLES_2)

    assert statuses(result) == {}
    assert result.published(("a", "b"))["n"].tolist() == [0, 30, 25, 40]
    zero_reason = result.table.loc[result.table["group"] == ("a1", "b1"), "reason"].item()
    assert zero_reason == "Published: no students in this group."


def test_an_empty_group_is_never_a_complement():
    # (a1, b1) is empty: the cheapest partner for (a1, b2) by value, but an outsider may well
    # know it is empty. The cycle through the a margins protects (a1, b2) instead.
    cells = pd.DataFrame(
        {
            "a": ["a1", "a1", "a2", "a2"],
            "b": ["b1", "b2", "b1", "b2"],
            "n": [0, 4, 30, 40],
        }
    )

    result = suppress_groups(cells, attributes=["a", "b"], groupings=ALL_TABLES_2)

    assert statuses(result) == {
        (("a",), ("a1",)): "primary",
        (("a", "b"), ("a1", "b2")): "primary",
        (("a",), ("a2",)): "complementary",
        (("a", "b"), ("a2", "b2")): "complementary",
    }
    assert_guarantee(cells, ["a", "b"], ALL_TABLES_2, result, SuppressionPolicy())


def test_a_cell_cannot_be_recovered_through_a_different_table():
    # race and sex margins are published, the total is not: but both margins add up to it, so a
    # lone small race is race_total - other races = (F + M) - other races.
    cells = pd.DataFrame(
        {
            "race": ["X", "X", "Y", "Y", "Z", "Z"],
            "sex": ["F", "M", "F", "M", "F", "M"],
            "n": [1, 2, 100, 90, 40, 45],
        }
    )
    groupings = [("race",), ("sex",)]

    result = suppress_groups(cells, attributes=["race", "sex"], groupings=groupings)

    assert statuses(result) == {
        (("race",), ("X",)): "primary",
        (("race",), ("Z",)): "complementary",
    }
    assert_guarantee(cells, ["race", "sex"], groupings, result, SuppressionPolicy())


def test_a_suppressed_intersection_is_protected_against_its_margins():
    # The race x sex cell (X, F) is small; race X and sex F margins are published, and every
    # other cell of both is published too unless complementary suppression reaches them.
    cells = pd.DataFrame(
        {
            "race": ["X", "X", "Y", "Y"],
            "sex": ["F", "M", "F", "M"],
            "n": [2, 30, 40, 50],
        }
    )

    result = suppress_groups(cells, attributes=["race", "sex"], groupings=ALL_TABLES_2_rs())

    assert statuses(result) == {
        (("race", "sex"), ("X", "F")): "primary",
        (("race", "sex"), ("X", "M")): "complementary",
        (("race", "sex"), ("Y", "F")): "complementary",
        (("race", "sex"), ("Y", "M")): "complementary",
    }


def ALL_TABLES_2_rs() -> list[tuple[str, ...]]:  # noqa: N802 - reads like the constant above
    return [(), ("race",), ("sex",), ("race", "sex")]


def test_only_listed_groupings_are_published():
    cells = pd.DataFrame(
        {
            "a": ["x", "x", "y", "y"],
            "b": ["p", "q", "p", "q"],
            "c": ["u", "v", "v", "u"],
            "n": [15, 20, 25, 30],
        }
    )

    result = suppress_groups(cells, attributes=["a", "b", "c"], groupings=[("a",), ("c",)])

    assert sorted(set(result.table["grouping"])) == [("a",), ("c",)]
    with pytest.raises(KeyError):
        result.published(("a", "b"))
    with pytest.raises(KeyError):
        result.is_suppressed(("a", "b"), ("x", "p"), "n")


def test_results_do_not_depend_on_row_order_and_repeat_exactly():
    rng = np.random.default_rng(7)
    cells = pd.DataFrame(
        [{"a": a, "b": b, "c": c, "n": int(rng.integers(0, 25))} for a, b, c in itertools.product("xyz", "pq", "uvw")]
    )
    groupings = [(), ("a",), ("b",), ("c",), ("a", "b"), ("a", "c"), ("b", "c")]

    first = suppress_groups(cells, attributes=["a", "b", "c"], groupings=groupings)
    shuffled = cells.sample(frac=1.0, random_state=3)
    second = suppress_groups(shuffled, attributes=["a", "b", "c"], groupings=groupings)

    pd.testing.assert_frame_equal(first.table, second.table)
    assert_guarantee(cells, ["a", "b", "c"], groupings, first, SuppressionPolicy())


def test_repeated_combinations_are_summed_and_missing_is_a_value():
    cells = pd.DataFrame({"race": ["A", "A", "(missing)", "B"], "n": [6, 6, 4, 30]})

    result = suppress_groups(cells, attributes=["race"], groupings=[(), ("race",)])

    assert result.published(("race",)).to_dict("list") == {
        "race": ["(missing)", "A", "B"],
        "n": [None, None, 30],
    }
    assert statuses(result) == {
        (("race",), ("(missing)",)): "primary",
        (("race",), ("A",)): "complementary",
    }


def test_min_n_is_configurable():
    cells = pd.DataFrame({"race": ["A", "B", "C"], "n": [12, 60, 50]})

    lenient = suppress_groups(cells, attributes=["race"], groupings=[(), ("race",)])
    strict = suppress_groups(cells, attributes=["race"], groupings=[(), ("race",)], policy=SuppressionPolicy(min_n=20))

    assert statuses(lenient) == {}
    assert statuses(strict) == {
        (("race",), ("A",)): "primary",
        (("race",), ("C",)): "complementary",
    }


def test_larger_protection_demands_wider_intervals():
    cells = pd.DataFrame({"race": ["A", "B", "C", "D"], "n": [1, 3, 40, 50]})
    policy = SuppressionPolicy(protection=5)

    result = suppress_groups(cells, attributes=["race"], groupings=[(), ("race",)], policy=policy)

    # A and B together hide only 4 students: one more cell is needed for a width of 5. The
    # published reasons bound them: A and B (primary) hold 1 to 9 students, C (complementary) at
    # least 10, and the three add up to 44.
    assert statuses(result) == {
        (("race",), ("A",)): "primary",
        (("race",), ("B",)): "primary",
        (("race",), ("C",)): "complementary",
    }
    audit = protection_intervals(cells, ["race"], [(), ("race",)], "n", result)
    assert audit[["value", "low", "high"]].to_dict("list") == {
        "value": [1, 3, 40],
        "low": [1.0, 1.0, 26.0],
        "high": [9.0, 9.0, 42.0],
    }
    assert audit["protected"].all()


# --------------------------------------------------------------------------------------------
# Numerator columns and min_count


def outcome_cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "race": ["A", "B", "C", "D", "E"],
            "n": [40, 50, 60, 5, 0],
            "tp": [1, 20, 58, 2, 0],
            "fp": [0, 10, 30, 1, 0],
        }
    )


def test_numerators_follow_n_and_the_min_count_rule():
    result = suppress_groups(
        outcome_cells(),
        attributes=["race"],
        groupings=[(), ("race",)],
        count_columns=("n", "tp", "fp"),
        policy=SuppressionPolicy(min_count=3),
    )

    # n: D is small, and needs a partner; the empty group E is published.
    assert statuses(result, "n") == {
        (("race",), ("D",)): "primary",
        (("race",), ("A",)): "complementary",
    }
    # tp: A has 1 (fewer than 3), C has 60 - 58 = 2 without it, D's n is hidden.
    assert statuses(result, "tp") == {
        (("race",), ("A",)): "primary",
        (("race",), ("C",)): "primary",
        (("race",), ("D",)): "primary",
    }
    # fp: A has 0 of 40 (all-or-none counts too), D's n is hidden.
    assert statuses(result, "fp") == {
        (("race",), ("A",)): "primary",
        (("race",), ("D",)): "primary",
    }
    reasons = result.table.set_index(["column", "group"])["reason"]
    assert reasons[("tp", ("D",))] == "The number of students in this group is suppressed."
    assert reasons[("tp", ("C",))] == ("Fewer than 3 students in this group have, or lack, this outcome.")
    assert result.published(("race",)).to_dict("list") == {
        "race": ["A", "B", "C", "D", "E"],
        "n": [None, 50, 60, None, 0],
        "tp": [None, 20, None, None, 0],
        "fp": [None, 10, 30, None, 0],
    }


def test_min_count_zero_disables_the_rule():
    result = suppress_groups(
        outcome_cells(),
        attributes=["race"],
        groupings=[(), ("race",)],
        count_columns=("n", "tp", "fp"),
    )

    # Only the groups whose n is hidden: C's 58 of 60 and A's 0 false positives are published.
    for column in ("tp", "fp"):
        assert statuses(result, column) == {
            (("race",), ("A",)): "primary",
            (("race",), ("D",)): "primary",
        }
    assert_guarantee(outcome_cells(), ["race"], [(), ("race",)], result, SuppressionPolicy())


@pytest.mark.parametrize(
    ("count", "size", "min_count", "suppressed"),
    [
        (0, 40, 0, False),
        (0, 40, 1, True),
        (1, 40, 1, False),
        (40, 40, 1, True),
        (39, 40, 1, False),
        (2, 40, 3, True),
        (3, 40, 3, False),
        (37, 40, 3, False),
        (38, 40, 3, True),
        (0, 0, 3, False),
    ],
)
def test_min_count_boundaries(count, size, min_count, suppressed):
    cells = pd.DataFrame({"race": ["A", "B"], "n": [size, 100], "tp": [count, 50]})

    result = suppress_groups(
        cells,
        attributes=["race"],
        groupings=[("race",)],
        count_columns=("n", "tp"),
        policy=SuppressionPolicy(min_count=min_count),
    )

    assert result.is_suppressed(("race",), ("A",), "tp") is suppressed


def test_a_numerator_follows_its_own_denominator():
    cells = pd.DataFrame(
        {
            "race": ["A", "B", "C"],
            "n": [40, 50, 60],
            "label_positive": [2, 25, 30],
            "tp": [1, 20, 24],
        }
    )

    result = suppress_groups(
        cells,
        attributes=["race"],
        groupings=[(), ("race",)],
        count_columns=("n", "label_positive", "tp"),
        denominators={"tp": "label_positive"},
        policy=SuppressionPolicy(min_count=3),
    )

    assert statuses(result, "label_positive") == {
        (("race",), ("A",)): "primary",
        (("race",), ("B",)): "complementary",
    }
    # tp is 1 of 2 in A (its denominator is hidden too) and B follows its hidden denominator.
    assert statuses(result, "tp") == {
        (("race",), ("A",)): "primary",
        (("race",), ("B",)): "primary",
    }
    reasons = result.table.set_index(["column", "group"])["reason"]
    assert reasons[("tp", ("B",))] == ("Its denominator (label_positive) is suppressed for this group.")
    assert result.denominators == {"label_positive": "n", "tp": "label_positive"}


def test_a_numerator_under_a_published_empty_group_is_never_its_complement():
    # tp in (X, M) is 0, the smallest partner for (X, F) by value, but n there is a published 0,
    # so the attacker knows tp is 0 too: hiding it would protect nothing.
    cells = pd.DataFrame(
        {
            "race": ["X", "X", "X", "Y", "Y", "Y"],
            "sex": ["F", "M", "U", "F", "M", "U"],
            "n": [30, 0, 40, 50, 20, 35],
            "tp": [1, 0, 20, 25, 10, 15],
        }
    )
    groupings = [(), ("race",), ("sex",), ("race", "sex")]
    policy = SuppressionPolicy(min_count=2)

    result = suppress_groups(
        cells,
        attributes=["race", "sex"],
        groupings=groupings,
        count_columns=("n", "tp"),
        policy=policy,
    )

    assert statuses(result, "n") == {}
    assert statuses(result, "tp") == {
        (("race", "sex"), ("X", "F")): "primary",
        (("race", "sex"), ("X", "U")): "complementary",
        (("race", "sex"), ("Y", "F")): "complementary",
        (("race", "sex"), ("Y", "U")): "complementary",
    }
    audit = protection_intervals(cells, ["race", "sex"], groupings, "tp", result)
    assert audit[["value", "low", "high"]].to_dict("list") == {
        "value": [1, 20, 25, 15],
        "low": [0.0, 0.0, 5.0, 14.0],
        "high": [21.0, 21.0, 26.0, 35.0],
    }
    assert_guarantee(cells, ["race", "sex"], groupings, result, policy)


# --------------------------------------------------------------------------------------------
# Top/bottom coding


@pytest.mark.parametrize(
    ("rate", "n", "expected"),
    [
        (0.0, 40, "<5%"),
        (0.04, 50, "<5%"),
        (0.05, 40, None),
        (0.5, 40, None),
        (0.95, 40, None),
        (0.96, 50, ">95%"),
        (1.0, 12, ">95%"),
        (0.0, 100, None),
        (1.0, 99, ">95%"),
    ],
)
def test_code_rate_in_small_groups(rate, n, expected):
    assert code_rate(rate, n, SuppressionPolicy()) == expected


def test_code_rate_follows_the_policy():
    policy = SuppressionPolicy(top_bottom=0.1, small_group=300)
    assert code_rate(0.09, 250, policy) == "<10%"
    assert code_rate(0.95, 250, policy) == ">90%"
    assert code_rate(0.95, 300, policy) is None
    assert code_rate(0.0, 40, SuppressionPolicy(top_bottom=0)) is None
    assert code_rate(0.001, 40, SuppressionPolicy(top_bottom=0.025)) == "<2.5%"


def test_code_rate_codes_small_denominators_below_min_n_too():
    # A true positive rate over 8 label positives in a published group of 40 students.
    assert code_rate(1.0, 8, SuppressionPolicy()) == ">95%"
    assert code_rate(0.5, 8, SuppressionPolicy()) is None


@pytest.mark.parametrize(("rate", "n"), [(0.5, 0), (float("nan"), 40), (1.5, 40), (-0.1, 40)])
def test_code_rate_refuses_non_rates(rate, n):
    with pytest.raises(ValueError):
        code_rate(rate, n, SuppressionPolicy())


# --------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.assign(a=[None, *c["a"][1:]]), "attribute 'a' is missing in row 0"),
        (lambda c: c.assign(n=[-1, *c["n"][1:]]), "row 0 holds -1"),
        (lambda c: c.assign(n=[2.5, *c["n"][1:]]), "row 0 holds 2.5"),
        (lambda c: c.drop(columns="b"), "cells has no column 'b'"),
    ],
)
def test_bad_cells_are_rejected_with_the_row_and_column(change, message):
    with pytest.raises(ValueError, match=message):
        suppress_groups(change(two_by_three()), attributes=["a", "b"], groupings=ALL_TABLES_2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"groupings": [("a", "z")]}, "not in attributes"),
        ({"groupings": [("a", "b"), ("b", "a")]}, "are the same table"),
        ({"groupings": [("a", "a")]}, "repeats an attribute"),
        ({"count_columns": ("tp",)}, "must include the group size 'n'"),
        ({"count_columns": ("n", "tp"), "denominators": {"tp": "fp"}}, "not in count_columns"),
        (
            {"count_columns": ("n", "tp", "fp"), "denominators": {"tp": "fp", "fp": "tp"}},
            "cycle",
        ),
    ],
)
def test_bad_arguments_are_rejected(arguments, message):
    cells = two_by_three().assign(tp=[1, 1, 1, 1, 1, 1], fp=[1, 1, 1, 1, 1, 1])
    keywords = {"attributes": ["a", "b"], "groupings": ALL_TABLES_2, **arguments}
    with pytest.raises(ValueError, match=message):
        suppress_groups(cells, **keywords)


def test_a_numerator_above_its_denominator_is_rejected():
    cells = two_by_three().assign(tp=[1, 4, 1, 1, 1, 1])
    with pytest.raises(ValueError, match="'tp' exceeds its denominator 'n' in row 1"):
        suppress_groups(cells, attributes=["a", "b"], groupings=ALL_TABLES_2, count_columns=("n", "tp"))


@pytest.mark.parametrize(
    "keywords",
    [{"min_n": 0}, {"min_count": -1}, {"protection": 0}, {"top_bottom": 0.5}, {"small_group": -1}],
)
def test_bad_policies_are_rejected(keywords):
    with pytest.raises(ValueError):
        SuppressionPolicy(**keywords)


# --------------------------------------------------------------------------------------------
# The guarantee on generated tables


@st.composite
def generated_tables(draw, numerators: bool = False):
    n_attributes = draw(st.integers(2, 3))
    attributes = ["a", "b", "c"][:n_attributes]
    sizes = [draw(st.integers(2, 5)) for _ in attributes]
    combinations = list(itertools.product(*[range(size) for size in sizes]))
    small = st.sampled_from([0, 0, 0, 1, 2, 3, 4, 6, 9, 10, 12, 15, 25, 40])
    rows: list[dict[str, object]] = []
    for combination in combinations:
        if draw(st.integers(0, 9)) == 0:
            continue  # a combination nobody has, absent from the cells
        size = draw(small)
        rows.append(
            {
                **{name: f"{name}{value}" for name, value in zip(attributes, combination, strict=True)},
                "n": size,
                "tp": draw(st.integers(0, size)),
            }
        )
    if not rows:
        rows.append({**{name: f"{name}0" for name in attributes}, "n": 3, "tp": 1})
    cells = pd.DataFrame(rows)
    if not numerators:
        cells = cells.drop(columns="tp", errors="ignore")
    groupings = [()] + [(name,) for name in attributes] + list(itertools.combinations(attributes, 2))
    return cells, attributes, groupings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_tables())
def test_no_suppressed_count_can_be_recovered(table):
    cells, attributes, groupings = table
    policy = SuppressionPolicy()

    result = suppress_groups(cells, attributes=attributes, groupings=groupings, policy=policy)

    assert_guarantee(cells, attributes, groupings, result, policy)


# Derandomized so that every run tries the same examples; the table whose every numerator is 0,
# which a random search once found, is tried by name below.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(generated_tables(numerators=True), st.integers(0, 3))
def test_no_suppressed_numerator_can_be_recovered(table, min_count):
    cells, attributes, groupings = table
    policy = SuppressionPolicy(min_count=min_count)

    result = suppress_groups(
        cells, attributes=attributes, groupings=groupings, count_columns=("n", "tp"), policy=policy
    )

    assert_guarantee(cells, attributes, groupings, result, policy)
    tp = result.table[result.table["column"] == "tp"].set_index(["grouping", "group"])
    n = result.table[result.table["column"] == "n"].set_index(["grouping", "group"])
    hidden_n = n["status"] != "published"
    assert (tp.loc[hidden_n[hidden_n].index, "status"] == "primary").all()


@pytest.mark.parametrize("min_count", [0, 1, 3])
def test_numerators_that_are_all_zero_do_not_tell_a_hidden_zero(min_count):
    # A published total of 0 tells the attacker that every cell under it is 0: the zeros that pin a
    # hidden cell are hidden together.
    sizes = [3, 12, 15, 20, 25, 9]
    cells = pd.DataFrame(
        [
            {"a": f"a{a}", "b": f"b{b}", "n": sizes[a * 2 + b], "tp": 0}
            for a, b in itertools.product(range(3), range(2))
        ]
    )
    groupings = [(), ("a",), ("b",), ("a", "b")]
    policy = SuppressionPolicy(min_count=min_count)

    result = suppress_groups(
        cells, attributes=["a", "b"], groupings=groupings, count_columns=("n", "tp"), policy=policy
    )

    assert_guarantee(cells, ["a", "b"], groupings, result, policy)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_tables(numerators=True))
def test_protection_intervals_match_the_independent_audit(table):
    cells, attributes, groupings = table
    result = suppress_groups(
        cells,
        attributes=attributes,
        groupings=groupings,
        count_columns=("n", "tp"),
        policy=SuppressionPolicy(min_count=2),
    )

    for column, chain in [("n", ["n"]), ("tp", ["tp", "n"])]:
        audit = protection_intervals(cells, attributes, groupings, column, result)
        expected = independent_intervals(cells, attributes, result, chain)
        assert len(audit) == len(expected)
        for grouping, group, low, high in zip(
            audit["grouping"], audit["group"], audit["low"], audit["high"], strict=True
        ):
            want_low, want_high, _ = expected[(grouping, group)]
            assert low == pytest.approx(want_low, abs=1e-6)
            assert high == pytest.approx(want_high, abs=1e-6)
        assert audit["protected"].all()
