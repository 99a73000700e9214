"""The attacker's linear program: how far can a suppressed cell move, given what is published?

Let ``c -> d -> ... -> n`` be the audited count column and its chain of denominators (``n``
alone for the size column). The variables are the finest-cell counts of each column of the
chain. The attacker knows:

- every published cell of every column of the chain: ``sum(x[col, k] for k in cell) == value``;
- ``0 <= x[c, k] <= x[d, k] <= ... <= x[n, k]``: counts are non-negative and a numerator never
  exceeds its denominator;
- every suppressed cell of ``n`` holds at least one student, because empty groups are always
  published (a public rule, so the attacker is assumed to know it);
- the published reason of every suppressed cell of ``n``: a primary cell ("too few students")
  holds between 1 and ``min_n - 1`` students, a complementary one ("hidden so that a smaller
  group cannot be worked out") at least ``min_n``. Telling the two apart is honest to the
  reader, and the audit makes sure it gives nothing away.

The feasible interval of a suppressed cell ``s`` of ``c`` is ``[min, max]`` of
``sum(x[c, k] for k in s)`` over that polytope (the LP relaxation: integrality is ignored, which
widens intervals by less than one student and keeps the audit fast). Relations between columns
other than a numerator and its denominator are not modelled.

The LP is written in the differences ``w[0] = x[c]``, ``w[1] = x[d] - x[c]``, ...: then every
variable is simply non-negative and ``x[col] = w[0] + ... + w[position of col]``, which avoids
one coupling row per finest cell. Finest cells that a published zero pins to zero are removed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import OptimizeWarning, linprog

from trellis.engine.suppression.layout import Layout, build_layout
from trellis.engine.suppression.result import SuppressionResult

# Widths are compared with this slack: HiGHS solves to about 1e-7 and LP vertices of count tables
# are integers or simple fractions, so a genuine shortfall is never this small.
TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class Solution:
    """One optimum: the audited column's finest values, the optimal value and its proof.

    ``certificate`` lists published cells of the audited column whose constraints the proof of
    optimality uses (non-zero dual values, plus published zeros that pin the cell's finest
    cells): the optimum cannot move unless one of them is suppressed.
    """

    point: np.ndarray
    value: float
    certificate: tuple[int, ...]


def size_bounds(primary: np.ndarray, complementary: np.ndarray, min_n: int) -> tuple[np.ndarray, np.ndarray]:
    """What the published reasons tell of every cell of ``n``: ``(low, high)`` per cell.

    A primary cell holds 1 to ``min_n - 1`` students, a complementary one at least ``min_n``;
    published cells get ``(0, inf)`` (their value is known anyway).
    """
    low = np.where(primary, 1.0, np.where(complementary, float(min_n), 0.0))
    high = np.where(primary, float(min_n - 1), np.inf)
    return low, high


def chain_of(column: str, denominators: dict[str, str]) -> tuple[str, ...]:
    """``column``, its denominator, that column's denominator, ..., ending at ``"n"``."""
    chain = [column]
    while chain[-1] != "n":
        chain.append(denominators[chain[-1]])
    return tuple(chain)


