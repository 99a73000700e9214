"""Every published measure cell passes minimum-n and complementary suppression across group kinds.

The attack: an outsider holds every published row (all, districts, quartiles, locales) and knows
how districts nest in quartiles and locales. For each hidden group, a linear programme finds the
smallest and largest count consistent with everything published (and with the published reasons:
a group "with fewer than min_n" holds 1 to min_n - 1). A group is recovered when both agree.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from scipy.optimize import linprog

from tests.engine.measures_data import Teacher, write_state
from trellis.engine.measures import MeasureResult, compute
from trellis.engine.suppression import SuppressionResult

MIN_N = 10
# Districts by quartile and locale; e3 (4 teachers) and q2's only small district are below min_n.
DISTRICTS = [
    ("a1", 1, "suburb", 30), ("a2", 1, "city", 25), ("b1", 2, "suburb", 6), ("b2", 2, "town", 40),
    ("c1", 3, "town", 22), ("c2", 3, "rural", 18), ("e1", 4, "rural", 35), ("e2", 4, "rural", 12),
    ("e3", 4, "city", 4),
]


def _teachers(rng: np.random.Generator) -> list[Teacher]:
    out = []
    for district, _, _, size in DISTRICTS:
        for t in range(size):
            # In b2 (40 teachers) only four are in a coaching cycle.
            coached = t < 4 if district == "b2" else bool(t % 2)
            out.append(Teacher(f"{district}-{t}", district, workshop_hours=float(rng.choice([0, 4, 12])),
                               levels=[("A", 1, 2)] if coached else [("A", 2, 2)], coached=coached))
    return out


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return write_state(tmp_path_factory.mktemp("sup"), [d[:3] for d in DISTRICTS], _teachers(np.random.default_rng(3)))


def attack(result: MeasureResult, measure: str, count: str,
           districts_given: list[tuple[str, int, str, int]] = DISTRICTS) -> dict[str, tuple[float, float]]:
    """Feasible interval of every hidden district and group count of one measure.

    ``count`` is ``"n"`` (the group size) or ``"participants"`` (``value * n`` of a share). For
    participants the attacker also knows every published size, and that participants <= size.
    """
    rows = {(r.group_kind, r.group): r for r in result.rows if r.measure == measure}
    sizes = {(r.group_kind, r.group): r for r in result.rows if r.measure == "participation_share"}
    districts = [d[0] for d in districts_given]
    member = {("all", "all"): districts}
    for d, q, locale, _ in districts_given:
        member.setdefault(("district", d), []).append(d)
        member.setdefault(("poverty_quartile", str(q)), []).append(d)
        member.setdefault(("locale", locale), []).append(d)
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    bounds = []
    for d in districts:
        row = sizes.get(("district", d))
        if count == "n" or row is None or row.n is None:
            bounds.append((0, None))
        else:
            bounds.append((0, row.n))
    for key, ds in member.items():
        vector = [1.0 if d in ds else 0.0 for d in districts]
        row = rows.get(key)
        if row is None:
            continue
        if not row.suppressed:
            value = row.n if count == "n" else row.value * row.n
            a_eq.append(vector)
            b_eq.append(value)
        elif count == "n":
            a_ub.append([-v for v in vector])
            b_ub.append(-1.0)  # empty groups are published, so a hidden one holds someone
            if row.reason.startswith("Fewer than"):
                a_ub.append(vector)
                b_ub.append(MIN_N - 1.0)
    found = {}
    for key, row in rows.items():
        if not row.suppressed:
            continue
        vector = np.array([1.0 if d in member[key] else 0.0 for d in districts])
        ends = []
        for sign in (1.0, -1.0):
            solution = linprog(sign * vector, A_eq=a_eq or None, b_eq=b_eq or None, A_ub=a_ub or None,
                               b_ub=b_ub or None, bounds=bounds, method="highs")
            assert solution.status == 0, solution.message
            ends.append(sign * solution.fun)
        found[key] = (ends[0], ends[1])
    return found


def _recovered(intervals: dict[str, tuple[float, float]]) -> list:
    return [key for key, (low, high) in intervals.items() if high - low < 1.0 - 1e-6]


def test_small_groups_are_hidden_with_complements_and_say_why(tables):
    result = compute(tables, year=2026, min_n=MIN_N, by=("district", "poverty_quartile", "locale"))
    e3 = result.row("participation_share", "district", "e3")
    assert e3.suppressed and e3.n is None and e3.value is None and e3.low is None
    assert e3.reason == f"Fewer than {MIN_N} teachers in this group."
    hidden = [r for r in result.rows if r.measure == "participation_share" and r.suppressed]
    assert len(hidden) > 2  # e3, b1 and at least one complement each
    assert any(r.reason.startswith("Hidden so that") for r in hidden)
    # hours per teacher are hidden exactly where the group size is
    assert {(r.group_kind, r.group) for r in hidden} == {
        (r.group_kind, r.group) for r in result.rows if r.measure == "hours_per_teacher" and r.suppressed}


@pytest.mark.parametrize("count", ["n", "participants"])
def test_subtracting_published_cells_across_group_kinds_recovers_nothing(tables, count):
    result = compute(tables, year=2026, min_n=MIN_N, by=("district", "poverty_quartile", "locale"))
    found = attack(result, "participation_share", count)
    assert ("district", "e3") in found
    assert _recovered(found) == []


def test_the_attack_does_recover_a_cell_when_complements_are_left_out(tables, monkeypatch):
    """The same attack against primary suppression alone (a group is hidden only when it is small):
    it works the small districts out from the quartile and locale totals."""
    module = importlib.import_module("trellis.engine.measures.compute")
    real = module.suppress_groups

    def primary_only(cells, **kwargs):
        outcome = real(cells, **kwargs)
        table = outcome.table.copy()
        size = {(g, v): n for g, v, c, n in zip(table["grouping"], table["group"], table["column"], table["value"],
                                                 strict=True) if c == "n"}
        table["status"] = ["primary" if 0 < size[(g, v)] < MIN_N else "published"
                           for g, v in zip(table["grouping"], table["group"], strict=True)]
        return SuppressionResult(table=table, policy=outcome.policy, attributes=outcome.attributes,
                                 groupings=outcome.groupings, count_columns=outcome.count_columns,
                                 denominators=outcome.denominators)

    monkeypatch.setattr(module, "suppress_groups", primary_only)
    result = compute(tables, year=2026, min_n=MIN_N, by=("district", "poverty_quartile", "locale"))
    assert {("district", "e3"), ("district", "b1")} <= set(_recovered(attack(result, "participation_share", "n")))


def test_a_small_quartile_is_protected_against_the_state_total(tmp_path):
    """Quartile 2 has 5 teachers: the state total minus the other quartiles would give it away."""
    districts = [("a", 1, "suburb", 40), ("b", 2, "suburb", 5), ("c", 3, "rural", 30), ("d", 4, "rural", 25)]
    teachers = [Teacher(f"{d}-{i}", d, workshop_hours=12.0 * (i % 2)) for d, _, _, n in districts for i in range(n)]
    result = compute(write_state(tmp_path, [d[:3] for d in districts], teachers), year=2026, min_n=MIN_N)
    hidden = {(r.group_kind, r.group) for r in result.rows if r.measure == "participation_share" and r.suppressed}
    assert ("poverty_quartile", "2") in hidden and len(hidden) >= 2
    found = attack(result, "participation_share", "n", districts)
    assert ("poverty_quartile", "2") in found and _recovered(found) == []
    ends_hidden = bool({("poverty_quartile", "1"), ("poverty_quartile", "4")} & hidden)
    gap = result.gap("participation_share")
    assert gap.suppressed is ends_hidden and (gap.diff is None) is ends_hidden


def test_practice_arms_below_min_n_hide_the_comparison(tables):
    result = compute(tables, year=2026, min_n=MIN_N, by=("district",))
    e3 = result.row("practice_change", "district", "e3")
    assert e3.suppressed and e3.value is None
    b2 = result.row("practice_change", "district", "b2")  # 40 observed, but only 4 coached
    assert b2.suppressed and b2.n is None
    assert b2.reason == f"Fewer than {MIN_N} teachers in a coaching cycle in this group."
    a1 = result.row("practice_change", "district", "a1")
    assert not a1.suppressed and a1.value == 1.0  # coached rose a level, the others did not
    assert sum(r.suppressed for r in result.rows if r.measure == "practice_change" and r.group_kind == "district") >= 2
