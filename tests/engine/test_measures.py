"""The professional-learning measures: intervals against statsmodels, the built-in pattern, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from tests.engine.measures_data import Teacher, write_state
from trellis.engine.measures import MeasureInputError, compute
from trellis.engine.measures.synth import PLPattern, generate_tables

TOL = 1e-9
DISTRICTS = [("d1", 1, "suburb"), ("d2", 2, "city"), ("d3", 3, "town"), ("d4", 4, "rural")]


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """Forty to seventy teachers per district with random hours, observations and students."""
    rng = np.random.default_rng(7)
    teachers, outcomes = [], []
    for index, (district, _, _) in enumerate(DISTRICTS):
        for t in range(40 + 10 * index):
            key = f"{district}-t{t}"
            coached = bool(rng.random() < 0.5)
            levels = []
            if rng.random() < 0.6:
                for competency in ("A", "B"):
                    start = int(rng.integers(1, 4))
                    levels.append((competency, start, int(min(4, start + rng.integers(0, 2 + coached)))))
            teachers.append(Teacher(key, district, workshop_hours=float(rng.choice([0, 2, 3, 6])) / (index + 1),
                                    durable_hours=float(rng.choice([0, 0, 8, 12])), levels=levels, coached=coached))
            for s in range(3):
                pre = float(rng.normal(200, 10))
                outcomes.append((f"{key}-s{s}", key, pre, pre + float(rng.normal(5, 4))))
    folder = write_state(tmp_path_factory.mktemp("raw"), DISTRICTS, teachers, outcomes)
    return folder, teachers, outcomes


def _hours(t: Teacher) -> float:
    return t.workshop_hours + t.durable_hours


def _change(t: Teacher) -> float:
    return float(np.mean([spring - autumn for _, autumn, spring in t.levels]))


def test_intervals_match_statsmodels_on_the_same_counts(raw):
    folder, teachers, outcomes = raw
    result = compute(folder, year=2026, hours_threshold=10, min_n=5)
    quartile = {d: q for d, q, _ in DISTRICTS}

    def share(group):
        n = len(group)
        count = sum(_hours(t) >= 10 for t in group)
        return count, n

    count, n = share(teachers)
    row = result.row("participation_share")
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    assert (row.n, row.value) == (n, count / n)
    assert abs(row.low - low) < TOL and abs(row.high - high) < TOL

    hours = DescrStatsW(np.array([_hours(t) for t in teachers]))
    row = result.row("hours_per_teacher")
    assert abs(row.value - hours.mean) < TOL
    assert np.allclose((row.low, row.high), hours.tconfint_mean(alpha=0.05), rtol=0, atol=TOL)

    observed = [t for t in teachers if t.levels]
    coached = DescrStatsW(np.array([_change(t) for t in observed if t.coached]))
    others = DescrStatsW(np.array([_change(t) for t in observed if not t.coached]))
    row = result.row("practice_change")
    assert row.n == len(observed) and abs(row.value - (coached.mean - others.mean)) < TOL
    assert np.allclose((row.low, row.high), CompareMeans(coached, others).tconfint_diff(alpha=0.05, usevar="unequal"),
                       rtol=0, atol=TOL)

    took = {t.key for t in teachers if _hours(t) >= 10}
    change = {True: [], False: []}
    for _, key, pre, post in outcomes:
        change[key in took].append(post - pre)
    yes, no = DescrStatsW(np.array(change[True])), DescrStatsW(np.array(change[False]))
    row = result.row("outcome_change")
    assert abs(row.value - (yes.mean - no.mean)) < TOL
    assert np.allclose((row.low, row.high), CompareMeans(yes, no).tconfint_diff(alpha=0.05, usevar="unequal"),
                       rtol=0, atol=TOL)

    q4 = [t for t in teachers if quartile[t.district] == 4]
    q1 = [t for t in teachers if quartile[t.district] == 1]
    (c4, n4), (c1, n1) = share(q4), share(q1)
    gap = result.gap("participation_share")
    low, high = confint_proportions_2indep(c4, n4, c1, n1, method="newcomb", compare="diff", alpha=0.05)
    assert abs(gap.diff - (c4 / n4 - c1 / n1)) < TOL
    assert abs(gap.low - low) < TOL and abs(gap.high - high) < TOL
    gap = result.gap("hours_per_teacher")
    h4, h1 = DescrStatsW(np.array([_hours(t) for t in q4])), DescrStatsW(np.array([_hours(t) for t in q1]))
    assert np.allclose((gap.low, gap.high), CompareMeans(h4, h1).tconfint_diff(alpha=0.05, usevar="unequal"),
                       rtol=0, atol=TOL)

    # Durable share: a ratio of sums over teachers with any AI-related hours, linearised.
    with_pl = [t for t in teachers if _hours(t) > 0]
    h = np.array([_hours(t) for t in with_pl])
    d = np.array([t.durable_hours for t in with_pl])
    ratio = d.sum() / h.sum()
    se = math.sqrt(np.sum((d - ratio * h) ** 2) / (len(h) - 1) / len(h)) / h.mean()
    row = result.row("durable_share")
    assert row.n == len(with_pl) and abs(row.value - ratio) < TOL
    z = norm.isf(0.025)
    assert abs(row.low - (ratio - z * se)) < TOL and abs(row.high - (ratio + z * se)) < TOL


def test_the_result_is_json_safe_and_says_practice_is_not_causal(raw):
    result = compute(raw[0], year=2026, min_n=5)
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert "not a causal estimate" in text
    assert {row["group_kind"] for row in result.to_dict()["rows"]} == {"all", "poverty_quartile", "locale"}


def test_another_year_has_no_learning_and_no_observations(raw):
    result = compute(raw[0], year=2027, min_n=5)
    assert result.row("participation_share").value == 0.0
    assert result.row("hours_per_teacher").value == 0.0
    row = result.row("practice_change")
    assert row.value is None and not row.suppressed and row.reason


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The medium synthetic state (50 districts, about 4,000 teachers), with and without effects."""
    built = tmp_path_factory.mktemp("built")
    generate_tables(built, size="medium", seed=5, outcomes=True)
    flat = tmp_path_factory.mktemp("flat")
    generate_tables(flat, size="medium", seed=5, outcomes=True,
                    pattern=PLPattern(poverty_effect=0.0, rural_effect=0.0, coaching_gain=0.0))
    return built, flat


