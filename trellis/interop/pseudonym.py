"""Keyed pseudonyms for student identifiers.

A student's ``sourcedId`` from the student information system is never stored. It is replaced at
import by

    pseudonym = HMAC-SHA256(key, UTF-8 bytes of sourcedId), as lower-case hex, first 32 characters

with ``key`` a deployment secret. 32 hex characters are 128 bits: the chance that two of 10 million
students share a pseudonym is below 10^-22, and without the key a pseudonym cannot be turned back
into a sourcedId or recomputed from one. The identifier is hashed byte for byte: callers strip
surrounding spaces first if they want ``" 123"`` and ``"123"`` to be the same student (the OneRoster
reader does). Unicode is not normalised.

Three ways to compute it, all giving the same string for the same key and identifier:

- :func:`pseudonymise` for one identifier (Python's ``hmac``);
- :func:`pseudonym_sql` for a column inside a DuckDB query, after :func:`register_pseudonym_key`
  on the connection. DuckDB has SHA-256 over BLOBs, so HMAC is written out as its definition,
  ``SHA256((K xor opad) || SHA256((K xor ipad) || m))``, with the two padded keys computed once in
  Python and handed to DuckDB as session variables (never as SQL text, so they cannot leak into an
  error message or a query log);
- :func:`pseudonymise_column` for an Arrow array or a list of strings: polars-hash's HMAC-SHA256
  (Rust, a few calls of 500,000 ids each, about three times faster than the SQL form on a
  state's millions of students). polars-hash takes the key as text, so a key that is not UTF-8
  runs the SQL form instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import duckdb
import polars as pl
import polars_hash  # registers the "chash" expressions
import pyarrow as pa  # type: ignore[import-untyped]

# polars is imported with this module, never first inside pseudonymise_column: the OneRoster
# reader calls that on its own thread while the calling thread runs Python, and an import there
# waits for Python's lock at every one of polars' hundreds of module files (seconds, not 0.2 s).

PSEUDONYM_HEX_CHARS = 32
MIN_KEY_BYTES = 16
_BLOCK = 64  # SHA-256 block size in bytes
_IPAD_VARIABLE = "trellis_hmac_ipad"
_OPAD_VARIABLE = "trellis_hmac_opad"
#: Identifiers pseudonymised per polars call.
_PART_ROWS = 500_000


def check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray):
        raise TypeError("the pseudonym key must be bytes")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key must be at least {MIN_KEY_BYTES} bytes long")


def pseudonymise(key: bytes, sourced_id: str) -> str:
    """Return the pseudonym of one identifier.

    Parameters
    ----------
    key : bytes
        The deployment's pseudonym key (at least 16 bytes).
    sourced_id : str
        The identifier, hashed as its UTF-8 bytes.

    Returns
    -------
    str
        ``hex(HMAC-SHA256(key, sourced_id))[:32]``.
    """
    check_key(key)
    digest = hmac.new(bytes(key), sourced_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_CHARS]


def _padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """The HMAC inner and outer keys (RFC 2104): K padded to the block size, xor 0x36 and 0x5c."""
    block_key = hashlib.sha256(key).digest() if len(key) > _BLOCK else bytes(key)
    block_key = block_key.ljust(_BLOCK, b"\x00")
    inner = bytes(b ^ 0x36 for b in block_key)
    outer = bytes(b ^ 0x5C for b in block_key)
    return inner, outer


def register_pseudonym_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Make :func:`pseudonym_sql` usable on ``con`` with ``key``."""
    check_key(key)
    inner, outer = _padded_keys(bytes(key))
    con.execute(f"SET VARIABLE {_IPAD_VARIABLE} = $1::BLOB", [inner])
    con.execute(f"SET VARIABLE {_OPAD_VARIABLE} = $1::BLOB", [outer])


def pseudonym_sql(expression: str) -> str:
    """SQL for the pseudonym of a VARCHAR expression (NULL stays NULL).

    The connection must have had :func:`register_pseudonym_key` called on it.
    """
    inner = f"sha256(getvariable('{_IPAD_VARIABLE}') || encode({expression}))"
    return f"left(sha256(getvariable('{_OPAD_VARIABLE}') || unhex({inner})), {PSEUDONYM_HEX_CHARS})"


def pseudonymise_column(
    key: bytes, values: pa.Array | pa.ChunkedArray | Sequence[str | None]
) -> pa.ChunkedArray:
    """Pseudonymise a column of identifiers at once; nulls stay null.

    Gives exactly ``[pseudonymise(key, v) for v in values]``, as Arrow strings in parts.
    """
    check_key(key)
    if isinstance(values, pa.ChunkedArray):
        chunks = [chunk.cast(pa.string()) for chunk in values.chunks]
    else:
        array = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
        chunks = [array.cast(pa.string())]
    column = pa.chunked_array(chunks, type=pa.string())
    try:
        text = bytes(key).decode("utf-8")
    except UnicodeDecodeError:
        return _sql_pseudonyms(key, column)
    digests = polars_hash.col("value").chash.hmac_sha256(key=text).str.slice(0, PSEUDONYM_HEX_CHARS)
    # In parts, so that the full hex digests (twice the pseudonyms' size) never all exist at
    # once, and large ones, so that a busy Python thread alongside is waited for only a few times.
    parts = []
    for start in range(0, len(column), _PART_ROWS):
        frame = pl.from_arrow(pa.table({"value": column.slice(start, _PART_ROWS)}))
        parts.append(frame.select(digests).to_series().to_arrow().cast(pa.string()))
    return pa.chunked_array(parts, type=pa.string())


def _sql_pseudonyms(key: bytes, values: pa.ChunkedArray) -> pa.ChunkedArray:
    table = pa.table({"value": values})
    con = duckdb.connect(config={"temp_directory": ""})
    try:
        register_pseudonym_key(con, key)
        con.register("trellis_ids", table)
        result = con.sql(f"SELECT {pseudonym_sql('value')} AS pseudonym FROM trellis_ids").to_arrow_table()
    finally:
        con.close()
    return result.column("pseudonym").cast(pa.string())
