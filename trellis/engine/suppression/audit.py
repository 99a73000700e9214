"""The attacker's linear program: how far can a suppressed cell move, given what is published?

For an audited count column ``c`` with denominator chain ``c -> d -> ... -> n`` (``n`` alone for
the size column), the variables are the finest-cell counts of every column in the chain. The
attacker knows:

- every published cell of every column in the chain: ``sum(x[col, k] for k in cell) = value``;
- ``x >= 0``, and ``x[c, k] <= x[d, k]`` for each numerator/denominator pair (a count of
  students with an outcome never exceeds the group it is counted in).

The feasible interval of a suppressed cell ``s`` of ``c`` is ``[min, max]`` of
``sum(x[c, k] for k in s)`` over that polytope (the LP relaxation: integrality is ignored, which
only widens intervals by less than one student and keeps the audit fast). Columns outside the
chain, and relations between columns that are not declared as denominators, are not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from trellis.engine.suppression.layout import Layout, build_layout
from trellis.engine.suppression.result import SuppressionResult

# Widths are compared with this slack: HiGHS solves to about 1e-7 and LP vertices of count tables
# are integers or simple fractions, so a genuine shortfall is never this small.
TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class Solution:
    """One optimal vertex: the audited column's finest values, the optimum and its proof.

    ``certificate`` lists the published cells of the audited column whose constraints carry a
    non-zero dual value: the optimum cannot move unless one of them is suppressed.
    """

    point: np.ndarray
    value: float
    certificate: tuple[int, ...]


class ChainModel:
    """The attacker's LP for one audited column, built once per suppression pattern.

    Parameters
    ----------
    layout : Layout
        Published cells over finest cells.
    chain : sequence of str
        The audited column first, then its denominator, its denominator's, ..., ``n``.
    published : sequence of numpy.ndarray
        For each chain column, a boolean mask over published cells: ``True`` where published.
    protection : float
        Used only to size the box that keeps every LP bounded (see ``box``).
    """

    def __init__(
        self,
        layout: Layout,
        chain: Sequence[str],
        published: Sequence[np.ndarray],
        protection: float,
    ) -> None:
        self.layout = layout
        n_finest = layout.n_finest
        values = [layout.values(column) for column in chain]
        # An upper bound for finest cells no published cell covers: the attacker's feasible set
        # is cut by it, so widths can only be under-estimated (a safe error), and it is far enough
        # above any true count that a cell free to grow still shows a width above `protection`.
        total = float(layout.counts[chain[-1]].sum())
        self.box = total + protection + 1.0

        own_bounds = [self._row_bounds(mask, value) for mask, value in zip(published, values)]
        # Ancestors' bounds flow down the chain (x[c] <= x[d] <= ... <= x[n]). The audited
        # column's own published cells stay explicit constraints, never folded into bounds, so
        # that every proof that pins a suppressed cell names the published cells it uses.
        upper: list[np.ndarray] = [np.empty(0)] * len(chain)
        running = np.full(n_finest, np.inf)
        for position in range(len(chain) - 1, 0, -1):
            running = np.minimum(running, own_bounds[position])
            upper[position] = running
        upper[0] = running.copy()
        self.unbounded = np.isinf(upper[0]) & np.isinf(own_bounds[0])

        self.free: list[np.ndarray] = []
        blocks_eq: list[sp.csr_matrix] = []
        b_eq: list[np.ndarray] = []
        bounds: list[np.ndarray] = []
        for position, (mask, value) in enumerate(zip(published, values)):
            free = np.flatnonzero(upper[position] > 0)
            self.free.append(free)
            rows = np.flatnonzero(mask if position == 0 else mask & (value > 0))
            if position == 0:
                self.rows = rows
            blocks_eq.append(layout.membership[rows][:, free])
            b_eq.append(value[rows].astype(np.float64))
            bounds.append(np.minimum(upper[position][free], self.box))
        self.n_vars0 = int(self.free[0].size)

        couplings: list[sp.csr_matrix] = []
        offsets = np.cumsum([0] + [free.size for free in self.free])
        for position in range(len(chain) - 1):
            # free[position] is a subset of free[position + 1] because bounds only shrink down
            # the chain.
            here, below = self.free[position], self.free[position + 1]
            columns_below = np.searchsorted(below, here)
            n_rows = here.size
            rows_index = np.arange(n_rows)
            coupling = sp.csr_matrix(
                (
                    np.concatenate([np.ones(n_rows), -np.ones(n_rows)]),
                    (
                        np.concatenate([rows_index, rows_index]),
                        np.concatenate(
                            [offsets[position] + np.arange(n_rows), offsets[position + 1] + columns_below]
                        ),
                    ),
                ),
                shape=(n_rows, int(offsets[-1])),
            )
            couplings.append(coupling)

        self.a_eq = sp.block_diag(blocks_eq, format="csc") if blocks_eq else None
        self.b_eq = np.concatenate(b_eq)
        self.a_ub = sp.vstack(couplings, format="csc") if couplings else None
        self.b_ub = np.zeros(self.a_ub.shape[0]) if self.a_ub is not None else None
        self.bounds = np.column_stack([np.zeros(int(offsets[-1])), np.concatenate(bounds)])
        self.n_solves = 0

    def _row_bounds(self, mask: np.ndarray, value: np.ndarray) -> np.ndarray:
        """For each finest cell, the smallest published value of a cell containing it."""
        bound = np.full(self.layout.n_finest, np.inf)
        for cells in self.layout.cell_of:
            bound = np.minimum(bound, np.where(mask[cells], value[cells], np.inf))
        return bound

    def objective(self, weights: dict[int, float]) -> np.ndarray:
        """Objective over the LP variables: ``sum(weight * cell)`` over audited-column cells."""
        cells = np.fromiter(weights, dtype=np.int64)
        factors = np.fromiter(weights.values(), dtype=np.float64)
        row = sp.csr_matrix(factors[None, :]) @ self.layout.membership[cells]
        dense = np.asarray(row.todense()).ravel()[self.free[0]]
        full = np.zeros(self.bounds.shape[0])
        full[: self.n_vars0] = dense
        return full

    def solve(self, weights: dict[int, float], *, maximise: bool) -> Solution:
        """Minimise or maximise ``sum(weight * cell)``; return the vertex and its proof."""
        cost = self.objective(weights)
        result = linprog(
            -cost if maximise else cost,
            A_ub=self.a_ub,
            b_ub=self.b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=self.bounds,
            method="highs",
        )
        self.n_solves += 1
        if result.status != 0:
            raise RuntimeError(f"suppression audit LP failed: {result.message}")
        point = np.zeros(self.layout.n_finest)
        point[self.free[0]] = result.x[: self.n_vars0]
        duals = np.asarray(result.eqlin.marginals)[: self.rows.size]
        certificate = tuple(int(cell) for cell in self.rows[np.abs(duals) > 1e-9])
        value = -result.fun if maximise else result.fun
        return Solution(point=point, value=float(value), certificate=certificate)


def chain_of(column: str, denominators: dict[str, str]) -> tuple[str, ...]:
    """``column``, its denominator, that column's denominator, ..., ending at ``"n"``."""
    chain = [column]
    while chain[-1] != "n":
        chain.append(denominators[chain[-1]])
    return tuple(chain)


