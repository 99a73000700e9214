"""The professional-learning measures: participation, practice, outcomes and equity of access.

:func:`compute` reduces the tables to per-district statistics in one DuckDB pass per family
(:mod:`trellis.engine.measures.reduce`), derives every group from those, and publishes each cell
only when it passes minimum-n and complementary suppression (:mod:`trellis.engine.suppression`),
across every group kind at once, so that no hidden group can be worked out by subtracting
published ones (the state total minus the other quartiles, or a locale minus its districts).

Intervals (``level`` two-sided, 95% by default) come from :mod:`trellis.engine.intervals`:

- ``participation_share``: teachers with at least ``hours_threshold`` AI-related hours in the
  year over all teachers; Wilson. Its quartile gap: Newcombe.
- ``hours_per_teacher``: mean AI-related hours over all teachers (zeros included); Student t.
  Its gap: Welch.
- ``durable_share``: AI-related hours in durable formats (course, coaching cycle, PLC,
  micro-credential) over all AI-related hours, among teachers with any; a ratio estimator with
  its teacher-level linearised (delta-method) normal interval, clipped to [0, 1]. Its gap:
  normal, from the two variances.
- ``practice_change``: mean change in observed level of teachers in a coaching cycle minus that of
  teachers not in one; Welch. Not a causal estimate. Its gap: normal, from the two Welch errors.
- ``outcome_change``: mean ``post - pre`` of students of participating teachers minus that of other
  students; Welch. Its gap as for practice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from trellis.engine import intervals
from trellis.engine.measures import reduce
from trellis.engine.measures.result import Gap, MeasureInputError, MeasureResult, MeasureRow
from trellis.engine.measures.schema import LOCALES, table_path
from trellis.engine.suppression import SuppressionPolicy, suppress_groups

BY_KINDS = ("district", "poverty_quartile", "locale")
_COLUMN = {"district": "district_id", "poverty_quartile": "poverty_quartile", "locale": "locale"}
_ATTRIBUTES = ("district_id", "poverty_quartile", "locale")
HIGH_POVERTY, LOW_POVERTY = "4", "1"

COMPLEMENT_REASON = "Hidden so that a smaller group cannot be worked out from the published numbers."
NOT_CAUSAL = (
    "Practice: the change in observed levels on the framework's competencies of teachers in a coaching "
    "cycle, minus that of teachers who were observed but not coached. This compares two groups; it is "
    "not a causal estimate of what coaching does, because teachers who are coached may differ from the others."
)
OUTCOMES_NOT_CAUSAL = (
    "Outcomes: the change from pre to post of students whose teachers reached the hours threshold, minus "
    "that of other students, through the roster's class-teacher links. It is not a causal estimate either."
)

Status = Callable[..., str]


def compute(
    tables_dir: str | Path,
    *,
    year: int,
    hours_threshold: float = 10.0,
    min_n: int = 10,
    by: Sequence[str] = ("poverty_quartile", "locale"),
    level: float = 0.95,
) -> MeasureResult:
    """Compute and suppress the measures of school year ``year`` from a data directory.

    Parameters
    ----------
    tables_dir : path
        The directory of Parquet tables (see :mod:`trellis.engine.measures.schema`). Outcomes are
        computed when ``outcomes.parquet`` and ``class_teachers.parquet`` are both there.
    year : int
        The school year, named by the year it ends in.
    hours_threshold : float
        AI-related hours a teacher needs to count as participating.
    min_n : int
        Groups of fewer teachers (or students) are suppressed, with complements.
    by : sequence of str
        Group kinds besides ``all``: any of ``district``, ``poverty_quartile``, ``locale``. The
        quartile gaps need ``poverty_quartile``.

    Raises
    ------
    MeasureInputError
        A missing file or column (named), an unknown group kind, a bad threshold.
    """
    kinds = tuple(dict.fromkeys(by))
    unknown = [kind for kind in kinds if kind not in BY_KINDS]
    if unknown:
        raise MeasureInputError(f"unknown group kind {unknown[0]!r}; choose from {', '.join(BY_KINDS)}")
    if not (math.isfinite(hours_threshold) and hours_threshold > 0):
        raise MeasureInputError(f"the hours threshold must be a positive number, got {hours_threshold!r}")
    tables_dir = Path(tables_dir)
    has_outcomes = table_path(tables_dir, "outcomes").is_file()
    has_links = table_path(tables_dir, "class_teachers").is_file()
    if has_outcomes != has_links:
        present, absent = ("outcomes", "class_teachers") if has_outcomes else ("class_teachers", "outcomes")
        raise MeasureInputError(f"{present}.parquet is in {tables_dir} but {absent}.parquet is not; outcomes need both")
    policy = SuppressionPolicy(min_n=min_n)
    connection = reduce.connect(tables_dir, with_outcomes=has_outcomes)
    try:
        districts = reduce.districts(connection)
        teachers = reduce.participation(connection, year=year, hours_threshold=hours_threshold)
        observed = reduce.practice(connection, year=year)
        students = reduce.outcomes(connection, year=year, hours_threshold=hours_threshold) if has_outcomes else None
    finally:
        connection.close()

    notes = [
        f"Participation: the share of teachers with at least {hours_threshold:g} hours of AI-related "
        f"professional learning in school year {year - 1}-{year}, and the hours per teacher.",
        "Durable formats (courses, coaching cycles, learning communities, micro-credentials) against "
        "one-time workshops: the share of AI-related hours spent in durable formats.",
        NOT_CAUSAL,
    ]
    if students is not None:
        notes.append(OUTCOMES_NOT_CAUSAL)
    notes.append(
        f"Groups of fewer than {min_n} teachers (or students) are not shown, nor are other groups from which "
        "they could be worked out.")
    teachers = _place(teachers, districts)
    if (teachers["poverty_quartile"] == "unknown").any() and "poverty_quartile" in kinds:
        notes.append("Some teachers are in districts without a poverty quartile; they are shown as 'unknown'.")

    groups = {kind: _group_order(kind, districts) for kind in kinds}
    builder = _Builder(kinds, groups, policy, level)
    rows: list[MeasureRow] = []
    rows += builder.participation(teachers)
    rows += builder.durable(teachers)
    rows += builder.comparison("practice_change", _place(observed, districts), unit="teachers",
                               empty="No teachers observed twice, coached and not coached, in this group.")
    if students is not None:
        rows += builder.comparison("outcome_change", _place(students, districts), unit="students",
                                   empty="No student outcomes for both groups of teachers in this group.")
    gaps = builder.gaps() if "poverty_quartile" in kinds else ()
    return MeasureResult(year=year, hours_threshold=float(hours_threshold), rows=tuple(rows), gaps=tuple(gaps),
                         notes=tuple(notes))


def _place(frame: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """Attach each district's quartile and locale (``unknown`` for a district not listed)."""
    placed = frame.merge(districts, on="district_id", how="left")
    placed["district_id"] = placed["district_id"].fillna("unknown").astype(str)
    for column in ("poverty_quartile", "locale"):
        placed[column] = placed[column].fillna("unknown").astype(str)
    return placed


