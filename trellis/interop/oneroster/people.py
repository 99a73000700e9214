"""Who is a student, who is staff, and the pseudonymised student table.

Every user gets one kind from all their roles (roles.csv in 1.2; users.csv role and
orgSourcedIds in 1.1):

- ``student`` if any role is student. Their staff roles, if any, are dropped: a student never
  gets an account from a roster, and their name never leaves this module's SQL;
- ``staff`` if any role is a staff role (teacher, aide, administrators, counselor, proctor, or an
  ``ext:`` role);
- ``family`` if every role is guardian, parent or relative: dropped and counted;
- no kind at all when the user has no role row (warned; in a delta, applied to students
  Trellis already holds, see store.merge_student_store).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from trellis.interop.oneroster.problems import Findings
from trellis.interop.oneroster.records import StaffRecord, StaffRole
from trellis.interop.oneroster.spec import (
    FAMILY_ROLES,
    PROGRAM_FLAGS,
    RACE_COLUMNS,
    STUDENT_ROLE,
    V11,
)
from trellis.interop.oneroster.staging import (
    KINDS,
    STAFF_PEOPLE,
    STAFF_ROLES,
    STUDENT_KEYS,
    STUDENT_SCHOOL,
    STUDENT_USERS,
    USER_ROLES,
    USERS_GRADED,
    USERS_WITH_KIND,
    Staging,
)
from trellis.interop.oneroster.store import write_queries
from trellis.interop.oneroster.tables import (
    Check,
    Loaded,
    count,
    echo_sql,
    grade_sql,
    ident,
    literal,
    run_checks,
)
from trellis.interop.pseudonym import pseudonym_sql, pseudonymise_column

_FAMILY = ", ".join(literal(role) for role in sorted(FAMILY_ROLES))


def live_sql(alias: str, mode: str) -> str:
    """Rows that hold in this file: in a bulk file, those not marked tobedeleted."""
    if mode == "delta":
        return "true"
    return f"{alias}.\"status\" IS DISTINCT FROM 'tobedeleted'"


def build_kinds(staging: Staging, version: str, users: Loaded, roles: Loaded | None) -> None:
    """Stage ``user_roles`` (one row per user, role, org), ``kinds`` (one kind per user) and the
    views ``users_graded`` and ``users_with_kind``."""
    if version == V11:
        staging.table(
            USER_ROLES,
            f"""SELECT "sourcedId" AS uid, "role" AS role, unnest("orgSourcedIds") AS org,
                   unnest(generate_series(1, len("orgSourcedIds"))) = 1 AS is_primary,
                   "status" IS DISTINCT FROM 'tobedeleted' AS live,
                   _row
            FROM {users.table} u WHERE "role" IS NOT NULL"""
        )
    elif roles is not None:
        staging.table(
            USER_ROLES,
            f"""SELECT "userSourcedId" AS uid, "role" AS role, "orgSourcedId" AS org,
                   "roleType" = 'primary' AS is_primary,
                   "status" IS DISTINCT FROM 'tobedeleted' AS live, _row
            FROM {roles.table} WHERE "role" IS NOT NULL AND "userSourcedId" IS NOT NULL"""
        )
    else:
        staging.empty_table(
            USER_ROLES,
            "uid VARCHAR, role VARCHAR, org VARCHAR, is_primary BOOLEAN, live BOOLEAN, _row BIGINT",
        )
    staging.table(
        KINDS,
        f"""SELECT uid, CASE WHEN bool_or(role = '{STUDENT_ROLE}') THEN 'student'
                         WHEN bool_or(role NOT IN ({_FAMILY})) THEN 'staff'
                         ELSE 'family' END AS kind
        FROM user_roles GROUP BY uid"""
    )
    grade_text = (
        """NULLIF(trim(split_part(u."grades", ',', 1)), '')""" if "grades" in _names(users) else "NULL::VARCHAR"
    )
    staging.view(
        USERS_GRADED,
        f"""SELECT u.*, {grade_sql("u.grade_text")} AS grade_level
        FROM (SELECT u.*, {grade_text} AS grade_text FROM {users.table} u) u"""
    )
    staging.view(USERS_WITH_KIND,
                 'SELECT u.*, k.kind FROM users_graded u LEFT JOIN kinds k ON k.uid = u."sourcedId"')


#: The users.csv columns an account keeps, with the most characters each may hold.
STAFF_LENGTHS = (("sourcedId", 255), ("username", 150), ("givenName", 150), ("familyName", 150))
#: The users.csv columns that reach the database for staff (a NUL byte cannot be stored).
STAFF_TEXT = ("sourcedId", "username", "givenName", "familyName", "email", "identifier")


def valid_email_sql(column: str) -> str:
    """SQL true where a column holds one plausible email address (as Django's EmailField would
    take it: one @, a dot in the domain, no spaces, at most 254 characters)."""
    name = ident(column)
    return (f"(length({name}) <= 254 AND regexp_full_match({name}, "
            "'[^@\\s\\x00]+@[^@\\s\\x00]+\\.[^@\\s\\x00]+'))")


def user_checks(users: Loaded, mode: str) -> list[Check]:
    """Staff need a username and names; a student's grade must be a grade level.

    Run on the view ``users_with_kind`` that build_kinds makes."""
    checks: list[Check] = []
    staff = f"kind = 'staff' AND {live_sql('users_with_kind', mode)}"
    for column in ("username", "givenName", "familyName"):
        if column in {c.name for c in users.columns}:
            checks.append(
                Check(
                    column,
                    f"{staff} AND {ident(column)} IS NULL",
                    f'is empty, but staff need a "{column}" for their Trellis account.',
                )
            )
    names = {c.name for c in users.columns}
    # What becomes a staff account must fit the account's columns; nothing is cut short.
    for column, longest in STAFF_LENGTHS:
        if column in names:
            checks.append(Check(column, f"{staff} AND length({ident(column)}) > {longest}",
                                f"is longer than the {longest} characters Trellis keeps for a staff member."))
    for column in STAFF_TEXT:
        if column in names:
            checks.append(Check(column, f"{staff} AND contains({ident(column)}, chr(0))",
                                "holds a NUL character (byte 0). Save the file again as UTF-8 CSV."))
    if "email" in names:
        checks.append(Check("email", f"{staff} AND {ident('email')} IS NOT NULL AND NOT {valid_email_sql('email')}",
                            "has staff emails that are not email addresses; those staff were imported without "
                            "an email", refuse=False))
    if "grades" in names:
        first, grade = "grade_text", "grade_level"
        shown = echo_sql(users.file, first, users.identity_columns)
        checks.append(
            Check(
                "grades",
                f"kind = 'student' AND {first} IS NOT NULL AND {grade} IS NULL",
                "is not a grade level (use KG, 01 to 12, PK, or another CEDS grade level).",
            )
        )
        checks.append(
            Check(
                "grades",
                f"kind = 'student' AND {grade} IS DISTINCT FROM {first} AND {grade} IS NOT NULL",
                "has grades not written as CEDS grade levels (KG, 01 to 12, ...); they were converted",
                value=shown,
                refuse=False,
            )
        )
    return checks


def check_people(staging: Staging, users: Loaded, mode: str, findings: Findings) -> None:
    """Run user_checks, and say how many users were left without a kind (no role row).

    The checks need each user's kind, a join over every user; a scan without the join first
    tells whether any row could fail them, which in a clean export none can."""
    con = staging.con
    names = _names(users)
    candidates = [f"{ident(c)} IS NULL" for c in ("username", "givenName", "familyName") if c in names]
    # Cheap byte tests that every row failing the staff value checks below also fails.
    candidates += [f"strlen({ident(c)}) > {n}" for c, n in STAFF_LENGTHS if c in names]
    candidates += [f"contains({ident(c)}, chr(0))" for c in STAFF_TEXT if c in names]
    if "email" in names:
        candidates.append("NOT (contains(\"email\", '@') AND contains(\"email\", '.') AND NOT contains(\"email\", ' ') "
                          "AND strlen(\"email\") <= 254)")
    if "grades" in names:
        candidates.append("grade_text IS DISTINCT FROM grade_level AND grade_text IS NOT NULL")
    if candidates:
        possible = count(con, f"SELECT count(*) FROM users_graded WHERE {' OR '.join(candidates)}")
        if possible:
            run_checks(con, users, user_checks(users, mode), findings, source="users_with_kind")
    if mode == "bulk":
        # In a bulk set every role names a user of users.csv (or the set is refused), so the
        # users without a role are simply those not counted in kinds.
        with_kind = count(con, "SELECT count(*) FROM kinds")
        unassigned = max(users.rows - int(with_kind), 0)
    else:
        unassigned = count(con, f'SELECT count(*) FROM {users.table} u ANTI JOIN kinds k ON k.uid = u."sourcedId"')
    if unassigned:
        who = "1 user has" if unassigned == 1 else f"{unassigned} users have"
        findings.warn(
            users.file,
            f"{who} no role, so Trellis cannot tell students from staff. In a bulk file they "
            "were left out; in a delta they update only students Trellis already holds (send "
            "their roles rows to change staff).",
        )


def program_flag_sources(loaded: dict[str, Loaded], findings: Findings) -> dict[str, str]:
    """Each program flag comes from demographics.csv when it has the column, else users.csv."""
    sources: dict[str, str] = {}
    demographics = loaded.get("demographics.csv")
    users = loaded.get("users.csv")
    for column, flag in PROGRAM_FLAGS.items():
        in_demographics = demographics is not None and column in _names(demographics)
        in_users = users is not None and column in _names(users)
        if in_demographics:
            sources[flag] = "demographics.csv"
            if in_users:
                findings.warn(
                    "users.csv",
                    "is also in demographics.csv; the demographics.csv values were used.",
                    column=column,
                )
        elif in_users:
            sources[flag] = "users.csv"
    return sources


def _names(loaded: Loaded) -> set[str]:
    return {c.name for c in loaded.columns}


def _race_sql(d: str, names: set[str]) -> str:
    def flag(column: str) -> str:
        return f"{d}.{ident(column)}" if column in names else "NULL::BOOLEAN"

    american, asian, black, pacific, white, two, hispanic = (flag(c) for c in RACE_COLUMNS)
    count = " + ".join(f"coalesce({f}::INTEGER, 0)" for f in (american, asian, black, pacific, white))
    return (
        f"CASE WHEN {hispanic} THEN 'HI7' WHEN {two} OR ({count}) > 1 THEN 'MU7' "
        f"WHEN {american} THEN 'AM7' WHEN {asian} THEN 'AS7' WHEN {black} THEN 'BL7' "
        f"WHEN {pacific} THEN 'PI7' WHEN {white} THEN 'WH7' END"
    )


def stage_student_users(
    staging: Staging,
    *,
    users: Loaded,
    orgs: Loaded | None,
    mode: str,
    flag_sources: dict[str, str],
    pseudonym_key: bytes,
) -> None:
    """Stage ``student_users``: each student's pseudonym and what users.csv says of them, an Arrow
    table that write_students drops (and ``student_school`` on the way).

    After this, the students need nothing more from users.csv or roles.csv. The pseudonyms are
    computed over the whole column in Python (pseudonymise_column), a few times faster than
    DuckDB's SHA-256 on a state's millions of students."""
    con = staging.con
    user_names = _names(users)
    school_type = (
        f'CASE WHEN r.org IN (SELECT "sourcedId" FROM {orgs.table} WHERE "type" = \'school\') THEN 0 ELSE 2 END'
        if orgs is not None
        else "0"
    )
    # A student's school: users.csv primaryOrgSourcedId, else their student role at a school
    # (primary first, then file order). Worked out only for students without the former.
    without_primary = 1
    wanting = "true"
    if "primaryOrgSourcedId" in user_names:
        without_primary = count(con, f'SELECT count(*) FROM {users.table} WHERE "primaryOrgSourcedId" IS NULL')
        wanting = f'r.uid IN (SELECT "sourcedId" FROM {users.table} WHERE "primaryOrgSourcedId" IS NULL)'
    staging.table(
        STUDENT_SCHOOL,
        f"""SELECT uid, arg_min(org, ({school_type} + CASE WHEN is_primary THEN 0 ELSE 1 END)
                                  * 1000000000000 + _row) AS org
        FROM user_roles r
        WHERE role = '{STUDENT_ROLE}' AND live AND {wanting} AND {int(without_primary)} > 0
        GROUP BY uid"""
    )
    primary_org = 'u."primaryOrgSourcedId"' if "primaryOrgSourcedId" in user_names else "NULL"
    kinds = "('student')" if mode == "bulk" else "('student', 'unassigned')"
    user_flags = ", ".join(
        f"{_flag(f'u.{ident(c)}', c, 'users.csv', flag_sources, user_names)} AS {flag}"
        for c, flag in PROGRAM_FLAGS.items()
    )
    students = con.sql(
        f"""SELECT u."sourcedId" AS sid, coalesce({primary_org}, s.org) AS school_sourced_id,
               u.grade_level AS grade, coalesce(u."status", 'active') AS status,
               coalesce(u.kind, 'unassigned') = 'unassigned' AS update_only,
               {user_flags}
        FROM users_with_kind u
        LEFT JOIN student_school s ON s.uid = u."sourcedId"
        WHERE coalesce(u.kind, 'unassigned') IN {kinds} AND {live_sql("u", mode)}"""
    ).to_arrow_table()
    keys = pseudonymise_column(pseudonym_key, students.column("sid"))
    staging.register(STUDENT_USERS, students.add_column(1, "student_key", keys))


def write_students(
    staging: Staging,
    *,
    demographics: Loaded | None,
    mode: str,
    flag_sources: dict[str, str],
    path: Path,
) -> None:
    """Write students.parquet from ``student_users`` and demographics.csv: pseudonymised,
    subgroup attributes only, sorted by key; in a delta with store.py's bookkeeping columns.
    Leaves ``student_keys`` (sid, student_key) for the enrollments and unregisters
    ``student_users``."""
    con = staging.con
    demo_names = _names(demographics) if demographics is not None else set()
    flags = list(PROGRAM_FLAGS.values())
    if demographics is None:
        student_demographics = (
            "SELECT NULL::VARCHAR AS sid, NULL::VARCHAR AS status, NULL::VARCHAR AS race_ethnicity, "
            "NULL::VARCHAR AS sex, " + ", ".join(f"NULL::BOOLEAN AS {flag}" for flag in flags) + " WHERE false"
        )
    else:
        deleted = "d.\"status\" = 'tobedeleted'"
        sex = (
            "CASE d.\"sex\" WHEN 'female' THEN 'F' WHEN 'male' THEN 'M' WHEN 'other' THEN 'X' END"
            if "sex" in demo_names
            else "NULL"
        )
        demo_flags = ", ".join(
            f"CASE WHEN {deleted} THEN NULL ELSE "
            f"{_flag(f'd.{ident(c)}', c, 'demographics.csv', flag_sources, demo_names)} "
            f"END AS {flag}"
            for c, flag in PROGRAM_FLAGS.items()
        )
        race = _race_sql("d", demo_names)
        # In a bulk file only rows of staged students are kept (the join below starts from
        # them); a delta's demographics rows of staff or family must be left out here.
        not_student = (
            "d.\"sourcedId\" IN (SELECT uid FROM kinds WHERE kind <> 'student')"
            if mode != "bulk" and count(con, "SELECT count(*) FROM kinds WHERE kind <> 'student'")
            else "false"
        )
        student_demographics = f"""SELECT d."sourcedId" AS sid, coalesce(d."status", 'active') AS status,
                   CASE WHEN {deleted} THEN NULL ELSE {race} END AS race_ethnicity,
                   CASE WHEN {deleted} THEN NULL ELSE {sex} END AS sex, {demo_flags}
            FROM {demographics.table} d
            WHERE {live_sql("d", mode)} AND NOT ({not_student})"""
    join = "LEFT JOIN" if mode == "bulk" else "FULL OUTER JOIN"
    flag_columns = ", ".join(
        f"{'d' if flag_sources.get(flag) == 'demographics.csv' else 'u'}.{flag} AS {flag}" for flag in flags
    )
    # A bulk file's students are all new and active: the file is written exactly as the store
    # holds it, so the store can take it as it is. A delta's rows say what they carry.
    bookkeeping = (
        ""
        if mode == "bulk"
        else """, u.sid IS NOT NULL AS from_users, d.sid IS NOT NULL AS from_demographics,
                   coalesce(u.update_only, true) AS update_only"""
    )
    # Written through the store's Arrow writer, which gives each column its codec and encodes on
    # another thread while DuckDB joins and sorts.
    write_queries(
        con,
        [
            f"""SELECT coalesce(u.student_key, {pseudonym_sql("d.sid")}) AS student_key,
                   u.school_sourced_id, u.grade,
                   d.race_ethnicity, d.sex, {flag_columns},
                   coalesce(u.status, d.status) AS status{bookkeeping}
            FROM student_users u {join} ({student_demographics}) d ON d.sid = u.sid
            ORDER BY student_key"""
        ],
        path,
    )
    # Enrollments need only each student's key.
    staging.table(STUDENT_KEYS, "SELECT sid, student_key FROM student_users")
    staging.drop(STUDENT_USERS)


def _flag(value: str, column: str, file: str, sources: dict[str, str], names: set[str]) -> str:
    """The flag's value when this file is its source, else NULL."""
    if sources.get(PROGRAM_FLAGS[column]) == file and column in names:
        return value
    return "NULL::BOOLEAN"


