"""Suppression of small groups, through :mod:`trellis.engine.suppression`.

Suppression acts on the finest cells: ``suppress_groups`` applies the minimum-n rule (primary) and
complementary suppression across every grouping of the audit, so a hidden count cannot be recovered
from a total or from another grouping. The audit then hides a metric row when its group's ``n`` or
the numerator or denominator count behind it is suppressed (see :func:`assemble`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trellis.engine.fairness.cells import Cells
from trellis.engine.fairness.table import IsSuppressed


def nothing_suppressed(grouping: tuple[str, ...], group: tuple[str, ...], column: str) -> bool:
    """The lookup of an audit before suppression: every cell published."""
    return False


def flagged_groups(table: pd.DataFrame) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    """``(grouping, group values)`` of every group with a flagged row in a raw audit table.

    Suppression keeps these published wherever another choice of complements protects as well,
    so that a real disparity is not hidden to protect someone else.
    """
    found: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for attributes, group, flagged in zip(table["attributes"], table["group"], table["flagged"], strict=True):
        if flagged is True or flagged is np.True_:
            found.add((tuple(attributes), tuple(str(group[a]) for a in attributes)))
    return found


def default_policy(min_n: int) -> Any:
    """``SuppressionPolicy(min_n=min_n)`` with the suppression module's other defaults."""
    from trellis.engine.suppression import SuppressionPolicy

    return SuppressionPolicy(min_n=min_n)


def suppression_lookup(
    cells: Cells,
    groupings: Sequence[tuple[str, ...]],
    policy: Any,
    prefer_published: Collection[tuple[tuple[str, ...], tuple[str, ...]]] = (),
) -> IsSuppressed:
    """Run ``suppress_groups`` on the cells and return a cached ``is_suppressed`` lookup.

    Following the suppression module's advice, only the independent count columns are suppressed
    (``n``, ``label_pos``, ``tp``, ``fp`` ...; each with its denominator); a derived column
    (``fn = label_pos - tp`` ...) counts as suppressed in a group when any of its parts is. The
    cells passed on hold the attribute columns (text, "(missing)" for missing values) and those
    integer count columns only. ``prefer_published`` (see :func:`flagged_groups`) is passed on:
    complements avoid those groups where others protect as well.
    """
    from trellis.engine.suppression import suppress_groups

    independent = list(cells.independent_columns)
    frame = cells.table[[*cells.attributes, *independent]].copy()
    outcome = suppress_groups(
        frame,
        attributes=list(cells.attributes),
        groupings=[tuple(g) for g in groupings],
        count_columns=independent,
        policy=policy,
        denominators={c: d for c, d in cells.denominators.items() if c in independent},
        prefer_published=prefer_published,
    )
    cache: dict[tuple[tuple[str, ...], tuple[str, ...], str], bool] = {}

    def is_suppressed(grouping: tuple[str, ...], group: tuple[str, ...], column: str) -> bool:
        key = (grouping, group, column)
        if key not in cache:
            cache[key] = any(
                bool(outcome.is_suppressed(grouping, group, part))
                for part in cells.parts.get(column, (column,))
            )
        return cache[key]

    return is_suppressed
