"""The published tables as sums of finest cells: validation, cell numbering and relations.

A *published cell* is one row of one published table: a grouping (a tuple of attribute names,
``()`` for the overall total) and a group (the tuple of values, aligned with the grouping). Its
value in a count column is the sum of that column over the finest cells that match the group.
Published cells are numbered ``0 .. J-1`` in the order of ``groupings`` and, within a grouping,
of the sorted group values; that number is the stable tie-breaker everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

Grouping = tuple[str, ...]
Group = tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Relation:
    """``parent = sum(children)``: a cell of a published table and its cells in a finer one."""

    parent: int
    children: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.parent, *self.children)


@dataclass(frozen=True, eq=False)
class Layout:
    """Published cells over the finest cells (the LP variables).

    ``finest`` holds one row per combination of the attributes that some published grouping
    uses; attributes no published table uses are summed out, which leaves every published
    value and every attacker's feasible set unchanged.
    """

    attributes: tuple[str, ...]
    groupings: tuple[Grouping, ...]
    counts: dict[str, np.ndarray]
    cell_grouping: np.ndarray
    cell_group: tuple[Group, ...]
    cell_of: np.ndarray
    membership: sp.csr_matrix
    relations: tuple[Relation, ...]
    relations_of_cell: tuple[tuple[int, ...], ...]
    index: dict[tuple[Grouping, Group], int]

    @property
    def n_cells(self) -> int:
        return int(self.cell_grouping.size)

    @property
    def n_finest(self) -> int:
        return int(self.cell_of.shape[1])

    def values(self, column: str) -> np.ndarray:
        """The true value of every published cell in ``column``, as int64."""
        return np.asarray(self.membership @ self.counts[column], dtype=np.int64)

    def finest_of(self, cell: int) -> np.ndarray:
        """The finest cells summed by a published cell."""
        start, stop = self.membership.indptr[cell], self.membership.indptr[cell + 1]
        return self.membership.indices[start:stop]

    def is_overall(self, cell: int) -> bool:
        return self.groupings[int(self.cell_grouping[cell])] == ()


def normalise_groupings(attributes: Sequence[str], groupings: Sequence[Sequence[str]]) -> tuple[Grouping, ...]:
    """Check that every grouping names distinct known attributes and appears once."""
    known = set(attributes)
    if len(known) != len(attributes):
        raise ValueError(f"attributes must be distinct, got {list(attributes)!r}")
    result: list[Grouping] = []
    seen: dict[frozenset[str], Grouping] = {}
    for raw in groupings:
        if isinstance(raw, str):
            raise ValueError(f"each grouping must be a tuple of attribute names, got {raw!r}")
        grouping = tuple(raw)
        unknown = [name for name in grouping if name not in known]
        if unknown:
            raise ValueError(f"grouping {grouping!r} uses {unknown!r}, which are not in attributes")
        if len(set(grouping)) != len(grouping):
            raise ValueError(f"grouping {grouping!r} repeats an attribute")
        key = frozenset(grouping)
        if key in seen:
            raise ValueError(f"groupings {seen[key]!r} and {grouping!r} are the same table")
        seen[key] = grouping
        result.append(grouping)
    return tuple(result)


def _checked_counts(cells: pd.DataFrame, column: str) -> np.ndarray:
    series = cells[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise ValueError(f"cells: count column {column!r} must be numeric, not {series.dtype}")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        position = int(np.argmax(bad))
        held = series.iloc[position]
        raise ValueError(
            f"cells: count column {column!r} must hold non-negative integers; "
            f"row {cells.index[position]!r} holds {getattr(held, 'item', lambda: held)()!r}"
        )
    return values.astype(np.int64)


def build_layout(
    cells: pd.DataFrame,
    attributes: Sequence[str],
    groupings: Sequence[Sequence[str]],
    count_columns: Sequence[str],
    denominators: dict[str, str],
) -> Layout:
    """Validate ``cells`` and number the published cells and relations of ``groupings``."""
    attributes = tuple(attributes)
    groupings_t = normalise_groupings(attributes, groupings)
    missing = [name for name in (*attributes, *count_columns) if name not in cells.columns]
    if missing:
        raise ValueError(f"cells has no column {missing[0]!r}")
    frame = pd.DataFrame(index=cells.index)
    for name in attributes:
        nulls = cells[name].isna().to_numpy()
        if nulls.any():
            row = cells.index[int(np.argmax(nulls))]
            raise ValueError(
                f"cells: attribute {name!r} is missing in row {row!r}; missing values must be the text '(missing)'"
            )
        frame[name] = cells[name].astype(str)
    for name in count_columns:
        frame[name] = _checked_counts(cells, name)
    for numerator, denominator in denominators.items():
        over = (frame[numerator] > frame[denominator]).to_numpy()
        if over.any():
            row = cells.index[int(np.argmax(over))]
            raise ValueError(f"cells: {numerator!r} exceeds its denominator {denominator!r} in row {row!r}")

    used = [name for name in attributes if any(name in grouping for grouping in groupings_t)]
    columns = list(count_columns)
    if used:
        finest = frame.groupby(used, sort=True)[columns].sum().reset_index()
    else:
        finest = pd.DataFrame({name: [int(frame[name].sum())] for name in columns})
    n_finest = len(finest)

    cell_of = np.zeros((len(groupings_t), n_finest), dtype=np.int64)
    cell_grouping: list[int] = []
    cell_group: list[Group] = []
    for position, grouping in enumerate(groupings_t):
        offset = len(cell_group)
        if grouping == () or n_finest == 0:
            codes = np.zeros(n_finest, dtype=np.int64)
            groups: list[Group] = [()] if grouping == () else []
        else:
            by_group = finest.groupby(list(grouping), sort=True)
            codes = by_group.ngroup().to_numpy(dtype=np.int64)
            keys = by_group.size().index
            groups = [(key,) for key in keys] if len(grouping) == 1 else [tuple(k) for k in keys]
        cell_of[position] = offset + codes
        cell_grouping.extend([position] * len(groups))
        cell_group.extend(tuple(str(value) for value in group) for group in groups)

    n_cells = len(cell_group)
    membership = sp.csr_matrix(
        (
            np.ones(cell_of.size, dtype=np.float64),
            (cell_of.ravel(), np.tile(np.arange(n_finest), len(groupings_t))),
        ),
        shape=(n_cells, n_finest),
    )
    membership.sort_indices()

    relations = _relations(groupings_t, cell_of)
    relations_of_cell: list[list[int]] = [[] for _ in range(n_cells)]
    for number, relation in enumerate(relations):
        for member in relation.members:
            relations_of_cell[member].append(number)

    return Layout(
        attributes=attributes,
        groupings=groupings_t,
        counts={name: finest[name].to_numpy(dtype=np.int64) for name in columns},
        cell_grouping=np.asarray(cell_grouping, dtype=np.int64),
        cell_group=tuple(cell_group),
        cell_of=cell_of,
        membership=membership,
        relations=relations,
        relations_of_cell=tuple(tuple(numbers) for numbers in relations_of_cell),
        index={
            (groupings_t[g], group): cell for cell, (g, group) in enumerate(zip(cell_grouping, cell_group, strict=True))
        },
    )


def _relations(groupings: tuple[Grouping, ...], cell_of: np.ndarray) -> tuple[Relation, ...]:
    """One relation per cell of each published table and each next-coarser published table.

    A table's next-coarser tables are the published groupings that are proper subsets of it and
    not contained in another such subset; longer chains follow from these.
    """
    sets = [frozenset(grouping) for grouping in groupings]
    relations: list[Relation] = []
    for child, child_set in enumerate(sets):
        coarser = [p for p, parent_set in enumerate(sets) if parent_set < child_set]
        nearest = [p for p in coarser if not any(sets[p] < sets[q] for q in coarser)]
        if not nearest or cell_of.shape[1] == 0:
            continue
        child_cells, first = np.unique(cell_of[child], return_index=True)
        for p in nearest:
            parents = cell_of[p][first]
            order = np.argsort(parents, kind="stable")
            boundaries = np.flatnonzero(np.diff(parents[order])) + 1
            for run in np.split(order, boundaries):
                relations.append(
                    Relation(
                        parent=int(parents[run[0]]),
                        children=tuple(int(cell) for cell in child_cells[run]),
                    )
                )
    return tuple(relations)
