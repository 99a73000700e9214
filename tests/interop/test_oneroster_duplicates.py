"""The duplicate-id check finds exactly the repeated sourcedIds, whatever order the file is in."""

from collections import Counter

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from trellis.interop.oneroster.checks import check_duplicates
from trellis.interop.oneroster.problems import Findings
from trellis.interop.oneroster.tables import Loaded


def duplicates_found(ids: list[str | None]) -> list[tuple[int | None, str]]:
    con = duckdb.connect()
    try:
        con.execute('CREATE TABLE d_classes ("sourcedId" VARCHAR)')
        if ids:
            con.executemany("INSERT INTO d_classes VALUES (?)", [(i,) for i in ids])
        con.execute("CREATE VIEW t_classes AS SELECT rowid + 2 AS _row, * FROM d_classes")
        findings = Findings()
        check_duplicates(con, Loaded("classes.csv", "t_classes", (), len(ids), ()), findings)
        return [(p.row, p.message) for p in findings.problems]
    finally:
        con.close()


def test_ids_in_order_pass_and_a_repeat_among_them_is_refused() -> None:
    assert duplicates_found(["a", "b", "c", "d"]) == []
    assert duplicates_found(["a", "b", "b", "c"]) == [
        (4, '"b" repeats the sourcedId of row 3; each record must appear once.')
    ]


def test_a_repeat_is_found_across_a_row_without_an_id() -> None:
    assert duplicates_found(["a", "b", None, "b", "c"]) == [
        (5, '"b" repeats the sourcedId of row 3; each record must appear once.')
    ]


def test_ids_out_of_order_pass_unless_one_repeats() -> None:
    assert duplicates_found(["c", "a", "d", "b"]) == []
    assert duplicates_found(["c", "a", "d", "a"]) == [
        (5, '"a" repeats the sourcedId of row 3; each record must appear once.')
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab1 ", min_size=1, max_size=3)), max_size=30),
       st.booleans())
def test_refused_exactly_when_an_id_repeats(ids: list[str | None], in_order: bool) -> None:
    if in_order:
        ids = sorted(ids, key=lambda i: (i is None, i or ""))
    repeats = sum(n - 1 for i, n in Counter(ids).items() if i is not None)
    assert len(duplicates_found(ids)) == repeats