def _excludes_zero(low: float, high: float) -> bool:
    return low > 0 or high < 0


def test_the_measures_find_what_the_generator_built_in(synthetic):
    result = compute(synthetic[0], year=2026)
    gap = result.gap("participation_share")
    assert gap.diff < 0 and gap.high < 0  # high-poverty districts' teachers take less
    assert result.gap("hours_per_teacher").high < 0
    rural, suburb = result.row("participation_share", "locale", "rural"), result.row(
        "participation_share", "locale", "suburb")
    assert rural.high < suburb.low
    practice = result.row("practice_change")
    assert practice.low > 0.3  # coached teachers' levels rise by about 0.6 more
    outcome = result.row("outcome_change")
    assert not _excludes_zero(outcome.low, outcome.high)  # no outcome effect was built in


def test_and_nothing_else(synthetic):
    result = compute(synthetic[1], year=2026)
    for measure in ("participation_share", "hours_per_teacher", "practice_change"):
        gap = result.gap(measure)
        assert not _excludes_zero(gap.low, gap.high), gap
    practice = result.row("practice_change")
    assert not _excludes_zero(practice.low, practice.high)
    shares = [result.row("participation_share", "locale", locale) for locale in ("city", "suburb", "town", "rural")]
    assert max(row.low for row in shares) < min(row.high for row in shares)  # no locale gap


def test_bad_input_names_the_file_and_column(tmp_path, raw):
    with pytest.raises(MeasureInputError, match="districts.parquet is missing"):
        compute(tmp_path, year=2026)
    folder = raw[0]
    with pytest.raises(MeasureInputError, match="unknown group kind 'school'"):
        compute(folder, year=2026, by=("school",))
    with pytest.raises(MeasureInputError, match="positive number"):
        compute(folder, year=2026, hours_threshold=0)
    import pyarrow as pa
    import pyarrow.parquet as pq

    copy = tmp_path / "copy"
    copy.mkdir()
    for path in folder.glob("*.parquet"):
        (copy / path.name).write_bytes(path.read_bytes())
    pq.write_table(pa.table({"teacher_key": ["a"], "district": ["d1"]}), copy / "teachers.parquet")
    with pytest.raises(MeasureInputError, match="teachers.parquet has no column 'district_id'"):
        compute(copy, year=2026)
    (copy / "class_teachers.parquet").unlink()
    with pytest.raises(MeasureInputError, match="outcomes.parquet is in .* but class_teachers.parquet is not"):
        compute(copy, year=2026)
