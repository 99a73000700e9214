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
one relation at a time; here they are met all at once at least cost. The cost is lexicographic,
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
    # Columns: y (one per published cell; fixed by bounds where not free), then one slack per
    # condition.
    rows: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    n_conditions = 0

    def add(entries: dict[int, float]) -> None:
        nonlocal n_conditions
        for cell, factor in entries.items():
            rows.append(n_conditions)
            cols.append(cell)
            data.append(factor)
        # The slack, in the same units as the condition.
        rows.append(n_conditions)
        cols.append(n_cells + n_conditions)
        data.append(1.0)
        n_conditions += 1

    movable = free | required
    for cell, pinning in cuts:
        if not movable[cell]:
            continue
        entries = {k: 1.0 for k in pinning if movable[k] and k != cell}
        entries[cell] = -1.0
        add(entries)
    for relation in layout.relations:
        members = relation.members
        if not any(movable[m] for m in members):
            continue
        for m in members:
            if not movable[m]:
                continue
            entries = {k: 1.0 for k in members if k != m and movable[k]}
            entries[m] = entries.get(m, 0.0) - 1.0
            add(entries)
        for m in relation.children:
            if not movable[m] or values[m] >= protection:
                continue
            entries = {k: float(values[k]) for k in relation.children if movable[k] and values[k] > 0}
            if movable[relation.parent]:
                entries[relation.parent] = entries.get(relation.parent, 0.0) + protection
            entries[m] = entries.get(m, 0.0) - protection
            add(entries)
    if n_conditions == 0:
        return required.copy()
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(n_conditions, n_cells + n_conditions))

    base = np.where(free, values.astype(np.float64) + 1.0, 0.0)
    overall = np.array([layout.is_overall(cell) for cell in range(n_cells)], dtype=bool)
    kept = free & (avoid | overall)
    tier_two = float(base.sum()) + 1.0
    tier_one = tier_two * (float(kept.sum()) + 1.0) + float(base.sum()) + 1.0
    cost = np.concatenate([base + np.where(kept, tier_two, 0.0), np.full(n_conditions, tier_one)])

    low = np.concatenate([required.astype(np.float64), np.zeros(n_conditions)])
    high = np.concatenate([(required | free).astype(np.float64), np.full(n_conditions, np.inf)])
    integrality = np.concatenate([np.ones(n_cells), np.zeros(n_conditions)])
    outcome = milp(
        cost,
        constraints=LinearConstraint(matrix, lb=0.0, ub=np.inf),
        bounds=Bounds(low, high),
        integrality=integrality,
        options={"mip_rel_gap": 0.0, "presolve": True},
    )
    if outcome.x is None:
        raise RuntimeError(f"complementary suppression programme failed: {outcome.message}")
    chosen = np.asarray(outcome.x[:n_cells]) > 0.5
    return chosen | required
