"""The outcome of a suppression: every published cell, its status and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from trellis.engine.suppression.policy import SuppressionPolicy

STATUSES = ("published", "primary", "complementary")


@dataclass(frozen=True)
class HiddenSummary:
    """How much one count column of a suppression hides.

    Attributes
    ----------
    cells : int
        Published cells (rows of every table) in the column.
    primary, complementary : int
        Cells hidden as primary and as complementary suppressions.
    students : int
        The column's total over every published cell (each table counts every student once).
    students_hidden, students_complementary : int
        Its total over the hidden cells, and over the complementary ones alone.
    """

    cells: int
    primary: int
    complementary: int
    students: int
    students_hidden: int
    students_complementary: int

    @property
    def hidden(self) -> int:
        """Cells hidden, for either reason."""
        return self.primary + self.complementary

    @property
    def share_hidden(self) -> float:
        """``students_hidden / students`` (0 for an empty table)."""
        return self.students_hidden / self.students if self.students else 0.0


@dataclass(frozen=True, eq=False)
class SuppressionResult:
    """Every cell of every published table, with its status.

    Attributes
    ----------
    table : pandas.DataFrame
        Long table, one row per (count column, grouping, group), ordered by count column, then
        grouping as given, then group values sorted as text. Columns: ``grouping`` (tuple of
        attribute names), ``group`` (tuple of values aligned with ``grouping``), ``column``,
        ``value`` (the **true** count, also for suppressed cells), ``status`` (``"published"``,
        ``"primary"`` or ``"complementary"``) and ``reason`` (plain language). This table is
        confidential: it holds suppressed values, and even ``status`` must not be released,
        because knowing which cells are primary (between 1 and ``min_n - 1``) narrows their
        intervals. Release :meth:`published`, which marks every suppressed cell the same way.
    policy : SuppressionPolicy
        The policy applied.
    attributes, groupings, count_columns
        As given to :func:`suppress_groups` (groupings as tuples).
    denominators : Mapping[str, str]
        The denominator of every count column other than ``n``.
    """

    table: pd.DataFrame
    policy: SuppressionPolicy
    attributes: tuple[str, ...]
    groupings: tuple[tuple[str, ...], ...]
    count_columns: tuple[str, ...]
    denominators: Mapping[str, str]
    _lookup: dict[tuple[tuple[str, ...], tuple[str, ...], str], tuple[int, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lookup = {
            (grouping, group, column): (int(value), status)
            for grouping, group, column, value, status in zip(
                self.table["grouping"],
                self.table["group"],
                self.table["column"],
                self.table["value"],
                self.table["status"],
                strict=True,
            )
        }
        object.__setattr__(self, "_lookup", lookup)

    def _row(self, grouping: Sequence[str], group: Sequence[str], column: str) -> tuple[int, str]:
        key = (tuple(grouping), tuple(str(value) for value in group), column)
        try:
            return self._lookup[key]
        except KeyError:
            raise KeyError(f"no published cell {column!r} for grouping {key[0]!r}, group {key[1]!r}") from None

    def is_suppressed(self, grouping: Sequence[str], group: Sequence[str], column: str) -> bool:
        """Whether the cell ``column`` of ``group`` in the table ``grouping`` is suppressed.

        Raises ``KeyError`` for a cell that is not in any published table.
        """
        return self._row(grouping, group, column)[1] != "published"

    def status(self, grouping: Sequence[str], group: Sequence[str], column: str) -> str:
        """``"published"``, ``"primary"`` or ``"complementary"`` for one cell (confidential)."""
        return self._row(grouping, group, column)[1]

    def value(self, grouping: Sequence[str], group: Sequence[str], column: str) -> int:
        """The true value of one cell, suppressed or not (confidential)."""
        return self._row(grouping, group, column)[0]

    def hidden(self, column: str = "n") -> HiddenSummary:
        """What the suppression hides in ``column``: cells and students, primary and complementary.

        For ``n`` the students are students; for a numerator column, the students counted by it
        (those with the outcome). The figures are confidential in detail but safe in total: the
        number of hidden cells is visible in the published tables anyway.
        """
        if column not in self.count_columns:
            raise KeyError(f"{column!r} is not a count column of this suppression")
        part = self.table[self.table["column"] == column]
        values = part["value"].to_numpy()
        status = part["status"].to_numpy()
        hidden = status != "published"
        complementary = status == "complementary"
        return HiddenSummary(
            cells=int(len(part)),
            primary=int((status == "primary").sum()),
            complementary=int(complementary.sum()),
            students=int(values.sum()),
            students_hidden=int(values[hidden].sum()),
            students_complementary=int(values[complementary].sum()),
        )

    def published(self, grouping: Sequence[str]) -> pd.DataFrame:
        """The releasable table for one grouping.

        One row per group (sorted as text), one column per attribute of ``grouping`` and per
        count column; a suppressed value is ``None`` (the columns have object dtype). For the
        overall grouping ``()`` the table has one row and only count columns.
        """
        grouping = tuple(grouping)
        if grouping not in self.groupings:
            raise KeyError(f"grouping {grouping!r} is not published")
        rows = self.table[self.table["grouping"] == grouping]
        groups = list(dict.fromkeys(rows["group"]))
        released: dict[str, list[object]] = {
            name: [group[position] for group in groups] for position, name in enumerate(grouping)
        }
        for column in self.count_columns:
            part = rows[rows["column"] == column]
            by_group = {
                group: (None if status != "published" else int(value))
                for group, value, status in zip(part["group"], part["value"], part["status"], strict=True)
            }
            released[column] = [by_group[group] for group in groups]
        frame = pd.DataFrame(released, columns=[*grouping, *self.count_columns])
        for column in self.count_columns:
            frame[column] = pd.Series(released[column], dtype=object)
        return frame
