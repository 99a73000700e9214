"""Read xAPI statements into the Parquet event store, all or nothing, idempotent by statement id.

The store is a folder of Parquet files, one per import (``events-<import>.parquet``). Each row is
one statement as Trellis uses it: its id, the actor's key (never a name or an email: an email is
kept only as ``sha1:`` of its ``mailto:`` IRI, as xAPI's own ``mbox_sha1sum``), the verb, the
object, the time and the result. A statement whose verb Trellis does not interpret is kept the same
way, with its verb's IRI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from trellis.interop.refusal import MAX_PROBLEMS, Refusal

#: Verbs Trellis interprets, by the last segment of the verb's IRI (ADL, TLA, cmi5 and Tin Can
#: vocabularies all end with these words); every other verb is kept as it came.
REGISTERED_VERBS = (
    "registered", "unregistered", "attended", "completed", "passed", "failed", "scored", "achieved", "answered",
)
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
EVENTS_GLOB = "events-*.parquet"

_COLUMNS = {
    "id": "VARCHAR",
    "actor": "STRUCT(objectType VARCHAR, mbox VARCHAR, mbox_sha1sum VARCHAR, openid VARCHAR, "
             "account STRUCT(homePage VARCHAR, name VARCHAR))",
    "verb": "STRUCT(id VARCHAR)",
    "object": "STRUCT(id VARCHAR, objectType VARCHAR, definition STRUCT(type VARCHAR, name MAP(VARCHAR, VARCHAR)))",
    "result": "STRUCT(score STRUCT(scaled DOUBLE, raw DOUBLE, min DOUBLE, max DOUBLE), success BOOLEAN, "
              "completion BOOLEAN, duration VARCHAR)",
    "context": "STRUCT(registration VARCHAR, platform VARCHAR)",
    "timestamp": "VARCHAR",
}

_ACTOR_KEY = """CASE
    WHEN actor.mbox IS NOT NULL AND actor.mbox <> ''
        THEN 'sha1:' || sha1('mailto:' || trim(CASE WHEN lower(actor.mbox) LIKE 'mailto:%'
                                                THEN lower(substr(actor.mbox, 8)) ELSE lower(actor.mbox) END))
    WHEN actor.mbox_sha1sum IS NOT NULL AND actor.mbox_sha1sum <> '' THEN 'sha1:' || lower(actor.mbox_sha1sum)
    WHEN actor.account.name IS NOT NULL AND actor.account.name <> ''
        THEN 'account:' || coalesce(actor.account.homePage, '') || '|' || actor.account.name
    WHEN actor.openid IS NOT NULL AND actor.openid <> '' THEN 'openid:' || actor.openid
END"""
# A statement without an id is named by its content, so the same statement always gets the same id.
_CONTENT_HASH = ("md5(concat_ws(chr(31), actor_key, verb.id, object.id, \"timestamp\", "
                 "CAST(result AS VARCHAR), CAST(context AS VARCHAR)))")


def actor_key_for_email(email: str) -> str:
    """The key of an actor known by ``mbox``: the SHA-1 of ``mailto:`` and the lower-case address."""
    return "sha1:" + hashlib.sha1(f"mailto:{email.strip().lower()}".encode()).hexdigest()


def actor_key_for_sha1(digest: str) -> str:
    return "sha1:" + digest.lower()


def actor_key_for_account(home_page: str, name: str) -> str:
    return f"account:{home_page}|{name}"


class XapiError(Refusal):
    """The file was refused; ``problems`` give each bad statement's position in the file."""

    what = "xAPI file"
    consequence = "; nothing was imported"


