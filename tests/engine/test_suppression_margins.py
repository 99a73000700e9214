"""Complementary suppression over many small groups: no hidden cell is ever alone in a published margin.

The integer programme writes each relation's conditions with one sum per relation instead of one
condition of every other member per member (a state total over 1,200 districts had 1.4 million
terms). Generated tables check that the programme still picks the optimum of the conditions as
first written, and that no hidden cell is the only hidden cell of any published margin (row,
column or total) it belongs to, margins found from the cells themselves, not from the layout.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from tests.engine.test_suppression import assert_guarantee, generated_tables
from trellis.engine.suppression import SuppressionPolicy, suppress_groups
from trellis.engine.suppression.choose import choose_complements, costs
from trellis.engine.suppression.layout import build_layout

DISTRICT_GROUPINGS = [(), ("district",), ("quartile",), ("locale",)]
SIZES = [0, 0, 1, 2, 3, 4, 6, 9, 10, 11, 12, 15, 25, 40, 80, 300]


@st.composite
def district_tables(draw):
    """Districts, each in one poverty quartile and one locale, published as the measures publish them."""
    n_districts = draw(st.integers(2, 30))
    rows = []
    for number in range(n_districts):
        size = draw(st.sampled_from(SIZES))
        rows.append(
            {
                "district": f"d{number:02d}",
                "quartile": f"q{draw(st.integers(1, 4))}",
                "locale": draw(st.sampled_from(["city", "suburb", "town", "rural"])),
                "n": size,
                "tp": draw(st.integers(0, size)),
            }
        )
    return pd.DataFrame(rows), ["district", "quartile", "locale"], DISTRICT_GROUPINGS


def margins(cells: pd.DataFrame, attributes: list[str], groupings) -> list[tuple[tuple, list[tuple]]]:
    """Every published cell that is the sum of the cells of another published table, with those cells.

    A cell is keyed ``(grouping, group)``; its finest cells are the combinations of every
    attribute it matches. ``p`` is a margin of table ``C`` when ``p``'s finest cells are exactly
    the union of some of ``C``'s cells (a quartile over its districts, a row over its cells).
    """
    finest = cells[attributes].drop_duplicates().reset_index(drop=True)
    cover: dict[tuple, frozenset[int]] = {}
    for grouping in groupings:
        keys = finest[list(grouping)].astype(str).agg(tuple, axis=1) if grouping else pd.Series([()] * len(finest))
        for key in sorted(set(keys)):
            cover[(tuple(grouping), tuple(key))] = frozenset(np.flatnonzero((keys == key).to_numpy()))
    found = []
    for parent, inside in cover.items():
        for grouping in groupings:
            if tuple(grouping) == parent[0]:
                continue
            parts = [cell for cell, part in cover.items() if cell[0] == tuple(grouping) and part <= inside]
            if parts and frozenset().union(*(cover[cell] for cell in parts)) == inside:
                found.append((parent, sorted(parts)))
    return found


def lone_hidden(cells, attributes, groupings, result, column: str) -> list[tuple]:
    """Hidden cells that are the only hidden member of a published margin."""
    part = result.table[result.table["column"] == column]
    hidden = {
        (g, v) for g, v, s in zip(part["grouping"], part["group"], part["status"], strict=True) if s != "published"
    }
    lone = []
    for parent, parts in margins(cells, attributes, groupings):
        members = [parent, *parts]
        shown = [member for member in members if member in hidden]
        if len(shown) == 1:
            lone.append((shown[0], parent))
    return lone


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.one_of(district_tables(), generated_tables(numerators=True)))
def test_no_hidden_cell_is_alone_in_a_published_margin(table):
    cells, attributes, groupings = table
    policy = SuppressionPolicy()

    result = suppress_groups(
        cells, attributes=attributes, groupings=groupings, count_columns=("n", "tp"), policy=policy
    )

    for column in ("n", "tp"):
        assert lone_hidden(cells, attributes, groupings, result, column) == []
    assert_guarantee(cells, attributes, groupings, result, policy)


def pairwise_optimum(layout, values, required, eligible, avoid, protection) -> tuple[float, list[dict[int, float]]]:
    """The programme of :mod:`trellis.engine.suppression.choose` as first written, solved by HiGHS.

    For each relation and each member ``m``, ``sum(y[k] for the other members) - y[m] + slack >= 0``;
    for each child ``m`` below the protection, ``sum(v[k] y[k] for the children) + P y[parent]
    - P y[m] + slack >= 0``. Returns the optimal cost and the rows.
    """
    n_cells = layout.n_cells
    free = eligible & ~required
    movable = free | required
    rows: list[dict[int, float]] = []
    for relation in layout.relations:
        members = [m for m in relation.members if movable[m]]
        for m in members:
            rows.append({**{k: 1.0 for k in members if k != m}, m: -1.0})
        for m in relation.children:
            if not movable[m] or values[m] >= protection:
                continue
            row = {k: float(values[k]) for k in relation.children if movable[k] and values[k] > 0}
            if movable[relation.parent]:
                row[relation.parent] = row.get(relation.parent, 0.0) + protection
            row[m] = row.get(m, 0.0) - protection
            rows.append(row)
    matrix = np.zeros((len(rows), n_cells + len(rows)))
    for number, row in enumerate(rows):
        for cell, factor in row.items():
            matrix[number, cell] = factor
        matrix[number, n_cells + number] = 1.0
    cell_cost, slack_cost = costs(layout, values, free, avoid)
    cost = np.concatenate([cell_cost, np.full(len(rows), slack_cost)])
    outcome = milp(
        cost,
        constraints=LinearConstraint(matrix, lb=0.0, ub=np.inf),
        bounds=Bounds(
            np.concatenate([required, np.zeros(len(rows))]), np.concatenate([movable, np.full(len(rows), np.inf)])
        ),
        integrality=np.concatenate([np.ones(n_cells), np.zeros(len(rows))]),
        options={"mip_rel_gap": 0.0},
    )
    assert outcome.status == 0, outcome.message
    return float(outcome.fun), rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.one_of(district_tables(), generated_tables()), st.sampled_from([1.0, 3.0]))
def test_the_programme_finds_the_optimum_of_the_pairwise_conditions(table, protection):
    cells, attributes, groupings = table
    layout = build_layout(cells, attributes, groupings, ("n",), {})
    values = layout.values("n")
    required = (values > 0) & (values < 10)
    eligible = values > 0
    avoid = np.zeros(layout.n_cells, dtype=bool)
    if not required.any() or not (eligible & ~required).any():
        return
    best, rows = pairwise_optimum(layout, values, required, eligible, avoid, protection)

    chosen = choose_complements(layout, values, required, eligible, avoid, protection)

    # The chosen cells, priced in the pairwise programme: each condition's slack is what it falls short by.
    y = chosen.astype(np.float64)
    shortfall = [max(0.0, -sum(factor * y[cell] for cell, factor in row.items())) for row in rows]
    cell_cost, slack_cost = costs(layout, values, eligible & ~required, avoid)
    assert float(cell_cost @ y + slack_cost * sum(shortfall)) == pytest.approx(best)


def test_a_district_alone_under_its_quartile_is_not_worked_out():
    # d1 (4 teachers) shares quartile q2 with d2 only, and its locale with no one: the state total
    # and the other districts would not give it away, but q2 minus d2, or the town locale, would.
    cells = pd.DataFrame(
        {
            "district": ["d0", "d1", "d2", "d3", "d4"],
            "quartile": ["q1", "q2", "q2", "q3", "q4"],
            "locale": ["city", "town", "city", "rural", "rural"],
            "n": [30, 4, 50, 25, 60],
            "tp": [3, 1, 9, 4, 8],
        }
    )
    attributes = ["district", "quartile", "locale"]

    result = suppress_groups(cells, attributes=attributes, groupings=DISTRICT_GROUPINGS, count_columns=("n", "tp"))

    assert result.is_suppressed(("district",), ("d1",), "n")
    assert result.is_suppressed(("locale",), ("town",), "n")
    for column in ("n", "tp"):
        assert lone_hidden(cells, attributes, DISTRICT_GROUPINGS, result, column) == []
    assert_guarantee(cells, attributes, DISTRICT_GROUPINGS, result, result.policy)


@pytest.mark.parametrize("n_districts", [60, 200])
def test_many_districts_are_protected(n_districts):
    rng = np.random.default_rng(n_districts)
    sizes = rng.choice(SIZES, n_districts)
    cells = pd.DataFrame(
        {
            "district": [f"d{k:03d}" for k in range(n_districts)],
            "quartile": [f"q{k}" for k in rng.integers(1, 5, n_districts)],
            "locale": rng.choice(["city", "suburb", "town", "rural"], n_districts),
            "n": sizes,
            "tp": [int(rng.integers(0, size + 1)) for size in sizes],
        }
    )
    attributes = ["district", "quartile", "locale"]

    result = suppress_groups(cells, attributes=attributes, groupings=DISTRICT_GROUPINGS, count_columns=("n", "tp"))

    for column in ("n", "tp"):
        assert lone_hidden(cells, attributes, DISTRICT_GROUPINGS, result, column) == []
    assert_guarantee(cells, attributes, DISTRICT_GROUPINGS, result, result.policy)
    assert result.hidden("n").primary == int(((sizes > 0) & (sizes < 10)).sum())


def test_margins_find_quartiles_over_districts_and_rows_over_cells():
    cells = pd.DataFrame(
        {
            "district": ["d0", "d1", "d2"],
            "quartile": ["q1", "q1", "q2"],
            "locale": ["city", "town", "town"],
            "n": [1, 2, 3],
            "tp": [0, 0, 0],
        }
    )
    found = {
        (parent, tuple(parts))
        for parent, parts in margins(cells, ["district", "quartile", "locale"], DISTRICT_GROUPINGS)
    }
    assert ((("quartile",), ("q1",)), ((("district",), ("d0",)), (("district",), ("d1",)))) in found
    assert ((("locale",), ("city",)), ((("district",), ("d0",)),)) in found
    assert all(parts for _, parts in found)
    grid = pd.DataFrame([{"a": a, "b": b, "n": 1} for a, b in itertools.product(["a0", "a1"], ["b0", "b1"])])
    rows = [
        parent
        for parent, parts in margins(grid, ["a", "b"], [(), ("a",), ("a", "b")])
        if parent[0] == ("a",) and parts[0][0] == ("a", "b")
    ]
    assert sorted(rows) == [(("a",), ("a0",)), (("a",), ("a1",))]
