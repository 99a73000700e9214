"""The published view row by row, as it may be shown: suppression and top/bottom coding applied.

:func:`shown_rows` is what the HTML report and the terminal show; :func:`published_records` is the
same view as JSON rows (``trellis audit --publish``), so that a rate coded "<5%" on the page is
coded in the JSON too. :func:`hidden_summary` says how much suppression hid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from trellis.engine.fairness.report.labels import Labels
from trellis.engine.fairness.report.wording import RATE_METRICS
from trellis.engine.fairness.result import AuditResult
from trellis.engine.suppression import SuppressionPolicy, code_rate

COMPLEMENT_TEXT = "Hidden so that a smaller group cannot be worked out"
COUNTS_TEXT = "Some counts hidden so that a smaller group cannot be worked out"
PROTECTED_TEXT = "Some counts hidden to protect small groups"
COMPARISON_COLUMNS = ("difference", "difference_ci_low", "difference_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high")
TEST_COLUMNS = ("p_value", "q_value")


def primary_text(min_n: int) -> str:
    """What a group too small to publish says instead of its numbers."""
    return f"Too few students (fewer than {min_n}) to show"


@dataclass(frozen=True)
class ShownRow:
    """One row of the published view as it may be shown, with top/bottom coding applied.

    ``n``, ``value``, ``ci``, ``difference`` and ``ratio`` are None when hidden or undefined;
    ``value_note`` then says why (too few students, hidden to protect a smaller group, the coded
    text such as ``"<5%"``, or not defined) and ``comparison_note`` why the comparison is
    missing. ``difference`` and ``ratio`` are ``(estimate, low, high)``. ``p_value`` and
    ``q_value`` are the comparison's p-value and false-discovery-rate q-value when the audit
    gives them, None otherwise or when the comparison is hidden.
    """

    attributes: tuple[str, ...]
    group: dict[str, str]
    label: str
    metric: str
    threshold: float | None
    bin: int | None
    reference: dict[str, str] | None
    reference_label: str | None
    is_reference: bool
    suppressed: bool
    n: int | None
    value: float | None
    ci: tuple[float, float] | None
    difference: tuple[float, float, float] | None
    ratio: tuple[float, float, float] | None
    flagged: bool
    coded: str | None
    value_note: str | None
    comparison_note: str | None
    disparity: float
    p_value: float | None = None
    q_value: float | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        """``(attributes, group values, metric, threshold, bin)``: unique in an audit."""
        values = tuple(self.group[a] for a in self.attributes)
        return (self.attributes, values, self.metric, self.threshold, self.bin)

    @property
    def reference_key(self) -> tuple[Any, ...] | None:
        """The :attr:`key` of this row's reference group, None for the overall row."""
        if self.reference is None:
            return None
        values = tuple(self.reference[a] for a in self.attributes)
        return (self.attributes, values, self.metric, self.threshold, self.bin)


def number(value: Any) -> float | None:
    """A finite float, or None for missing, NaN, infinite and booleans."""
    if value is None or isinstance(value, bool | np.bool_):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _bin(value: Any) -> int | None:
    result = number(value)
    return None if result is None else int(result)


def _triple(row: dict[str, Any], name: str) -> tuple[float, float, float] | None:
    estimate = number(row[name])
    if estimate is None:
        return None
    low, high = number(row[f"{name}_ci_low"]), number(row[f"{name}_ci_high"])
    return (estimate, math.nan if low is None else low, math.nan if high is None else high)


def _coded(metric: str, value: float | None, size: float | None, policy: SuppressionPolicy) -> str | None:
    if metric not in RATE_METRICS or value is None or size is None or not 0.0 <= value <= 1.0:
        return None
    # A published denominator below min_n (possible for a rate such as TP / label positives) is
    # coded as the smallest publishable group: coding more is the safe side.
    return code_rate(value, max(int(size), policy.min_n), policy)