def _group_order(kind: str, districts: pd.DataFrame) -> list[str]:
    values = sorted(set(districts[_COLUMN[kind]].astype(str)))
    if kind == "locale":
        return [v for v in LOCALES if v in values] + [v for v in values if v not in LOCALES]
    return values


def _f(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _mean_sd(n: float, total: float, squares: float) -> tuple[float, float]:
    if n <= 0:
        return math.nan, math.nan
    mean = total / n
    if n < 2:
        return mean, math.nan
    return mean, math.sqrt(max(squares - total * total / n, 0.0) / (n - 1))


class _Builder:
    """Rows of each measure over the group kinds, and the statistics the gaps need."""

    def __init__(self, kinds: tuple[str, ...], groups: dict[str, list[str]], policy: SuppressionPolicy,
                 level: float) -> None:
        self.kinds = ("all", *kinds)
        self.groups = groups
        self.policy = policy
        self.level = level
        # Published statistics of the quartiles, per measure: quartile -> tuple for the gap.
        self.quartile_stats: dict[str, dict[str, tuple[float, ...]]] = {}
        self.compared: set[str] = set()

    # Suppression ------------------------------------------------------------------------

    def _groupings(self, extra: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        return [(*(() if kind == "all" else (_COLUMN[kind],)), *extra) for kind in self.kinds]

    def _suppress(self, cells: pd.DataFrame, count_columns: Sequence[str], extra: tuple[str, ...] = ()) -> Status:
        """``status(kind, group, column)`` of every published cell: published, primary or complementary."""
        attributes = [*_ATTRIBUTES, *extra]
        frame = cells[attributes + list(count_columns)].copy()
        for column in count_columns:
            frame[column] = frame[column].astype(np.int64)
        if frame.empty:
            return lambda kind, group, column, arm=None: "published"
        outcome = suppress_groups(frame, attributes=attributes, groupings=self._groupings(extra),
                                  count_columns=count_columns, policy=self.policy)

        def status(kind: str, group: str, column: str, arm: str | None = None) -> str:
            grouping = tuple(g for g in self._grouping(kind)) + extra
            values = (() if kind == "all" else (group,)) + ((arm,) if arm is not None else ())
            return str(outcome.status(grouping, values, column))

        return status

    def _grouping(self, kind: str) -> tuple[str, ...]:
        return () if kind == "all" else (_COLUMN[kind],)

    def _reason(self, status: str, unit: str, what: str = "") -> str:
        if status == "primary":
            return f"Fewer than {self.policy.min_n} {what or unit} in this group."
        return COMPLEMENT_REASON

    def _sums(self, frame: pd.DataFrame, kind: str, columns: Sequence[str],
              arm: bool = False) -> dict[tuple[str, ...], dict[str, float]]:
        keys = [*self._grouping(kind), *(("arm",) if arm else ())]
        if not keys:
            return {(): frame[list(columns)].sum().to_dict()}
        summed = frame.groupby(keys, observed=True)[list(columns)].sum()
        # One dict per group rather than a Series per row: 1,200 districts took a second as Series.
        return {tuple(str(k) for k in (key if isinstance(key, tuple) else (key,))): row
                for key, row in summed.to_dict("index").items()}

    def _each_group(self) -> list[tuple[str, str]]:
        return [("all", "all")] + [(kind, group) for kind in self.kinds[1:] for group in self.groups[kind]]

    # Participation -----------------------------------------------------------------------

    def participation(self, teachers: pd.DataFrame) -> list[MeasureRow]:
        status = self._suppress(teachers, ["n", "participants"])
        share_rows, hours_rows = [], []
        columns = ["n", "participants", "sum_h", "sum_h2"]
        sums = {kind: self._sums(teachers, kind, columns) for kind in self.kinds}
        for kind, group in self._each_group():
            key = () if kind == "all" else (group,)
            stats = sums[kind].get(key)
            if stats is None:
                continue
            n, count = int(stats["n"]), int(stats["participants"])
            n_status, count_status = status(kind, group, "n"), status(kind, group, "participants")
            if n_status != "published":
                reason = self._reason(n_status, "teachers")
                share_rows.append(MeasureRow("participation_share", kind, group, None, None, None, None, True, reason))
                hours_rows.append(MeasureRow("hours_per_teacher", kind, group, None, None, None, None, True, reason))
                continue
            if n == 0:
                empty = "No teachers in this group."
                share_rows.append(MeasureRow("participation_share", kind, group, 0, None, None, None, False, empty))
                hours_rows.append(MeasureRow("hours_per_teacher", kind, group, 0, None, None, None, False, empty))
                continue
            if count_status != "published":
                # The group is large enough, but its count of participants would give another away.
                share_rows.append(MeasureRow("participation_share", kind, group, None, None, None, None, True,
                                             COMPLEMENT_REASON))
            else:
                low, high = intervals.wilson(count, n, self.level)
                share_rows.append(MeasureRow("participation_share", kind, group, n, count / n, _f(low), _f(high),
                                             False, ""))
                if kind == "poverty_quartile":
                    self.quartile_stats.setdefault("participation_share", {})[group] = (count, n)
            mean, sd = _mean_sd(n, float(stats["sum_h"]), float(stats["sum_h2"]))
            low, high = intervals.mean_interval(mean, sd, n, self.level)
            hours_rows.append(MeasureRow("hours_per_teacher", kind, group, n, _f(mean), _f(low), _f(high), False, ""))
            if kind == "poverty_quartile":
                self.quartile_stats.setdefault("hours_per_teacher", {})[group] = (mean, sd, n)
        return share_rows + hours_rows

    def durable(self, teachers: pd.DataFrame) -> list[MeasureRow]:
        """Share of AI-related hours in durable formats, among teachers with any such hours."""
        cells = teachers.drop(columns=["n"]).rename(columns={"any_pl": "n"})
        status = self._suppress(cells, ["n"])
        columns = ["n", "sum_h", "sum_h2", "sum_d", "sum_d2", "sum_dh"]
        sums = {kind: self._sums(cells, kind, columns) for kind in self.kinds}
        rows = []
        for kind, group in self._each_group():
            stats = sums[kind].get(() if kind == "all" else (group,))
            if stats is None:
                continue
            n = int(stats["n"])
            n_status = status(kind, group, "n")
            if n_status != "published":
                rows.append(MeasureRow("durable_share", kind, group, None, None, None, None, True,
                                       self._reason(n_status, "teachers", "teachers with AI-related hours")))
                continue
            if n == 0:
                rows.append(MeasureRow("durable_share", kind, group, 0, None, None, None, False,
                                       "No teachers with AI-related hours in this group."))
                continue
            share, se = _ratio(n, *(float(stats[c]) for c in ("sum_h", "sum_h2", "sum_d", "sum_d2", "sum_dh")))
            low, high = intervals.normal_interval(share, se, self.level)
            rows.append(MeasureRow("durable_share", kind, group, n, share, _f(np.clip(low, 0.0, 1.0)),
                                   _f(np.clip(high, 0.0, 1.0)), False, ""))
            if kind == "poverty_quartile":
                self.quartile_stats.setdefault("durable_share", {})[group] = (share, se)
        return rows

    # Comparisons (coached or not; students of participating teachers or not) -------------

    def comparison(self, measure: str, cells: pd.DataFrame, *, unit: str, empty: str) -> list[MeasureRow]:
        self.compared.add(measure)
        cells = cells.copy()
        cells["arm"] = np.where(cells["arm"].astype(bool), "yes", "no")
        status = self._suppress(cells, ["n"], extra=("arm",))
        sums = {kind: self._sums(cells, kind, ["n", "sum_x", "sum_x2"], arm=True) for kind in self.kinds}
        rows = []
        arm_words = {"practice_change": ("teachers in a coaching cycle", "teachers not coached"),
                     "outcome_change": ("students of participating teachers", "other students")}[measure]
        for kind, group in self._each_group():
            key = () if kind == "all" else (group,)
            arms = {arm: sums[kind].get((*key, arm)) for arm in ("yes", "no")}
            if all(stats is None for stats in arms.values()):
                if kind == "all" or not cells.empty:
                    rows.append(MeasureRow(measure, kind, group, 0, None, None, None, False, empty))
                continue
            statuses = {arm: status(kind, group, "n", arm) if arms[arm] is not None else "published"
                        for arm in arms}
            hidden = [arm for arm in ("yes", "no") if statuses[arm] != "published"]
            if hidden:
                what = arm_words[0] if hidden[0] == "yes" else arm_words[1]
                rows.append(MeasureRow(measure, kind, group, None, None, None, None, True,
                                       self._reason(statuses[hidden[0]], unit, what)))
                continue
            n = {arm: int(stats["n"]) if stats is not None else 0 for arm, stats in arms.items()}
            if n["yes"] == 0 or n["no"] == 0:
                rows.append(MeasureRow(measure, kind, group, n["yes"] + n["no"], None, None, None, False, empty))
                continue
            yes = _mean_sd(n["yes"], float(arms["yes"]["sum_x"]), float(arms["yes"]["sum_x2"]))  # type: ignore[index]
            no = _mean_sd(n["no"], float(arms["no"]["sum_x"]), float(arms["no"]["sum_x2"]))  # type: ignore[index]
            low, high = intervals.welch_difference(yes[0], yes[1], n["yes"], no[0], no[1], n["no"], self.level)
            rows.append(MeasureRow(measure, kind, group, n["yes"] + n["no"], _f(yes[0] - no[0]), _f(low), _f(high),
                                   False, ""))
            if kind == "poverty_quartile":
                se = math.sqrt(yes[1] ** 2 / n["yes"] + no[1] ** 2 / n["no"]) if min(n.values()) >= 2 else math.nan
                self.quartile_stats.setdefault(measure, {})[group] = (yes[0] - no[0], se)
        return rows

    # Equity of access ----------------------------------------------------------------------

    def gaps(self) -> list[Gap]:
        measures = ["participation_share", "hours_per_teacher", "durable_share", "practice_change"]
        if "outcome_change" in self.compared:
            measures.append("outcome_change")
        out = []
        for measure in measures:
            stats = self.quartile_stats.get(measure, {})
            high, low = stats.get(HIGH_POVERTY), stats.get(LOW_POVERTY)
            if high is None or low is None:
                out.append(Gap(measure, HIGH_POVERTY, LOW_POVERTY, None, None, None, True))
                continue
            if measure == "participation_share":
                diff = high[0] / high[1] - low[0] / low[1]
                bounds = intervals.newcombe_difference(high[0], high[1], low[0], low[1], self.level)
            elif measure == "hours_per_teacher":
                diff = high[0] - low[0]
                bounds = intervals.welch_difference(*high, *low, self.level)
            else:
                diff = high[0] - low[0]
                bounds = intervals.normal_interval(diff, math.sqrt(high[1] ** 2 + low[1] ** 2), self.level)
            out.append(Gap(measure, HIGH_POVERTY, LOW_POVERTY, _f(diff), _f(bounds.low), _f(bounds.high), False))
        return out


def _ratio(n: int, sum_h: float, sum_h2: float, sum_d: float, sum_d2: float, sum_dh: float) -> tuple[float, float]:
    """Ratio ``sum_d / sum_h`` and its linearised standard error over ``n`` teachers.

    With residuals ``e_i = d_i - R h_i``: ``se^2 = sum(e_i^2) / (n (n - 1) hbar^2)``.
    """
    ratio = sum_d / sum_h
    if n < 2:
        return ratio, math.nan
    residual = max(sum_d2 - 2 * ratio * sum_dh + ratio * ratio * sum_h2, 0.0)
    mean_h = sum_h / n
    return ratio, math.sqrt(residual / (n * (n - 1))) / mean_h