@dataclass(frozen=True)
class XapiRead:
    """What one import added to the store."""

    statements: int  # statements in the file
    new: int  # stored by this import
    duplicates: int  # already stored, or repeated in the file
    derived_ids: int  # statements without an id, given one derived from their content
    per_verb: dict[str, int]  # new statements per interpreted verb, less those voided
    other_verbs: int  # new statements with a verb Trellis does not interpret, kept as they are
    voiding: int  # new voiding statements
    voided: int  # statements in the store voided by this import's voiding statements
    actors: list[tuple[str, str | None, int]] = field(default_factory=list)  # (key, account name, statements)
    events_file: str = ""

    @classmethod
    def nothing_new(cls, statements: int, derived_ids: int) -> XapiRead:
        """A file whose every statement the store already holds."""
        return cls(statements, 0, statements, derived_ids, {}, 0, 0, 0)


def _connect(memory_limit: str | None, temp_dir: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    if memory_limit:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute("SET temp_directory = ?", [str(temp_dir)])
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET enable_progress_bar = false")
    return connection


def _is_array(source: Path) -> bool:
    with source.open("rb") as handle:
        while chunk := handle.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped.startswith(b"[")
    return False


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def import_statements(source: Path, *, store: Path, import_id: int, source_name: str | None = None,
                      memory_limit: str | None = "3GB") -> XapiRead:
    """Check every statement in ``source`` and add the new ones to ``store`` as one Parquet file.

    Refused, naming the position (line of a JSON Lines file, or statement number of a JSON array):
    text that is not JSON, a statement that is not an object, one without an actor that has an
    identifier (``mbox``, ``mbox_sha1sum``, ``account`` or ``openid``), without a verb id or
    without an object id. Nothing is written then.

    A statement already in the store (the same id) or repeated in the file is counted once. A
    statement without an id gets the id ``md5`` of its actor, verb, object, timestamp, result and
    context, written as a UUID, so the same file imported twice adds nothing. A voiding statement
    (verb ``voided``, object a ``StatementRef``) is stored and removes its target, earlier or
    later, from every count.
    """
    name = source_name or source.name
    store.mkdir(parents=True, exist_ok=True)
    staging = store / f".staging-{import_id}.parquet"
    target = store / f"events-{import_id:08d}.parquet"
    connection = _connect(memory_limit, store)
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _COLUMNS.items()) + "}"
    fmt = "array" if _is_array(source) else "newline_delimited"
    registered = ", ".join(_sql_string(v) for v in REGISTERED_VERBS)
    try:
        try:
            connection.execute(f"""
                COPY (
                    WITH read AS (
                        SELECT *, {_ACTOR_KEY} AS actor_key,
                            CASE WHEN id IS NULL OR id = '' THEN {_CONTENT_HASH} END AS h,
                            lower(right(verb.id, strpos(reverse(translate(verb.id, '#', '/')), '/') - 1)) AS verb_word
                        FROM read_json({_sql_string(str(source))}, format='{fmt}',
                                       columns={columns}, maximum_object_size=16777216)
                    )
                    SELECT
                        coalesce(nullif(id, ''), substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4)
                                 || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12)) AS statement_id,
                        id IS NULL OR id = '' AS derived_id,
                        actor_key,
                        nullif(actor.account.name, '') AS account_name,
                        verb.id AS verb_id,
                        CASE WHEN verb_word IN ({registered}) THEN verb_word END AS verb,
                        object.id AS object_id,
                        coalesce(object.objectType, 'Activity') AS object_kind,
                        object.definition.type AS activity_type,
                        coalesce(object.definition.name['en-US'], object.definition.name['en'],
                                 map_values(object.definition.name)[1]) AS object_name,
                        try_cast("timestamp" AS TIMESTAMPTZ) AS "timestamp",
                        result.score.scaled AS score_scaled,
                        result.score.raw AS score_raw,
                        result.success AS success,
                        result.completion AS completion,
                        result.duration AS duration,
                        context.registration AS registration,
                        CASE WHEN verb.id = {_sql_string(VOIDED_VERB)} AND object.objectType = 'StatementRef'
                             THEN object.id END AS voids
                    FROM read
                ) TO {_sql_string(str(staging))} (FORMAT parquet, COMPRESSION zstd)
            """)
        except duckdb.Error as exc:
            raise XapiError(_problems(source, name) or [f"{name}: could not be read as xAPI statements "
                                                        f"({str(exc).splitlines()[0][:300]})."]) from exc
        bad = connection.execute(
            f"SELECT count(*) FROM read_parquet({_sql_string(str(staging))}) "
            "WHERE actor_key IS NULL OR verb_id IS NULL OR verb_id = '' OR object_id IS NULL OR object_id = ''"
        ).fetchone()
        if bad and bad[0]:
            raise XapiError(_problems(source, name) or [f"{name}: {bad[0]} statements lack an actor, verb or "
                                                        "object."], more=bad[0] > MAX_PROBLEMS)
        return _store_new(connection, staging=staging, target=target, store=store)
    finally:
        connection.close()
        staging.unlink(missing_ok=True)