def staff_records(
    staging: Staging, users: Loaded, mode: str, fetched: Callable[[], None] | None = None
) -> list[StaffRecord]:
    """The staff, sorted by sourcedId, with their staff roles (family and student roles dropped).

    In a delta, staff whose roles changed without a users.csv row appear with their other fields
    None (unchanged). A state has hundreds of thousands of staff, so people and roles are
    fetched as two flat, equally sorted results and put together in one pass. ``fetched`` is
    called once nothing more is read from the staging's connection (before that pass)."""
    con = staging.con
    names = _names(users)

    def column(name: str) -> str:
        return f'u."{name}"' if name in names else "NULL"

    staff_role = f"NOT (r.role = '{STUDENT_ROLE}' OR r.role IN ({_FAMILY}))"
    has_user = 'u."sourcedId" IS NOT NULL'
    staging.table(
        STAFF_ROLES,
        f"""SELECT r.uid, r.role, r.org, r.is_primary, r.live, r._row
        FROM user_roles r SEMI JOIN kinds k ON k.uid = r.uid AND k.kind = 'staff'
        WHERE {staff_role}""",
        temp=True,
    )
    staging.table(
        STAFF_PEOPLE,
        f"""SELECT s.uid, coalesce(u."status", 'active') AS status,
               {column("enabledUser")} AS enabled, {column("username")} AS username,
               {column("givenName")} AS given, {column("familyName")} AS family,
               {f"CASE WHEN {valid_email_sql('email')} THEN u.email END" if "email" in names else "NULL"} AS email,
               {column("identifier")} AS identifier
        FROM (SELECT DISTINCT uid FROM staff_roles) s LEFT JOIN {users.table} u ON u."sourcedId" = s.uid
        WHERE ({has_user} AND {live_sql("u", mode)}) OR (NOT {has_user} AND '{mode}' = 'delta')""",
        temp=True,
    )
    people = con.execute("SELECT * FROM staff_people ORDER BY uid").fetchall()
    roles = con.execute(
        "SELECT r.uid, r.role, r.org, coalesce(r.is_primary, false), r.live FROM staff_roles r "
        "SEMI JOIN staff_people p ON p.uid = r.uid ORDER BY r.uid, r._row"
    ).fetchall()
    staging.drop(STAFF_ROLES, STAFF_PEOPLE)
    if fetched is not None:
        fetched()
    records = []
    position, count_roles = 0, len(roles)
    # Statuses, roles, organizations and names repeat across staff; one string object each keeps
    # a state's staff to a fraction of the memory.
    shared: dict[str, str] = {}
    one = shared.setdefault
    for uid, status, enabled, username, given, family, email, identifier in people:
        active: list[StaffRole] = []
        removed: list[StaffRole] = []
        while position < count_roles and roles[position][0] == uid:
            _, role, org, primary, live = roles[position]
            (active if live else removed).append(StaffRole(one(role, role), one(org, org), primary))
            position += 1
        given = one(given, given) if given is not None else None
        family = one(family, family) if family is not None else None
        records.append(
            StaffRecord(uid, one(status, status), enabled, username, given, family, email, identifier, active, removed)
        )
    return records