def protection_intervals(
    cells: pd.DataFrame,
    attributes: Sequence[str],
    groupings: Sequence[tuple[str, ...]],
    column: str,
    result: SuppressionResult,
) -> pd.DataFrame:
    """Audit a suppression: the feasible interval of every suppressed cell of one column.

    The interval ``[low, high]`` of a suppressed cell is the smallest and largest value its
    count can take over all non-negative finest-cell counts (LP relaxation) consistent with every
    value ``result`` publishes in ``column`` and in the columns of its denominator chain, with
    numerators never above their denominators (see the module docstring of
    :mod:`trellis.engine.suppression.audit`). ``high`` is ``inf`` when the cell can grow without
    limit. Each interval takes at most two LPs (HiGHS); a lower end of 0 already reached by a
    known feasible point is not re-solved.

    Parameters
    ----------
    cells : pandas.DataFrame
        The finest cells given to :func:`suppress_groups`.
    attributes, groupings
        As given to :func:`suppress_groups`.
    column : str
        The count column to audit.
    result : SuppressionResult
        The suppression to audit.

    Returns
    -------
    pandas.DataFrame
        One row per suppressed cell of ``column``, in table order, with columns ``grouping``,
        ``group``, ``column``, ``value`` (true count), ``status``, ``low``, ``high``,
        ``width`` (``high - low``) and ``protected`` (``width >= policy.protection`` up to a
        solver tolerance of 1e-6). ``low`` and ``high`` are rounded to 6 decimals.
    """
    denominators = dict(result.denominators)
    chain = chain_of(column, denominators)
    layout = build_layout(
        cells, attributes, groupings, list(dict.fromkeys([*chain, "n"])), {
            key: value for key, value in denominators.items() if key in chain
        }
    )
    published = []
    for name in chain:
        mask = np.zeros(layout.n_cells, dtype=bool)
        for cell, (grouping, group) in enumerate(
            zip((layout.groupings[g] for g in layout.cell_grouping), layout.cell_group, strict=True)
        ):
            mask[cell] = not result.is_suppressed(grouping, group, name)
        published.append(mask)
        value = layout.values(name)
        for cell in np.flatnonzero(mask):
            grouping = layout.groupings[int(layout.cell_grouping[cell])]
            stated = result.value(grouping, layout.cell_group[cell], name)
            if stated != int(value[cell]):
                raise ValueError(
                    f"result publishes {name}={stated} for {grouping!r} {layout.cell_group[cell]!r}, "
                    f"but cells sum to {int(value[cell])}"
                )
    model = ChainModel(layout, chain, published, result.policy.protection)
    values = layout.values(column)
    reached_zero = values == 0
    rows = []
    for cell in np.flatnonzero(~published[0]):
        if reached_zero[cell]:
            low = 0.0
        else:
            lowest = model.solve({int(cell): 1.0}, maximise=False)
            low = lowest.value
            reached_zero |= np.asarray(layout.membership @ lowest.point) <= 1e-9
        if model.unbounded[layout.finest_of(cell)].any():
            high = math.inf
        else:
            highest = model.solve({int(cell): 1.0}, maximise=True)
            high = highest.value
            reached_zero |= np.asarray(layout.membership @ highest.point) <= 1e-9
        low = max(0.0, round(low, 6))
        high = round(high, 6) if math.isfinite(high) else high
        grouping = layout.groupings[int(layout.cell_grouping[cell])]
        group = layout.cell_group[cell]
        rows.append(
            {
                "grouping": grouping,
                "group": group,
                "column": column,
                "value": int(values[cell]),
                "status": result.status(grouping, group, column),
                "low": low,
                "high": high,
                "width": high - low,
                "protected": bool(high - low >= result.policy.protection - TOLERANCE),
            }
        )
    columns = ["grouping", "group", "column", "value", "status", "low", "high", "width", "protected"]
    return pd.DataFrame(rows, columns=columns)