def _group_key(attributes: tuple[str, ...], group: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (attributes, tuple(group[a] for a in attributes))


def size_statuses(result: AuditResult, policy: SuppressionPolicy) -> dict[tuple[Any, ...], str]:
    """``"primary"`` or ``"complementary"`` for every group whose size is suppressed.

    Read from the raw table: a suppressed group of fewer than ``min_n`` students is primary, a
    larger one a complement. The suppression's audit gives the attacker these reasons, so
    showing them reveals nothing it has not allowed for.
    """
    statuses: dict[tuple[Any, ...], str] = {}
    table = result.table
    counts = table[table["metric"] == "count"]
    for attributes, group, n, suppressed in zip(
        counts["attributes"], counts["group"], counts["n"], counts["suppressed"], strict=True
    ):
        if bool(suppressed):
            size = int(n)
            statuses[_group_key(tuple(attributes), dict(group))] = (
                "primary" if 0 < size < policy.min_n else "complementary"
            )
    return statuses


def shown_rows(result: AuditResult, policy: SuppressionPolicy, labels: Labels | None = None) -> list[ShownRow]:
    """The published view of ``result``, row by row, as it may be shown to people.

    Starts from :meth:`AuditResult.published` (suppressed rows have no counts, values,
    intervals, comparisons or flag) and applies the top/bottom coding of ``policy`` to the rates
    of groups with ``policy.min_n <= size < policy.small_group``, where size is the rate's
    denominator (the group's ``n`` when the denominator is not published). A coded rate loses its
    interval, comparisons and p-values, and so does every row compared with a coded reference
    value (the ratio would reveal it).

    Small groups, suppressed cells and missing values: a suppressed row keeps only its group,
    metric and reason ("too few students" for a group below ``min_n``, "hidden so that a smaller
    group cannot be worked out" for a complement); a value that is NaN without suppression (an
    empty denominator) is "not defined".
    """
    labels = labels or Labels()
    records = result.published().to_dict("records")
    statuses = size_statuses(result, policy)
    counts_text = COUNTS_TEXT if policy.min_count == 0 else PROTECTED_TEXT
    coded: dict[tuple[Any, ...], str | None] = {}
    suppressed_keys: set[tuple[Any, ...]] = set()
    keys: list[tuple[Any, ...]] = []
    for row in records:
        attributes = tuple(row["attributes"])
        group = dict(row["group"])
        values = tuple(group[a] for a in attributes)
        key = (attributes, values, row["metric"], number(row["threshold"]), _bin(row["bin"]))
        keys.append(key)
        if row["suppressed"]:
            coded[key] = None
            suppressed_keys.add(key)
            continue
        size = number(row["denominator"])
        size = number(row["n"]) if size is None else size
        coded[key] = _coded(row["metric"], number(row["value"]), size, policy)
    rows = []
    for row, key in zip(records, keys, strict=True):
        attributes, values = key[0], key[1]
        group = dict(row["group"])
        reference = None if row["reference"] is None else dict(row["reference"])
        is_reference = reference is not None and values == tuple(reference[a] for a in attributes)
        reference_key = None if reference is None else (attributes, tuple(reference[a] for a in attributes), *key[2:])
        suppressed = bool(row["suppressed"])
        value = None if suppressed else number(row["value"])
        own_code = coded[key]
        reference_code = coded.get(reference_key) if reference_key is not None else None
        difference = None if suppressed else _triple(row, "difference")
        ratio = None if suppressed else _triple(row, "ratio")
        ci_low, ci_high = number(row["ci_low"]), number(row["ci_high"])
        ci = None if suppressed or ci_low is None or ci_high is None else (ci_low, ci_high)
        value_note = comparison_note = None
        if suppressed:
            status = statuses.get((attributes, values))
            reason = (
                primary_text(policy.min_n)
                if status == "primary"
                else COMPLEMENT_TEXT
                if status == "complementary"
                else counts_text
            )
            value_note = comparison_note = reason
        elif own_code is not None:
            value, ci, difference, ratio = None, None, None, None
            value_note = own_code
            comparison_note = "Not shown: the rate is top/bottom coded"
        elif value is None:
            value_note = "Not defined (no students in the denominator)"
        if not suppressed and own_code is None and reference_code is not None and not is_reference:
            difference = ratio = None
            comparison_note = "Not shown: the reference group's rate is top/bottom coded"
        if not suppressed and comparison_note is None and reference_key is not None:
            if difference is None and ratio is None and reference_key in suppressed_keys:
                comparison_note = "Not shown: the reference group is hidden"
        ratio_value = number(row["ratio"])
        disparity = abs(math.log(ratio_value)) if ratio_value and ratio_value > 0 else 0.0
        tests_shown = difference is not None or ratio is not None
        rows.append(
            ShownRow(
                attributes=attributes,
                group=group,
                label=labels.group(attributes, group),
                metric=row["metric"],
                threshold=key[3],
                bin=key[4],
                reference=reference,
                reference_label=None if reference is None else labels.group(attributes, reference),
                is_reference=is_reference,
                suppressed=suppressed,
                n=None if suppressed or number(row["n"]) is None else int(row["n"]),
                value=value,
                ci=ci,
                difference=difference,
                ratio=ratio,
                flagged=row["flagged"] is True or row["flagged"] is np.True_,
                coded=own_code,
                value_note=value_note,
                comparison_note=comparison_note,
                # A coded row sorts as if it had no disparity: its order must not hint at it.
                disparity=0.0 if own_code or reference_code else disparity,
                p_value=number(row.get("p_value")) if tests_shown else None,
                q_value=number(row.get("q_value")) if tests_shown else None,
            )
        )
    return rows


def published_records(result: AuditResult, policy: SuppressionPolicy) -> list[dict[str, Any]]:
    """The published view as JSON-ready rows, coded exactly as :func:`shown_rows` codes it.

    Each row of ``result.to_records(published=True)`` gains ``coded``: the top/bottom coded
    text (``"<5%"``, ``">95%"``) where the rate is coded, else None. A coded row has no
    ``value``, interval, comparison or p-values; a row compared with a coded reference has no
    comparison or p-values.
    """
    records = result.to_records(published=True)
    shown = shown_rows(result, policy)
    if len(records) != len(shown):
        raise ValueError("the published records and rows do not match")
    for record, row in zip(records, shown, strict=True):
        record["coded"] = row.coded
        if row.suppressed:
            continue
        if row.coded is not None:
            for column in ("value", "ci_low", "ci_high"):
                record[column] = None
        if row.difference is None and row.ratio is None:
            for column in COMPARISON_COLUMNS:
                record[column] = None
            for column in TEST_COLUMNS:
                if column in record:
                    record[column] = None
    return records


@dataclass(frozen=True)
class Hidden:
    """How much of an audit's published view suppression hid.

    ``groups`` counts every group of every grouping (not the overall row of all students);
    ``students`` is the students in them summed over the groupings (each grouping counts every
    student once), and ``students_hidden`` those in hidden groups, or None when the overall total
    is itself hidden (then the sum would tell it).
    """

    groups: int
    hidden: int
    too_few: int
    complements: int
    students: int | None
    students_hidden: int | None

    @property
    def share_hidden(self) -> float | None:
        if self.students is None or self.students_hidden is None or not self.students:
            return None
        return self.students_hidden / self.students


def hidden_summary(result: AuditResult, policy: SuppressionPolicy) -> Hidden:
    """Groups and students hidden by suppression, from the sizes of the groups.

    The total of hidden students is the sum, over groupings, of the overall total minus the
    published groups: anyone can work it out from the published tables, so it reveals nothing.
    """
    statuses = size_statuses(result, policy)
    table = result.table
    counts = table[table["metric"] == "count"]
    sizes = [int(n) for n in counts["n"]]
    keys = [_group_key(tuple(a), dict(g)) for a, g in zip(counts["attributes"], counts["group"], strict=True)]
    groups = [(size, key) for size, key in zip(sizes, keys, strict=True) if key[0]]
    sizes = [size for size, _ in groups]
    hidden_sizes = [size for size, key in groups if key in statuses]
    overall_hidden = ((), ()) in statuses
    hidden = [status for key, status in statuses.items() if key[0]]
    return Hidden(
        groups=len(groups),
        hidden=len(hidden),
        too_few=sum(1 for status in hidden if status == "primary"),
        complements=sum(1 for status in hidden if status == "complementary"),
        students=None if overall_hidden else sum(sizes),
        students_hidden=None if overall_hidden else sum(hidden_sizes),
    )
