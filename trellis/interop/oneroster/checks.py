"""Checks that look across rows or across files: duplicates, references, org types, locales."""

from __future__ import annotations

from collections.abc import Collection

import duckdb

from trellis.interop.oneroster.problems import Findings
from trellis.interop.oneroster.spec import KEPT_ORG_TYPES, LOCALES, PERSON_FILES, PLACED_ORG_TYPES
from trellis.interop.oneroster.tables import Check, Loaded, count, ident, literal

#: (file, column, target file, is a list); org parents are deliberately not checked, because a
#: district's roster names its state as parent without listing it.
REFERENCES: tuple[tuple[str, str, str, bool], ...] = (
    ("academicSessions.csv", "parentSourcedId", "academicSessions.csv", False),
    ("courses.csv", "orgSourcedId", "orgs.csv", False),
    ("courses.csv", "schoolYearSourcedId", "academicSessions.csv", False),
    ("classes.csv", "courseSourcedId", "courses.csv", False),
    ("classes.csv", "schoolSourcedId", "orgs.csv", False),
    ("classes.csv", "termSourcedIds", "academicSessions.csv", True),
    ("users.csv", "orgSourcedIds", "orgs.csv", True),
    ("users.csv", "primaryOrgSourcedId", "orgs.csv", False),
    ("roles.csv", "userSourcedId", "users.csv", False),
    ("roles.csv", "orgSourcedId", "orgs.csv", False),
    ("demographics.csv", "sourcedId", "users.csv", False),
    ("enrollments.csv", "classSourcedId", "classes.csv", False),
    ("enrollments.csv", "schoolSourcedId", "orgs.csv", False),
    ("enrollments.csv", "userSourcedId", "users.csv", False),
)
#: References that can be left unresolved without guessing: the record is placed all the same
#: (a term or school year outside the export, a class whose course is not listed), with a warning.
SOFT_REFERENCES = frozenset({
    ("academicSessions.csv", "parentSourcedId"),
    ("courses.csv", "schoolYearSourcedId"),
    ("classes.csv", "courseSourcedId"),
    ("classes.csv", "termSourcedIds"),
})
_RECORD_NAMES = {
    "orgs.csv": "org",
    "academicSessions.csv": "academic session",
    "courses.csv": "course",
    "classes.csv": "class",
    "users.csv": "user",
}


def check_duplicates(con: duckdb.DuckDBPyConnection, loaded: Loaded, findings: Findings) -> None:
    """Every sourcedId appears once in a file (bulk or delta: twice would be ambiguous)."""
    table = loaded.table
    # Ids that only ever increase, taken in one pass, are all different. Most exports are
    # written in id order, and this single scan stops at the first id that does not increase.
    descent = con.execute(
        f'SELECT 1 FROM (SELECT id, lag(id) OVER () AS previous FROM (SELECT "sourcedId" AS id FROM {table} '
        f'WHERE "sourcedId" IS NOT NULL)) WHERE id <= previous LIMIT 1'
    ).fetchall()
    if not descent:
        return
    # Distinct 64-bit hashes mean distinct ids, and counting hashes is much cheaper than
    # grouping strings (a DISTINCT is cheaper again than count(DISTINCT)); only when two hashes
    # agree are the ids themselves compared.
    possible = count(
        con,
        f'SELECT count("sourcedId") - (SELECT count(*) FROM (SELECT DISTINCT hash("sourcedId") FROM {table} '
        f'WHERE "sourcedId" IS NOT NULL)) FROM {table}',
    )
    if not possible:
        return
    repeated = count(
        con,
        f'SELECT count(*) FROM (SELECT "sourcedId" FROM {table} WHERE "sourcedId" IS NOT NULL '
        "GROUP BY ALL HAVING count(*) > 1)",
    )
    if not repeated or not findings.room:
        return
    rows = con.execute(
        f'SELECT _row, first, "sourcedId" FROM (SELECT _row, "sourcedId", min(_row) OVER '
        f'(PARTITION BY "sourcedId") AS first FROM {table} WHERE "sourcedId" IS NOT NULL) '
        f"WHERE _row > first ORDER BY _row LIMIT {findings.room + 1}"
    ).fetchall()
    for row, first, sourced_id in rows:
        shown = "" if loaded.file in PERSON_FILES else f'"{str(sourced_id)[:60]}" '
        findings.refuse(
            loaded.file,
            f"{shown}repeats the sourcedId of row {first}; each record must appear once.",
            row=int(row),
            column="sourcedId",
        )


