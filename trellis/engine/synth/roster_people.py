"""Students, staff, classes and enrollments of one district, drawn as numpy arrays.

Each district has its own random stream (``[seed, 1, district]``) and its own slice of the
state-wide numbering (``StatePlan.*_start``), so districts can be drawn in any order, alone or in
chunks, and the files come out the same.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Self

import numpy as np

from trellis.engine.synth import roster_names as names
from trellis.engine.synth.roster_plan import (
    AMERICAN_INDIAN,
    ASIAN,
    BLACK,
    COURSES_PER_DISTRICT,
    FIRST_SECONDARY_GRADE,
    HISPANIC,
    HOMEROOM_CAP,
    N_GRADES,
    PACIFIC_ISLANDER,
    REGION_STAFF,
    RURAL,
    SECONDARY_SUBJECTS,
    SECTION_CAP,
    TOWN,
    TWO_OR_MORE,
    WHITE,
    StatePlan,
    ceil_div,
)

# Staff roles, in the OneRoster 1.2 vocabulary (see roster_csv.ROLE_NAMES).
TEACHER, PRINCIPAL, SITE_ADMINISTRATOR, AIDE, DISTRICT_ADMINISTRATOR, STUDENT = range(6)
AT_SCHOOL, AT_DISTRICT, AT_REGION = range(3)

N_GIVEN_FEMALE = len(names.GIVEN_NAMES_FEMALE)
N_GIVEN_MALE = len(names.GIVEN_NAMES_MALE)
N_FAMILY = len(names.FAMILY_NAMES)

# Logit offsets of being economically disadvantaged, by race/ethnicity, within a school.
ECON_RACE_OFFSET = np.array([0.45, -0.45, 0.55, -0.35, 0.0, 0.6, 0.35])
# Logit of being an English learner, by race/ethnicity and by grade band (KG-2, 3-5, 6-8, 9-12).
EL_RACE_LOGIT = np.array([-1.3, -4.0, -3.3, -1.5, -4.0, -3.0, -2.3])
EL_GRADE_OFFSET = np.array([0.45, 0.45, 0.45, 0.15, 0.15, 0.15, -0.25, -0.25, -0.25] + [-0.5] * 4)
MALE_SHARE = 0.513
RETAINED_SHARE = 0.03  # a year older than their grade
# Race pairs of students of two or more races (non-Hispanic), and how often each occurs.
TWO_RACE_PAIRS = np.array(
    [
        [WHITE, BLACK],
        [WHITE, ASIAN],
        [WHITE, AMERICAN_INDIAN],
        [BLACK, AMERICAN_INDIAN],
        [WHITE, PACIFIC_ISLANDER],
        [ASIAN, PACIFIC_ISLANDER],
        [BLACK, ASIAN],
    ]
)
TWO_RACE_PAIR_CDF = np.cumsum([0.35, 0.20, 0.20, 0.08, 0.07, 0.05, 0.05])
SCHOOL_YEAR_START = 2025  # the 2025-2026 school year; KG students turn 5 by September 1, 2025


@dataclass(frozen=True)
class _Rows:
    """Parallel arrays; ``concat`` joins several of the same kind."""

    @classmethod
    def concat(cls, parts: list[Self]) -> Self:
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    @classmethod
    def empty(cls) -> Self:
        return cls(**{f.name: np.empty(0, dtype=np.int64) for f in fields(cls)})

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))


@dataclass(frozen=True)
class StudentRows(_Rows):
    id: np.ndarray
    role_id: np.ndarray
    school: np.ndarray  # state-wide school index
    grade: np.ndarray  # 0 = KG
    male: np.ndarray
    birth_day: np.ndarray  # days since 1970-01-01
    given: np.ndarray  # index into GIVEN_NAMES_FEMALE + GIVEN_NAMES_MALE
    family: np.ndarray
    american_indian: np.ndarray
    asian: np.ndarray
    black: np.ndarray
    pacific_islander: np.ndarray
    white: np.ndarray
    two_or_more: np.ndarray
    hispanic: np.ndarray
    english_learner: np.ndarray
    disability: np.ndarray
    econ: np.ndarray
    homeless: np.ndarray
    foster: np.ndarray
    military: np.ndarray
    migrant: np.ndarray


@dataclass(frozen=True)
class StaffRows(_Rows):
    id: np.ndarray
    role_id: np.ndarray
    role: np.ndarray  # TEACHER, PRINCIPAL, SITE_ADMINISTRATOR, AIDE or DISTRICT_ADMINISTRATOR
    org_level: np.ndarray  # AT_SCHOOL, AT_DISTRICT or AT_REGION
    org: np.ndarray  # index of the school, district or region
    domain: np.ndarray  # district index for the e-mail domain, or -1 - region
    given: np.ndarray
    family: np.ndarray


@dataclass(frozen=True)
class SecondRoleRows(_Rows):
    role_id: np.ndarray
    staff: np.ndarray
    school: np.ndarray


@dataclass(frozen=True)
class ClassRows(_Rows):
    id: np.ndarray
    school: np.ndarray
    course: np.ndarray  # state-wide course index
    grade: np.ndarray
    subject: np.ndarray  # -1 for a homeroom
    section: np.ndarray  # 1-based within its course and school
    teacher: np.ndarray  # staff id
    room: np.ndarray


@dataclass(frozen=True)
class EnrollmentRows(_Rows):
    id: np.ndarray
    klass: np.ndarray  # class id
    school: np.ndarray
    user: np.ndarray  # student id, or staff id when is_teacher
    is_teacher: np.ndarray


@dataclass(frozen=True)
class DistrictRows:
    """Everything one district (or a chunk of districts) contributes to the files."""

    students: StudentRows
    staff: StaffRows
    second_roles: SecondRoleRows
    classes: ClassRows
    enrollments: EnrollmentRows

    @classmethod
    def concat(cls, parts: list[DistrictRows]) -> DistrictRows:
        return cls(
            students=StudentRows.concat([p.students for p in parts]),
            staff=StaffRows.concat([p.staff for p in parts]),
            second_roles=SecondRoleRows.concat([p.second_roles for p in parts]),
            classes=ClassRows.concat([p.classes for p in parts]),
            enrollments=EnrollmentRows.concat([p.enrollments for p in parts]),
        )


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def _names(rng: np.random.Generator, male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(male)
    given = np.where(
        male,
        N_GIVEN_FEMALE + rng.integers(0, N_GIVEN_MALE, n),
        rng.integers(0, N_GIVEN_FEMALE, n),
    ).astype(np.int16)
    return given, rng.integers(0, N_FAMILY, n).astype(np.int16)


def _birth_days(rng: np.random.Generator, grade: np.ndarray) -> np.ndarray:
    """A birth date that makes a student 5 + grade (or a year older) on September 1."""
    age = 5 + grade.astype(np.int64) + (rng.random(len(grade)) < RETAINED_SHARE)
    first_year = SCHOOL_YEAR_START - age - 1  # born between Sept 2 of this year and Sept 1 next
    years = np.arange(first_year.min(initial=SCHOOL_YEAR_START), SCHOOL_YEAR_START + 1)
    sept2 = np.array([np.datetime64(f"{y}-09-02") for y in years]).astype("datetime64[D]")
    start = sept2.astype(np.int64)[first_year - years[0]]
    return (start + rng.integers(0, 365, len(grade))).astype(np.int32)


def _race_flags(rng: np.random.Generator, race: np.ndarray) -> dict[str, np.ndarray]:
    """OneRoster race booleans for each student's federal category.

    Hispanic students also carry a race (often white, sometimes none); students of two or more
    races have ``demographicRaceTwoOrMoreRaces`` and the two races set, as SIS exports do.
    """
    n = len(race)
    flags = np.zeros((n, 7), dtype=bool)
    single = (race != HISPANIC) & (race != TWO_OR_MORE)
    flags[single, race[single]] = True
    hispanic = race == HISPANIC
    u = rng.random(n)
    flags[hispanic & (u < 0.55), WHITE] = True
    flags[hispanic & (u >= 0.55) & (u < 0.58), BLACK] = True
    flags[hispanic & (u >= 0.58) & (u < 0.62), AMERICAN_INDIAN] = True
    two = np.flatnonzero(race == TWO_OR_MORE)
    pair = TWO_RACE_PAIRS[np.searchsorted(TWO_RACE_PAIR_CDF, rng.random(len(two)) * 0.999999)]
    flags[two, pair[:, 0]] = True
    flags[two, pair[:, 1]] = True
    return {
        "american_indian": flags[:, AMERICAN_INDIAN],
        "asian": flags[:, ASIAN],
        "black": flags[:, BLACK],
        "pacific_islander": flags[:, PACIFIC_ISLANDER],
        "white": flags[:, WHITE],
        "two_or_more": race == TWO_OR_MORE,
        "hispanic": hispanic,
    }


def _students(
    plan: StatePlan, d: int, rng: np.random.Generator, school: np.ndarray, grade: np.ndarray
) -> StudentRows:
    n = len(school)
    race_cdf = plan.school_race_cdf[school]
    race = (rng.random(n)[:, None] > race_cdf).sum(axis=1).clip(0, 6)
    male = rng.random(n) < MALE_SHARE
    econ_logit = _logit(plan.school_poverty[school]) + ECON_RACE_OFFSET[race]
    econ = rng.random(n) < _expit(econ_logit)
    el = rng.random(n) < _expit(EL_RACE_LOGIT[race] + EL_GRADE_OFFSET[grade] + 0.5 * econ)
    swd = rng.random(n) < _expit(-1.95 + np.where(male, 0.33, -0.33) + 0.3 * econ)
    homeless = rng.random(n) < np.where(econ, 0.045, 0.003)
    foster = rng.random(n) < np.where(econ, 0.007, 0.0008)
    military_p = np.minimum(0.025 * plan.district_military[d] * np.where(econ, 0.8, 1.1), 0.4)
    military = rng.random(n) < military_p
    rural_or_town = np.isin(plan.school_locale[school], (RURAL, TOWN))
    migrant_p = np.where(race == HISPANIC, np.where(rural_or_town, 0.045, 0.006), 0.0008)
    migrant = rng.random(n) < migrant_p
    given, family = _names(rng, male)
    start = plan.student_start[d]
    return StudentRows(
        id=np.arange(start, start + n, dtype=np.int64),
        role_id=plan.role_start[d] + np.arange(n, dtype=np.int64),
        school=school,
        grade=grade,
        male=male,
        birth_day=_birth_days(rng, grade),
        given=given,
        family=family,
        english_learner=el,
        disability=swd,
        econ=econ,
        homeless=homeless,
        foster=foster,
        military=military,
        migrant=migrant,
        **_race_flags(rng, race),
    )


def _staff(plan: StatePlan, d: int, rng: np.random.Generator) -> tuple[StaffRows, np.ndarray]:
    """District office first, then each school's principal, assistant principals (OneRoster
    ``siteAdministrator``), teachers and aides.

    Returns the rows and the staff id of each school's first teacher.
    """
    lo, hi = plan.school_start[d], plan.school_start[d + 1]
    schools = np.arange(lo, hi)
    admins = plan.school_administrators[lo:hi]
    teachers = plan.school_teachers[lo:hi]
    aides = plan.school_aides[lo:hi]
    per_school = admins + teachers + aides
    n_office = int(plan.district_admins[d])
    school_first = (
        plan.staff_start[d] + n_office + np.concatenate([[0], np.cumsum(per_school)[:-1]])
    )

    role = np.concatenate(
        [
            np.full(n_office, DISTRICT_ADMINISTRATOR),
            np.repeat(
                np.tile([PRINCIPAL, SITE_ADMINISTRATOR, TEACHER, AIDE], len(schools)),
                np.column_stack([np.ones_like(admins), admins - 1, teachers, aides]).ravel(),
            ),
        ]
    ).astype(np.int8)
    org = np.concatenate([np.full(n_office, d), np.repeat(schools, per_school)])
    org_level = np.concatenate(
        [np.full(n_office, AT_DISTRICT), np.full(int(per_school.sum()), AT_SCHOOL)]
    ).astype(np.int8)
    n = len(role)
    given, family = _names(rng, rng.random(n) < 0.25)  # most US teachers are women
    start = plan.staff_start[d]
    first_role = plan.role_start[d] + plan.district_students[d]
    rows = StaffRows(
        id=np.arange(start, start + n, dtype=np.int64),
        role_id=first_role + np.arange(n, dtype=np.int64),
        role=role,
        org_level=org_level,
        org=org.astype(np.int64),
        domain=np.full(n, d, dtype=np.int64),
        given=given,
        family=family,
    )
    return rows, school_first + admins


def region_staff(plan: StatePlan) -> StaffRows:
    """Administrators of the regional education service centers (staff ids 0..)."""
    rng = np.random.default_rng([plan.seed, 2])
    n = plan.n_region_staff
    region = np.repeat(np.arange(plan.size.regions), REGION_STAFF)
    given, family = _names(rng, rng.random(n) < 0.4)
    return StaffRows(
        id=np.arange(n, dtype=np.int64),
        role_id=np.arange(n, dtype=np.int64),
        role=np.full(n, DISTRICT_ADMINISTRATOR, dtype=np.int8),
        org_level=np.full(n, AT_REGION, dtype=np.int8),
        org=region.astype(np.int64),
        domain=-1 - region.astype(np.int64),
        given=given,
        family=family,
    )


def _sections(
    rng: np.random.Generator, group: np.ndarray, group_start: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """Deal the students of each contiguous group at random into ``k[group]`` even sections."""
    order = np.argsort(group + rng.random(len(group)), kind="stable")
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - group_start[group[order]]
    size = np.diff(np.append(group_start, len(group)))
    return rank * k[group] // size[group]


def draw_district(plan: StatePlan, d: int) -> DistrictRows:
    """All rows of district ``d``: students, staff, classes and enrollments.

    KG-5 students sit in one homeroom of their school and grade (``HOMEROOM_CAP``); students in
    grades 6-12 take one section of each of the four core subjects (``SECTION_CAP``). Each class
    has one teacher: homerooms one teacher each, then a school's scheduled sections are shared
    out in blocks among its remaining teachers.
    """
    rng = np.random.default_rng([plan.seed, 1, d])
    lo, hi = int(plan.school_start[d]), int(plan.school_start[d + 1])
    n_schools = hi - lo
    counts = plan.school_grade_counts[lo:hi].ravel()  # per (school, grade) group
    group_school = np.repeat(np.arange(lo, hi), N_GRADES)
    group_grade = np.tile(np.arange(N_GRADES), n_schools)
    group = np.repeat(np.arange(len(counts)), counts)
    group_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    school = group_school[group]
    grade = group_grade[group].astype(np.int8)

    students = _students(plan, d, rng, school, grade)
    staff, first_teacher = _staff(plan, d, rng)

    # Class blocks: one per (school, grade) for homerooms, one per (school, grade, subject) for
    # scheduled sections; within a school, homerooms first, then subject by subject.
    elementary_group = group_grade < FIRST_SECONDARY_GRADE
    k_homeroom = np.where(elementary_group, ceil_div(counts, HOMEROOM_CAP), 0)
    k_section = np.where(elementary_group, 0, ceil_div(counts, SECTION_CAP))
    n_groups = len(counts)
    subjects = SECONDARY_SUBJECTS
    block_group = np.concatenate([np.arange(n_groups), np.repeat(np.arange(n_groups), subjects)])
    block_subject = np.concatenate([np.full(n_groups, -1), np.tile(np.arange(subjects), n_groups)])
    block_k = np.concatenate([k_homeroom, np.repeat(k_section, subjects)])
    keep = block_k > 0
    block_group, block_subject, block_k = block_group[keep], block_subject[keep], block_k[keep]
    order = np.lexsort((group_grade[block_group], block_subject, group_school[block_group]))
    block_group, block_subject, block_k = block_group[order], block_subject[order], block_k[order]
    block_first = plan.class_start[d] + np.concatenate([[0], np.cumsum(block_k)[:-1]])

    n_classes = int(block_k.sum())
    class_block = np.repeat(np.arange(len(block_k)), block_k)
    class_id = plan.class_start[d] + np.arange(n_classes, dtype=np.int64)
    class_school = group_school[block_group[class_block]]
    class_grade = group_grade[block_group[class_block]]
    class_subject = block_subject[class_block]
    class_section = class_id - block_first[class_block]

    # Teachers: a school's homerooms go one each to its first teachers; its scheduled sections
    # are dealt in consecutive blocks (so a teacher keeps to one subject) to the rest.
    local = class_school - lo
    school_first_class = np.searchsorted(class_school, np.arange(lo, hi))
    pos = np.arange(n_classes) - school_first_class[local]
    homerooms = plan.school_homerooms[lo:hi][local]
    sections = np.maximum(plan.school_sections[lo:hi][local], 1)
    others = plan.school_teachers[lo:hi][local] - homerooms
    teacher_pos = np.where(pos < homerooms, pos, homerooms + (pos - homerooms) * others // sections)
    class_teacher = first_teacher[local] + teacher_pos
    grade_course = np.where(
        class_subject < 0,
        class_grade,
        # after the KG-5 homeroom courses, four courses per grade
        FIRST_SECONDARY_GRADE + (class_grade - FIRST_SECONDARY_GRADE) * subjects + class_subject,
    )
    classes = ClassRows(
        id=class_id,
        school=class_school,
        course=d * COURSES_PER_DISTRICT + grade_course,
        grade=class_grade.astype(np.int8),
        subject=class_subject.astype(np.int8),
        section=(class_section + 1).astype(np.int32),
        teacher=class_teacher.astype(np.int64),
        room=(100 + pos).astype(np.int32),
    )

    # Student enrollments: the block of each (group, subject) and a random even section in it.
    block_of = np.full((n_groups, 1 + subjects), -1, dtype=np.int64)  # homeroom, then subjects
    block_of[block_group, block_subject + 1] = np.arange(len(block_group))
    enrolled_class: list[np.ndarray] = []
    enrolled_student: list[np.ndarray] = []
    is_elementary = grade < FIRST_SECONDARY_GRADE
    for column, k in [(0, k_homeroom)] + [(s + 1, k_section) for s in range(subjects)]:
        section = _sections(rng, group, group_start, k)
        take = is_elementary if column == 0 else ~is_elementary
        block = block_of[group[take], column]
        enrolled_class.append(block_first[block] + section[take])
        enrolled_student.append(students.id[take])

    klass = np.concatenate([class_id, *enrolled_class])
    user = np.concatenate([class_teacher, *enrolled_student])
    is_teacher = np.zeros(len(klass), dtype=bool)
    is_teacher[:n_classes] = True
    order = np.lexsort((user, ~is_teacher, klass))
    klass = klass[order]
    first = plan.enrollment_start[d]
    enrollments = EnrollmentRows(
        id=first + np.arange(len(klass), dtype=np.int64),
        klass=klass,
        school=classes.school[klass - plan.class_start[d]],
        user=user[order],
        is_teacher=is_teacher[order],
    )

    # A few teachers also work at a second school of their district.
    n_second = int(plan.district_secondary_roles[d])
    teacher_rows = np.flatnonzero(staff.role == TEACHER)
    picked = np.sort(rng.choice(teacher_rows, size=n_second, replace=False))
    home = staff.org[picked] - lo
    second = SecondRoleRows(
        role_id=staff.role_id[-1] + 1 + np.arange(n_second, dtype=np.int64),
        staff=staff.id[picked],
        school=lo + (home + rng.integers(1, max(n_schools, 2), n_second)) % n_schools,
    )

    assert len(enrollments) == plan.enrollment_start[d + 1] - plan.enrollment_start[d]
    assert n_classes == plan.class_start[d + 1] - plan.class_start[d]
    return DistrictRows(
        students=students,
        staff=staff,
        second_roles=second,
        classes=classes,
        enrollments=enrollments,
    )