class AttackerModel:
    """The attacker's LP for one column and one suppression pattern, built once, solved often.

    Parameters
    ----------
    layout : Layout
        Published cells over finest cells.
    chain : sequence of str
        The audited column, then its denominator, ..., ending at ``"n"``.
    published : sequence of numpy.ndarray
        For each column of the chain, a boolean mask over published cells (``True`` where
        published).
    protection : float
        Used only to size the box that keeps every LP bounded.
    known_denominator : bool
        For a numerator column, give the attacker the true finest-cell counts of its
        denominator instead of the denominator chain's published cells: a stronger attacker and
        a smaller LP (one block of variables, bounded by those counts). A cell protected
        against it is protected against the real one, so it serves as a cheap first check.
    size_bounds : (numpy.ndarray, numpy.ndarray), optional
        Lower and upper bounds on every published cell of ``n`` that the published reasons
        reveal (see the module docstring); used for suppressed cells only. Default: at least 1
        for every suppressed ``n``, no upper bound.
    """

    def __init__(
        self,
        layout: Layout,
        chain: Sequence[str],
        published: Sequence[np.ndarray],
        protection: float,
        *,
        known_denominator: bool = False,
        size_bounds: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.layout = layout
        ceiling = np.full(layout.n_finest, np.inf)
        if known_denominator and len(chain) > 1:
            ceiling = layout.counts[chain[1]].astype(np.float64)
            chain, published = chain[:1], published[:1]
        depth = len(chain)
        values = [layout.values(name) for name in chain]
        zero_pinned = []
        covered = []
        for mask, value in zip(published, values, strict=True):
            rows = np.flatnonzero(mask)
            zero_rows = rows[value[rows] == 0]
            zero_pinned.append(np.asarray(layout.membership[zero_rows].sum(axis=0)).ravel() > 0)
            covered.append(np.asarray(layout.membership[rows].sum(axis=0)).ravel() > 0)
        # w[b] enters every column from position b on, so it is pinned by a published zero, or
        # covered by a published cell, in any of them.
        pinned = np.logical_or.accumulate(zero_pinned[::-1])[::-1]
        pinned[0] |= ceiling == 0
        reached = np.logical_or.accumulate(covered[::-1])[::-1]
        reached[0] |= np.isfinite(ceiling)
        self.unbounded = ~reached[0]
        self.zero_pinned = zero_pinned[0]
        self.free = [np.flatnonzero(~pinned[b]) for b in range(depth)]
        offsets = np.cumsum([0] + [free.size for free in self.free])
        self.n_vars0 = int(self.free[0].size)

        # A finest cell no published cell covers can grow without limit. The box cuts the
        # attacker's feasible set, so widths can only be under-estimated (a safe error), and it
        # lies far enough above any true count that such a cell still shows a width above
        # `protection`.
        box = float(layout.counts[chain[-1]].sum()) + protection + 1.0
        if size_bounds is not None:
            # A cell that only a published reason bounds may reach that bound: stay above it.
            caps = np.asarray(size_bounds[1], dtype=np.float64)
            box += float(caps[np.isfinite(caps)].max(initial=0.0))
        self.box = box
        upper = np.concatenate([np.where(reached[b][self.free[b]], np.inf, box) for b in range(depth)])
        upper[: self.n_vars0] = np.minimum(upper[: self.n_vars0], ceiling[self.free[0]])
        self.bounds = np.column_stack([np.zeros(upper.size), upper])

        blocks: list[sp.csr_matrix] = []
        b_eq: list[np.ndarray] = []
        for position in range(depth):
            rows = np.flatnonzero(published[position] & (values[position] > 0))
            if position == 0:
                self.rows = rows
                self.rows_zero = np.flatnonzero(published[0] & (values[0] == 0))
            part = layout.membership[rows]
            pieces = [part[:, self.free[b]] for b in range(position + 1)]
            width = int(offsets[-1] - offsets[position + 1])
            if width:
                pieces.append(sp.csr_matrix((rows.size, width)))
            blocks.append(sp.hstack(pieces, format="csr"))
            b_eq.append(values[position][rows].astype(np.float64))
        self.a_eq = sp.vstack(blocks, format="csc")
        self.b_eq = np.concatenate(b_eq)
        # Empty groups are always published, so every suppressed n is at least 1; the published
        # reasons say more (primary: below min_n; complementary: at least min_n).
        hidden = np.flatnonzero(~published[-1]) if chain[-1] == "n" else np.empty(0, np.int64)
        if size_bounds is None:
            low, high = np.ones(hidden.size), np.full(hidden.size, np.inf)
        else:
            low = np.maximum(1.0, size_bounds[0][hidden])
            high = np.asarray(size_bounds[1], dtype=np.float64)[hidden]
        capped = np.isfinite(high)
        total = sp.hstack([layout.membership[hidden][:, free] for free in self.free], format="csr")
        self.a_ub = sp.vstack([-total, total[capped]], format="csc")
        self.b_ub = np.concatenate([-low, high[capped]])
        self.n_solves = 0

    def objective(self, weights: dict[int, float]) -> np.ndarray:
        """Objective over the LP variables: ``sum(weight * cell)`` over audited-column cells."""
        cells = np.fromiter(weights, dtype=np.int64)
        factors = np.fromiter(weights.values(), dtype=np.float64)
        row = sp.csr_matrix(factors[None, :]) @ self.layout.membership[cells]
        cost = np.zeros(self.bounds.shape[0])
        cost[: self.n_vars0] = np.asarray(row.todense()).ravel()[self.free[0]]
        return cost

    def solve(self, weights: dict[int, float], *, maximise: bool) -> Solution:
        """Minimise or maximise ``sum(weight * cell)``; return the optimum and its proof.

        When published zeros pin every finest cell (no variable is left), the only feasible
        point is zero everywhere: it is returned without a solver call.
        """
        cost = self.objective(weights)
        if cost.size == 0:
            self.n_solves += 1
            proof = set()
            for cell in weights:
                proof.update(self._zero_cells_over(self.layout.finest_of(cell)))
            return Solution(point=np.zeros(self.layout.n_finest), value=0.0, certificate=tuple(sorted(proof)))
        has_rows = self.b_eq.size > 0
        problem = {
            "c": -cost if maximise else cost,
            "A_eq": self.a_eq if has_rows else None,
            "b_eq": self.b_eq if has_rows else None,
            "A_ub": self.a_ub if self.b_ub.size else None,
            "b_ub": self.b_ub if self.b_ub.size else None,
            "bounds": self.bounds,
        }
        with warnings.catch_warnings():
            # Any optimal point and dual solution will do, so HiGHS's crossover from the interior
            # point to a vertex (more than half the time) is skipped. scipy passes the option to
            # HiGHS verbatim and warns that it does not know it; only that warning is silenced.
            warnings.filterwarnings("ignore", message="Unrecognized options detected", category=OptimizeWarning)
            result = linprog(**problem, method="highs-ipm", options={"run_crossover": "off"})
        if result.status != 0:
            # Without crossover HiGHS occasionally stops short of a proven optimum: simplex then.
            result = linprog(**problem, method="highs-ds")
        self.n_solves += 1
        if result.status != 0:
            raise RuntimeError(f"suppression audit LP failed: {result.message}")
        point = np.zeros(self.layout.n_finest)
        point[self.free[0]] = result.x[: self.n_vars0]
        proof: set[int] = set()
        if has_rows:
            duals = np.asarray(result.eqlin.marginals)[: self.rows.size]
            proof.update(int(cell) for cell in self.rows[np.abs(duals) > 1e-9])
        # Published zeros of the audited column pin finest cells outside the LP: they belong to
        # the proof of every optimum that involves those finest cells.
        for cell in weights:
            finest = self.layout.finest_of(cell)
            if self.zero_pinned[finest].any():
                proof.update(self._zero_cells_over(finest))
        value = -result.fun if maximise else result.fun
        return Solution(point=point, value=float(value), certificate=tuple(sorted(proof)))

    def _zero_cells_over(self, finest: np.ndarray) -> list[int]:
        rows = self.rows_zero
        hits = np.asarray(self.layout.membership[rows][:, finest].sum(axis=1)).ravel() > 0
        return [int(cell) for cell in rows[hits]]


def protection_intervals(
    cells: pd.DataFrame,
    attributes: Sequence[str],
    groupings: Sequence[tuple[str, ...]],
    column: str,
    result: SuppressionResult,
) -> pd.DataFrame:
    """Audit a suppression: the feasible interval of every suppressed cell of one column.

    The interval ``[low, high]`` of a suppressed cell is the smallest and largest value its
    count can take over all non-negative finest-cell counts (LP relaxation) that reproduce every
    value ``result`` publishes in ``column`` and in its chain of denominators, with numerators
    never above their denominators and every suppressed ``n`` within what its published reason
    says (see :mod:`trellis.engine.suppression.audit`).
    ``high`` is ``inf`` when the cell can grow without limit. Each interval takes at most two
    HiGHS LPs; a lower end already at its floor (0, or 1 for ``n``) at a known feasible point is
    not re-solved.

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

    Raises
    ------
    ValueError
        If ``result`` does not come from these cells (a published value differs from the sum
        of the cells).
    """
    denominators = dict(result.denominators)
    chain = chain_of(column, denominators)
    layout = build_layout(
        cells,
        attributes,
        groupings,
        chain,
        {name: denominators[name] for name in chain[:-1]},
    )
    published = []
    for name in chain:
        mask = np.zeros(layout.n_cells, dtype=bool)
        truth = layout.values(name)
        for cell in range(layout.n_cells):
            grouping = layout.groupings[int(layout.cell_grouping[cell])]
            group = layout.cell_group[cell]
            mask[cell] = not result.is_suppressed(grouping, group, name)
            if mask[cell] and result.value(grouping, group, name) != truth[cell]:
                raise ValueError(
                    f"result publishes {name}={result.value(grouping, group, name)} for "
                    f"{grouping!r} {group!r}, but the cells sum to {int(truth[cell])}"
                )
        published.append(mask)
    status_n = [
        result.status(layout.groupings[int(layout.cell_grouping[cell])], layout.cell_group[cell], "n")
        for cell in range(layout.n_cells)
    ]
    bounds = size_bounds(
        np.array([status == "primary" for status in status_n], dtype=bool),
        np.array([status == "complementary" for status in status_n], dtype=bool),
        result.policy.min_n,
    )
    model = AttackerModel(layout, chain, published, result.policy.protection, size_bounds=bounds)
    values = layout.values(column)
    published_here = published[0]
    # No suppressed cell can go below 0, nor a suppressed n below 1: once a known feasible point
    # (the true counts, or an optimum found for another cell) reaches that floor, the lower end
    # needs no LP of its own.
    floor = 1.0 if column == "n" else 0.0
    lowest_seen = values.astype(np.float64)
    rows = []
    for cell in (int(cell) for cell in np.flatnonzero(~published_here)):
        if lowest_seen[cell] <= floor + 1e-9:
            low = floor
        else:
            lowest = model.solve({cell: 1.0}, maximise=False)
            low = lowest.value
            lowest_seen = np.minimum(lowest_seen, layout.membership @ lowest.point)
        highest = model.solve({cell: 1.0}, maximise=True)
        high = round(highest.value, 6)
        lowest_seen = np.minimum(lowest_seen, layout.membership @ highest.point)
        if model.unbounded[layout.finest_of(cell)].any() and high >= model.box - 1e-6:
            # Only the box stops it: nothing published bounds the cell.
            high = math.inf
        low = max(floor, round(low, 6))
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
    columns = [
        "grouping",
        "group",
        "column",
        "value",
        "status",
        "low",
        "high",
        "width",
        "protected",
    ]
    return pd.DataFrame(rows, columns=columns)