def check_references(
    con: duckdb.DuckDBPyConnection,
    loaded: dict[str, Loaded],
    modes: dict[str, str],
    findings: Findings,
    *,
    sources: Collection[str],
) -> None:
    """References into a bulk file must resolve; into a delta file they may name records
    Trellis already holds; into an absent file they are kept as given, with a warning.
    Only references from the files in ``sources`` are checked.

    References into the same file are looked up in one query, so that one hash table of its ids
    serves them all (a state's roles and demographics both name its millions of users). The
    problems are listed in the order of REFERENCES, then by row."""
    # target file → a query per reference into it: its index in REFERENCES, rows and values
    lookups: dict[str, list[str]] = {}
    for index, (file, column, target, is_list) in enumerate(REFERENCES):
        source = loaded.get(file) if file in sources else None
        if source is None or column not in {c.name for c in source.columns}:
            continue
        name = ident(column)
        if loaded.get(target) is None:
            if modes.get(file) == "bulk" and modes.get(target) == "absent":
                used = count(con, f"SELECT count(*) FROM {source.table} WHERE {name} IS NOT NULL")
                if used:
                    findings.warn(
                        file,
                        f"refers to {target}, which is not in this set; the references were "
                        "kept as given and not checked.",
                        column=column,
                    )
            continue
        if modes.get(target) != "bulk" or not findings.room:
            continue
        ref = f"unnest({name})" if is_list else name
        if (file, column) in SOFT_REFERENCES:
            _warn_unresolved(con, source.table, ref, loaded[target].table, file, column, target, findings)
            continue
        lookups.setdefault(target, []).append(f"SELECT {index} AS reference, _row, {ref} AS ref FROM {source.table}")
    unresolved: list[tuple[int, int, str]] = []
    for target, references in lookups.items():
        # Each query returns enough rows to fill the room left, whatever the others return.
        union = " UNION ALL ".join(references)
        ids = loaded[target].table
        unresolved += con.execute(
            f"SELECT s.reference, s._row, s.ref FROM ({union}) s WHERE s.ref IS NOT NULL AND NOT EXISTS "
            f'(SELECT 1 FROM {ids} t WHERE t."sourcedId" = s.ref) '
            f"ORDER BY s.reference, s._row LIMIT {findings.room + 1}"
        ).fetchall()
    for index, row, ref in sorted(unresolved, key=lambda found: (found[0], found[1])):
        file, column, target, _ = REFERENCES[index]
        if target in PERSON_FILES:
            message = f"refers to a user who is not in {target}."
        elif file in PERSON_FILES:
            message = f"refers to {_a(_RECORD_NAMES[target])} that is not in {target}."
        else:
            message = f'refers to {_RECORD_NAMES[target]} "{str(ref)[:60]}", which is not in {target}.'
        findings.refuse(file, message, row=int(row), column=column)


def _warn_unresolved(
    con: duckdb.DuckDBPyConnection, table: str, ref: str, ids: str, file: str, column: str, target: str,
    findings: Findings,
) -> None:
    found = con.execute(
        f"SELECT count(*), min(_row) FROM (SELECT _row, {ref} AS ref FROM {table}) s WHERE s.ref IS NOT NULL "
        f'AND NOT EXISTS (SELECT 1 FROM {ids} t WHERE t."sourcedId" = s.ref)'
    ).fetchall()
    unresolved, first = found[0] if found else (0, None)
    if unresolved:
        rows = "1 reference" if unresolved == 1 else f"{unresolved} references"
        findings.warn(
            file,
            f"refers to {_RECORD_NAMES[target]}s that are not in {target} ({rows}, first on row {first}); "
            "the rows were imported without that link.",
            column=column,
        )


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def locale_sql(text: str) -> str:
    """metadata.locale: city | suburb | town | rural, or an NCES locale code (11-43)."""
    names = ", ".join(literal(name) for name in LOCALES)
    return (
        f"CASE WHEN lower({text}) IN ({names}) THEN lower({text}) "
        f"WHEN regexp_full_match({text}, '[1-4][1-3]') "
        f"THEN list_extract([{names}], CAST(left({text}, 1) AS INTEGER)) END"
    )


def org_checks(orgs: Loaded) -> list[Check]:
    """Skipped org types (warnings) and the locale extension column."""
    checks: list[Check] = []
    kept = ", ".join(literal(t) for t in (*KEPT_ORG_TYPES, *PLACED_ORG_TYPES))
    placed = ", ".join(literal(t) for t in PLACED_ORG_TYPES)
    checks.append(
        Check(
            "type",
            f'"type" IS NOT NULL AND "type" NOT IN ({kept})',
            "orgs of a type Trellis does not keep (it keeps state, local, district and school) were skipped",
            value='left("type", 60)',
            refuse=False,
        )
    )
    checks.append(
        Check(
            "type",
            f'"type" IN ({placed})',
            "departments are not organizations of their own in Trellis; their staff, students and "
            "classes were placed at the department's school",
            refuse=False,
        )
    )
    # An organization's name and id must fit Trellis's columns; nothing is cut short.
    for column, longest in (("sourcedId", 255), ("name", 200)):
        checks.append(Check(column, f"length({ident(column)}) > {longest}",
                            f"is longer than the {longest} characters Trellis keeps for an organization."))
    for column in ("sourcedId", "name", "identifier"):
        if column in {c.name for c in orgs.columns}:
            checks.append(Check(column, f"contains({ident(column)}, chr(0))",
                                "holds a NUL character (byte 0). Save the file again as UTF-8 CSV."))
    if "metadata.locale" in {c.name for c in orgs.columns}:
        locale = ident("metadata.locale")
        checks.append(
            Check(
                "metadata.locale",
                f"{locale} IS NOT NULL AND {locale_sql(locale)} IS NULL",
                "is not a locale (city, suburb, town, rural, or an NCES locale code 11-43).",
                value=f"left({locale}, 60)",
            )
        )
        checks.append(
            Check(
                "metadata.locale",
                f"regexp_full_match({locale}, '[1-4][1-3]')",
                "has NCES locale codes; they were read as city, suburb, town or rural",
                value=f"left({locale}, 60)",
                refuse=False,
            )
        )
    return checks


def bulk_deletions(loaded: Loaded) -> Check | None:
    """A bulk file should not mark rows tobedeleted; such rows are left out."""
    if "status" not in {c.name for c in loaded.columns}:
        return None
    return Check(
        "status",
        "\"status\" = 'tobedeleted'",
        "is a bulk file but marks rows tobedeleted; those rows were left out",
        refuse=False,
    )
