"""Choose complementary suppressions by optimisation: hide as few students as possible.

Given the cells that must be hidden (primary cells, and cells that an earlier audit found
necessary), :func:`choose_complements` picks the other published cells to hide by solving a
small integer programme with HiGHS (``scipy.optimize.milp``). One binary variable ``y[j]`` per
published cell of the column (1: hidden); for every relation ``parent = sum(children)`` between a
published table and its next-coarser one (see :mod:`trellis.engine.suppression.layout`):

- **no lone hidden member**: for each member ``m``, ``sum(y[k] for the other members) >= y[m]``
  (a hidden cell alone in a relation is the parent minus the published children);
- **a hidden total wide enough**: for each child ``m``,
  ``sum(v[k] * y[k] for the children) + P * y[parent] >= P * y[m]``, with ``v`` the true counts
  and ``P`` the protection asked for (hidden children whose total is known and smaller than
  ``P`` each lie between 0 and that total).

These are the conditions the greedy order of :mod:`trellis.engine.suppression.suppress` fixes
one relation at a time; here they are met all at once at least cost. Written as above, a relation
of ``K`` members takes ``K`` conditions of ``K`` terms each (a state total over 1,200 districts:
1.4 million). Each relation therefore gets two continuous variables, ``t = sum(y[k] for the
members)`` and ``w = sum(v[k] * y[k] for the children) + P * y[parent]``, and the conditions
become ``t >= 2 * y[m]`` and ``w >= P * y[m]``: the same programme (substitute ``t`` and ``w``
back), in ``O(K)`` terms. The cost is lexicographic,
written as one weighted sum:

1. violating a condition that cannot be met (a relation with no other member that may be
   hidden; the audit that follows reports such a cell);
2. hiding a cell the caller prefers to keep (a flagged disparity), or the overall total;
3. the students hidden, plus one per cell: the smallest cells first, then the fewest cells.

The conditions are necessary, not sufficient, for protection across several tables; the LP audit
of :mod:`trellis.engine.suppression.audit` checks the outcome, and each cell it finds exposed
comes back as one more condition (a cut: hide at least one of the cells whose constraints pin
it), until the audit finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from trellis.engine.suppression.layout import Layout


def choose_complements(
    layout: Layout,
    values: np.ndarray,
    required: np.ndarray,
    eligible: np.ndarray,
    avoid: np.ndarray,
    protection: float,
    cuts: Sequence[tuple[int, Sequence[int]]] = (),
) -> np.ndarray:
    """The hidden cells of one column: ``required`` and the cheapest complements.

    Parameters
    ----------
    layout : Layout
        Published cells and their relations.
    values : numpy.ndarray
        True count of every published cell.
    required : numpy.ndarray of bool
        Cells that must be hidden.
    eligible : numpy.ndarray of bool
        Cells that may be chosen as complements (never an empty group, nor a count that
        published zeros already pin).
    avoid : numpy.ndarray of bool
        Cells to hide only when nothing else protects as well.
    protection : float
        Required protection in students.
    cuts : sequence of (cell, pinning cells)
        What earlier audits proved: while ``cell`` is hidden and every one of its pinning cells
        is published, ``cell`` can be worked out (the LP's proof uses only their constraints).
        Each becomes the condition ``sum(y[pinning]) >= y[cell]``.

    Returns
    -------
    numpy.ndarray of bool
        The hidden cells (a superset of ``required``).
    """
    n_cells = layout.n_cells
    free = eligible & ~required
    if not required.any() or not free.any() or not (layout.relations or cuts):
        # Nothing hidden needs protecting (all zeros meets every condition), or nothing can help.
        return required.copy()
    # Columns: y (one per published cell; fixed by bounds where not free), then the sums t and w
    # of each relation (continuous, defined by equality rows), then one slack per condition.
    movable = free | required
    conditions = _Conditions(n_cells)
    for cell, pinning in cuts:
        if not movable[cell]:
            continue
        entries = {k: 1.0 for k in pinning if movable[k] and k != cell}
        entries[cell] = -1.0
        conditions.add_condition(np.fromiter(entries, np.int64), np.fromiter(entries.values(), np.float64))
    for relation in layout.relations:
        members = np.asarray(relation.members, dtype=np.int64)
        members = members[movable[members]]
        if members.size == 0:
            continue
        # No lone hidden member: t - 2 y[m] = (the other members' y) - y[m] >= 0.
        hidden_members = conditions.add_sum(members, np.ones(members.size))
        for m in members:
            conditions.add_condition(np.array([hidden_members, m]), np.array([1.0, -2.0]))
        children = np.asarray(relation.children, dtype=np.int64)
        small = children[movable[children] & (values[children] < protection)]
        if small.size == 0:
            continue
        # A hidden total wide enough: w - P y[m] >= 0.
        weighted = children[movable[children] & (values[children] > 0)]
        factors = values[weighted].astype(np.float64)
        if movable[relation.parent]:
            weighted = np.append(weighted, relation.parent)
            factors = np.append(factors, protection)
        hidden_total = conditions.add_sum(weighted, factors)
        for m in small:
            conditions.add_condition(np.array([hidden_total, m]), np.array([1.0, -protection]))
    if conditions.n_conditions == 0:
        return required.copy()
    matrix, lower, upper = conditions.matrix()
    n_sums, n_slacks = conditions.n_sums, conditions.n_conditions

    cell_cost, slack_cost = costs(layout, values, free, avoid)
    cost = np.concatenate([cell_cost, np.zeros(n_sums), np.full(n_slacks, slack_cost)])

    low = np.concatenate([required.astype(np.float64), np.zeros(n_sums + n_slacks)])
    high = np.concatenate([(required | free).astype(np.float64), np.full(n_sums + n_slacks, np.inf)])
    integrality = np.concatenate([np.ones(n_cells), np.zeros(n_sums + n_slacks)])
    outcome = milp(
        cost,
        constraints=LinearConstraint(matrix, lb=lower, ub=upper),
        bounds=Bounds(low, high),
        integrality=integrality,
        options={"mip_rel_gap": 0.0, "presolve": True},
    )
    if outcome.x is None:
        raise RuntimeError(f"complementary suppression programme failed: {outcome.message}")
    chosen = np.asarray(outcome.x[:n_cells]) > 0.5
    return chosen | required


def costs(layout: Layout, values: np.ndarray, free: np.ndarray, avoid: np.ndarray) -> tuple[np.ndarray, float]:
    """The lexicographic cost of the module docstring: per cell hidden, and per unit of slack.

    A cell that may be chosen costs its students plus one, plus ``tier_two`` when it is the
    overall total or a cell to keep; a unit of slack (a condition that cannot be met) costs more
    than hiding every such cell.
    """
    base = np.where(free, values.astype(np.float64) + 1.0, 0.0)
    overall = np.array([layout.is_overall(cell) for cell in range(layout.n_cells)], dtype=bool)
    kept = free & (avoid | overall)
    tier_two = float(base.sum()) + 1.0
    tier_one = tier_two * (float(kept.sum()) + 1.0) + float(base.sum()) + 1.0
    return base + np.where(kept, tier_two, 0.0), tier_one


class _Conditions:
    """The rows of the programme: sums defined by equalities, and conditions ``row >= 0`` with a slack.

    Columns: the ``n_cells`` cell variables, then the sums in the order added, then one slack per
    condition (numbered only in :meth:`matrix`, as no row refers to a slack but its own).
    """

    def __init__(self, n_cells: int) -> None:
        self.n_cells = n_cells
        self.sums: list[tuple[np.ndarray, np.ndarray]] = []
        self.conditions: list[tuple[np.ndarray, np.ndarray]] = []

    @property
    def n_sums(self) -> int:
        return len(self.sums)

    @property
    def n_conditions(self) -> int:
        return len(self.conditions)

    def add_sum(self, cells: np.ndarray, factors: np.ndarray) -> int:
        """A new variable ``s = sum(factors * y[cells])``; returns its column."""
        column = self.n_cells + len(self.sums)
        self.sums.append((np.append(cells, column), np.append(-factors, 1.0)))
        return column

    def add_condition(self, columns: np.ndarray, factors: np.ndarray) -> None:
        """``sum(factors * x[columns]) + slack >= 0``."""
        self.conditions.append((columns, factors))

    def matrix(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The constraint matrix and its row bounds: ``= 0`` for a sum, ``>= 0`` for a condition."""
        first_slack = self.n_cells + len(self.sums)
        slacks = [(np.array([first_slack + i]), np.ones(1)) for i in range(len(self.conditions))]
        rows = [*self.sums, *self.conditions]
        lengths = np.array([columns.size for columns, _ in rows] + [1] * len(slacks))
        row_of = np.concatenate(
            [np.repeat(np.arange(len(rows)), lengths[: len(rows)]), len(self.sums) + np.arange(len(slacks))]
        )
        columns = np.concatenate([columns for columns, _ in (*rows, *slacks)])
        factors = np.concatenate([factors for _, factors in (*rows, *slacks)])
        matrix = sp.csr_matrix((factors, (row_of, columns)), shape=(len(rows), first_slack + len(slacks)))
        upper = np.concatenate([np.zeros(len(self.sums)), np.full(len(self.conditions), np.inf)])
        return matrix, np.zeros(len(rows)), upper
