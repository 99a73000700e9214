"""The parts of the OneRoster 1.1 and 1.2 CSV bindings that Trellis reads.

Column lists, "required" flags and vocabularies follow the 1EdTech CSV binding tables (OneRoster
1.1 CSV Tables; OneRoster 1.2 CSV Binding, section 3). Columns Trellis never uses (passwords, phone
numbers, birth dates and places, ...) are listed as ``SKIP``: known, so they raise no warning, and
never loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

V11 = "1.1"
V12 = "1.2"

#: The data files Trellis reads, in the order they are read.
ROSTER_FILES: tuple[str, ...] = (
    "orgs.csv",
    "academicSessions.csv",
    "courses.csv",
    "classes.csv",
    "roles.csv",
    "users.csv",
    "demographics.csv",
    "enrollments.csv",
)
#: Files of a OneRoster set that Trellis does not read (gradebook and resources).
UNREAD_FILES: tuple[str, ...] = (
    "categories.csv",
    "classResources.csv",
    "courseResources.csv",
    "lineItems.csv",
    "lineItemLearningObjectiveIds.csv",
    "lineItemScoreScales.csv",
    "resources.csv",
    "results.csv",
    "resultLearningObjectiveIds.csv",
    "resultScoreScales.csv",
    "scoreScales.csv",
    "userProfiles.csv",
    "userResources.csv",
)
#: Files holding rows about people: problem messages never quote their values unchecked.
PERSON_FILES = frozenset({"users.csv", "roles.csv", "demographics.csv", "enrollments.csv"})


class Kind(Enum):
    ID = "id"  # the row's own sourcedId
    REF = "ref"  # one sourcedId of another record
    REFS = "refs"  # a comma-separated list of sourcedIds
    TEXT = "text"
    LIST = "list"  # a comma-separated list of strings
    ENUM = "enum"
    BOOL = "bool"
    DATE = "date"
    YEAR = "year"
    STATUS = "status"
    SKIP = "skip"  # a known column Trellis never reads


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    vocabulary: tuple[str, ...] = ()
    #: 1.2 lets some vocabularies be extended with terms that start with "ext:".
    extensible: bool = False
    #: Terms of the other OneRoster version, accepted with a warning.
    other_version: tuple[str, ...] = ()


ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
CLASS_TYPES = ("homeroom", "scheduled")
ROLES_11 = (
    "administrator",
    "aide",
    "guardian",
    "parent",
    "proctor",
    "relative",
    "student",
    "teacher",
)
ROLES_12 = (
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
)
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")
ROLE_TYPES = ("primary", "secondary")
SEXES = ("male", "female", "unspecified", "other")
LOCALES = ("city", "suburb", "town", "rural")

STUDENT_ROLE = "student"
FAMILY_ROLES = frozenset({"guardian", "parent", "relative"})
#: Org types Trellis keeps; the others (national, ext:...) are skipped with a warning.
KEPT_ORG_TYPES = ("state", "local", "district", "school")
#: Org types read only to place what refers to them: a department is part of its school.
PLACED_ORG_TYPES = ("department",)

#: CEDS grade levels, the vocabulary the OneRoster implementation guide recommends for US grades.
GRADE_LEVELS = (
    "IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11",
    "12", "13", "PS", "UG", "Other",
)  # fmt: skip

_STATUS = Column("status", Kind.STATUS)
_MODIFIED = Column("dateLastModified", Kind.SKIP)


def _base(*columns: Column) -> tuple[Column, ...]:
    return (Column("sourcedId", Kind.ID, required=True), _STATUS, _MODIFIED, *columns)


ORGS = _base(
    Column("name", Kind.TEXT, required=True),
    Column("type", Kind.ENUM, required=True, vocabulary=ORG_TYPES, extensible=True),
    Column("identifier", Kind.TEXT),
    Column("parentSourcedId", Kind.REF),
    Column("metadata.locale", Kind.TEXT),
)
ACADEMIC_SESSIONS = _base(
    Column("title", Kind.TEXT, required=True),
    Column("type", Kind.ENUM, required=True, vocabulary=SESSION_TYPES, extensible=True),
    Column("startDate", Kind.DATE, required=True),
    Column("endDate", Kind.DATE, required=True),
    Column("parentSourcedId", Kind.REF),
    Column("schoolYear", Kind.YEAR, required=True),
)
COURSES = _base(
    Column("schoolYearSourcedId", Kind.REF),
    Column("title", Kind.TEXT, required=True),
    Column("courseCode", Kind.TEXT),
    Column("grades", Kind.LIST),
    Column("orgSourcedId", Kind.REF, required=True),
    Column("subjects", Kind.LIST),
    Column("subjectCodes", Kind.SKIP),
)
CLASSES = _base(
    Column("title", Kind.TEXT, required=True),
    Column("grades", Kind.LIST),
    Column("courseSourcedId", Kind.REF, required=True),
    Column("classCode", Kind.SKIP),
    Column("classType", Kind.ENUM, required=True, vocabulary=CLASS_TYPES, extensible=True),
    Column("location", Kind.SKIP),
    Column("schoolSourcedId", Kind.REF, required=True),
    Column("termSourcedIds", Kind.REFS, required=True),
    Column("subjects", Kind.LIST),
    Column("subjectCodes", Kind.SKIP),
    Column("periods", Kind.SKIP),
)
_USERS_NAMES = (
    Column("username", Kind.TEXT, required=True),
    Column("userIds", Kind.SKIP),
    Column("givenName", Kind.TEXT, required=True),
    Column("familyName", Kind.TEXT, required=True),
    Column("middleName", Kind.SKIP),
    Column("identifier", Kind.TEXT),
    Column("email", Kind.TEXT),
    Column("sms", Kind.SKIP),
    Column("phone", Kind.SKIP),
    Column("agentSourcedIds", Kind.SKIP),
    # Only a student's first grade is used, so the list is kept as written.
    Column("grades", Kind.TEXT),
    Column("password", Kind.SKIP),
)
USERS_11 = _base(
    Column("enabledUser", Kind.BOOL, required=True),
    Column("orgSourcedIds", Kind.REFS, required=True),
    Column(
        "role",
        Kind.ENUM,
        required=True,
        vocabulary=ROLES_11,
        other_version=tuple(r for r in ROLES_12 if r not in ROLES_11),
    ),
    *_USERS_NAMES,
)
USERS_12 = _base(
    Column("enabledUser", Kind.BOOL, required=True),
    *_USERS_NAMES,
    Column("userMasterIdentifier", Kind.SKIP),
    Column("resourceSourcedIds", Kind.SKIP),
    Column("preferredGivenName", Kind.SKIP),
    Column("preferredMiddleName", Kind.SKIP),
    Column("preferredFamilyName", Kind.SKIP),
    Column("primaryOrgSourcedId", Kind.REF),
    Column("pronouns", Kind.SKIP),
)
ROLES = _base(
    Column("userSourcedId", Kind.REF, required=True),
    Column("roleType", Kind.ENUM, required=True, vocabulary=ROLE_TYPES),
    Column(
        "role",
        Kind.ENUM,
        required=True,
        vocabulary=ROLES_12,
        extensible=True,
        other_version=tuple(r for r in ROLES_11 if r not in ROLES_12),
    ),
    Column("beginDate", Kind.DATE),
    Column("endDate", Kind.DATE),
    Column("orgSourcedId", Kind.REF, required=True),
    Column("userProfileSourcedId", Kind.SKIP),
)
RACE_COLUMNS = (
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
)
DEMOGRAPHICS = _base(
    Column("birthDate", Kind.SKIP),
    Column("sex", Kind.ENUM, vocabulary=SEXES, extensible=True),
    *(Column(name, Kind.BOOL) for name in RACE_COLUMNS),
    Column("countryOfBirthCode", Kind.SKIP),
    Column("stateOfBirthAbbreviation", Kind.SKIP),
    Column("cityOfBirth", Kind.SKIP),
    Column("publicSchoolResidenceStatus", Kind.SKIP),
)
ENROLLMENTS = _base(
    Column("classSourcedId", Kind.REF, required=True),
    Column("schoolSourcedId", Kind.REF, required=True),
    Column("userSourcedId", Kind.REF, required=True),
    Column("role", Kind.ENUM, required=True, vocabulary=ENROLLMENT_ROLES, extensible=True),
    Column("primary", Kind.BOOL),
    Column("beginDate", Kind.DATE),
    Column("endDate", Kind.DATE),
)

#: Program flags: canonical metadata column -> column of the student store.
PROGRAM_FLAGS: dict[str, str] = {
    "metadata.englishLearner": "english_learner",
    "metadata.studentWithDisability": "disability",
    "metadata.economicallyDisadvantaged": "economically_disadvantaged",
    "metadata.homeless": "homeless",
    "metadata.fosterCare": "foster_care",
    "metadata.militaryConnected": "military_connected",
    "metadata.migrant": "migrant",
}
#: Other names seen in real exports for the same flags: read, with a warning.
PROGRAM_FLAG_ALIASES: dict[str, str] = {
    "metadata.ell": "metadata.englishLearner",
    "metadata.el": "metadata.englishLearner",
    "metadata.lep": "metadata.englishLearner",
    "metadata.englishLanguageLearner": "metadata.englishLearner",
    "metadata.iep": "metadata.studentWithDisability",
    "metadata.swd": "metadata.studentWithDisability",
    "metadata.idea": "metadata.studentWithDisability",
    "metadata.disability": "metadata.studentWithDisability",
    "metadata.studentsWithDisabilities": "metadata.studentWithDisability",
    "metadata.frl": "metadata.economicallyDisadvantaged",
    "metadata.frpl": "metadata.economicallyDisadvantaged",
    "metadata.ecoDis": "metadata.economicallyDisadvantaged",
    "metadata.economicDisadvantage": "metadata.economicallyDisadvantaged",
    "metadata.lowIncome": "metadata.economicallyDisadvantaged",
    "metadata.mckinneyVento": "metadata.homeless",
    "metadata.foster": "metadata.fosterCare",
    "metadata.military": "metadata.militaryConnected",
    "metadata.migrantStatus": "metadata.migrant",
}
_FLAG_COLUMNS = tuple(Column(name, Kind.BOOL) for name in PROGRAM_FLAGS)


def file_columns(file: str, version: str) -> tuple[Column, ...]:
    """The known columns of a data file in a OneRoster version."""
    table: dict[str, tuple[Column, ...]] = {
        "orgs.csv": ORGS,
        "academicSessions.csv": ACADEMIC_SESSIONS,
        "courses.csv": COURSES,
        "classes.csv": CLASSES,
        "roles.csv": ROLES,
        "users.csv": (USERS_11 if version == V11 else USERS_12) + _FLAG_COLUMNS,
        "demographics.csv": DEMOGRAPHICS + _FLAG_COLUMNS,
        "enrollments.csv": ENROLLMENTS,
    }
    return table[file]


def header_key(name: str) -> str:
    """Compare header names ignoring case, spaces, underscores, hyphens and dots."""
    return re.sub(r"[\s_.\-]", "", name.replace("\ufeff", "")).lower()


def alias_keys() -> dict[str, str]:
    """header_key of an alias -> canonical program flag column."""
    return {header_key(alias): canonical for alias, canonical in PROGRAM_FLAG_ALIASES.items()}
