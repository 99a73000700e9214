"""The result of an audit: one long table of every group, metric and comparison."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from trellis.engine.fairness.table import COLUMNS


def _plain(value: Any) -> Any:
    """A JSON-ready Python value: NaN and NA -> None, numpy scalars -> Python scalars."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclass(frozen=True)
class AuditResult:
    """Every group's metrics, intervals and comparison with its reference group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (grouping, group, metric[, threshold][, bin]) with the columns of
        :data:`trellis.engine.fairness.table.COLUMNS`: ``attributes`` (tuple of attribute names,
        ``()`` for the overall row), ``group`` (dict attribute -> value as text, "(missing)" for
        missing values), ``metric``, ``threshold`` and ``bin`` (None where not applicable), ``n``
        (students in the group), ``value``, ``ci_low``, ``ci_high``, ``numerator`` and
        ``denominator`` (the counts of a rate, NaN otherwise), ``reference`` (the reference
        group's dict, None for the overall row), ``difference`` and ``ratio`` against the
        reference with their intervals, ``p_value`` (two-sided, of the hypothesis that the
        disparity lies within the parity band, by the method of the row's interval; for a mean,
        of equal means), ``q_value`` (its Benjamini-Hochberg adjustment across every testable row
        of the audit; NaN for rows that cannot be flagged), ``flagged`` and ``suppressed``.
        Groups under ``min_n`` keep only their counts. Raw values: use
        :meth:`published` or ``to_records(published=True)`` for anything shown to people.
    cells : pandas.DataFrame
        The sufficient statistics per finest cell of the attributes, from which every row of
        ``table`` was derived.
    attributes : tuple of str
        The ``by`` attributes.
    groupings : tuple of tuple of str
        Overall ``()``, each attribute, then the intersections, in table order.
    level : float
        Confidence level of every interval.
    tolerance : tuple of float
        Ratio band considered parity when flagging.
    thresholds : tuple of float
        Score thresholds of the threshold metrics.
    score_bin_edges : numpy.ndarray or None
        Edges of the calibration bins: bin ``b`` is ``[edges[b], edges[b+1])`` (last one closed);
        the counts were made by comparing each score with exactly these numbers.
    published_table : pandas.DataFrame
        The suppressed view returned by :meth:`published`.
    fdr : float or None
        The false discovery rate the flags control (None: each comparison on its own).
    smd_threshold : float
        The ``|SMD|`` above which a standardized mean difference can be flagged.
    warnings : tuple of str
        How attribute values were merged or kept apart in reading them (also issued as
        :class:`~trellis.engine.fairness.errors.AuditWarning`).
    """

    table: pd.DataFrame
    cells: pd.DataFrame
    attributes: tuple[str, ...]
    groupings: tuple[tuple[str, ...], ...]
    level: float
    tolerance: tuple[float, float]
    thresholds: tuple[float, ...] = ()
    score_bin_edges: npt.NDArray[np.float64] | None = None
    published_table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    fdr: float | None = 0.05
    smd_threshold: float = 0.15
    warnings: tuple[str, ...] = ()

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric names present, in table order."""
        return tuple(dict.fromkeys(self.table["metric"]))

    def references(self) -> dict[tuple[str, ...], dict[str, str] | None]:
        """The reference group of every grouping (None for the overall grouping)."""
        found: dict[tuple[str, ...], dict[str, str] | None] = {}
        for attributes, reference in zip(
            self.table["attributes"], self.table["reference"], strict=True
        ):
            found.setdefault(attributes, reference)
        return found

    def flagged(self, published: bool = False) -> pd.DataFrame:
        """The flagged rows, largest disparity (``|log ratio|``) first.

        Flagged means the disparity is found beyond the parity band (a ratio to the reference
        group outside ``tolerance``, or ``|SMD| > smd_threshold``) under the false discovery rate
        control (``q_value <= fdr``), and both groups are at least ``min_n`` on the metric's
        denominator. Rows without a ratio (SMD) come after those with one, largest ``|SMD|``
        first. With
        ``published=False`` (the default, for the district's own analysts) a flagged row may be
        suppressed in the published view; ``published=True`` returns only the flagged rows that
        may be shown, from the published view.
        """
        table = self.published_table if published else self.table
        keep = np.array([flag is True or flag is np.True_ for flag in table["flagged"]], dtype=bool)
        rows = table[keep]
        with np.errstate(divide="ignore"):
            disparity = np.abs(np.log(rows["ratio"].to_numpy(dtype=np.float64)))
        effect = np.abs(rows["value"].to_numpy(dtype=np.float64))
        order = np.lexsort((-effect, -disparity, np.isnan(disparity)))
        return rows.iloc[order].reset_index(drop=True)

    def published(self) -> pd.DataFrame:
        """The table as it may be shown: suppressed values are missing (NaN / None).

        A row whose group's ``n`` or whose numerator or denominator count is suppressed (primary
        or complementary) loses its counts, value, intervals, comparisons and flag; a row whose
        reference group is suppressed loses its comparisons and flag.
        """
        return self.published_table.copy()

    def select(
        self,
        *,
        metric: str | None = None,
        attributes: Sequence[str] | None = None,
        threshold: float | None = None,
        published: bool = True,
    ) -> pd.DataFrame:
        """Rows for one metric and/or grouping (and threshold), e.g. to draw one chart."""
        table = self.published_table if published else self.table
        keep = np.ones(len(table), dtype=bool)
        if metric is not None:
            keep &= (table["metric"] == metric).to_numpy()
        if attributes is not None:
            wanted = tuple(attributes)
            keep &= np.array([a == wanted for a in table["attributes"]], dtype=bool)
        if threshold is not None:
            keep &= np.array([t == threshold for t in table["threshold"]], dtype=bool)
        return table[keep].reset_index(drop=True)

    def to_records(self, published: bool = True) -> list[dict[str, Any]]:
        """The table as plain dicts (JSON-ready) with exactly the keys of ``table``.

        ``attributes`` becomes a list, ``group`` and ``reference`` stay dicts, NaN becomes None.
        ``published=True`` (the default) gives the suppressed view; ``published=False`` the raw
        values, for internal use only.
        """
        table = self.published_table if published else self.table
        records = []
        for row in table.itertuples(index=False, name=None):
            record = {column: _plain(value) for column, value in zip(COLUMNS, row, strict=True)}
            record["attributes"] = list(record["attributes"])
            for column in ("n", "numerator", "denominator"):
                if isinstance(record[column], float) and record[column].is_integer():
                    record[column] = int(record[column])
            records.append(record)
        return records