def _existing(store: Path, target: Path) -> list[str]:
    return [str(p) for p in sorted(store.glob(EVENTS_GLOB)) if p != target]


def _store_new(connection: duckdb.DuckDBPyConnection, *, staging: Path, target: Path, store: Path) -> XapiRead:
    existing = _existing(store, target)
    stage = f"read_parquet({_sql_string(str(staging))})"
    old = f"read_parquet([{', '.join(_sql_string(p) for p in existing)}])" if existing else None
    # As many distinct hashes as statements proves every id distinct, and counting 64-bit hashes
    # costs a fraction of counting the ids. Two ids with one hash (rare) only send the file through
    # the deduplicating rewrite below, which keeps them both.
    total, distinct, derived = connection.execute(
        f"SELECT count(*), count(DISTINCT hash(statement_id)), count(*) FILTER (derived_id) FROM {stage}"
    ).fetchone() or (0, 0, 0)
    stored = connection.execute(
        f"SELECT count(*) FROM {stage} WHERE statement_id IN (SELECT statement_id FROM {old})"
    ).fetchone()[0] if old else 0  # type: ignore[index]
    if stored == total:  # the file again: every statement is stored already
        return XapiRead.nothing_new(total, derived)
    if stored == 0 and distinct == total:
        # The usual case, a file of new statements: the checked file is the store's new file as it is.
        staging.rename(target)
    else:
        anti = f"WHERE statement_id NOT IN (SELECT statement_id FROM {old})" if old else ""
        connection.execute(f"""
            COPY (
                SELECT * EXCLUDE (rank) FROM (
                    SELECT *, row_number() OVER (PARTITION BY statement_id) AS rank FROM {stage} {anti}
                ) WHERE rank = 1
            ) TO {_sql_string(str(target))} (FORMAT parquet, COMPRESSION zstd)
        """)
        written = connection.execute(f"SELECT count(*) FROM read_parquet({_sql_string(str(target))})").fetchone()
        if not written or written[0] == 0:  # nothing new: the file adds nothing to the store
            target.unlink()
            return XapiRead.nothing_new(total, derived)
    new_events = f"read_parquet({_sql_string(str(target))})"
    every = f"read_parquet([{', '.join(_sql_string(p) for p in [*existing, str(target)])}])"
    voided_ids = f"(SELECT voids FROM {every} WHERE voids IS NOT NULL)"
    rows = connection.execute(f"""
        SELECT verb, voids IS NOT NULL AS voiding, count(*) FROM {new_events}
        WHERE statement_id NOT IN {voided_ids} OR voids IS NOT NULL
        GROUP BY ALL
    """).fetchall()
    per_verb = {verb: int(n) for verb, voiding, n in sorted(rows, key=lambda r: str(r[0])) if verb and not voiding}
    other = sum(int(n) for verb, voiding, n in rows if verb is None and not voiding)
    voiding = sum(int(n) for _, is_voiding, n in rows if is_voiding)
    voided = connection.execute(
        f"SELECT count(*) FROM {every} WHERE statement_id IN (SELECT voids FROM {new_events} WHERE voids IS NOT NULL)"
    ).fetchone()[0] if voiding else 0  # type: ignore[index]
    actors = connection.execute(
        f"SELECT actor_key, any_value(account_name), count(*) FROM {new_events} GROUP BY actor_key"
    ).fetchall()
    new = sum(int(n) for _, _, n in actors)
    return XapiRead(total, new, total - new, derived, per_verb, other, voiding, int(voided),
                    [(k, a, int(n)) for k, a, n in actors], target.name)


