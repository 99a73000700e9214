"""The shape of a synthetic state: regions, districts and schools, before any person is drawn.

The plan is small (one row per district and per school) and is drawn from one random stream, so the
same seed always gives the same state. Students and staff are then drawn district by district from
streams of their own (see ``roster_people``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trellis.engine.synth import roster_names as names

LOCALES: tuple[str, ...] = ("city", "suburb", "town", "rural")
CITY, SUBURB, TOWN, RURAL = range(4)

# CEDS grade-level codes as OneRoster writes them.
GRADES: tuple[str, ...] = (
    "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
)  # fmt: skip
N_GRADES = len(GRADES)
FIRST_SECONDARY_GRADE = 6  # grades 6-12 take four scheduled classes; KG-5 sit in one homeroom

# School levels and the grades each teaches (KG = 0).
ELEMENTARY, MIDDLE, HIGH, JUNIOR_SENIOR, K12 = range(5)
LEVEL_GRADES: tuple[range, ...] = (
    range(0, 6), range(6, 9), range(9, 13), range(6, 13), range(0, 13),
)  # fmt: skip

# Federal race/ethnicity categories, in the order used for every array below.
RACES: tuple[str, ...] = (
    "hispanic", "white", "black", "asian", "two_or_more", "american_indian", "pacific_islander",
)  # fmt: skip
HISPANIC, WHITE, BLACK, ASIAN, TWO_OR_MORE, AMERICAN_INDIAN, PACIFIC_ISLANDER = range(7)

# Share of each race/ethnicity by locale. Weighted by the locale mix of students (about 30% city,
# 40% suburb, 11% town, 19% rural) these give roughly the national public-school shares.
RACE_BASE = np.array(
    [
        [0.380, 0.225, 0.250, 0.080, 0.055, 0.005, 0.005],  # city
        [0.270, 0.470, 0.120, 0.070, 0.060, 0.005, 0.004],  # suburb
        [0.220, 0.620, 0.090, 0.015, 0.040, 0.020, 0.003],  # town
        [0.150, 0.700, 0.080, 0.010, 0.040, 0.020, 0.002],  # rural
    ]
)
# How a school's poverty (logit above or below its locale's base) tilts its composition.
RACE_POVERTY_TILT = np.array([0.8, -0.6, 0.8, -0.5, 0.0, 0.5, 0.3])

# Share economically disadvantaged by locale: high in cities and rural areas, lowest in suburbs.
POVERTY_BASE = np.array([0.62, 0.33, 0.50, 0.48])
POVERTY_DISTRICT_SD = 0.55  # logit scale, between districts of one locale
POVERTY_SCHOOL_SD = np.array([0.55, 0.40, 0.30, 0.25])  # logit scale, between schools of a district

STUDENTS_PER_TEACHER = np.array([15.8, 15.6, 14.5, 13.6])  # by locale; about 15 overall
HOMEROOM_CAP = 26  # KG-5: one homeroom per 26 students or part thereof, about 22 on average
SECTION_CAP = 27  # grades 6-12: one section per 27 students or part thereof, about 25 on average
SECONDARY_SUBJECTS = 4
# One homeroom course per grade KG-5 and four core courses per grade 6-12, in every district.
COURSES_PER_DISTRICT = 6 + 7 * SECONDARY_SUBJECTS

# Students per school by locale and level (elementary, middle, high).
SCHOOL_TARGET_SIZE = np.array(
    [
        [570, 860, 1650],  # city
        [610, 900, 1700],  # suburb
        [440, 530, 720],  # town
        [300, 360, 470],  # rural
    ]
)
SMALL_DISTRICT = 350  # below this a district runs one KG-12 school
MID_DISTRICT = 900  # below this: elementary schools and one junior/senior high

MIN_DISTRICT_STUDENTS = 60
LOCALE_RANK_NOISE = 1.0  # log scale: how loosely locale follows district size
REGION_STAFF = 4  # administrators at each regional education service center
SECOND_SCHOOL_SHARE = 0.03  # of teachers in multi-school districts, who also work at a second

STATE_FIPS = 59  # not assigned to any real state or territory
STATE_NAME = "Trellis State Department of Education"


@dataclass(frozen=True)
class SynthSize:
    """One named size of synthetic state.

    ``locale_mix`` is the share of districts that are city, suburb, town and rural; the largest
    districts (after some noise) become the cities, the smallest the rural ones.
    """

    name: str
    regions: int
    districts: int
    students: int
    locale_mix: tuple[float, float, float, float]
    district_size_sigma: float
    description: str


SIZES: dict[str, SynthSize] = {
    "small": SynthSize(
        name="small",
        regions=1,
        districts=1,
        students=1_500,
        locale_mix=(0.0, 1.0, 0.0, 0.0),
        district_size_sigma=0.0,
        description="1 district, 3-4 schools, about 1,500 students (tests)",
    ),
    "medium": SynthSize(
        name="medium",
        regions=4,
        districts=50,
        students=60_000,
        locale_mix=(0.045, 0.22, 0.20, 0.535),
        district_size_sigma=1.35,
        description="about 50 districts and 60,000 students",
    ),
    "state": SynthSize(
        name="state",
        regions=20,
        districts=1_200,
        students=5_500_000,
        locale_mix=(0.045, 0.22, 0.20, 0.535),
        district_size_sigma=1.35,
        description="about 1,200 districts, 9,000 schools, 5.5 million students",
    ),
}


@dataclass(frozen=True)
class StatePlan:
    """Every district and school of a synthetic state, as parallel arrays.

    District arrays are indexed by district (0..D-1), school arrays by school (0..S-1); the schools
    of district ``d`` are ``school_start[d]:school_start[d + 1]``.
    """

    size: SynthSize
    seed: int
    region_names: tuple[str, ...]
    district_region: np.ndarray
    district_students: np.ndarray
    district_locale: np.ndarray
    district_poverty: np.ndarray
    district_military: np.ndarray
    district_lea_id: np.ndarray
    district_names: tuple[str, ...]
    district_domains: tuple[str, ...]
    district_admins: np.ndarray
    school_start: np.ndarray
    school_district: np.ndarray
    school_level: np.ndarray
    school_locale: np.ndarray
    school_poverty: np.ndarray
    school_race_cdf: np.ndarray  # (S, 7) cumulative shares
    school_grade_counts: np.ndarray  # (S, 13)
    school_nces_id: np.ndarray
    school_names: tuple[str, ...]
    school_homerooms: np.ndarray
    school_sections: np.ndarray  # scheduled classes, all subjects
    school_teachers: np.ndarray
    school_administrators: np.ndarray  # principal and assistant principals
    school_aides: np.ndarray
    district_secondary_roles: np.ndarray  # teachers who also work at a second school
    # Where each district's rows start in the state-wide numbering (length D + 1).
    student_start: np.ndarray
    staff_start: np.ndarray
    class_start: np.ndarray
    enrollment_start: np.ndarray
    role_start: np.ndarray

    @property
    def n_districts(self) -> int:
        return len(self.district_students)

    @property
    def n_schools(self) -> int:
        return len(self.school_district)

    @property
    def n_students(self) -> int:
        return int(self.district_students.sum())

    @property
    def n_region_staff(self) -> int:
        return self.size.regions * REGION_STAFF

    @property
    def n_staff(self) -> int:
        return int(self.staff_start[-1])

    @property
    def n_classes(self) -> int:
        return int(self.class_start[-1])

    @property
    def n_enrollments(self) -> int:
        return int(self.enrollment_start[-1])


def ceil_div(a: np.ndarray, b: int) -> np.ndarray:
    """Integer ceiling division: the classes ``a`` students need at most ``b`` to a class."""
    return -(-a // b)


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.log(p / (1.0 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _district_sizes(size: SynthSize, rng: np.random.Generator) -> np.ndarray:
    """Log-normal district enrollments, rescaled to the size's total exactly."""
    raw = np.exp(rng.normal(0.0, size.district_size_sigma, size.districts))
    students = np.maximum(np.rint(raw * size.students / raw.sum()), MIN_DISTRICT_STUDENTS)
    for _ in range(3):  # the floor adds students; shrink the others until the total holds
        excess = students.sum() - size.students
        above = students > MIN_DISTRICT_STUDENTS
        students[above] = np.maximum(
            np.rint(students[above] * (1 - excess / students[above].sum())), MIN_DISTRICT_STUDENTS
        )
    students[np.argmax(students)] += size.students - students.sum()
    return students.astype(np.int64)


