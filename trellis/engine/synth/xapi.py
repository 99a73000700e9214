"""Synthetic xAPI statements: a learning system's year of professional learning, as JSON Lines.

Written by DuckDB in one pass, so a state's ten million statements take minutes, not hours. The
mix is deterministic for a seed: mostly registrations, attendance and completions, some quizzes,
badges and views; one statement in ten without an id (as Moodle's plugin sends them), one in ten
actors known by an LMS account instead of an email, one in fifty people not on the roster, and one
statement in a thousand voided by a later one.
"""

from __future__ import annotations

from pathlib import Path

# (verb IRI, share of statements in thousandths); the rest of the thousand are "experienced" views.
VERB_MIX = (
    ("http://adlnet.gov/expapi/verbs/registered", 180),
    ("http://adlnet.gov/expapi/verbs/attended", 250),
    ("http://adlnet.gov/expapi/verbs/completed", 200),
    ("http://adlnet.gov/expapi/verbs/passed", 50),
    ("http://adlnet.gov/expapi/verbs/failed", 10),
    ("http://adlnet.gov/expapi/verbs/scored", 50),
    ("http://adlnet.gov/expapi/verbs/answered", 100),
    ("https://w3id.org/xapi/tla/verbs/achieved", 20),
    ("http://id.tincanapi.com/verb/unregistered", 20),
)
OTHER_VERB = "http://adlnet.gov/expapi/verbs/experienced"


def staff_email(index: int, domain: str = "staff.example.org") -> str:
    """The email of synthetic staff member ``index``, as the generator writes it into ``mbox``."""
    return f"staff{index}@{domain}"


def write_xapi_statements(out: Path, *, statements: int, staff: int, seed: int = 1,
                          activities: int = 2000, domain: str = "staff.example.org") -> Path:
    """Write ``statements`` xAPI statements for ``staff`` people to ``out`` (JSON Lines).

    Staff member ``i`` is ``mailto:staff{i}@{domain}`` (see :func:`staff_email`), or for one
    actor in ten the LMS account ``staff-{i}``; people numbered from ``staff`` up are not on any
    roster. The same arguments always write the same file.
    """
    import duckdb

    out.parent.mkdir(parents=True, exist_ok=True)
    cases, start = [], 0
    for verb, share in VERB_MIX:
        cases.append(f"WHEN v < {start + share} THEN '{verb}'")
        start += share
    verb_sql = f"CASE {' '.join(cases)} ELSE '{OTHER_VERB}' END"
    unknown = max(1, staff // 50)
    with duckdb.connect() as connection:
        connection.execute("SET enable_progress_bar = false")
        connection.execute(f"""
            COPY (
                WITH base AS (
                    SELECT i,
                           hash(i, {seed}) AS h,
                           (hash(i, {seed}, 1) % {staff + unknown}) AS person,
                           (hash(i, {seed}, 2) % 1000) AS v,
                           (hash(i, {seed}, 3) % {activities}) AS activity,
                           (hash(i, {seed}, 4) % 31536000) AS second
                    FROM range({statements}) t(i)
                )
                SELECT
                    CASE WHEN h % 10 = 0 THEN NULL
                         ELSE md5('statement' || i || '-' || {seed})::UUID::VARCHAR END AS id,
                    CASE WHEN person % 10 = 3
                         THEN {{'objectType': 'Agent', 'name': 'Staff ' || person,
                                'account': {{'homePage': 'https://lms.example.org', 'name': 'staff-' || person}}}}::JSON
                         ELSE {{'objectType': 'Agent', 'name': 'Staff ' || person,
                                'mbox': 'mailto:staff' || person || '@{domain}'}}::JSON END AS actor,
                    CASE WHEN i % 1000 = 999
                         THEN {{'id': 'http://adlnet.gov/expapi/verbs/voided', 'display': {{'en-US': 'voided'}}}}::JSON
                         ELSE {{'id': {verb_sql}, 'display': {{'en-US': 'did'}}}}::JSON END AS verb,
                    CASE WHEN i % 1000 = 999
                         THEN {{'objectType': 'StatementRef',
                                'id': md5('statement' || (i - 500) || '-' || {seed})::UUID::VARCHAR}}::JSON
                         ELSE {{'id': 'https://lms.example.org/course/' || activity, 'objectType': 'Activity',
                                'definition': {{'name': {{'en-US': 'AI in the classroom, part ' || activity}},
                                               'type': 'http://adlnet.gov/expapi/activities/course'}}}}::JSON
                    END AS object,
                    CASE WHEN v BETWEEN 630 AND 740
                         THEN {{'score': {{'scaled': (h % 101) / 100.0, 'raw': h % 101, 'min': 0, 'max': 100}},
                                'success': v < 680, 'completion': true}}::JSON END AS result,
                    {{'registration': md5('registration' || person || '-' || activity)::UUID::VARCHAR,
                      'platform': 'Moodle'}}::JSON AS context,
                    strftime(TIMESTAMP '2026-08-01' + second * INTERVAL 1 SECOND, '%Y-%m-%dT%H:%M:%SZ')
                        AS "timestamp"
                FROM base
                ORDER BY i
            ) TO '{out}' (FORMAT json)
        """)
    return out