def _statements(source: Path) -> Iterator[tuple[str, str | None, Any]]:
    """Each statement's position and either its parse error or its value, read in Python (used only
    to name the positions of problems after DuckDB found some)."""
    if _is_array(source):
        try:
            values = json.loads(source.read_bytes())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield f"is not JSON ({getattr(exc, 'msg', exc)} at line {getattr(exc, 'lineno', '?')}, " \
                  f"column {getattr(exc, 'colno', '?')})", None, None
            return
        for index, value in enumerate(values):
            yield f"statement {index + 1}", None, value
        return
    with source.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield f"line {number}", None, json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield f"line {number}", f"is not JSON ({getattr(exc, 'msg', exc)})", None


def _statement_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "is not a JSON object"
    actor = value.get("actor")
    if not isinstance(actor, dict):
        return "has no actor"
    account = actor.get("account")
    if not (actor.get("mbox") or actor.get("mbox_sha1sum") or actor.get("openid")
            or (isinstance(account, dict) and account.get("name"))):
        return "has an actor without mbox, mbox_sha1sum, account or openid"
    verb = value.get("verb")
    if not isinstance(verb, dict) or not verb.get("id"):
        return "has no verb id"
    target = value.get("object")
    if not isinstance(target, dict) or not target.get("id"):
        return "has no object id"
    return None


def _problems(source: Path, name: str) -> list[str]:
    problems: list[str] = []
    for position, error, value in _statements(source):
        if error is None and value is None and position.startswith("is not JSON"):
            return [f"{name}: {position}."]
        problem = error or _statement_problem(value)
        if problem:
            problems.append(f"{name}: {position}: {problem}.")
            if len(problems) > MAX_PROBLEMS:
                break
    return problems


def _events(store: Path) -> str | None:
    files = sorted(store.glob(EVENTS_GLOB))
    if not files:
        return None
    return f"read_parquet([{', '.join(_sql_string(str(p)) for p in files)}])"


def verb_counts_by_actor(store: Path, keys: list[str]) -> dict[str, dict[str, int]]:
    """Interpreted verbs per actor key (voided and voiding statements left out)."""
    every = _events(store)
    if every is None or not keys:
        return {}
    with duckdb.connect() as connection:
        connection.execute("CREATE TEMP TABLE wanted (actor_key VARCHAR)")
        connection.executemany("INSERT INTO wanted VALUES (?)", [[k] for k in keys])
        rows = connection.execute(f"""
            SELECT actor_key, verb, count(*) FROM {every}
            WHERE actor_key IN (SELECT actor_key FROM wanted) AND verb IS NOT NULL AND voids IS NULL
              AND statement_id NOT IN (SELECT voids FROM {every} WHERE voids IS NOT NULL)
            GROUP BY actor_key, verb
        """).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for key, verb, count in rows:
        counts.setdefault(key, {})[verb] = int(count)
    return counts


def events_for_actors(store: Path, keys: list[str], *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest statements of some actors (voided ones left out), newest first."""
    every = _events(store)
    if every is None or not keys:
        return []
    with duckdb.connect() as connection:
        connection.execute("CREATE TEMP TABLE wanted (actor_key VARCHAR)")
        connection.executemany("INSERT INTO wanted VALUES (?)", [[k] for k in keys])
        cursor = connection.execute(f"""
            SELECT statement_id, coalesce(verb, verb_id) AS verb, object_id, object_name, activity_type,
                   "timestamp", score_scaled, success, completion
            FROM {every}
            WHERE actor_key IN (SELECT actor_key FROM wanted) AND voids IS NULL
              AND statement_id NOT IN (SELECT voids FROM {every} WHERE voids IS NOT NULL)
            ORDER BY "timestamp" DESC NULLS LAST LIMIT {int(limit)}
        """)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