def _district_locales(
    size: SynthSize, students: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """City for the largest districts, rural for the smallest, with noise in the ranking."""
    score = np.log(students) + rng.normal(0.0, LOCALE_RANK_NOISE, len(students))
    rank_from_top = np.empty(len(students), dtype=np.int64)
    rank_from_top[np.argsort(-score, kind="stable")] = np.arange(len(students))
    cut = np.cumsum(size.locale_mix) * len(students)
    return np.searchsorted(cut, rank_from_top + 0.5).clip(0, 3).astype(np.int8)


def _place_names(n: int, rng: np.random.Generator) -> list[str]:
    combos = [
        first + second
        for first in names.PLACE_FIRST
        for second in names.PLACE_SECOND
        if first.lower() not in second.lower()
    ]
    if n > len(combos):
        combos += [f"{d} {c}" for d in names.DIRECTIONS for c in combos]
    picked = rng.choice(len(combos), size=n, replace=False)
    return [combos[i] for i in picked]


def _school_names(place: str, levels: list[int], rng: np.random.Generator) -> list[str]:
    """Names for one district's schools, unique within the district."""
    pool = list(names.SCHOOL_NAMES)
    if len(levels) > len(pool):
        pool += [f"{d} {p}" for d in names.DIRECTIONS for p in names.SCHOOL_NAMES]
    order = rng.permutation(len(pool))
    counts = {lv: levels.count(lv) for lv in set(levels)}
    seen = {lv: 0 for lv in counts}
    taken = 0
    result = []
    for lv in levels:
        k = seen[lv]
        seen[lv] += 1
        if lv == K12:
            result.append(f"{place} School")
        elif lv == JUNIOR_SENIOR:
            result.append(f"{place} Junior/Senior High School")
        elif lv == HIGH:
            if k == 0:
                result.append(f"{place} High School")
            elif k <= len(names.DIRECTIONS):
                result.append(f"{names.DIRECTIONS[k - 1]} {place} High School")
            else:
                result.append(f"{pool[order[taken]]} High School")
                taken += 1
        elif counts[lv] == 1 and lv == MIDDLE:
            result.append(f"{place} Middle School")
        else:
            label = "Elementary School" if lv == ELEMENTARY else "Middle School"
            result.append(f"{pool[order[taken]]} {label}")
            taken += 1
    return result


def _levels_for(students: int, locale: int, grade_counts: np.ndarray) -> list[int]:
    """Which schools a district runs, from its size and the usual school size of its locale."""
    if students < SMALL_DISTRICT:
        return [K12]
    elementary = grade_counts[0:6].sum()
    n_elem = max(1, round(elementary / SCHOOL_TARGET_SIZE[locale, 0]))
    if students < MID_DISTRICT:
        return [ELEMENTARY] * n_elem + [JUNIOR_SENIOR]
    n_mid = max(1, round(grade_counts[6:9].sum() / SCHOOL_TARGET_SIZE[locale, 1]))
    n_high = max(1, round(grade_counts[9:13].sum() / SCHOOL_TARGET_SIZE[locale, 2]))
    return [ELEMENTARY] * n_elem + [MIDDLE] * n_mid + [HIGH] * n_high


def _split_grades(
    grade_counts: np.ndarray, levels: list[int], rng: np.random.Generator
) -> np.ndarray:
    """Spread each grade's students over the district's schools that teach it, unevenly."""
    out = np.zeros((len(levels), N_GRADES), dtype=np.int64)
    weights = np.exp(rng.normal(0.0, 0.3, len(levels)))
    for g in range(N_GRADES):
        serving = [i for i, lv in enumerate(levels) if g in LEVEL_GRADES[lv]]
        w = weights[serving] / weights[serving].sum()
        out[serving, g] = rng.multinomial(grade_counts[g], w)
    return out


def _school_race_cdf(
    locale: np.ndarray,
    poverty: np.ndarray,
    district_noise: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per-school race/ethnicity shares: locale base, tilted by poverty, plus noise."""
    tilt = (_logit(poverty) - _logit(POVERTY_BASE[locale]))[:, None] * RACE_POVERTY_TILT
    log_share = np.log(RACE_BASE[locale]) + tilt + district_noise
    log_share += rng.normal(0.0, 0.35, log_share.shape)
    share = np.exp(log_share)
    share /= share.sum(axis=1, keepdims=True)
    return np.cumsum(share, axis=1)


def build_plan(size: SynthSize, seed: int) -> StatePlan:
    """Draw the regions, districts and schools of a state of the given size.

    District enrollments are log-normal (many small rural districts, a few very large city ones),
    locale follows size, the share economically disadvantaged varies by locale, district and
    school, and race/ethnicity shares follow locale and poverty.
    """
    rng = np.random.default_rng([seed, 0])
    n_d = size.districts

    students = _district_sizes(size, rng)
    locale = _district_locales(size, students, rng)
    region = rng.choice(size.regions, size=n_d, p=rng.dirichlet(np.full(size.regions, 4.0)))
    region[: size.regions] = rng.permutation(size.regions)[: min(size.regions, n_d)]
    poverty = _expit(_logit(POVERTY_BASE[locale]) + rng.normal(0.0, POVERTY_DISTRICT_SD, n_d))
    military = np.exp(rng.normal(-0.5, 1.0, n_d))  # mean 1; a few districts near bases
    lea_id = STATE_FIPS * 100_000 + np.sort(rng.choice(np.arange(100, 99_000), n_d, replace=False))
    places = _place_names(n_d, rng)
    district_names = []
    for d in range(n_d):
        suffixes = names.DISTRICT_SUFFIXES_BY_LOCALE[LOCALES[locale[d]]]
        district_names.append(f"{places[d]} {suffixes[rng.integers(len(suffixes))]}")
    domains = tuple(p.lower().replace(" ", "") + ".k12.example" for p in places)
    admins = 1 + students // 4_000

    school_districts: list[int] = []
    school_levels: list[int] = []
    grade_rows: list[np.ndarray] = []
    school_names: list[str] = []
    for d in range(n_d):
        shares = np.exp(rng.normal(0.0, 0.03, N_GRADES))
        grade_counts = rng.multinomial(students[d], shares / shares.sum())
        levels = _levels_for(int(students[d]), int(locale[d]), grade_counts)
        split = _split_grades(grade_counts, levels, rng)
        keep = split.sum(axis=1) > 0
        levels = [lv for lv, k in zip(levels, keep, strict=True) if k]
        split = split[keep]
        school_names += _school_names(places[d], levels, rng)
        school_districts += [d] * len(levels)
        school_levels += levels
        grade_rows.append(split)

    school_district = np.array(school_districts, dtype=np.int64)
    school_level = np.array(school_levels, dtype=np.int8)
    grade_counts = np.concatenate(grade_rows)
    n_s = len(school_district)
    school_start = np.searchsorted(school_district, np.arange(n_d + 1)).astype(np.int64)

    # A few schools sit in a neighbouring locale of their district's (a town school in a rural
    # district, a city-edge school in a suburban one).
    school_locale = locale[school_district].astype(np.int8)
    drift = rng.random(n_s) < 0.1
    step = np.where(school_locale == CITY, 1, np.where(school_locale == RURAL, -1, 0))
    step = np.where(step == 0, rng.choice([-1, 1], n_s), step)
    school_locale = np.where(drift, school_locale + step, school_locale).astype(np.int8)

    sd = POVERTY_SCHOOL_SD[locale[school_district]]
    school_poverty = _expit(_logit(poverty[school_district]) + rng.normal(0.0, 1.0, n_s) * sd)
    district_race_noise = rng.normal(0.0, 0.3, (n_d, len(RACES)))
    # American Indian students are concentrated: most districts have few, some have many.
    district_race_noise[:, AMERICAN_INDIAN] = rng.normal(-0.5, 1.0, n_d)
    race_cdf = _school_race_cdf(
        locale[school_district], school_poverty, district_race_noise[school_district], rng
    )

    school_no = np.empty(n_s, dtype=np.int64)
    for d in range(n_d):
        lo, hi = school_start[d], school_start[d + 1]
        school_no[lo:hi] = np.cumsum(rng.integers(1, 30, hi - lo))
    nces_id = lea_id[school_district] * 100_000 + school_no

    n_school = grade_counts.sum(axis=1)
    homerooms = ceil_div(grade_counts[:, :FIRST_SECONDARY_GRADE], HOMEROOM_CAP).sum(axis=1)
    sections = (
        ceil_div(grade_counts[:, FIRST_SECONDARY_GRADE:], SECTION_CAP).sum(axis=1)
        * SECONDARY_SUBJECTS
    )
    ratio = STUDENTS_PER_TEACHER[locale[school_district]]
    teachers = np.rint(n_school / ratio * np.exp(rng.normal(0.0, 0.07, n_s)))
    teachers = np.maximum(teachers, homerooms + (sections > 0))
    elementary = grade_counts[:, :FIRST_SECONDARY_GRADE].sum(axis=1)
    aides = np.maximum(
        np.rint(elementary / 110 + (n_school - elementary) / 300 + rng.random(n_s) - 0.5), 0
    )
    administrators = 1 + n_school // 700

    # Every count below is fixed by the plan, so each district can be drawn on its own and still
    # number its rows exactly where the state-wide files expect them.
    def per_district(per_school: np.ndarray) -> np.ndarray:
        return np.bincount(school_district, weights=per_school, minlength=n_d).astype(np.int64)

    def starts(counts: np.ndarray, first: int = 0) -> np.ndarray:
        return np.concatenate([[first], first + np.cumsum(counts)]).astype(np.int64)

    district_teachers = per_district(teachers)
    district_staff = admins + district_teachers + per_district(administrators + aides)
    multi_school = np.diff(school_start) > 1
    secondary_roles = np.where(
        multi_school, np.rint(SECOND_SCHOOL_SHARE * district_teachers), 0
    ).astype(np.int64)
    district_classes = per_district(homerooms + sections)
    secondary_students = per_district(n_school - elementary)
    district_enrollments = (
        students - secondary_students + SECONDARY_SUBJECTS * secondary_students + district_classes
    )

    return StatePlan(
        size=size,
        seed=seed,
        region_names=tuple(f"Region {r + 1} Education Service Center" for r in range(size.regions)),
        district_region=region.astype(np.int64),
        district_students=students,
        district_locale=locale,
        district_poverty=poverty,
        district_military=military,
        district_lea_id=lea_id.astype(np.int64),
        district_names=tuple(district_names),
        district_domains=domains,
        district_admins=admins.astype(np.int64),
        school_start=school_start,
        school_district=school_district,
        school_level=school_level,
        school_locale=school_locale,
        school_poverty=school_poverty,
        school_race_cdf=race_cdf,
        school_grade_counts=grade_counts,
        school_nces_id=nces_id.astype(np.int64),
        school_names=tuple(school_names),
        school_homerooms=homerooms.astype(np.int64),
        school_sections=sections.astype(np.int64),
        school_teachers=teachers.astype(np.int64),
        school_administrators=administrators.astype(np.int64),
        school_aides=aides.astype(np.int64),
        district_secondary_roles=secondary_roles,
        student_start=starts(students),
        staff_start=starts(district_staff, size.regions * REGION_STAFF),
        class_start=starts(district_classes),
        enrollment_start=starts(district_enrollments),
        role_start=starts(students + district_staff + secondary_roles, size.regions * REGION_STAFF),
    )
