"""A synthetic state's year of professional learning, written straight to the measure tables.

The districts, their sizes, locales and poverty come from the roster generator's plan
(:func:`trellis.engine.synth.roster_plan.build_plan`), so the ``state`` size has its 1,200
districts, about 370,000 teachers and 5.5 million students. What is built in, and nothing else:

- districts offer less professional learning the poorer they are (quartiles 3 and 4) and the more
  rural (town and rural) they are, by ``poverty_effect`` and ``rural_effect`` (multiplying how
  much a teacher takes); the share in durable formats falls the same way;
- the observed levels of coached teachers rise by one level with probability ``coaching_gain``
  between the autumn and the spring observation; every observed teacher's level also moves by
  one up or down with a small chance, the same for coached and other teachers;
- students' outcomes (``post - pre``) rise by ``outcome_gain`` more for students of teachers at
  or above ``hours_threshold`` hours (0 by default: no effect built in).

Deterministic for a seed. Written district block by district block with pyarrow.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from trellis.engine.measures.schema import SCHEMAS, table_path, year_bounds
from trellis.engine.synth.roster_plan import SIZES, SynthSize, build_plan

# The plan's locale codes, in order.
_LOCALES = np.array(["city", "suburb", "town", "rural"])
COMPETENCIES = ("AI-CFT.1.1", "AI-CFT.2.1", "AI-CFT.3.1", "AI-CFT.4.1")
_BLOCK_DISTRICTS = 60


@dataclass(frozen=True)
class PLPattern:
    """What the generator builds in (see the module docstring)."""

    poverty_effect: float = 0.45
    rural_effect: float = 0.3
    coaching_gain: float = 0.6
    outcome_gain: float = 0.0
    hours_threshold: float = 10.0
    observed_share: float = 0.3
    coached_share: float = 0.4


def _hex_keys(prefix: str, start: int, count: int) -> pa.Array:
    numbers = np.arange(start, start + count, dtype=np.int64)
    return pa.array(np.char.add(prefix, np.char.zfill(numbers.astype(str), 10)))


def generate_tables(
    out_dir: str | Path,
    *,
    size: str | SynthSize = "medium",
    seed: int = 1,
    year: int = 2026,
    pattern: PLPattern = PLPattern(),  # noqa: B008 - frozen, so a safe default
    outcomes: bool = True,
    students_scale: float = 1.0,
) -> dict[str, int]:
    """Write the measure tables of one synthetic state; return the number of rows of each."""
    plan = build_plan(SIZES[size] if isinstance(size, str) else size, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 21])
    n_d = plan.n_districts
    district_ids = np.array([f"d{d:05d}" for d in range(n_d)])
    poverty = plan.district_poverty
    order = np.argsort(np.argsort(poverty, kind="stable"), kind="stable")
    quartile = (order * 4 // n_d + 1).astype(np.int8)
    locale = _LOCALES[plan.district_locale]
    pq.write_table(pa.Table.from_pydict({
        "district_id": district_ids, "name": list(plan.district_names),
        "region": [plan.region_names[r] for r in plan.district_region],
        "locale": locale, "poverty_quartile": quartile,
    }, schema=SCHEMAS["districts"]), table_path(out, "districts"))
    offer = (1.0 - pattern.poverty_effect * (quartile >= 3)) * (1.0 - pattern.rural_effect
                                                               * np.isin(locale, ("town", "rural")))
    teachers_of = np.add.reduceat(plan.school_teachers, plan.school_start[:-1]).astype(np.int64)
    students_of = np.maximum((plan.district_students * students_scale).astype(np.int64), 1)
    first, _ = year_bounds(year)
    epoch = (first - datetime.date(1970, 1, 1)).days
    names = ["teachers", "pl", "observations", *(("outcomes", "class_teachers") if outcomes else ())]
    writers = {name: pq.ParquetWriter(table_path(out, name), SCHEMAS[name]) for name in names}
    counts = dict.fromkeys(names, 0)
    teacher_start = np.concatenate([[0], np.cumsum(teachers_of)])
    student_start = np.concatenate([[0], np.cumsum(students_of)])
    try:
        for block in range(0, n_d, _BLOCK_DISTRICTS):
            ds = np.arange(block, min(block + _BLOCK_DISTRICTS, n_d))
            tables = _block(rng, ds, district_ids, teachers_of, students_of, teacher_start, student_start,
                            offer, epoch, pattern, outcomes)
            for name, table in tables.items():
                writers[name].write_table(table)
                counts[name] += table.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    counts["districts"] = n_d
    return counts


def _block(
    rng: np.random.Generator, ds: np.ndarray, district_ids: np.ndarray, teachers_of: np.ndarray,
    students_of: np.ndarray, teacher_start: np.ndarray, student_start: np.ndarray, offer: np.ndarray,
    epoch: int, pattern: PLPattern, outcomes: bool,
) -> dict[str, pa.Table]:
    n_t = int(teachers_of[ds].sum())
    t0 = int(teacher_start[ds[0]])
    keys = _hex_keys("t", t0, n_t)
    district = np.repeat(ds, teachers_of[ds])
    reach = offer[district]
    school = np.char.add(district_ids[district], np.char.add("-s", (np.arange(n_t) % 7).astype(str)))
    tables: dict[str, pa.Table] = {"teachers": pa.Table.from_arrays(
        [keys, pa.array(district_ids[district]), pa.array(school)], schema=SCHEMAS["teachers"])}

    # Professional learning: one-time workshops of 1.5-3 hours, and durable offerings taken in
    # several sessions, both scaled by how much the district offers.
    workshops = rng.poisson(3.2 * reach)
    durable_takers = rng.random(n_t) < 0.35 * reach * reach
    sessions = np.where(durable_takers, rng.integers(3, 7, n_t), 0)
    w_teacher = np.repeat(np.arange(n_t), workshops)
    d_teacher = np.repeat(np.arange(n_t), sessions)
    d_format = rng.choice(np.array(["course", "coaching", "plc", "micro_credential"]), n_t)[d_teacher]
    owner = np.concatenate([w_teacher, d_teacher])
    formats = np.concatenate([np.full(w_teacher.size, "workshop"), d_format])
    hours = np.concatenate([rng.choice([1.5, 2.0, 3.0], w_teacher.size), rng.choice([2.0, 3.0, 4.0], d_teacher.size)])
    ai_related = rng.random(owner.size) < 0.9
    offering = np.char.add(np.char.add("o", district_ids[district[owner]]),
                           np.char.add("-", rng.integers(0, 12, owner.size).astype(str)))
    days = epoch + rng.integers(60, 340, owner.size)
    tables["pl"] = pa.Table.from_arrays([
        pa.array(np.asarray(keys)[owner]) if owner.size else pa.array([], pa.string()),
        pa.array(offering), pa.array(formats), pa.array(ai_related), pa.array(hours, pa.float64()),
        pa.array(days.astype("datetime64[D]"), pa.date32()),
    ], schema=SCHEMAS["pl"])

    # Observations: an autumn and a spring visit on each competency for a share of teachers.
    observed = np.flatnonzero(rng.random(n_t) < pattern.observed_share)
    coached = rng.random(observed.size) < pattern.coached_share
    n_c = len(COMPETENCIES)
    start = rng.integers(1, 4, (observed.size, n_c))
    drift = np.where(coached[:, None], rng.random((observed.size, n_c)) < pattern.coaching_gain, 0).astype(int)
    noise = rng.choice([-1, 0, 0, 0, 0, 0, 0, 0, 0, 1], (observed.size, n_c))
    later = np.clip(start + drift + noise, 1, 4)
    levels = np.stack([start, later], axis=2)  # teacher, competency, visit
    o_teacher = np.repeat(observed, n_c * 2)
    o_competency = np.tile(np.repeat(np.array(COMPETENCIES), 2), observed.size)
    o_day = epoch + np.tile(np.array([95, 245]), observed.size * n_c)
    tables["observations"] = pa.Table.from_arrays([
        pa.array(np.asarray(keys)[o_teacher]) if o_teacher.size else pa.array([], pa.string()),
        pa.array(o_competency), pa.array(levels.reshape(-1).astype(np.int16)),
        pa.array(o_day.astype("datetime64[D]"), pa.date32()), pa.array(np.repeat(coached, n_c * 2)),
    ], schema=SCHEMAS["observations"])

    if outcomes:
        took = np.bincount(owner, weights=hours * ai_related, minlength=n_t) >= pattern.hours_threshold
        n_s = int(students_of[ds].sum())
        s_district = np.repeat(ds, students_of[ds])
        # Each student has one to three teachers of their own district.
        local_start = (teacher_start[s_district] - t0).astype(np.int64)
        links = rng.integers(1, 4, n_s)
        l_student = np.repeat(np.arange(n_s), links)
        l_teacher = local_start[l_student] + (rng.random(l_student.size) * teachers_of[s_district][l_student]).astype(
            np.int64)
        has_took = np.zeros(n_s, dtype=bool)
        np.logical_or.at(has_took, l_student, took[l_teacher])
        student_keys = np.asarray(_hex_keys("s", int(student_start[ds[0]]), n_s))
        pre = rng.normal(0.0, 1.0, n_s)
        post = pre + 0.2 + pattern.outcome_gain * has_took + rng.normal(0.0, 0.5, n_s)
        tables["outcomes"] = pa.Table.from_arrays(
            [pa.array(student_keys), pa.array(pre), pa.array(post)], schema=SCHEMAS["outcomes"])
        tables["class_teachers"] = pa.Table.from_arrays(
            [pa.array(student_keys[l_student]), pa.array(np.asarray(keys)[l_teacher])],
            schema=SCHEMAS["class_teachers"])
    return tables
