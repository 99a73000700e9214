"""What the professional-learning measures publish: rows, gaps and notes, all suppressed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

MEASURES = ("participation_share", "hours_per_teacher", "durable_share", "practice_change", "outcome_change")
GROUP_KINDS = ("all", "district", "poverty_quartile", "locale")


class MeasureInputError(ValueError):
    """A data directory cannot be used as given; the message names the file and column."""


@dataclass(frozen=True)
class MeasureRow:
    """One published cell: a measure for one group, with its size and interval.

    ``n``, ``value``, ``low`` and ``high`` are ``None`` when the cell is suppressed (``reason`` then
    says why in plain words); ``value`` is also ``None``, with a reason, when the group has no one
    to measure (no coached teacher, no student outcome).
    """

    measure: str
    group_kind: str
    group: str
    n: int | None
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool
    reason: str


@dataclass(frozen=True)
class Gap:
    """Highest- minus lowest-poverty quartile of one measure, with its interval."""

    measure: str
    high_group: str
    low_group: str
    diff: float | None
    low: float | None
    high: float | None
    suppressed: bool


@dataclass(frozen=True)
class MeasureResult:
    """Every measure for every group asked for, and the quartile gaps."""

    year: int
    hours_threshold: float
    rows: tuple[MeasureRow, ...]
    gaps: tuple[Gap, ...]
    notes: tuple[str, ...]

    def row(self, measure: str, group_kind: str = "all", group: str = "all") -> MeasureRow | None:
        """The row of one measure and group, or ``None`` if it was not computed."""
        for row in self.rows:
            if (row.measure, row.group_kind, row.group) == (measure, group_kind, group):
                return row
        return None

    def gap(self, measure: str) -> Gap | None:
        """The poverty-quartile gap of one measure, or ``None``."""
        return next((gap for gap in self.gaps if gap.measure == measure), None)

    def only_districts(self, districts: Iterable[str]) -> MeasureResult:
        """The statewide rows (all, quartiles, locales), the gaps, and the rows of these districts.

        Every row passed the same suppression, so showing a subset reveals nothing more.
        """
        keep = set(districts)
        rows = tuple(row for row in self.rows if row.group_kind != "district" or row.group in keep)
        return MeasureResult(year=self.year, hours_threshold=self.hours_threshold, rows=rows, gaps=self.gaps,
                             notes=self.notes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: no NaN or infinity, only numbers, text, booleans and ``None``."""
        return {
            "year": self.year,
            "hours_threshold": self.hours_threshold,
            "rows": [_clean(asdict(row)) for row in self.rows],
            "gaps": [_clean(asdict(gap)) for gap in self.gaps],
            "notes": list(self.notes),
        }


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {key: None if isinstance(value, float) and not math.isfinite(value) else value
            for key, value in record.items()}
