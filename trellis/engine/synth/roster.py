"""A deterministic synthetic state, written as a OneRoster 1.2 CSV bulk export.

``generate_state("state", seed=1, out_dir=path)`` writes ``manifest.csv``, ``orgs.csv``,
``users.csv``, ``roles.csv``, ``demographics.csv``, ``academicSessions.csv``, ``courses.csv``,
``classes.csv`` and ``enrollments.csv``. The same size and seed always give byte-identical files.

The state has one state org, regional education service centers (org type ``local``), districts
(``district``, parent = region) and schools (``school``, parent = district). District enrollments
are log-normal; locale (``metadata.locale``: city, suburb, town, rural) follows district size; the
share of students economically disadvantaged varies by locale, district and school, and the other
subgroups follow race/ethnicity, poverty, grade and sex at about national rates. Students are drawn
district by district with numpy and written in batches with pyarrow, so the ``state`` size (5.5
million students, about 15 million enrollments) needs well under 2 GB of memory.

Trellis conventions the OneRoster reader relies on:

- ``orgs.csv`` carries ``metadata.locale`` on district and school rows;
- ``demographics.csv`` carries the ESSA subgroups as ``metadata.englishLearner``,
  ``metadata.studentWithDisability``, ``metadata.economicallyDisadvantaged``, ``metadata.homeless``,
  ``metadata.fosterCare``, ``metadata.militaryConnected`` and ``metadata.migrant`` (true/false);
- a Hispanic student has ``hispanicOrLatinoEthnicity`` true and may also have a race flag; a
  student of two or more races has ``demographicRaceTwoOrMoreRaces`` true and two race flags;
- ``roles.csv`` uses the OneRoster 1.2 role vocabulary: ``teacher``, ``aide``, ``principal`` and
  ``siteAdministrator`` (assistant principals) at schools, ``districtAdministrator`` at district
  offices and regional service centers, ``student``; every student has exactly one role,
  primary, at their school, and a few teachers a secondary role at a second school;
- every class has exactly one enrollment with role teacher and ``primary`` true.

All names are random combinations of generic words; students have no e-mail, phone or password,
and staff e-mail addresses use the reserved ``.example`` domain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trellis.engine.synth import roster_csv as csv
from trellis.engine.synth.roster_people import (
    DistrictRows,
    SecondRoleRows,
    StudentRows,
    draw_district,
    region_staff,
)
from trellis.engine.synth.roster_plan import (
    COURSES_PER_DISTRICT,
    SIZES,
    StatePlan,
    SynthSize,
    build_plan,
)

__all__ = ["FILES", "SIZES", "SynthSize", "SynthSummary", "generate_state"]

FILES: tuple[str, ...] = ("manifest.csv", *csv.HEADERS)
CHUNK_STUDENTS = 250_000  # districts are drawn and written in batches of about this many students

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SynthSummary:
    """What ``generate_state`` wrote: counts of each kind of record and the wall time."""

    size: str
    seed: int
    regions: int
    districts: int
    schools: int
    staff: int
    teachers: int
    students: int
    classes: int
    enrollments: int
    seconds: float
    rows: tuple[tuple[str, int], ...]  # data rows per file, header excluded


def _resolve(size: str | SynthSize) -> SynthSize:
    if isinstance(size, SynthSize):
        return size
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}") from None


def _chunks(plan: StatePlan) -> Iterator[range]:
    """Consecutive districts with about ``CHUNK_STUDENTS`` students between them."""
    first = 0
    total = 0
    for d, students in enumerate(plan.district_students):
        total += int(students)
        if total >= CHUNK_STUDENTS:
            yield range(first, d + 1)
            first, total = d + 1, 0
    if first < plan.n_districts:
        yield range(first, plan.n_districts)


def _write_chunk(
    files: csv.RosterFiles, plan: StatePlan, rows: DistrictRows, org_ids: csv.OrgIds
) -> None:
    staff = csv.staff_users_table(rows.staff, org_ids)
    students = csv.student_users_table(rows.students, org_ids)
    # users.csv lists each district's staff, then its students.
    staff_district = rows.staff.domain
    student_district = plan.school_district[rows.students.school]
    districts = np.unique(staff_district)
    staff_cut = np.searchsorted(staff_district, districts, side="right")
    student_cut = np.searchsorted(student_district, districts, side="right")
    staff_from = student_from = 0
    for staff_to, student_to in zip(staff_cut, student_cut, strict=True):
        files.write("users.csv", staff.slice(staff_from, staff_to - staff_from))
        files.write("users.csv", students.slice(student_from, student_to - student_from))
        staff_from, student_from = int(staff_to), int(student_to)
    files.write("roles.csv", csv.roles_table(rows.students, rows.staff, rows.second_roles, org_ids))
    files.write("demographics.csv", csv.demographics_table(rows.students))
    files.write("classes.csv", csv.classes_table(rows.classes, org_ids))
    files.write("enrollments.csv", csv.enrollments_table(rows.enrollments, org_ids))


def generate_state(
    size: str | SynthSize,
    *,
    seed: int,
    out_dir: Path,
    progress: Progress | None = None,
) -> SynthSummary:
    """Write a synthetic state of the given size as a OneRoster 1.2 CSV bulk export.

    Parameters
    ----------
    size
        ``"small"`` (1 district, about 1,500 students), ``"medium"`` (50 districts, 60,000
        students), ``"state"`` (1,200 districts, about 9,000 schools, 5.5 million students), or a
        custom ``SynthSize``.
    seed
        Seeds every random draw: the same size and seed give byte-identical files.
    out_dir
        Directory for the nine files (created if missing; files of the same name are replaced).
    progress
        Called as ``progress(stage, done, total)`` while districts are drawn.

    Returns
    -------
    SynthSummary
        Counts of what was written and the wall time in seconds.

    Notes
    -----
    Teachers number about one per 15 students (``STUDENTS_PER_TEACHER`` by locale), with at least
    one per homeroom plus one for the scheduled sections; each school also has a principal, an
    assistant principal per 700 students and aides (one per 110 KG-5 and per 300 older
    students), each district an office of one administrator per 4,000 students (at least one),
    each region four administrators.
    """
    started = time.perf_counter()
    spec = _resolve(size)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = build_plan(spec, seed)
    org_ids = csv.OrgIds(plan)
    report = progress or (lambda stage, done, total: None)
    report("districts", 0, plan.n_districts)

    with csv.RosterFiles(out_dir) as files:
        files.write("orgs.csv", csv.orgs_table(plan, org_ids))
        files.write("academicSessions.csv", csv.academic_sessions_table())
        files.write("courses.csv", csv.courses_table(plan, org_ids))
        regional = region_staff(plan)
        files.write("users.csv", csv.staff_users_table(regional, org_ids))
        files.write(
            "roles.csv",
            csv.roles_table(StudentRows.empty(), regional, SecondRoleRows.empty(), org_ids),
        )
        for chunk in _chunks(plan):
            rows = DistrictRows.concat([draw_district(plan, d) for d in chunk])
            _write_chunk(files, plan, rows, org_ids)
            report("districts", chunk.stop, plan.n_districts)
        written = dict(files.rows)

    _check_counts(plan, written)
    return SynthSummary(
        size=spec.name,
        seed=seed,
        regions=spec.regions,
        districts=plan.n_districts,
        schools=plan.n_schools,
        staff=plan.n_staff,
        teachers=int(plan.school_teachers.sum()),
        students=plan.n_students,
        classes=plan.n_classes,
        enrollments=plan.n_enrollments,
        seconds=time.perf_counter() - started,
        rows=tuple(written.items()),
    )


def _check_counts(plan: StatePlan, written: dict[str, int]) -> None:
    """The files hold exactly the rows the plan numbered (a guard against off-by-one slicing)."""
    expected = {
        "orgs.csv": 1 + plan.size.regions + plan.n_districts + plan.n_schools,
        "users.csv": plan.n_staff + plan.n_students,
        "roles.csv": int(plan.role_start[-1]),
        "demographics.csv": plan.n_students,
        "academicSessions.csv": len(csv.ACADEMIC_SESSIONS),
        "courses.csv": plan.n_districts * COURSES_PER_DISTRICT,
        "classes.csv": plan.n_classes,
        "enrollments.csv": plan.n_enrollments,
    }
    if written != expected:
        raise AssertionError(f"rows written {written} differ from the plan {expected}")
