"""read_roster: check a OneRoster CSV set end to end, then stage what Trellis keeps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb

from trellis.interop.oneroster import checks, people, store
from trellis.interop.oneroster.problems import Findings
from trellis.interop.oneroster.records import (
    AcademicSessionRecord,
    CourseRecord,
    OrgRecord,
    RosterBundle,
    SchoolStats,
    StaffRecord,
)
from trellis.interop.oneroster.source import (
    HeaderMap,
    RosterSource,
    detect_version,
    loaded_columns,
    map_header,
    open_source,
    read_header,
    read_manifest,
    resolve_modes,
)
from trellis.interop.oneroster.spec import KEPT_ORG_TYPES, ROSTER_FILES, V11, V12
from trellis.interop.oneroster.tables import Loaded, count, load, run_checks, value_checks
from trellis.interop.pseudonym import check_key, register_pseudonym_key

Progress = Callable[[str, int, int], None]
PERSON_SET = ("users.csv", "roles.csv", "demographics.csv")


def read_roster(
    source: Path,
    *,
    pseudonym_key: bytes,
    staging_dir: Path,
    progress: Progress | None = None,
) -> RosterBundle:
    """Read a OneRoster 1.1 or 1.2 CSV set (a folder or a .zip) and stage it for import.

    Parameters
    ----------
    source : Path
        A folder or a .zip holding manifest.csv and the data files.
    pseudonym_key : bytes
        The deployment's pseudonym key (at least 16 bytes); see trellis.interop.pseudonym.
    staging_dir : Path
        Where students.parquet, classes.parquet and enrollments.parquet are written (created if
        missing). Nothing is written anywhere else. A zip is unpacked here while it is read and
        the unpacked files are removed before this function returns or raises.
    progress : callable, optional
        Called as ``progress(step, done, total)`` after each step, e.g.
        ``("checked enrollments.csv", 9, 14)``.

    Returns
    -------
    RosterBundle

    Raises
    ------
    RosterError
        With up to 20 problems (file, row, column, message) when the roster is refused.
    """
    check_key(pseudonym_key)
    staging_dir = Path(staging_dir)
    staging_dir.mkdir(parents=True, exist_ok=True)
    findings = Findings()
    roster = open_source(Path(source), staging_dir, findings)
    try:
        # No spilling to disk: DuckDB's spill files would hold names. An in-memory database
        # otherwise spills to ".tmp" in the working directory.
        con = duckdb.connect(config={"temp_directory": ""})
        try:
            register_pseudonym_key(con, pseudonym_key)
            return _Reader(con, roster, findings, staging_dir, progress).read()
        finally:
            con.close()
    finally:
        roster.close()


class _Reader:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        roster: RosterSource,
        findings: Findings,
        staging_dir: Path,
        progress: Progress | None,
    ) -> None:
        self.con = con
        self.roster = roster
        self.findings = findings
        self.staging_dir = staging_dir
        self.progress = progress
        self.loaded: dict[str, Loaded] = {}
        self.step = 0
        self.total_steps = 2 * len(ROSTER_FILES) + 3

    def _tick(self, label: str) -> None:
        self.step += 1
        if self.progress is not None:
            self.progress(label, min(self.step, self.total_steps), self.total_steps)

    def read(self) -> RosterBundle:
        findings = self.findings
        manifest = read_manifest(self.roster, findings)
        modes = resolve_modes(manifest, self.roster, findings)
        headers: dict[str, list[str]] = {}
        for file in ROSTER_FILES:
            if modes[file] == "absent":
                continue
            header = read_header(self.roster.paths[file])
            if header is None:
                findings.refuse(file, "is empty; it needs at least the header row.", row=1)
                continue
            headers[file] = header
        version = detect_version(manifest, headers, findings)
        self._settle_modes(version, modes)
        # Problems so far are about the set as a whole; reading rows under a wrong mode or
        # version would only add noise.
        findings.raise_if_refused()
        header_maps: dict[str, HeaderMap] = {}
        for file, header in headers.items():
            if modes[file] == "absent":
                continue
            mapped = map_header(file, header, version, modes[file], findings)
            if mapped is not None:
                header_maps[file] = mapped
        for file in ROSTER_FILES:
            mapped = header_maps.get(file)
            if mapped is not None:
                columns = loaded_columns(file, version, mapped)
                path = self.roster.paths[file]
                result = load(self.con, file, path, mapped, columns, findings)
                if result is not None and result.rows == 0 and modes[file] == "bulk":
                    findings.refuse(
                        file,
                        "has no rows. A bulk file replaces everything Trellis holds from it, so "
                        "an empty one would remove every record; mark it absent in manifest.csv "
                        "instead.",
                    )
                elif result is not None:
                    self.loaded[file] = result
            self._tick(f"read {file}")
        # Row numbers come from the loaded tables' rowids; nothing after this depends on the
        # order in which DuckDB produces rows (every output has an ORDER BY), so it may stop
        # preserving it, which frees memory and threads.
        self.con.execute("SET preserve_insertion_order = false")
        self._check(version, modes)
        findings.raise_if_refused()
        return self._stage(version, modes)

    def _settle_modes(self, version: str, modes: dict[str, str]) -> None:
        findings = self.findings
        if version == V11 and modes["roles.csv"] != "absent":
            findings.warn("roles.csv", "is a OneRoster 1.2 file; in a 1.1 set it was ignored.")
            modes["roles.csv"] = "absent"
        if modes["users.csv"] == "absent":
            for file in ("roles.csv", "demographics.csv"):
                if modes[file] != "absent":
                    findings.warn(file, "was ignored: it needs users.csv in the same set.")
                    modes[file] = "absent"
        present = {modes[file] for file in PERSON_SET if modes[file] != "absent"}
        if len(present) > 1:
            described = ", ".join(f"{f} is {modes[f]}" for f in PERSON_SET if modes[f] != "absent")
            findings.refuse(
                "manifest.csv",
                f"{described}; users, roles and demographics must all be bulk or all be delta.",
            )
        if version == V12 and modes["users.csv"] == "bulk" and modes["roles.csv"] == "absent":
            findings.refuse(
                "users.csv",
                "needs roles.csv: in OneRoster 1.2 a user's roles (student, teacher, ...) are in "
                "roles.csv, and without them Trellis cannot tell students from staff.",
            )

    def _check(self, version: str, modes: dict[str, str]) -> None:
        con, findings = self.con, self.findings
        for file, loaded in self.loaded.items():
            later = frozenset({"username", "givenName", "familyName"}) if file == "users.csv" else frozenset()
            file_checks = value_checks(loaded, mode=modes[file], later=later)
            if modes[file] == "bulk":
                deletion = checks.bulk_deletions(loaded)
                if deletion is not None:
                    file_checks.append(deletion)
            if file == "orgs.csv":
                file_checks += checks.org_checks(loaded)
            run_checks(con, loaded, file_checks, findings)
            checks.check_duplicates(con, loaded, findings)
            self._tick(f"checked {file}")
        checks.check_references(con, self.loaded, modes, findings)
        users = self.loaded.get("users.csv")
        if users is not None:
            people.build_kinds(con, version, users, self.loaded.get("roles.csv"))
            people.check_people(con, users, modes["users.csv"], findings)
        self._tick("checked people")

    def _stage(self, version: str, modes: dict[str, str]) -> RosterBundle:
        con, findings, loaded = self.con, self.findings, self.loaded
        users = loaded.get("users.csv")
        flag_sources = people.program_flag_sources(loaded, findings)
        students_path = classes_path = enrollments_path = None
        dropped_enrollments = 0
        if users is None:
            con.execute("CREATE OR REPLACE TABLE kinds (uid VARCHAR, kind VARCHAR)")
            con.execute("CREATE OR REPLACE TABLE student_users (sid VARCHAR, student_key VARCHAR)")
        else:
            students_path = self.staging_dir / store.STUDENTS
            people.write_students(
                con,
                users=users,
                demographics=loaded.get("demographics.csv"),
                orgs=loaded.get("orgs.csv"),
                mode=modes["users.csv"],
                flag_sources=flag_sources,
                path=students_path,
            )
        if "classes.csv" in loaded:
            classes_path = self.staging_dir / store.CLASSES
            store.write_classes(con, loaded["classes.csv"], modes["classes.csv"], classes_path)
        if "enrollments.csv" in loaded:
            enrollments_path = self.staging_dir / store.ENROLLMENTS
            dropped_enrollments = store.write_enrollments(
                con,
                loaded["enrollments.csv"],
                modes["enrollments.csv"],
                enrollments_path,
                users_table=users.table if users is not None and modes["users.csv"] == "bulk" else None,
            )
            if dropped_enrollments:
                noun = "enrollment was" if dropped_enrollments == 1 else "enrollments were"
                findings.warn(
                    "enrollments.csv",
                    f"{dropped_enrollments} {noun} of guardians, parents or relatives; left out.",
                )
        self._tick("wrote Parquet")
        staff = people.staff_records(con, users, modes["users.csv"]) if users is not None else []
        orgs = self._orgs(modes)
        bundle = RosterBundle(
            version=version,
            modes={file: modes[file] for file in ROSTER_FILES},
            orgs=orgs,
            staff=staff,
            academic_sessions=self._sessions(modes),
            courses=self._courses(modes),
            counts={file: item.rows for file, item in loaded.items()},
            summary=self._summary(modes, orgs, staff, students_path, dropped_enrollments),
            warnings=list(findings.warnings),
            school_stats=self._school_stats(modes, students_path),
            students_path=students_path,
            classes_path=classes_path,
            enrollments_path=enrollments_path,
            program_flag_sources=flag_sources,
        )
        self._tick("done")
        return bundle

    def _live(self, modes: dict[str, str], file: str) -> str:
        return people.live_sql(self.loaded[file].table, modes[file])

    def _optional(self, file: str, column: str, cast: str = "VARCHAR") -> str:
        names = {c.name for c in self.loaded[file].columns}
        return f'"{column}"' if column in names else f"NULL::{cast}"

    def _orgs(self, modes: dict[str, str]) -> list[OrgRecord]:
        if "orgs.csv" not in self.loaded:
            return []
        kept = ", ".join(f"'{t}'" for t in KEPT_ORG_TYPES)
        locale = self._optional("orgs.csv", "metadata.locale")
        rows = self.con.execute(
            f"""SELECT "sourcedId", coalesce("status", 'active'), "name", "type",
                   {self._optional("orgs.csv", "identifier")},
                   {self._optional("orgs.csv", "parentSourcedId")},
                   {checks.locale_sql(locale)}
            FROM {self.loaded["orgs.csv"].table}
            WHERE "type" IN ({kept}) AND {self._live(modes, "orgs.csv")} ORDER BY _row"""
        ).fetchall()
        return [OrgRecord(*row) for row in rows]

    def _sessions(self, modes: dict[str, str]) -> list[AcademicSessionRecord]:
        file = "academicSessions.csv"
        if file not in self.loaded:
            return []
        rows = self.con.execute(
            f"""SELECT "sourcedId", coalesce("status", 'active'), "title", "type", "startDate",
                   "endDate", {self._optional(file, "parentSourcedId")}, "schoolYear"
            FROM {self.loaded[file].table} WHERE {self._live(modes, file)} ORDER BY _row"""
        ).fetchall()
        return [AcademicSessionRecord(*row) for row in rows]

    def _courses(self, modes: dict[str, str]) -> list[CourseRecord]:
        file = "courses.csv"
        if file not in self.loaded:
            return []
        rows = self.con.execute(
            f"""SELECT "sourcedId", coalesce("status", 'active'), "title",
                   {self._optional(file, "courseCode")}, "orgSourcedId",
                   {self._optional(file, "schoolYearSourcedId")},
                   coalesce({self._optional(file, "grades", "VARCHAR[]")}, []),
                   coalesce({self._optional(file, "subjects", "VARCHAR[]")}, [])
            FROM {self.loaded[file].table} WHERE {self._live(modes, file)} ORDER BY _row"""
        ).fetchall()
        return [CourseRecord(*row) for row in rows]

    def _school_stats(self, modes: dict[str, str], students_path: Path | None) -> dict[str, SchoolStats]:
        if students_path is None or modes["users.csv"] != "bulk":
            return {}
        return store.school_stats(self.con, f"SELECT * FROM read_parquet('{students_path.as_posix()}')")

    def _summary(
        self,
        modes: dict[str, str],
        orgs: list[OrgRecord],
        staff: list[StaffRecord],
        students_path: Path | None,
        dropped_enrollments: int,
    ) -> dict[str, int]:
        con = self.con
        summary: dict[str, int] = {}
        for org_type, number in sorted(Counter(org.type for org in orgs).items()):
            summary[f"orgs:{org_type}"] = number
        if "orgs.csv" in self.loaded:
            kept = ", ".join(f"'{t}'" for t in KEPT_ORG_TYPES)
            skipped = count(con, f'SELECT count(*) FROM {self.loaded["orgs.csv"].table} WHERE "type" NOT IN ({kept})')
            summary["orgs_skipped"] = skipped
        summary["staff"] = len(staff)
        roles = Counter(role for record in staff for role in {r.role for r in record.roles})
        for role, number in sorted(roles.items()):
            summary[f"staff:{role}"] = number
        if students_path is not None:
            (active, deleted, updates) = con.execute(
                f"""SELECT count(*) FILTER (WHERE status = 'active' AND NOT update_only),
                       count(*) FILTER (WHERE status = 'tobedeleted' AND from_users),
                       count(*) FILTER (WHERE update_only)
                FROM read_parquet('{students_path.as_posix()}')"""
            ).fetchone() or (0, 0, 0)
            summary["students"] = int(active)
            if modes["users.csv"] == "delta":
                summary["students_tobedeleted"] = int(deleted)
                summary["student_updates_only"] = int(updates)
            guardians = count(con, "SELECT count(*) FROM kinds WHERE kind = 'family'")
            summary["guardians_dropped"] = guardians
        for file, key in (("classes.csv", "classes"), ("enrollments.csv", "enrollments")):
            if file in self.loaded:
                table = self.loaded[file].table
                rows = count(con, f"SELECT count(*) FROM {table} WHERE coalesce(\"status\", 'active') = 'active'")
                summary[key] = rows - (dropped_enrollments if key == "enrollments" else 0)
        return summary
