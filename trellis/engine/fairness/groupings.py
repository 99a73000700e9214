"""Groupings (overall, each attribute, intersections), their reference groups and their statistics.

Every grouping is a roll-up of the finest cells: no grouping ever goes back to the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt
import pandas as pd

from trellis.engine.fairness.cells import Cells, Statistic, combine, group_codes, sum_histogram
from trellis.engine.fairness.errors import AuditInputError

Intersections = str | Sequence[tuple[str, ...]]


def resolve_groupings(
    by: Sequence[str], intersections: Intersections
) -> tuple[tuple[str, ...], ...]:
    """The groupings an audit reports, in order: overall ``()``, each attribute, intersections.

    ``intersections`` is ``"none"``, ``"pairs"`` (every two attributes), ``"all"`` (every
    combination of two or more) or an explicit list of tuples of attributes from ``by``.
    """
    attributes = tuple(by)
    if isinstance(by, str) or not attributes:
        raise AuditInputError("by must be a non-empty list of attribute column names")
    if len(set(attributes)) != len(attributes):
        raise AuditInputError(f"by lists an attribute twice: {list(attributes)}")
    if isinstance(intersections, str):
        sizes = {"none": [], "pairs": [2], "all": list(range(2, len(attributes) + 1))}
        if intersections not in sizes:
            raise AuditInputError(
                f"intersections must be 'none', 'pairs', 'all' or a list of tuples, "
                f"got {intersections!r}"
            )
        crossed = [c for size in sizes[intersections] for c in combinations(attributes, size)]
    else:
        crossed = []
        for combination in intersections:
            combination = tuple(combination)
            unknown = [a for a in combination if a not in attributes]
            if unknown or len(combination) < 2 or len(set(combination)) != len(combination):
                raise AuditInputError(
                    f"intersection {combination!r} must name two or more distinct attributes "
                    f"from by={list(attributes)}"
                )
            if combination not in crossed:
                crossed.append(combination)
    return ((), *((a,) for a in attributes), *crossed)


@dataclass(frozen=True)
class ScoreHistogram:
    """Label positives and negatives per group and score rank, sorted by group then rank.

    Only non-empty entries are kept, so its size is at most the number of distinct scores per
    group, however the scores are spread. ``groups`` is the number of groups.
    """

    group: npt.NDArray[np.int64]
    rank: npt.NDArray[np.int64]
    positives: npt.NDArray[np.int64]
    negatives: npt.NDArray[np.int64]
    groups: int


@dataclass(frozen=True)
class Grouping:
    """The groups of one grouping with their rolled-up statistics.

    Attributes
    ----------
    attributes : tuple of str
        ``()`` for the overall row.
    keys : pandas.DataFrame
        One row per group (text values), in the order of every array below.
    counts : dict of str -> numpy.ndarray
        Statistics per group, aligned with ``keys`` (the columns of :class:`Cells`).
    reference : int or None
        Row of the reference group; None for the overall grouping.
    histogram : ScoreHistogram or None
        Score and label given: label positives and negatives per group and score rank.
    contingency : numpy.ndarray or None
        Ordinal mode: counts of (machine level, human level), shape (groups, levels, levels).
    """

    attributes: tuple[str, ...]
    keys: pd.DataFrame
    counts: dict[str, Statistic]
    reference: int | None
    histogram: ScoreHistogram | None = None
    contingency: npt.NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def group(self, row: int) -> dict[str, str]:
        """The group at ``row`` as attribute -> value."""
        return {a: str(self.keys[a].iat[row]) for a in self.attributes}

    def groups(self) -> list[dict[str, str]]:
        """Every group as attribute -> value, in row order."""
        if not self.attributes:
            return [{}]
        columns = [self.keys[a].tolist() for a in self.attributes]
        return [
            dict(zip(self.attributes, values, strict=True)) for values in zip(*columns, strict=True)
        ]

    def column(self, name: str) -> npt.NDArray[np.float64]:
        """A statistic per group as float64."""
        return np.asarray(self.counts[name], dtype=np.float64)


def check_reference(
    reference: Mapping[str, str] | None, attributes: Sequence[str]
) -> dict[str, str]:
    """Validate the ``reference`` mapping of an audit against its attributes."""
    chosen = {str(k): str(v) for k, v in (reference or {}).items()}
    unknown = sorted(set(chosen) - set(attributes))
    if unknown:
        raise AuditInputError(
            f"reference names {unknown[0]!r}, which is not one of the attributes {list(attributes)}"
        )
    return chosen


def _reference_row(
    attributes: tuple[str, ...],
    keys: pd.DataFrame,
    n: Statistic,
    reference: Mapping[str, str],
) -> int | None:
    if not attributes:
        return None
    if all(a in reference for a in attributes):
        match = np.ones(len(keys), dtype=bool)
        for a in attributes:
            match &= keys[a].to_numpy() == reference[a]
        if match.any():
            return int(np.flatnonzero(match)[0])
        if len(attributes) == 1:
            values = ", ".join(repr(v) for v in keys[attributes[0]])
            raise AuditInputError(
                f"reference group {reference[attributes[0]]!r} of {attributes[0]!r} is not in the "
                f"data; its values are {values}"
            )
    return int(np.argmax(n))


def build_grouping(
    cells: Cells, attributes: tuple[str, ...], reference: Mapping[str, str]
) -> Grouping:
    """Roll the cells up to ``attributes`` and pick the reference group.

    The reference of a single attribute is the value named in ``reference``, else its largest
    group. The reference of an intersection is the combination of the named values when every
    attribute of it has one and that cell is not empty, else its largest cell. Ties go to the first
    group in sorted order.
    """
    cell_codes, keys = group_codes(cells.table, attributes)
    statistics = {
        column: cells.table[column].to_numpy()
        for column in cells.table.columns
        if column not in cells.attributes
    }
    counts = combine(cell_codes, len(keys), statistics)
    row = _reference_row(attributes, keys, counts["n"], reference)
    histogram = contingency = None
    if cells.histogram is not None:
        group, rank, positives, negatives = sum_histogram(
            cell_codes[cells.histogram["cell"].to_numpy()],
            cells.histogram["bin"].to_numpy(dtype=np.int64),
            cells.histogram["label_pos"].to_numpy(),
            cells.histogram["label_neg"].to_numpy(),
        )
        histogram = ScoreHistogram(group, rank, positives, negatives, len(keys))
    if cells.contingency is not None and cells.levels is not None:
        levels = cells.levels
        index = cell_codes[cells.contingency["cell"].to_numpy()]
        machine = np.searchsorted(levels, cells.contingency["machine"].to_numpy())
        human = np.searchsorted(levels, cells.contingency["human"].to_numpy())
        size = len(levels)
        flat = (index * size + machine) * size + human
        contingency = _bincount(flat, cells.contingency["n"], (len(keys), size, size))
    return Grouping(
        attributes,
        keys,
        counts,
        row,
        histogram=histogram,
        contingency=contingency,
    )


def _bincount(
    flat: npt.NDArray[np.int64], weights: pd.Series, shape: tuple[int, ...]
) -> npt.NDArray[np.int64]:
    size = int(np.prod(shape))
    counts = np.bincount(flat, weights=weights.to_numpy(dtype=np.float64), minlength=size)
    return counts.astype(np.int64).reshape(shape)
