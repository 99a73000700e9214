"""What a read roster returns: small records for the database, paths to Parquet for the rest."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from trellis.interop.oneroster.problems import RosterWarning


@dataclass(frozen=True)
class OrgRecord:
    sourced_id: str
    status: str  # active | tobedeleted (tobedeleted only in a delta file)
    name: str
    type: str  # state | local (regional education service center) | district | school | department
    identifier: str | None  # NCES id when the SIS gives one
    parent_sourced_id: str | None  # as given; may name an org that is not in the file
    locale: str | None  # city | suburb | town | rural, from metadata.locale
    #: The record's row in orgs.csv (header = row 1), for messages about it.
    row: int | None = field(default=None, compare=False)


class StaffRole(NamedTuple):
    role: str  # teacher, aide, principal, administrator, ... as OneRoster names it
    org_sourced_id: str
    primary: bool


@dataclass(frozen=True, slots=True)
class StaffRecord:
    """A person who gets a Trellis account. In a delta, None means "not in this delta"."""

    sourced_id: str
    status: str
    enabled: bool | None
    username: str | None
    given_name: str | None
    family_name: str | None
    email: str | None
    identifier: str | None
    roles: list[StaffRole]
    #: Roles a delta marks tobedeleted (always empty for a bulk file).
    removed_roles: list[StaffRole] = field(default_factory=list)


@dataclass(frozen=True)
class AcademicSessionRecord:
    sourced_id: str
    status: str
    title: str
    type: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    parent_sourced_id: str | None
    school_year: str | None


@dataclass(frozen=True)
class CourseRecord:
    sourced_id: str
    status: str
    title: str
    course_code: str | None
    org_sourced_id: str | None
    school_year_sourced_id: str | None
    grades: list[str]
    subjects: list[str]


class SchoolStats(NamedTuple):
    """Aggregates only, for one school's active students."""

    active_students: int
    #: Students whose economically disadvantaged flag is true.
    economically_disadvantaged: int
    #: Students whose flag is true or false (not blank): the denominator of a share.
    economically_disadvantaged_reported: int


@dataclass(frozen=True)
class RosterBundle:
    """Everything read from one roster. Student-level data is only in the Parquet files."""

    version: str  # "1.1" | "1.2"
    modes: dict[str, str]  # file -> bulk | delta | absent
    orgs: list[OrgRecord]
    staff: list[StaffRecord]
    academic_sessions: list[AcademicSessionRecord]
    courses: list[CourseRecord]
    counts: dict[str, int]  # file -> data rows read
    #: What will be imported, flat, for display: "orgs:<type>", "orgs_skipped", "staff",
    #: "staff:<role>" (staff holding the role), "students", "classes", "enrollments",
    #: "guardians_dropped"; in a delta also "students_tobedeleted" and "student_updates_only".
    summary: dict[str, int]
    warnings: list[RosterWarning]
    #: Per school sourcedId. Empty for a delta: merge_student_store gives the merged figures.
    school_stats: dict[str, SchoolStats]
    students_path: Path | None
    classes_path: Path | None
    enrollments_path: Path | None
    #: Program flag column -> the file it was read from ("demographics.csv" | "users.csv"),
    #: for the flags present in this roster.
    program_flag_sources: dict[str, str] = field(default_factory=dict)

    @property
    def parquet(self) -> dict[str, Path | None]:
        """The staged Parquet files by name: students, classes, enrollments."""
        return {
            "students": self.students_path,
            "classes": self.classes_path,
            "enrollments": self.enrollments_path,
        }
