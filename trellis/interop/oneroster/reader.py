"""read_roster: check a OneRoster CSV set end to end, then stage what Trellis keeps."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb

from trellis.interop.oneroster import checks, people, store, tuning
from trellis.interop.oneroster.problems import Findings, RosterError, RosterProblem
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
    has_rows,
    loaded_columns,
    map_header,
    open_source,
    read_header,
    read_manifest,
    resolve_modes,
)
from trellis.interop.oneroster.spec import KEPT_ORG_TYPES, PLACED_ORG_TYPES, ROSTER_FILES, V11, V12
from trellis.interop.oneroster.staging import (
    KINDS,
    STUDENT_KEYS,
    STUDENT_SCHOOL,
    STUDENT_USERS,
    USER_IDS,
    USER_ROLES,
    USERS_GRADED,
    USERS_WITH_KIND,
    Staging,
)
from trellis.interop.oneroster.tables import Loaded, count, drop, first_row, load, run_checks, value_checks
from trellis.interop.pseudonym import check_key, register_pseudonym_key

Progress = Callable[[str, int, int], None]
PERSON_SET = ("users.csv", "roles.csv", "demographics.csv")
ENROLLMENTS = "enrollments.csv"


def read_roster(
    source: Path,
    *,
    pseudonym_key: bytes,
    staging_dir: Path,
    progress: Progress | None = None,
    people_ready: Callable[[RosterBundle], None] | None = None,
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
        ``("checked enrollments.csv", 9, 14)``. Only ever called on the calling thread.
    people_ready : callable, optional
        Called with a partial bundle once users, roles and demographics are read and checked
        without a problem: organizations, staff, sessions and courses are final; the summary is
        empty and the Parquet paths are not set. It runs on the calling thread while the
        students are pseudonymised and the enrollments read on another, so a caller can write
        the staff accounts meanwhile. The staff are then not kept a second time: the returned
        bundle's ``staff`` is empty (its summary still counts them). The enrollments can still
        refuse the roster afterwards (RosterError), so whatever the callback writes must be
        undone then: call this inside a transaction.

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
        settings = tuning.TUNING
        # No spilling to disk: DuckDB's spill files would hold names. An in-memory database
        # otherwise spills to ".tmp" in the working directory.
        con = duckdb.connect(config={"temp_directory": "", "memory_limit": settings.memory_limit,
                                     "threads": settings.work_threads})
        try:
            # DuckDB turns a long IN list (a role's vocabulary) into a join, and a load with one
            # no longer keeps the file's order: rows would get other rows' numbers.
            con.execute("SET disabled_optimizers = 'in_clause'")
            register_pseudonym_key(con, pseudonym_key)
            return _Reader(con, roster, findings, staging_dir, progress, pseudonym_key, people_ready).read()
        except duckdb.OutOfMemoryException as exc:
            raise RosterError([RosterProblem(
                Path(source).name, None, None,
                f"is too large to read within the {settings.memory_limit} of memory Trellis allows for a roster; "
                "check that it holds only the roster's files, or import it in parts.",
            )]) from exc
        finally:
            _close_alongside(con)
    finally:
        roster.close()


def _close_alongside(con: duckdb.DuckDBPyConnection) -> None:
    """Close ``con`` on another thread. Everything it wrote is finished and nothing uses it
    again, but closing gives back the memory of a state's tables (GBs, a fifth of a second) while
    the caller goes on to commit what it read. The thread is not a daemon: Python waits for it
    before it exits."""
    threading.Thread(target=con.close, name="trellis-duckdb-close").start()


@dataclasses.dataclass
class _People:
    """What the people files gave, staged before the enrollments are read."""

    counts: dict[str, int]
    flag_sources: dict[str, str]
    orgs: list[OrgRecord]
    academic_sessions: list[AcademicSessionRecord]
    courses: list[CourseRecord]
    staff: list[StaffRecord]
    #: "staff" and "staff:<role>" counts, kept when the staff themselves are handed over.
    staff_summary: dict[str, int] = dataclasses.field(default_factory=dict)
    students_path: Path | None = None
    classes_path: Path | None = None
    enrollments_path: Path | None = None
    guardians: int = 0
    dropped_enrollments: int = 0


class _Reader:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        roster: RosterSource,
        findings: Findings,
        staging_dir: Path,
        progress: Progress | None,
        pseudonym_key: bytes,
        people_ready: Callable[[RosterBundle], None] | None = None,
    ) -> None:
        self.con = con
        self.staging = Staging(con)
        self.pseudonym_key = pseudonym_key
        self.roster = roster
        self.findings = findings
        self.staging_dir = staging_dir
        self.progress = progress
        self.loaded: dict[str, Loaded] = {}
        self.people_ready = people_ready
        self.quiet = False
        self.step = 0
        self.total_steps = 2 * len(ROSTER_FILES) + 3

    def _tick(self, label: str) -> None:
        self.step += 1
        if self.progress is not None and not self.quiet:
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
            if not has_rows(self.roster.paths[file]):
                # Read as a bulk file it would empty what Trellis holds; nothing is removed unasked.
                findings.warn(file, "has a header and no rows; it was read as absent, so nothing Trellis "
                              "holds from it changed.")
                modes[file] = "absent"
                continue
            headers[file] = header
        version = self.version = detect_version(manifest, headers, findings)
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
        # The enrollments, the largest file by far, are read only after the people are staged
        # and their tables dropped, so the two never take memory at the same time.
        with tuning.TUNING.reading(self.con):
            self._load([file for file in ROSTER_FILES if file != ENROLLMENTS], header_maps, modes)
            self._check(list(self.loaded), modes)
            self._check_people(version, modes)
            if findings.problems:
                # The enrollments are still read and checked, so that one reply lists every problem.
                self._rest(header_maps, modes, None)
                findings.raise_if_refused()
            staged = self._stage_files(modes)
        # From here Python works alongside (the staff), but while the enrollments are read and
        # checked (see _rest).
        if self.people_ready is None:
            self._read_staff(self.staging, modes, staged)
            self._rest(header_maps, modes, staged)
        else:
            self._hand_over(version, modes, staged, lambda fetched: self._rest(header_maps, modes, staged, fetched))
        findings.raise_if_refused()
        return self._stage(version, modes, staged)

    def _hand_over(
        self, version: str, modes: dict[str, str], staged: _People, rest: Callable[[threading.Event], None]
    ) -> None:
        """Read the staff on this thread and hand them to ``people_ready`` while ``rest`` (the
        students and the enrollments) runs on another; ``rest`` waits for the staff to be read
        before it frees the tables they come from."""
        assert self.people_ready is not None
        people_ready = self.people_ready
        fetched = threading.Event()

        def staff_then_caller() -> None:
            cursor = self.con.cursor()  # a DuckDB connection serves one thread at a time
            try:
                # The people tables may go as soon as the staff are fetched, before their records
                # are put together in Python.
                self._read_staff(self.staging.on(cursor), modes, staged, fetched=fetched.set)
            finally:
                cursor.close()
                fetched.set()
            partial = self._bundle(version, modes, staged, counts=staged.counts, summary={}, partial=True)
            # A state's staff take hundreds of MB in Python; once handed over they are not kept.
            staged.staff = []
            people_ready(partial)

        self._alongside(lambda: rest(fetched), staff_then_caller)

    def _rest(
        self,
        header_maps: dict[str, HeaderMap],
        modes: dict[str, str],
        staged: _People | None,
        staff_fetched: threading.Event | None = None,
    ) -> None:
        """Everything after the people files are checked: the students, then the enrollments.

        ``staged`` is None when the people files were refused (the enrollments are then only
        checked). ``staff_fetched``, when given, is set once the staff have been read from the
        people tables, which are freed only after that."""
        if staged is not None:
            self._stage_students(modes, staged)
            if staff_fetched is not None:
                staff_fetched.wait()
        if staged is not None and "users.csv" in self.loaded:
            staged.students_path = self.staging_dir / store.STUDENTS
            self._drop_people(keep=("demographics.csv",))
            people.write_students(
                self.staging, demographics=self.loaded.get("demographics.csv"), mode=modes["users.csv"],
                flag_sources=staged.flag_sources, path=staged.students_path,
            )
        else:
            self.staging.empty_table(STUDENT_KEYS, "sid VARCHAR, student_key VARCHAR")
        self._drop_people()
        with tuning.TUNING.reading(self.con):
            self._load([ENROLLMENTS], header_maps, modes)
            self._check([ENROLLMENTS] if ENROLLMENTS in self.loaded else [], modes)
        # Only the enrollments' reference check needed to know every user.
        self.staging.drop(USER_IDS)
        if self.findings.problems:
            if staged is not None and staged.students_path is not None:
                staged.students_path.unlink(missing_ok=True)  # a refusal leaves nothing staged
            return
        loaded = self.loaded
        if "classes.csv" in loaded:
            staged.classes_path = self.staging_dir / store.CLASSES
            store.write_classes(self.con, loaded["classes.csv"], modes["classes.csv"], staged.classes_path)
        if ENROLLMENTS in loaded:
            staged.enrollments_path = self.staging_dir / store.ENROLLMENTS
            staged.dropped_enrollments = store.write_enrollments(
                self.con, loaded[ENROLLMENTS], modes[ENROLLMENTS], staged.enrollments_path
            )
        self._tick("wrote Parquet")

    def _alongside(self, work: Callable[[], None], caller: Callable[[], None]) -> None:
        """Run ``work`` (DuckDB only) on another thread while ``caller`` runs on this one.

        DuckDB leaves Python's lock while it works, so the caller's own work (writing staff
        accounts to its database) and the reading overlap. Progress is not reported from the
        other thread: a caller's progress callback may write to a database this thread holds.
        """
        failures: list[BaseException] = []

        def run() -> None:
            try:
                work()
            except BaseException as exc:  # handed to the calling thread below
                failures.append(exc)

        self.quiet = True
        worker = threading.Thread(target=run, name="trellis-roster-reader", daemon=True)
        worker.start()
        try:
            caller()
        finally:
            worker.join()
            self.quiet = False
        if failures:
            raise failures[0]
        if self.progress is not None:
            self.progress("wrote Parquet", min(self.step, self.total_steps), self.total_steps)

    def _load(self, files: list[str], header_maps: dict[str, HeaderMap], modes: dict[str, str]) -> None:
        findings = self.findings
        # A table's rowid is its row's place in the file only while insertion order is kept.
        self.con.execute("SET preserve_insertion_order = true")
        for file in files:
            mapped = header_maps.get(file)
            if mapped is not None and findings.room:
                columns = loaded_columns(file, self.version, mapped)
                result = load(self.con, file, self.roster.paths[file], mapped, columns, findings)
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

    def _check(self, files: list[str], modes: dict[str, str]) -> None:
        con, findings = self.con, self.findings
        for file in files:
            loaded = self.loaded[file]
            later = frozenset({"username", "givenName", "familyName"}) if file == "users.csv" else frozenset()
            if file == "classes.csv" and modes["courses.csv"] == "absent":
                # A set without courses cannot name a class's course; the class is kept without one.
                later = frozenset({"courseSourcedId"})
                empty = checks.Check(
                    "courseSourcedId", '"courseSourcedId" IS NULL',
                    "is empty and the set has no courses.csv; the classes were kept without a course",
                    refuse=False,
                )
            file_checks = value_checks(loaded, mode=modes[file], later=later)
            if file == "classes.csv" and modes["courses.csv"] == "absent":
                file_checks.append(empty)
            if modes[file] == "bulk":
                deletion = checks.bulk_deletions(loaded)
                if deletion is not None:
                    file_checks.append(deletion)
            if file == "orgs.csv":
                file_checks += checks.org_checks(loaded)
            run_checks(con, loaded, file_checks, findings)
            checks.check_duplicates(con, loaded, findings)
            self._tick(f"checked {file}")
        checks.check_references(con, self.loaded, modes, findings, sources=files)
        # Row numbers come from the loaded tables' rowids, and the duplicate check reads the ids
        # in file order; nothing after this depends on the order in which DuckDB produces rows
        # (every output has an ORDER BY), so it may stop preserving it, which frees memory and
        # threads.
        con.execute("SET preserve_insertion_order = false")

    def _check_people(self, version: str, modes: dict[str, str]) -> None:
        users = self.loaded.get("users.csv")
        if users is not None:
            people.build_kinds(self.staging, version, users, self.loaded.get("roles.csv"))
            people.check_people(self.staging, users, modes["users.csv"], self.findings)
        self._tick("checked people")

    def _stage_files(self, modes: dict[str, str]) -> _People:
        """What the bundle needs from the small files; roles are freed (``user_roles`` holds all
        that is still needed of them)."""
        loaded = self.loaded
        staged = _People(
            counts={file: item.rows for file, item in loaded.items()},
            flag_sources=people.program_flag_sources(loaded, self.findings),
            orgs=self._orgs(modes),
            academic_sessions=self._sessions(modes),
            courses=self._courses(modes),
            staff=[],
        )
        if "roles.csv" in loaded:
            drop(self.con, loaded.pop("roles.csv"))
        return staged

    def _read_staff(
        self,
        staging: Staging,
        modes: dict[str, str],
        staged: _People,
        fetched: Callable[[], None] | None = None,
    ) -> None:
        users = self.loaded.get("users.csv")
        staged.staff = people.staff_records(staging, users, modes["users.csv"], fetched) if users is not None else []
        summary = staged.staff_summary = {"staff": len(staged.staff)}
        roles = Counter(role for record in staged.staff for role in {r.role for r in record.roles})
        for role, number in sorted(roles.items()):
            summary[f"staff:{role}"] = number

    def _stage_students(self, modes: dict[str, str], staged: _People) -> None:
        """Stage the students' part of users.csv (``student_users``) and find the users whose
        enrollments are dropped or pseudonymised (``unstaged``)."""
        con, loaded = self.con, self.loaded
        users = loaded.get("users.csv")
        if users is None:
            self.staging.empty_table(KINDS, "uid VARCHAR, kind VARCHAR")
            self.staging.empty_table(STUDENT_USERS, "sid VARCHAR, student_key VARCHAR")
        else:
            people.stage_student_users(
                self.staging, users=users, orgs=loaded.get("orgs.csv"), mode=modes["users.csv"],
                flag_sources=staged.flag_sources, pseudonym_key=self.pseudonym_key,
            )
            staged.guardians = count(con, "SELECT count(*) FROM kinds WHERE kind = 'family'")
        store.find_unstaged(
            self.staging, users_table=users.table if users is not None and modes["users.csv"] == "bulk" else None
        )

    def _stage(self, version: str, modes: dict[str, str], staged: _People) -> RosterBundle:
        if staged.dropped_enrollments:
            noun = "enrollment was" if staged.dropped_enrollments == 1 else "enrollments were"
            self.findings.warn(
                ENROLLMENTS,
                f"{staged.dropped_enrollments} {noun} of guardians, parents or relatives; left out.",
            )
        summary = self._summary(
            modes, staged.orgs, staged.staff_summary, staged.students_path, staged.dropped_enrollments,
            staged.guardians,
        )
        counts = {**staged.counts, **{file: item.rows for file, item in self.loaded.items()}}
        bundle = self._bundle(version, modes, staged, counts=counts, summary=summary)
        self._tick("done")
        return bundle

    def _bundle(
        self,
        version: str,
        modes: dict[str, str],
        staged: _People,
        *,
        counts: dict[str, int],
        summary: dict[str, int],
        partial: bool = False,
    ) -> RosterBundle:
        return RosterBundle(
            version=version,
            modes={file: modes[file] for file in ROSTER_FILES},
            orgs=staged.orgs,
            staff=staged.staff,
            academic_sessions=staged.academic_sessions,
            courses=staged.courses,
            counts=counts,
            summary=summary,
            warnings=list(self.findings.warnings),
            school_stats={} if partial else self._school_stats(modes, staged.students_path),
            students_path=None if partial else staged.students_path,
            classes_path=staged.classes_path,
            enrollments_path=staged.enrollments_path,
            program_flag_sources=staged.flag_sources,
        )

    def _drop_people(self, keep: tuple[str, ...] = ()) -> None:
        """Drop the tables of users, roles and demographics (but ``keep``), and what was built
        from them, as soon as the step that needs them is done."""
        self.staging.drop(USERS_WITH_KIND, USERS_GRADED, USER_ROLES, STUDENT_SCHOOL)
        if not keep:
            self.staging.drop(KINDS)
        users = self.loaded.get("users.csv")
        if users is not None and users.table != USER_IDS:
            # The enrollments still need to know which users exist.
            self.staging.table(USER_IDS, f'SELECT "sourcedId" FROM {users.table}')
        for file in PERSON_SET:
            if file in self.loaded and file not in keep and self.loaded[file].table != USER_IDS:
                drop(self.con, self.loaded.pop(file))
        if users is not None:
            self.loaded["users.csv"] = dataclasses.replace(users, table=USER_IDS, columns=(), attention=0)

    def _live(self, modes: dict[str, str], file: str) -> str:
        return people.live_sql(self.loaded[file].table, modes[file])

    def _optional(self, file: str, column: str, cast: str = "VARCHAR") -> str:
        names = {c.name for c in self.loaded[file].columns}
        return f'"{column}"' if column in names else f"NULL::{cast}"

    def _orgs(self, modes: dict[str, str]) -> list[OrgRecord]:
        if "orgs.csv" not in self.loaded:
            return []
        kept = ", ".join(f"'{t}'" for t in (*KEPT_ORG_TYPES, *PLACED_ORG_TYPES))
        locale = self._optional("orgs.csv", "metadata.locale")
        rows = self.con.execute(
            f"""SELECT "sourcedId", coalesce("status", 'active'), "name", "type",
                   {self._optional("orgs.csv", "identifier")},
                   {self._optional("orgs.csv", "parentSourcedId")},
                   {checks.locale_sql(locale)}, _row
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
        staff_summary: dict[str, int],
        students_path: Path | None,
        dropped_enrollments: int,
        guardians: int,
    ) -> dict[str, int]:
        con = self.con
        summary: dict[str, int] = {}
        for org_type, number in sorted(Counter(org.type for org in orgs).items()):
            summary[f"orgs:{org_type}"] = number
        if "orgs.csv" in self.loaded:
            kept = ", ".join(f"'{t}'" for t in (*KEPT_ORG_TYPES, *PLACED_ORG_TYPES))
            skipped = count(con, f'SELECT count(*) FROM {self.loaded["orgs.csv"].table} WHERE "type" NOT IN ({kept})')
            summary["orgs_skipped"] = skipped
        summary.update(staff_summary)
        if students_path is not None and modes["users.csv"] == "bulk":
            summary["students"] = count(con, f"SELECT count(*) FROM read_parquet('{students_path.as_posix()}')")
            summary["guardians_dropped"] = guardians
        elif students_path is not None:
            (active, deleted, updates) = first_row(
                con,
                f"""SELECT count(*) FILTER (WHERE status = 'active' AND NOT update_only),
                       count(*) FILTER (WHERE status = 'tobedeleted' AND from_users),
                       count(*) FILTER (WHERE update_only)
                FROM read_parquet('{students_path.as_posix()}')""",
            ) or (0, 0, 0)
            summary["students"] = int(active)
            summary["students_tobedeleted"] = int(deleted)
            summary["student_updates_only"] = int(updates)
            summary["guardians_dropped"] = guardians
        for file, key in (("classes.csv", "classes"), ("enrollments.csv", "enrollments")):
            if file in self.loaded:
                table = self.loaded[file].table
                rows = count(con, f"SELECT count(*) FROM {table} WHERE coalesce(\"status\", 'active') = 'active'")
                summary[key] = rows - (dropped_enrollments if key == "enrollments" else 0)
        return summary
