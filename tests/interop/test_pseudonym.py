import hashlib
import hmac

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trellis.interop.pseudonym import (
    pseudonym_sql,
    pseudonymise,
    pseudonymise_column,
    register_pseudonym_key,
)

KEY = b"test-pseudonym-key-0123456789abcdef"
# RFC 4231 test cases 6 and 7: a key longer than the SHA-256 block, so it is hashed first.
LONG_KEY = b"\xaa" * 131
RFC_4231 = [
    (
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        "This is a test using a larger than block-size key and a larger than block-size data. "
        "The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]
IDS = [
    "stu-8f2a61",
    "",
    " 123 ",
    "Zoë-Ångström",
    "学生-0042",
    "🦉👩‍🎓",
    "a" * 63,
    "b" * 64,
    "c" * 65,
    "x" * 1000,
    'O\'Brien, "Jr"',
    "tab\tand\nnewline",
]
ID_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))


def sql_pseudonyms(key: bytes, ids: list[str | None]) -> list[str | None]:
    con = duckdb.connect()
    register_pseudonym_key(con, key)
    con.execute("CREATE TABLE ids (position INTEGER, value VARCHAR)")
    con.executemany("INSERT INTO ids VALUES (?, ?)", list(enumerate(ids)))
    rows = con.execute(f"SELECT {pseudonym_sql('value')} FROM ids ORDER BY position").fetchall()
    con.close()
    return [row[0] for row in rows]


@pytest.mark.parametrize(("message", "expected"), RFC_4231)
def test_pseudonym_is_the_first_32_hex_characters_of_hmac_sha256(message, expected):
    assert pseudonymise(LONG_KEY, message) == expected[:32]
    assert sql_pseudonyms(LONG_KEY, [message]) == [expected[:32]]
    assert pseudonymise_column(LONG_KEY, [message]).to_pylist() == [expected[:32]]


@pytest.mark.parametrize("key", [KEY, b"k" * 16, b"k" * 64, b"k" * 65, bytes(range(256))])
def test_sql_and_arrow_pseudonyms_equal_python_hmac(key):
    expected = [hmac.new(key, i.encode(), hashlib.sha256).hexdigest()[:32] for i in IDS]
    assert [pseudonymise(key, i) for i in IDS] == expected
    assert sql_pseudonyms(key, IDS) == expected
    assert pseudonymise_column(key, IDS).to_pylist() == expected
    assert pseudonymise_column(key, pa.chunked_array([IDS[:5], IDS[5:]])).to_pylist() == expected


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(ID_TEXT, min_size=1, max_size=40), key=st.binary(min_size=16, max_size=160))
def test_vectorised_pseudonyms_equal_python_on_any_text(ids, key):
    assert pseudonymise_column(key, ids).to_pylist() == [pseudonymise(key, i) for i in ids]


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(ID_TEXT, min_size=1, max_size=40), key=st.text(min_size=16, max_size=100))
def test_pseudonyms_under_a_text_key_equal_python(ids, key):
    # A UTF-8 key takes polars-hash's HMAC, any other key the SQL macro; both must be Python's.
    assert pseudonymise_column(key.encode(), ids).to_pylist() == [pseudonymise(key.encode(), i) for i in ids]
    assert sql_pseudonyms(key.encode(), ids) == [pseudonymise(key.encode(), i) for i in ids]


def test_a_connection_can_be_registered_again_with_another_key():
    con = duckdb.connect()
    for key in (KEY, b"\xff" * 20, KEY + b"!"):
        register_pseudonym_key(con, key)
        sql = pseudonym_sql("'stu-1'")
        assert con.execute(f"SELECT {sql}").fetchall() == [(pseudonymise(key, "stu-1"),)]
    con.close()


def test_nulls_stay_null():
    assert pseudonymise_column(KEY, ["a", None]).to_pylist() == [pseudonymise(KEY, "a"), None]
    assert sql_pseudonyms(KEY, [None]) == [None]


def test_a_different_key_gives_a_different_pseudonym():
    assert pseudonymise(KEY, "stu-1") != pseudonymise(KEY + b"!", "stu-1")
    assert len(pseudonymise(KEY, "stu-1")) == 32


@pytest.mark.parametrize("key", [b"", b"short", b"x" * 15])
def test_a_short_key_is_refused(key):
    with pytest.raises(ValueError, match="at least 16 bytes"):
        pseudonymise(key, "stu-1")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        pseudonymise_column(key, ["stu-1"])
