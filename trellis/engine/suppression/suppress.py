"""Primary and complementary suppression across a set of published tables."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from trellis.engine.suppression.audit import TOLERANCE, AttackerModel, Solution, chain_of, size_bounds
from trellis.engine.suppression.choose import choose_complements
from trellis.engine.suppression.layout import Group, Grouping, Layout, build_layout
from trellis.engine.suppression.policy import SuppressionPolicy
from trellis.engine.suppression.result import SuppressionResult

PUBLISHED, PRIMARY, COMPLEMENTARY = 0, 1, 2
_STATUS_TEXT = ("published", "primary", "complementary")

# Random-direction LPs tried before solving cell by cell: each certifies many cells at once.
_BATCH_LPS = 4
# Rounds of the integer programme with cuts from the audit before plain repairs take over.
_CUT_ROUNDS = 8

METHODS = ("optimal", "greedy")

PRIMARY_REASON = "Too few students: fewer than {min_n} in this group."
COMPLEMENT_REASON = "Hidden so that a smaller group cannot be worked out from the published totals."


def resolve_denominators(count_columns: Sequence[str], denominators: Mapping[str, str] | None) -> dict[str, str]:
    """The denominator of every count column other than ``n`` (``n`` unless given)."""
    columns = tuple(count_columns)
    if "n" not in columns:
        raise ValueError(f"count_columns must include the group size 'n', got {list(columns)!r}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"count_columns repeats a column: {list(columns)!r}")
    given = dict(denominators or {})
    for numerator, denominator in given.items():
        if numerator not in columns or numerator == "n":
            raise ValueError(f"denominators: {numerator!r} is not a numerator column in count_columns")
        if denominator not in columns:
            raise ValueError(
                f"denominators: {numerator!r} is divided by {denominator!r}, which is not in count_columns"
            )
    resolved = {column: given.get(column, "n") for column in columns if column != "n"}
    for column in resolved:
        seen = {column}
        current = column
        while current != "n":
            current = resolved[current]
            if current in seen:
                raise ValueError(f"denominators form a cycle through {column!r}")
            seen.add(current)
    return resolved


@dataclass
class _ColumnOutcome:
    status: np.ndarray
    reason: list[str]


def suppress_groups(
    cells: pd.DataFrame,
    *,
    attributes: Sequence[str],
    groupings: Sequence[tuple[str, ...]],
    count_columns: Sequence[str] = ("n",),
    policy: SuppressionPolicy = SuppressionPolicy(),  # noqa: B008 - frozen, so a safe default
    denominators: Mapping[str, str] | None = None,
    prefer_published: Collection[tuple[Grouping, Group]] = (),
    method: Literal["optimal", "greedy"] = "optimal",
) -> SuppressionResult:
    """Suppress small counts, and enough others that none can be worked out from the rest.

    The published tables are the groupby-sums of ``cells`` over each grouping in ``groupings``
    (``()`` is the overall total). Each table lists the groups that occur in ``cells``, including
    rows whose counts are all zero; a group absent from ``cells`` is not listed. Each count
    column is suppressed in four steps.

    1. **Primary.** The size column ``n``: a cell with ``0 < n < policy.min_n``; empty groups
       (``n == 0``) are always published, and never chosen as complements. A numerator column
       ``c`` with denominator ``d``: a cell whose ``n`` or ``d`` is suppressed (for any reason),
       or, when ``policy.min_count > 0``, whose ``d > 0`` and
       ``min(c, d - c) < policy.min_count``.
    2. **Complements.** Each relation ``parent = sum(children)`` between a published table and
       its next-coarser published table (a row of ``race x sex`` and the ``race`` margin, the
       ``race`` margin and the overall total) must not have exactly one suppressed member, and
       when its parent is published its suppressed children must add up to at least
       ``policy.protection``. With ``method="optimal"`` (the default) the complements that meet
       every such condition at once are chosen by an integer programme
       (:func:`~trellis.engine.suppression.choose.choose_complements`, HiGHS) that hides as few
       students as possible: never a cell of ``prefer_published`` (a flagged disparity) or the
       overall total where other cells protect as well, then the fewest students, then the
       fewest cells. With ``method="greedy"`` relations are fixed one at a time: the child
       chosen is the one that leaves the fewest other relations with a lone suppressed member,
       then the smallest, iterated to a fixed point (kept to compare with). Cells that the
       attacker already knows to be zero (covered by other published zeros) are never chosen,
       nor is an empty group.
    3. **Audit.** Solve the attacker's LP (:mod:`trellis.engine.suppression.audit`): a suppressed
       cell is protected when its feasible interval is at least ``policy.protection`` wide.
       Known feasible points (the true counts and every optimum found so far) certify most
       cells without an LP of their own: a few LPs with random objectives over all pending
       cells come first (for a numerator, against the stronger attacker who also knows the
       denominator's finest counts, whose LP is smaller); the cells left get a maximisation and
       a minimisation of the exact model.
    4. **Repair.** For each cell still exposed, the LP's dual solution names the published cells
       whose constraints pin it; suppress the smallest of them, preferring cells that share a
       relation with it, never the overall total unless nothing else pins it. Return to step 2.
       Protection only grows as more cells are suppressed, so certified cells are not revisited.

    Ties are broken by table order (``groupings``, then group values sorted as text), so the
    result is deterministic. If a numerator cell cannot reach ``policy.protection`` however much
    of its column is suppressed (its published denominators pin it: a count of 1 under a
    published denominator of 2 when ``protection=3``), it stays suppressed and its reason says
    so.

    Parameters
    ----------
    cells : pandas.DataFrame
        One row per finest cell: the ``attributes`` columns (text; ``"(missing)"`` for a missing
        value; ``NaN`` is rejected) and the count columns (non-negative integers). Repeated
        combinations are summed. Other columns are ignored.
    attributes : sequence of str
        The attribute columns.
    groupings : sequence of tuple of str
        The published tables. The finest cells are published only if their grouping is listed.
    count_columns : sequence of str
        The count columns to publish; must include ``"n"``, the group size.
    policy : SuppressionPolicy
        Thresholds; see :class:`SuppressionPolicy`.
    denominators : Mapping[str, str], optional
        The denominator of a numerator column, e.g. ``{"tp": "label_positive"}``; every other
        numerator is divided by ``n``. A numerator must never exceed its denominator in a cell.
    prefer_published : collection of (grouping, group)
        Published cells to keep visible where another choice protects as well, e.g. the groups
        of flagged disparities. They are still suppressed when they are primary, or when no
        other cell can protect a suppressed one.
    method : {"optimal", "greedy"}
        How complements are chosen (step 2).

    Returns
    -------
    SuppressionResult
        Every cell with its status and reason: ``"Too few students: ..."`` for a primary size
        cell, ``"Hidden so that a smaller group cannot be worked out ..."`` for a complement;
        :meth:`SuppressionResult.hidden` sums up what was hidden.

    Notes
    -----
    Each column is protected against an attacker who knows the published values of the column
    and of its denominator chain, that numerators never exceed denominators, and the rules
    above. If one published column is the sum or difference of others
    (``predicted_positive = tp + fp``, ``fn = label_positive - tp``), publish the independent
    columns and derive the rest after suppression, suppressing a derived cell when any of its
    parts is suppressed. Cells of groupings that are not published (the finest cells, unless
    listed) are not protected: the published tables may pin some of them.

    Rates are published only where both counts are published; :func:`code_rate` then top/bottom
    codes those of small groups.

    Time: a few LPs over the finest cells per column (HiGHS interior point); for 4 attributes
    of 8 values (4,096 finest cells, 417 published cells per column) about 1 s for ``n`` and
    a few seconds per numerator on one core.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    resolved = resolve_denominators(count_columns, denominators)
    order = _processing_order(tuple(count_columns), resolved)
    layout = build_layout(cells, attributes, groupings, tuple(count_columns), resolved)
    avoid = np.zeros(layout.n_cells, dtype=bool)
    for grouping, group in prefer_published:
        cell = layout.index.get((tuple(grouping), tuple(str(value) for value in group)))
        if cell is not None:
            avoid[cell] = True
    outcomes: dict[str, _ColumnOutcome] = {}
    for column in order:
        outcomes[column] = _suppress_column(layout, column, resolved, outcomes, policy, avoid, method)

    records: list[tuple[object, ...]] = []
    for column in count_columns:
        values = layout.values(column)
        outcome = outcomes[column]
        for cell in range(layout.n_cells):
            records.append(
                (
                    layout.groupings[int(layout.cell_grouping[cell])],
                    layout.cell_group[cell],
                    column,
                    int(values[cell]),
                    _STATUS_TEXT[int(outcome.status[cell])],
                    outcome.reason[cell],
                )
            )
    table = pd.DataFrame(records, columns=["grouping", "group", "column", "value", "status", "reason"])
    table["value"] = table["value"].astype(np.int64)
    return SuppressionResult(
        table=table,
        policy=policy,
        attributes=layout.attributes,
        groupings=layout.groupings,
        count_columns=tuple(count_columns),
        denominators=dict(resolved),
    )


def _processing_order(columns: tuple[str, ...], denominators: dict[str, str]) -> list[str]:
    order = ["n"]
    while len(order) < len(columns):
        for column in columns:
            if column not in order and denominators[column] in order:
                order.append(column)
    return order


def _suppress_column(
    layout: Layout,
    column: str,
    denominators: dict[str, str],
    done: dict[str, _ColumnOutcome],
    policy: SuppressionPolicy,
    avoid: np.ndarray,
    method: str,
) -> _ColumnOutcome:
    values = layout.values(column)
    status = np.full(layout.n_cells, PUBLISHED, dtype=np.int8)
    reason = [""] * layout.n_cells
    if column == "n":
        small = (values > 0) & (values < policy.min_n)
        status[small] = PRIMARY
        for cell in range(layout.n_cells):
            if small[cell]:
                reason[cell] = PRIMARY_REASON.format(min_n=policy.min_n)
            elif values[cell] == 0:
                reason[cell] = "Published: no students in this group."
            else:
                reason[cell] = f"Published: {policy.min_n} or more students."
    else:
        denominator = denominators[column]
        size_hidden = done["n"].status != PUBLISHED
        denominator_hidden = done[denominator].status != PUBLISHED
        denominator_values = layout.values(denominator)
        side = np.minimum(values, denominator_values - values)
        few = (policy.min_count > 0) & (denominator_values > 0) & (side < policy.min_count)
        for cell in range(layout.n_cells):
            if size_hidden[cell]:
                status[cell] = PRIMARY
                reason[cell] = "The number of students in this group is suppressed."
            elif denominator_hidden[cell]:
                status[cell] = PRIMARY
                reason[cell] = f"Its denominator ({denominator}) is suppressed for this group."
            elif few[cell]:
                status[cell] = PRIMARY
                reason[cell] = f"Fewer than {policy.min_count} students in this group have, or lack, this outcome."
            else:
                reason[cell] = "Published."

    chain = chain_of(column, denominators)
    ancestors = [done[name].status == PUBLISHED for name in chain[1:]]
    sizes = None if column == "n" else (done["n"].status == PRIMARY, done["n"].status == COMPLEMENTARY)
    complementer = _Complementer(
        layout, chain, ancestors, status != PUBLISHED, policy, avoid=avoid, sizes=sizes
    )
    suppressed, exposed = complementer.run(method)
    for cell in (int(cell) for cell in np.flatnonzero(suppressed & (status == PUBLISHED))):
        status[cell] = COMPLEMENTARY
        reason[cell] = COMPLEMENT_REASON
    published_elsewhere = ", ".join(chain[1:]) + " counts" if len(chain) > 1 else "counts"
    for cell in (int(cell) for cell in np.flatnonzero(exposed)):
        reason[cell] += (
            f" However many more {column} counts are suppressed, the published "
            f"{published_elsewhere} keep it within a range narrower than {policy.protection:g} "
            "students."
        )
    return _ColumnOutcome(status=status, reason=reason)


class _Complementer:
    """Complementary suppression of one column, given its primary cells."""

    def __init__(
        self,
        layout: Layout,
        chain: tuple[str, ...],
        ancestors_published: list[np.ndarray],
        primary: np.ndarray,
        policy: SuppressionPolicy,
        *,
        avoid: np.ndarray,
        sizes: tuple[np.ndarray, np.ndarray] | None,
    ) -> None:
        self.layout = layout
        self.chain = chain
        self.ancestors_published = ancestors_published
        self.values = layout.values(chain[0])
        self.primary = primary.copy()
        self.suppressed = primary.copy()
        self.policy = policy
        self.avoid = avoid
        # The published reasons of the size column: (primary, complementary) masks; None while
        # the size column itself is being suppressed (then they follow self.suppressed).
        self.sizes = sizes
        self.overall = np.array([layout.is_overall(cell) for cell in range(layout.n_cells)], dtype=bool)
        # Finest cells that a published zero of a denominator pins to zero: useless in a
        # complement.
        forced = np.zeros(layout.n_finest, dtype=bool)
        for name, published in zip(chain[1:], ancestors_published, strict=True):
            zero = published & (layout.values(name) == 0)
            forced |= np.asarray(layout.membership[zero].sum(axis=0)).ravel() > 0
        self.forced_zero = forced
        self.low = self.values.astype(np.float64)
        self.high = self.values.astype(np.float64)
        self.certified = np.zeros(layout.n_cells, dtype=bool)
        self.exposed = np.zeros(layout.n_cells, dtype=bool)
        # A numerator lies between 0 and its denominator: if that is published and smaller than
        # the protection asked for, no suppression in this column can help.
        self.capped = np.zeros(layout.n_cells, dtype=bool)
        if len(chain) > 1:
            denominator = layout.values(chain[1])
            self.capped = ancestors_published[0] & (denominator < policy.protection - TOLERANCE)
        # No suppressed count is below 0, and no suppressed n below 1 (empty groups are always
        # published).
        self.floor = 1.0 if chain[0] == "n" else 0.0
        self.n_solves = 0

    def key(self, cell: int) -> tuple[bool, int, int]:
        """Cheapest complement first: never the overall total if avoidable, then the smallest."""
        return (bool(self.overall[cell]), int(self.values[cell]), cell)

    def repair_key(self, cell: int, mates: set[int]) -> tuple[bool, bool, bool, int, int]:
        overall, value, order = self.key(cell)
        return (overall, bool(self.avoid[cell]), cell not in mates, value, order)

    def size_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """What the published reasons tell the attacker of every size cell."""
        if self.sizes is None:
            primary, complementary = self.primary, self.suppressed & ~self.primary
        else:
            primary, complementary = self.sizes
        return size_bounds(primary, complementary, self.policy.min_n)

    def run(self, method: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps 2 to 4: the suppressed mask and the cells left under-protected."""
        if method == "greedy":
            while True:
                self.propagate()
                exposed = self.audit()
                if not exposed or not self.repair(exposed):
                    break
        else:
            cuts: list[tuple[int, tuple[int, ...]]] = []
            for round_number in range(_CUT_ROUNDS + 1):
                self.suppressed = self.primary.copy()
                eligible = np.array([self.eligible(cell) for cell in range(self.layout.n_cells)], dtype=bool)
                self.suppressed = choose_complements(
                    self.layout, self.values, self.primary, eligible, self.avoid, self.policy.protection, cuts
                )
                # A new pattern is not a superset of the last: audit it afresh.
                self.low = self.values.astype(np.float64)
                self.high = self.values.astype(np.float64)
                self.certified[:] = False
                self.exposed[:] = False
                exposed = self.audit()
                fixable = [(cell, pinning) for cell, pinning in exposed if any(self.eligible(k) for k in pinning)]
                if not fixable or round_number == _CUT_ROUNDS:
                    break
                cuts.extend((cell, tuple(sorted(pinning))) for cell, pinning in fixable)
            # Rarely, the cuts do not settle it in a few rounds: add to the last pattern until
            # the audit passes, as the greedy method does.
            while exposed and self.repair(exposed):
                self.propagate()
                exposed = self.audit()
        unprotected = (self.exposed | self.capped) & ~self.certified
        return self.suppressed, unprotected & self.suppressed

    def eligible(self, cell: int) -> bool:
        """Whether suppressing this published cell could protect anything.

        Empty groups are never suppressed (the attacker is told so, see the audit), and a count
        that other published zeros already pin to zero protects nothing.
        """
        if self.suppressed[cell]:
            return False
        if self.values[cell] != 0:
            return True
        if self.chain[0] == "n":
            return False
        layout = self.layout
        finest = layout.finest_of(cell)
        covered = self.forced_zero[finest].copy()
        published = ~self.suppressed
        own = int(layout.cell_grouping[cell])
        for position, cells_of in enumerate(layout.cell_of):
            if position == own:
                continue
            cells = cells_of[finest]
            covered |= published[cells] & (self.values[cells] == 0)
        return not bool(covered.all())

    def pinning_zeros(self, cell: int) -> list[int]:
        """The published zeros of a numerator column that cover any of this cell's finest cells."""
        if self.chain[0] == "n":
            return []
        layout = self.layout
        finest = layout.finest_of(cell)
        zeros: set[int] = set()
        for cells_of in layout.cell_of:
            for other in np.asarray(cells_of[finest]).ravel():
                other = int(other)
                if other != cell and not self.suppressed[other] and self.values[other] == 0:
                    zeros.add(other)
        return sorted(zeros)

    def propagate(self) -> None:
        """Step 2: fix every relation that gives a suppressed cell away by itself.

        A relation ``parent = sum(children)`` gives a cell away when exactly one member is
        suppressed, or when the parent is published and the suppressed children add up to less
        than ``protection`` (their total is then known, and each lies between 0 and it).
        """
        layout = self.layout
        queue = deque(range(len(layout.relations)))
        queued = np.ones(len(layout.relations), dtype=bool)
        while queue:
            number = queue.popleft()
            queued[number] = False
            chosen = self._complement_for(number)
            if chosen is None:
                continue
            self.suppressed[chosen] = True
            for other in layout.relations_of_cell[chosen]:
                if not queued[other]:
                    queued[other] = True
                    queue.append(other)

    def _complement_for(self, number: int) -> int | None:
        relation = self.layout.relations[number]
        hidden = [child for child in relation.children if self.suppressed[child]]
        shown = [child for child in relation.children if self.eligible(child)]

        def cost(cell: int) -> tuple[bool, int, int, int]:
            # A cell that completes another relation (makes its lone suppressed member one of
            # two) saves a suppression later; one that starts a new lone member costs one.
            knock_on = 0
            for other in self.layout.relations_of_cell[cell]:
                if other != number:
                    members = self.layout.relations[other].members
                    already = int(self.suppressed[list(members)].sum())
                    knock_on += 1 if already == 0 else -1 if already == 1 else 0
            overall, value, order = self.key(cell)
            return (overall, knock_on, value, order)

        if self.suppressed[relation.parent]:
            if hidden or not shown:
                return None
            return min(shown, key=cost)
        if not hidden:
            return None
        hidden_total = int(self.values[hidden].sum())
        if hidden_total < self.policy.protection:
            # Only a child with students in it widens the known total.
            shown = [child for child in shown if self.values[child] > 0]
        elif len(hidden) > 1:
            return None
        if shown:
            return min(shown, key=cost)
        if self.eligible(relation.parent):
            return relation.parent
        return None

    def record(self, solution: Solution) -> None:
        reached = np.asarray(self.layout.membership @ solution.point)
        self.low = np.minimum(self.low, reached)
        self.high = np.maximum(self.high, reached)
        self.refresh()

    def refresh(self) -> None:
        wide = self.high - self.low >= self.policy.protection - TOLERANCE
        self.certified |= self.suppressed & wide

    def pending(self) -> list[int]:
        waiting = self.suppressed & ~self.certified & ~self.capped
        return [int(cell) for cell in np.flatnonzero(waiting)]

    def audit(self) -> list[tuple[int, set[int]]]:
        """Step 3: the cells still exposed, each with the published cells that pin it.

        A numerator is first checked against a stronger attacker who knows its denominator's
        finest counts (a smaller LP); only cells that check cannot clear get the exact model.
        """
        self.refresh()
        if not self.pending():
            return []
        published = [~self.suppressed, *self.ancestors_published]
        protection = self.policy.protection
        if len(self.chain) > 1:
            strong = AttackerModel(
                self.layout, self.chain, published, protection, known_denominator=True, size_bounds=self.size_bounds()
            )
            self._certify(strong, batch_only=True)
            self.n_solves += strong.n_solves
            if not self.pending():
                return []
        exact = AttackerModel(self.layout, self.chain, published, protection, size_bounds=self.size_bounds())
        exposed = self._certify(exact)
        self.n_solves += exact.n_solves
        return exposed

    def _certify(self, model: AttackerModel, *, batch_only: bool = False) -> list[tuple[int, set[int]]]:
        """Certify pending cells against one attacker; return those it pins, with the proof.

        ``batch_only`` stops after the batch LPs (for the stronger attacker, whose failures
        prove nothing).
        """
        pending = self.pending()
        rng = np.random.default_rng(20240611)
        for _ in range(_BATCH_LPS):
            if len(pending) < 4:
                break
            # Random signs send cells in both directions; random magnitudes make the optimum a
            # single point, so it is extreme for every cell at once.
            size = len(pending)
            weights = rng.choice([-1.0, 1.0], size=size) * rng.uniform(0.5, 1.5, size=size)
            self.record(model.solve(dict(zip(pending, weights, strict=True)), maximise=True))
            still = self.pending()
            if len(still) == len(pending):
                break
            pending = still
        exposed: list[tuple[int, set[int]]] = []
        if batch_only:
            return exposed
        for cell in self.pending():
            if self.certified[cell]:
                continue
            highest = model.solve({cell: 1.0}, maximise=True)
            self.record(highest)
            if self.certified[cell]:
                continue
            pinning = set(highest.certificate)
            # At its floor the true value is the minimum already: no LP needed for that end.
            if self.low[cell] > self.floor + TOLERANCE:
                lowest = model.solve({cell: 1.0}, maximise=False)
                self.record(lowest)
                if self.certified[cell]:
                    continue
                pinning |= set(lowest.certificate)
            exposed.append((cell, pinning))
        return exposed

    def repair(self, exposed: list[tuple[int, set[int]]]) -> bool:
        """Step 4: suppress one pinning cell per exposed cell; False if none could be.

        An exposed cell waits for the next audit when a cell added in this round both pins it and
        shares a relation with it: one suppression often frees several cells.
        """
        layout = self.layout
        added: set[int] = set()
        for cell, pinning in exposed:
            candidates = [other for other in pinning if self.eligible(other)]
            if not candidates:
                zeros = self.pinning_zeros(cell)
                if not zeros:
                    self.exposed[cell] = True
                    continue
                # Published zeros pin it together (a numerator whose every total is 0): no one of
                # them helps alone, so they are hidden together.
                self.suppressed[zeros] = True
                added.update(zeros)
                continue
            mates = {member for number in layout.relations_of_cell[cell] for member in layout.relations[number].members}
            if added & pinning & mates:
                continue
            chosen = min(candidates, key=lambda other: self.repair_key(other, mates))
            self.suppressed[chosen] = True
            added.add(chosen)
        return bool(added)
