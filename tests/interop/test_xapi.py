"""xAPI statements from a real LMS plugin (Moodle's logstore_xapi) and hand-written edge cases."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from trellis.interop.xapi import (
    VOIDED_VERB,
    XapiError,
    actor_key_for_email,
    events_for_actors,
    import_statements,
    verb_counts_by_actor,
)

MOODLE = Path(__file__).parent / "fixtures" / "xapi" / "moodle"
MOODLE_VERBS = {"achieved": 2, "answered": 2, "attended": 1, "completed": 3, "registered": 1, "scored": 1,
                "unregistered": 1}


def moodle_statements() -> list[dict]:
    statements: list[dict] = []
    for path in sorted(MOODLE.glob("*.json")):
        statements.extend(json.loads(path.read_text("utf-8")))
    return statements


def write_json(path: Path, statements: list) -> Path:
    path.write_text(json.dumps(statements), encoding="utf-8")
    return path


def write_lines(path: Path, statements: list) -> Path:
    path.write_text("\n".join(json.dumps(s) for s in statements) + "\n", encoding="utf-8")
    return path


def statement(n: int, verb: str = "completed", email: str = "ada@cedar.example.org", **extra) -> dict:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "actor": {"objectType": "Agent", "name": "Ada Lovelace", "mbox": f"mailto:{email}"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {"id": f"https://lms.example.org/course/{n}", "objectType": "Activity",
                   "definition": {"name": {"en-US": f"Course {n}"}}},
        "timestamp": "2026-09-01T15:00:00Z",
        **extra,
    }


def test_moodle_statements_import_with_the_right_counts_per_verb(tmp_path):
    read = import_statements(write_json(tmp_path / "moodle.json", moodle_statements()), store=tmp_path / "s",
                             import_id=1)
    assert (read.statements, read.new, read.duplicates, read.derived_ids) == (13, 13, 0, 13)
    assert read.per_verb == MOODLE_VERBS
    assert read.other_verbs == 2  # viewed and logged in: kept, not interpreted
    assert sorted(read.actors) == [("account:http://www.example.org|1", "1", 10),
                                   ("account:http://www.example.org|2", "2", 3)]


def test_reimporting_the_same_file_as_json_lines_adds_nothing(tmp_path):
    store = tmp_path / "s"
    import_statements(write_json(tmp_path / "moodle.json", moodle_statements()), store=store, import_id=1)
    again = import_statements(write_lines(tmp_path / "moodle.jsonl", moodle_statements()), store=store, import_id=2)
    assert (again.new, again.duplicates, again.per_verb, again.events_file) == (0, 13, {}, "")
    assert sorted(p.name for p in store.glob("events-*.parquet")) == ["events-00000001.parquet"]


def test_a_statement_without_an_id_gets_the_same_id_from_the_same_content(tmp_path):
    store = tmp_path / "s"
    first = moodle_statements()[:3]
    import_statements(write_json(tmp_path / "a.json", first), store=store, import_id=1)
    changed = json.loads(json.dumps(first))
    changed[0]["timestamp"] = "2026-10-01T00:00:00Z"  # a different statement: another id
    read = import_statements(write_json(tmp_path / "b.json", changed), store=store, import_id=2)
    assert (read.new, read.duplicates) == (1, 2)


def test_repeats_inside_one_file_count_once(tmp_path):
    read = import_statements(write_lines(tmp_path / "a.jsonl", [statement(1), statement(1), statement(2)]),
                             store=tmp_path / "s", import_id=1)
    assert (read.statements, read.new, read.duplicates) == (3, 2, 1)


def test_voided_statements_leave_every_count_earlier_or_later(tmp_path):
    store = tmp_path / "s"
    import_statements(write_lines(tmp_path / "a.jsonl", [statement(1), statement(2, "attended")]), store=store,
                      import_id=1)
    void = {"id": "00000000-0000-4000-8000-999999999999",
            "actor": {"mbox": "mailto:admin@lms.example.org"}, "verb": {"id": VOIDED_VERB},
            "object": {"objectType": "StatementRef", "id": "00000000-0000-4000-8000-000000000001"}}
    read = import_statements(write_lines(tmp_path / "b.jsonl", [void, statement(3)]), store=store, import_id=2)
    assert (read.new, read.voiding, read.voided, read.per_verb) == (2, 1, 1, {"completed": 1})
    key = actor_key_for_email("ada@cedar.example.org")
    assert verb_counts_by_actor(store, [key]) == {key: {"attended": 1, "completed": 1}}
    assert {e["statement_id"][-1] for e in events_for_actors(store, [key])} == {"2", "3"}
    # A statement voided before it arrives is never counted.
    late_void = {**void, "id": "00000000-0000-4000-8000-999999999998",
                 "object": {"objectType": "StatementRef", "id": "00000000-0000-4000-8000-000000000004"}}
    import_statements(write_lines(tmp_path / "c.jsonl", [late_void]), store=store, import_id=3)
    late = import_statements(write_lines(tmp_path / "d.jsonl", [statement(4, "passed")]), store=store, import_id=4)
    assert late.per_verb == {} and late.new == 1


def test_mbox_and_mbox_sha1sum_name_the_same_actor_and_no_email_or_name_is_stored(tmp_path):
    digest = hashlib.sha1(b"mailto:ada@cedar.example.org").hexdigest()
    by_sha1 = statement(2)
    by_sha1["actor"] = {"mbox_sha1sum": digest.upper()}
    read = import_statements(write_lines(tmp_path / "a.jsonl", [statement(1, email="Ada@Cedar.example.org"),
                                                                 by_sha1]), store=tmp_path / "s", import_id=1)
    assert read.actors == [(actor_key_for_email("ada@cedar.example.org"), None, 2)]
    events = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path / 's' / read.events_file}')").fetchall()
    stored = json.dumps(events, default=str)
    assert "ada@" not in stored.lower() and "Lovelace" not in stored


@pytest.mark.parametrize("bad, message", [
    ("{not json", "line 2: is not JSON"),
    ('"a string"', "line 2: is not a JSON object"),
    ('{"verb": {"id": "x"}, "object": {"id": "y"}}', "line 2: has no actor"),
    ('{"actor": {"name": "Someone"}, "verb": {"id": "x"}, "object": {"id": "y"}}',
     "line 2: has an actor without mbox, mbox_sha1sum, account or openid"),
    ('{"actor": {"mbox": "mailto:a@b.org"}, "object": {"id": "y"}}', "line 2: has no verb id"),
    ('{"actor": {"mbox": "mailto:a@b.org"}, "verb": {"id": "x"}}', "line 2: has no object id"),
])
def test_malformed_statements_are_refused_with_their_position_and_nothing_is_stored(tmp_path, bad, message):
    store = tmp_path / "s"
    source = tmp_path / "bad.jsonl"
    source.write_text(json.dumps(statement(1)) + "\n" + bad + "\n" + json.dumps(statement(3)) + "\n")
    with pytest.raises(XapiError) as caught:
        import_statements(source, store=store, import_id=1)
    assert caught.value.problems[0].startswith(f"bad.jsonl: {message}")
    assert list(store.glob("*.parquet")) == []


def test_a_bad_statement_in_a_json_array_is_named_by_its_number(tmp_path):
    statements = moodle_statements()
    del statements[4]["object"]
    with pytest.raises(XapiError) as caught:
        import_statements(write_json(tmp_path / "moodle.json", statements), store=tmp_path / "s", import_id=1)
    assert caught.value.problems == ["moodle.json: statement 5: has no object id."]
