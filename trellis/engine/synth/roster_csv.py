"""OneRoster 1.2 CSV tables for the synthetic state, built with pyarrow and written in batches.

Headers follow the OneRoster 1.2 CSV binding, in its column order, with Trellis's extension
columns (``metadata.*``) last, as the binding requires. Files are bulk exports, so ``status`` and
``dateLastModified`` are blank. No value contains a comma, quote or line break (pyarrow refuses to
write one unquoted), so nothing is quoted.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from trellis.engine.synth import roster_names as names
from trellis.engine.synth import roster_plan as rp
from trellis.engine.synth.roster_people import (
    STUDENT,
    TEACHER,
    ClassRows,
    EnrollmentRows,
    SecondRoleRows,
    StaffRows,
    StudentRows,
)

ORGS_HEADER = (
    "sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId",
    "metadata.locale",
)  # fmt: skip
USERS_HEADER = (
    "sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName",
    "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades",
    "password", "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName",
    "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
)  # fmt: skip
ROLES_HEADER = (
    "sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate",
    "endDate", "orgSourcedId", "userProfileSourcedId",
)  # fmt: skip
DEMOGRAPHICS_HEADER = (
    "sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative",
    "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white",
    "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode",
    "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus",
    "metadata.englishLearner", "metadata.studentWithDisability",
    "metadata.economicallyDisadvantaged", "metadata.homeless", "metadata.fosterCare",
    "metadata.militaryConnected", "metadata.migrant",
)  # fmt: skip
ACADEMIC_SESSIONS_HEADER = (
    "sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
    "parentSourcedId", "schoolYear",
)  # fmt: skip
COURSES_HEADER = (
    "sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode",
    "grades", "orgSourcedId", "subjects", "subjectCodes",
)  # fmt: skip
CLASSES_HEADER = (
    "sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode",
    "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes",
    "periods",
)  # fmt: skip
ENROLLMENTS_HEADER = (
    "sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
    "userSourcedId", "role", "primary", "beginDate", "endDate",
)  # fmt: skip

HEADERS: dict[str, tuple[str, ...]] = {
    "orgs.csv": ORGS_HEADER,
    "users.csv": USERS_HEADER,
    "roles.csv": ROLES_HEADER,
    "demographics.csv": DEMOGRAPHICS_HEADER,
    "academicSessions.csv": ACADEMIC_SESSIONS_HEADER,
    "courses.csv": COURSES_HEADER,
    "classes.csv": CLASSES_HEADER,
    "enrollments.csv": ENROLLMENTS_HEADER,
}
BOOLEAN_COLUMNS = frozenset(
    ["enabledUser", "primary", *DEMOGRAPHICS_HEADER[5:12], *DEMOGRAPHICS_HEADER[16:]]
)

# Every file a OneRoster 1.2 manifest names, in the binding's order; ours are "bulk".
MANIFEST_FILES = (
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems",
    "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
    "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users",
)  # fmt: skip
SOURCE_SYSTEM_NAME = "Trellis synthetic state"

SCHOOL_YEAR_ID = "as-sy2026"
ACADEMIC_SESSIONS = (
    (SCHOOL_YEAR_ID, "2025-2026 School Year", "schoolYear", "2025-08-18", "2026-06-05", None),
    ("as-sy2026-s1", "Fall Semester 2025", "semester", "2025-08-18", "2025-12-19", SCHOOL_YEAR_ID),
    (
        "as-sy2026-s2",
        "Spring Semester 2026",
        "semester",
        "2026-01-05",
        "2026-06-05",
        SCHOOL_YEAR_ID,
    ),
)

# roles.csv ``role`` by the codes of roster_people, in the OneRoster 1.2 vocabulary (which has
# no plain "administrator": that is 1.1's term). Regional service-center staff, who oversee
# districts, are district administrators too.
ROLE_NAMES = (
    "teacher",
    "principal",
    "siteAdministrator",
    "aide",
    "districtAdministrator",
    "student",
)

SUBJECT_CODES = ("ELA", "MATH", "SCI", "SS")
GIVEN_NAMES = names.GIVEN_NAMES_FEMALE + names.GIVEN_NAMES_MALE  # as indexed by roster_people
GRADE_LABELS = ("Kindergarten",) + tuple(f"Grade {g}" for g in range(1, 13))

ID_WIDTH = {"stu": 8, "stf": 7, "cls": 7, "crs": 6, "enr": 9, "rol": 8}


def _const(value: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value]))


def _null(n: int) -> pa.Array:
    return pa.nulls(n, pa.string())


def _pick(choices: pa.Array | list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """``choices[index]`` as a dictionary array: cheap to build and written as plain text."""
    dictionary = choices if isinstance(choices, pa.Array) else pa.array(list(choices))
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32)), dictionary)


def _digits(ints: np.ndarray, width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(ints.astype(np.int64)), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0") if width else text


def sourced_ids(kind: str, ints: np.ndarray) -> pa.Array:
    """``stu-00000042`` style ids: a kind prefix and a zero-padded state-wide number."""
    return pc.binary_join_element_wise(f"{kind}-", _digits(ints, ID_WIDTH[kind]), "")


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _table(header: tuple[str, ...], columns: dict[str, pa.Array], n: int) -> pa.Table:
    unknown = set(columns) - set(header)
    if unknown:
        raise ValueError(f"columns not in the header: {sorted(unknown)}")
    return pa.table({name: columns.get(name, _null(n)) for name in header})


class OrgIds:
    """The sourcedId of every org, looked up by index."""

    def __init__(self, plan: rp.StatePlan) -> None:
        self.state = f"st-{rp.STATE_FIPS}"
        self.region = pa.array([f"rg-{r + 1:02d}" for r in range(plan.size.regions)])
        self.district = pa.array([f"ld-{i}" for i in plan.district_lea_id])
        self.school = pa.array([f"sc-{i}" for i in plan.school_nces_id])
        self.course = sourced_ids("crs", np.arange(plan.n_districts * rp.COURSES_PER_DISTRICT))
        self.domain = pa.array(
            [f"esc{r + 1:02d}.state.example" for r in range(plan.size.regions)]
            + list(plan.district_domains)
        )

    def of(self, level: np.ndarray, index: np.ndarray) -> pa.Array:
        """Org ids for (AT_SCHOOL | AT_DISTRICT | AT_REGION, index) pairs."""
        everything = pa.concat_arrays([self.school, self.district, self.region])
        offset = np.array([0, len(self.school), len(self.school) + len(self.district)])
        return _pick(everything, offset[level] + index)


def orgs_table(plan: rp.StatePlan, org_ids: OrgIds) -> pa.Table:
    """State, regional service centers (``local``), districts and schools, parents first."""
    rows: list[tuple[str, str, str, str, str | None, str | None]] = [
        (org_ids.state, rp.STATE_NAME, "state", str(rp.STATE_FIPS), None, None)
    ]
    for r, name in enumerate(plan.region_names):
        rows.append(
            (org_ids.region[r].as_py(), name, "local", f"ESC{r + 1:02d}", org_ids.state, None)
        )
    for d in range(plan.n_districts):
        rows.append(
            (
                org_ids.district[d].as_py(),
                plan.district_names[d],
                "district",
                str(plan.district_lea_id[d]),
                org_ids.region[plan.district_region[d]].as_py(),
                rp.LOCALES[plan.district_locale[d]],
            )
        )
    for s in range(plan.n_schools):
        rows.append(
            (
                org_ids.school[s].as_py(),
                plan.school_names[s],
                "school",
                str(plan.school_nces_id[s]),
                org_ids.district[plan.school_district[s]].as_py(),
                rp.LOCALES[plan.school_locale[s]],
            )
        )
    columns = list(zip(*rows, strict=True))
    return _table(
        ORGS_HEADER,
        {
            "sourcedId": pa.array(columns[0]),
            "name": pa.array(columns[1]),
            "type": pa.array(columns[2]),
            "identifier": pa.array(columns[3]),
            "parentSourcedId": pa.array(columns[4], pa.string()),
            "metadata.locale": pa.array(columns[5], pa.string()),
        },
        len(rows),
    )


def academic_sessions_table() -> pa.Table:
    """One school year (2025-2026, ``schoolYear`` 2026) and its two semesters."""
    columns = list(zip(*ACADEMIC_SESSIONS, strict=True))
    n = len(ACADEMIC_SESSIONS)
    return _table(
        ACADEMIC_SESSIONS_HEADER,
        {
            "sourcedId": pa.array(columns[0]),
            "title": pa.array(columns[1]),
            "type": pa.array(columns[2]),
            "startDate": pa.array(columns[3]),
            "endDate": pa.array(columns[4]),
            "parentSourcedId": pa.array(columns[5], pa.string()),
            "schoolYear": _const("2026", n),
        },
        n,
    )


def _course_catalog() -> list[tuple[str, str, str, str | None]]:
    """(title, code, grade, subject) of the courses every district offers, in course order."""
    catalog: list[tuple[str, str, str, str | None]] = [
        (f"{GRADE_LABELS[g]} Homeroom", f"HR-{rp.GRADES[g]}", rp.GRADES[g], None) for g in range(6)
    ]
    for g in range(rp.FIRST_SECONDARY_GRADE, rp.N_GRADES):
        for s in range(rp.SECONDARY_SUBJECTS):
            title = names.SECONDARY_COURSE_TITLES[g - rp.FIRST_SECONDARY_GRADE][s]
            subject = names.SUBJECT_TITLES[s]
            catalog.append((title, f"{SUBJECT_CODES[s]}-{rp.GRADES[g]}", rp.GRADES[g], subject))
    assert len(catalog) == rp.COURSES_PER_DISTRICT
    return catalog


COURSE_CATALOG = _course_catalog()


def courses_table(plan: rp.StatePlan, org_ids: OrgIds) -> pa.Table:
    """The same course catalog in every district (the district is the course's org)."""
    n = plan.n_districts * rp.COURSES_PER_DISTRICT
    local = np.tile(np.arange(rp.COURSES_PER_DISTRICT), plan.n_districts)
    district = np.repeat(np.arange(plan.n_districts), rp.COURSES_PER_DISTRICT)
    title, code, grade, subject = (list(c) for c in zip(*COURSE_CATALOG, strict=True))
    return _table(
        COURSES_HEADER,
        {
            "sourcedId": org_ids.course,
            "schoolYearSourcedId": _const(SCHOOL_YEAR_ID, n),
            "title": _pick(title, local),
            "courseCode": _pick(code, local),
            "grades": _pick(grade, local),
            "orgSourcedId": _pick(org_ids.district, district),
            "subjects": _pick(pa.array(subject, pa.string()), local),
        },
        n,
    )


def classes_table(rows: ClassRows, org_ids: OrgIds) -> pa.Table:
    """Homerooms (KG-5) and scheduled core-subject sections (6-12), one row per class."""
    n = len(rows)
    local = (rows.course % rp.COURSES_PER_DISTRICT).astype(np.int32)
    title, code, _, subject = (list(c) for c in zip(*COURSE_CATALOG, strict=True))
    section = _digits(rows.section)
    return _table(
        CLASSES_HEADER,
        {
            "sourcedId": sourced_ids("cls", rows.id),
            "title": _join(pc.cast(_pick(title, local), pa.string()), " - Section ", section),
            "grades": _pick(rp.GRADES, rows.grade),
            "courseSourcedId": _pick(org_ids.course, rows.course),
            "classCode": _join(
                pc.cast(_pick(code, local), pa.string()), "-", _digits(rows.section, 2)
            ),
            "classType": _pick(("homeroom", "scheduled"), (rows.subject >= 0).astype(np.int32)),
            "location": _join("Room ", _digits(rows.room)),
            "schoolSourcedId": _pick(org_ids.school, rows.school),
            "termSourcedIds": _const(SCHOOL_YEAR_ID, n),
            "subjects": _pick(pa.array(subject, pa.string()), local),
        },
        n,
    )


def _staff_username(rows: StaffRows) -> pa.Array:
    given = pc.utf8_lower(pc.cast(_pick(GIVEN_NAMES, rows.given), pa.string()))
    family = pc.utf8_lower(pc.cast(_pick(names.FAMILY_NAMES, rows.family), pa.string()))
    return _join(pc.utf8_slice_codeunits(given, 0, 1), family, _digits(rows.id))


def staff_users_table(rows: StaffRows, org_ids: OrgIds) -> pa.Table:
    """Teachers, administrators and aides, with fictional names and ``.example`` e-mail."""
    n = len(rows)
    username = _staff_username(rows)
    # District domains follow the regions' in ``OrgIds.domain``; regions are coded -1 - region.
    domain_index = np.where(rows.domain >= 0, len(org_ids.region) + rows.domain, -1 - rows.domain)
    educator_id = (rows.id * 7919 + 54_321) % 10_000_000
    return _table(
        USERS_HEADER,
        {
            "sourcedId": sourced_ids("stf", rows.id),
            "enabledUser": pa.array(np.ones(n, dtype=bool)),
            "username": username,
            "givenName": _pick(GIVEN_NAMES, rows.given),
            "familyName": _pick(names.FAMILY_NAMES, rows.family),
            "identifier": _join("E", _digits(educator_id, 7)),
            "email": _join(
                username, "@", pc.cast(_pick(org_ids.domain, domain_index), pa.string())
            ),
            "primaryOrgSourcedId": org_ids.of(rows.org_level, rows.org),
        },
        n,
    )


def student_identifier(student_id: np.ndarray) -> pa.Array:
    """A 10-digit state student id: the state code and a scrambled (still unique) number."""
    return _join(str(rp.STATE_FIPS), _digits((student_id * 7919 + 12_345) % 100_000_000, 8))


def student_users_table(rows: StudentRows, org_ids: OrgIds) -> pa.Table:
    """Students: ids, fictional names, grade and school; no e-mail, phone or password."""
    n = len(rows)
    identifier = student_identifier(rows.id)
    return _table(
        USERS_HEADER,
        {
            "sourcedId": sourced_ids("stu", rows.id),
            "enabledUser": pa.array(np.ones(n, dtype=bool)),
            "username": _join("s", identifier),
            "givenName": _pick(GIVEN_NAMES, rows.given),
            "familyName": _pick(names.FAMILY_NAMES, rows.family),
            "identifier": identifier,
            "grades": _pick(rp.GRADES, rows.grade),
            "primaryOrgSourcedId": _pick(org_ids.school, rows.school),
        },
        n,
    )


def roles_table(
    students: StudentRows, staff: StaffRows, second: SecondRoleRows, org_ids: OrgIds
) -> pa.Table:
    """One primary role per person (students at their school), then teachers' second schools."""
    n_students, n_staff, n_second = len(students), len(staff), len(second)
    n = n_students + n_staff + n_second
    role_id = np.concatenate([students.role_id, staff.role_id, second.role_id])
    order = np.argsort(role_id, kind="stable")
    user = pa.concat_arrays(
        [
            sourced_ids("stu", students.id),
            sourced_ids("stf", np.concatenate([staff.id, second.staff])),
        ]
    )
    role = np.concatenate([np.full(n_students, STUDENT), staff.role, np.full(n_second, TEACHER)])
    org_level = np.concatenate(
        [np.zeros(n_students, np.int8), staff.org_level, np.zeros(n_second, np.int8)]
    )
    org = np.concatenate([students.school, staff.org, second.school])
    role_type = np.concatenate(
        [np.zeros(n_students + n_staff, np.int32), np.ones(n_second, np.int32)]
    )
    return _table(
        ROLES_HEADER,
        {
            "sourcedId": sourced_ids("rol", role_id[order]),
            "userSourcedId": user.take(pa.array(order)),
            "roleType": _pick(("primary", "secondary"), role_type[order]),
            "role": _pick(ROLE_NAMES, role[order]),
            "orgSourcedId": org_ids.of(org_level[order], org[order]),
        },
        n,
    )


def demographics_table(rows: StudentRows) -> pa.Table:
    """Birth date, sex, the federal race/ethnicity flags and the Trellis subgroup extensions."""
    n = len(rows)
    birth = pc.cast(pa.array(rows.birth_day, pa.date32()), pa.string())
    return _table(
        DEMOGRAPHICS_HEADER,
        {
            "sourcedId": sourced_ids("stu", rows.id),
            "birthDate": birth,
            "sex": _pick(("female", "male"), rows.male.astype(np.int32)),
            "americanIndianOrAlaskaNative": pa.array(rows.american_indian),
            "asian": pa.array(rows.asian),
            "blackOrAfricanAmerican": pa.array(rows.black),
            "nativeHawaiianOrOtherPacificIslander": pa.array(rows.pacific_islander),
            "white": pa.array(rows.white),
            "demographicRaceTwoOrMoreRaces": pa.array(rows.two_or_more),
            "hispanicOrLatinoEthnicity": pa.array(rows.hispanic),
            "metadata.englishLearner": pa.array(rows.english_learner),
            "metadata.studentWithDisability": pa.array(rows.disability),
            "metadata.economicallyDisadvantaged": pa.array(rows.econ),
            "metadata.homeless": pa.array(rows.homeless),
            "metadata.fosterCare": pa.array(rows.foster),
            "metadata.militaryConnected": pa.array(rows.military),
            "metadata.migrant": pa.array(rows.migrant),
        },
        n,
    )


def enrollments_table(rows: EnrollmentRows, org_ids: OrgIds) -> pa.Table:
    """Students in their classes, and each class's teacher (``primary`` true)."""
    n = len(rows)
    teacher = rows.is_teacher
    user = pa.concat_arrays(
        [sourced_ids("stu", rows.user[~teacher]), sourced_ids("stf", rows.user[teacher])]
    )
    position = np.empty(n, dtype=np.int64)
    position[np.flatnonzero(~teacher)] = np.arange(n - int(teacher.sum()))
    position[np.flatnonzero(teacher)] = np.arange(n - int(teacher.sum()), n)
    return _table(
        ENROLLMENTS_HEADER,
        {
            "sourcedId": sourced_ids("enr", rows.id),
            "classSourcedId": sourced_ids("cls", rows.klass),
            "schoolSourcedId": _pick(org_ids.school, rows.school),
            "userSourcedId": user.take(pa.array(position)),
            "role": _pick(("student", "teacher"), teacher.astype(np.int32)),
            "primary": pa.array(teacher),
        },
        n,
    )


def manifest_rows() -> list[tuple[str, str]]:
    written = {Path(f).stem for f in HEADERS}
    rows = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
    rows += [(f"file.{f}", "bulk" if f in written else "absent") for f in MANIFEST_FILES]
    rows += [("source.systemName", SOURCE_SYSTEM_NAME), ("source.systemCode", "trellis-synth")]
    return rows


class RosterFiles:
    """Open CSV writers for every file of the export; tables are appended in order."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._files: dict[str, BinaryIO] = {}
        self._writers: dict[str, pacsv.CSVWriter] = {}
        self._schemas: dict[str, pa.Schema] = {}
        self.rows: dict[str, int] = {name: 0 for name in HEADERS}

    def __enter__(self) -> RosterFiles:
        options = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)
        for name, header in HEADERS.items():
            handle = (self.out_dir / name).open("wb")
            # pyarrow quotes header names even when told not to quote; write the header ourselves.
            handle.write((",".join(header) + "\n").encode())
            schema = pa.schema(
                [(c, pa.bool_() if c in BOOLEAN_COLUMNS else pa.string()) for c in header]
            )
            self._files[name] = handle
            self._schemas[name] = schema
            self._writers[name] = pacsv.CSVWriter(handle, schema, write_options=options)
        with (self.out_dir / "manifest.csv").open("w", encoding="utf-8", newline="") as manifest:
            manifest.write("propertyName,value\n")
            manifest.writelines(f"{key},{value}\n" for key, value in manifest_rows())
        return self

    def write(self, name: str, table: pa.Table) -> None:
        self._writers[name].write_table(table.cast(self._schemas[name]))
        self.rows[name] += table.num_rows

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for writer in self._writers.values():
            writer.close()
        for handle in self._files.values():
            handle.close()
