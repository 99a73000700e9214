"""Load one OneRoster CSV file into DuckDB and check every value, in SQL, in one pass.

Each file becomes a table ``t_<file>`` with

- ``_row``: the line number a spreadsheet shows (header = 1). The file is loaded with DuckDB's
  insertion order preserved, so a table's rowid is the record's position in the file;
- one column per known column, cleaned (trimmed, blank -> NULL, enumerations and booleans in
  their canonical spelling, dates as DATE, lists as VARCHAR[]);
- ``<column>__raw``, the trimmed text as written, for columns whose values are checked.

Problems are found with one aggregate query per file (counts and first rows of each kind of
problem); only kinds that occur are listed row by row, and only up to the problem limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from trellis.interop.oneroster import tuning
from trellis.interop.oneroster.problems import Findings
from trellis.interop.oneroster.source import HeaderMap
from trellis.interop.oneroster.spec import GRADE_LEVELS, PERSON_FILES, Column, Kind

#: Kinds whose raw text is kept next to the cleaned value, to find and show bad values.
CHECKED_KINDS = {Kind.ENUM, Kind.BOOL, Kind.DATE, Kind.YEAR, Kind.STATUS}
#: Loaded columns that can identify a person; a value equal to one of them is never quoted.
IDENTITY_COLUMNS = frozenset(
    {"sourcedId", "userSourcedId", "username", "givenName", "familyName", "email", "identifier"}
)
#: A line longer than this is refused (no OneRoster record comes near it).
MAX_LINE_BYTES = 1 << 20


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A quoted SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def first_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    """The first row ``sql`` returns, or None. The result is read to its end: DuckDB keeps a
    result that ``fetchone`` left unfinished, and the connection then refuses a new relation."""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The single integer a ``SELECT count(*) ...`` returns."""
    row = first_row(con, sql)
    return int(row[0]) if row and row[0] is not None else 0


def table_name(file: str) -> str:
    return "t_" + file.removesuffix(".csv")


def raw_name(column: str) -> str:
    return column + "__raw"


def list_sql(text: str) -> str:
    """A comma-separated list as VARCHAR[] (items trimmed, empty items dropped)."""
    items = f"list_transform(string_split({text}, ','), lambda x: trim(x))"
    return f"CASE WHEN {text} IS NULL THEN NULL ELSE list_filter({items}, lambda x: x <> '') END"


def iso_shaped_sql(text: str) -> str:
    """Cheap test for the YYYY-MM-DD shape (digits are checked when the date is parsed)."""
    return f"(length({text}) = 10 AND substr({text}, 5, 1) = '-' AND substr({text}, 8, 1) = '-')"


def date_sql(text: str) -> str:
    """YYYY-MM-DD (also unpadded), M/D/YYYY, or an ISO date-time's date part; else NULL."""
    return (
        f"CASE WHEN {iso_shaped_sql(text)} THEN try_strptime({text}, '%Y-%m-%d')::DATE "
        f"WHEN regexp_full_match({text}, '\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}') "
        f"THEN try_strptime({text}, '%Y-%m-%d')::DATE "
        f"WHEN regexp_full_match({text}, '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}') "
        f"THEN try_strptime({text}, '%m/%d/%Y')::DATE "
        f"WHEN regexp_full_match({text}, '\\d{{4}}-\\d{{2}}-\\d{{2}}[T ]\\d{{2}}:\\d{{2}}"
        f"(:\\d{{2}}(\\.\\d+)?)?(Z|[+-]\\d{{2}}:?\\d{{2}})?') "
        f"THEN try_strptime(left({text}, 10), '%Y-%m-%d')::DATE END"
    )


def grade_sql(text: str) -> str:
    """A grade level in the CEDS vocabulary (01-13 padded, K -> KG, PreK -> PK); else NULL."""
    levels = ", ".join(literal(level.upper()) for level in GRADE_LEVELS)
    compact = f"upper(replace(replace({text}, '-', ''), ' ', ''))"
    return (
        f"CASE WHEN {text} IN ({', '.join(literal(g) for g in GRADE_LEVELS)}) THEN {text} "
        f"WHEN upper({text}) = 'OTHER' THEN 'Other' "
        f"WHEN upper({text}) IN ({levels}) THEN upper({text}) "
        f"WHEN regexp_full_match({text}, '0?[1-9]|1[0-3]') THEN lpad({text}, 2, '0') "
        f"WHEN {compact} IN ('K', 'KINDERGARTEN', '0', '00') THEN 'KG' "
        f"WHEN {compact} IN ('PREK', 'PREKINDERGARTEN') THEN 'PK' END"
    )


def _enum_sql(text: str, column: Column) -> str:
    terms = (*column.vocabulary, *column.other_version)
    exact = ", ".join(literal(term) for term in terms)
    cases = [f"WHEN {text} IN ({exact}) THEN {text}"]
    cases += [f"WHEN lower({text}) = {literal(term.lower())} THEN {literal(term)}" for term in terms]
    if column.extensible:
        cases.append(f"WHEN starts_with(lower({text}), 'ext:') THEN {text}")
    return "CASE " + " ".join(cases) + " END"


def trimmed_sql(text: str) -> str:
    """Surrounding spaces removed and blank as NULL; cheap for the usual value, which has no
    space at all (one scan for a space costs less than testing both ends)."""
    return f"CASE WHEN contains({text}, ' ') OR {text} = '' THEN NULLIF(trim({text}), '') ELSE {text} END"


def _slow_clean_sql(text: str, column: Column) -> str:
    """The cleaned value of a trimmed, blank-as-NULL text, accepting the variants Trellis reads."""
    kind = column.kind
    if kind is Kind.ENUM:
        return _enum_sql(text, column)
    if kind is Kind.BOOL:
        return (
            f"CASE WHEN lower({text}) IN ('true', '1', 'yes', 'y') THEN true "
            f"WHEN lower({text}) IN ('false', '0', 'no', 'n') THEN false END"
        )
    if kind is Kind.DATE:
        return date_sql(text)
    if kind is Kind.YEAR:
        return (
            f"CASE WHEN regexp_full_match({text}, '\\d{{4}}') THEN {text} "
            f"WHEN regexp_full_match({text}, '\\d{{4}}\\s*[-/]\\s*\\d{{4}}') "
            f"THEN right({text}, 4) END"
        )
    return (
        f"CASE WHEN lower({text}) = 'active' THEN 'active' "
        f"WHEN lower({text}) IN ('tobedeleted', 'inactive') THEN 'tobedeleted' END"
    )


def clean_sql(text: str, column: Column, canonical: str) -> str:
    """The cleaned value of a column's text as read. ``canonical`` is SQL that is true where the
    text is blank or written the OneRoster way (canonical_sql, computed once per row and shared
    with the attention flag); other text is trimmed and read through the accepted variants."""
    kind = column.kind
    trimmed = trimmed_sql(text)
    if kind in (Kind.REFS, Kind.LIST):
        return list_sql(trimmed)
    if kind not in CHECKED_KINDS:
        return trimmed
    slow = _slow_clean_sql(trimmed, column)
    if kind is Kind.BOOL:
        written = f"{text} = 'true'"
    elif kind is Kind.DATE:
        written = f"try_strptime({text}, '%Y-%m-%d')::DATE"
    else:
        written = text
    return f"CASE WHEN {canonical} THEN {written} ELSE {slow} END"


def canonical_sql(text: str, column: Column) -> str:
    """True where a value (as read) is blank or written exactly the OneRoster way."""
    kind = column.kind
    if kind is Kind.ENUM:
        written = f"{text} IN ({', '.join(literal(term) for term in column.vocabulary)})"
    elif kind is Kind.BOOL:
        written = f"{text} IN ('true', 'false')"
    elif kind is Kind.DATE:
        written = f"{iso_shaped_sql(text)} AND try_strptime({text}, '%Y-%m-%d') IS NOT NULL"
    elif kind is Kind.YEAR:
        written = f"regexp_full_match({text}, '\\d{{4}}')"
    else:
        written = f"{text} IN ('active', 'tobedeleted')"
    return f"({text} IS NULL OR ({written}))"


def expectation(column: Column) -> str:
    kind = column.kind
    if kind is Kind.BOOL:
        return "is not true or false."
    if kind is Kind.DATE:
        return "is not a date (write dates as YYYY-MM-DD)."
    if kind is Kind.YEAR:
        return "is not a year (write it as YYYY)."
    if kind is Kind.STATUS:
        return "is not active or tobedeleted."
    terms = ", ".join(column.vocabulary)
    extension = ", or an extension starting with ext:" if column.extensible else ""
    return f"is not one of: {terms}{extension}."


def echo_sql(file: str, value: str, identity_columns: Iterable[str]) -> str:
    """SQL for a value that may be shown in a message, or NULL when it must not be.

    In files about people a value is shown only when it is short, has no "@" and no run of five
    digits, and is not the row's own id, name, username, email or identifier: a value in the
    wrong column can be a student's name.
    """
    if file not in PERSON_FILES:
        return f"left({value}, 60)"
    others = [f"lower({value}) IS DISTINCT FROM lower({ident(c)})" for c in identity_columns]
    guards = [
        f"length({value}) <= 30",
        f"NOT contains({value}, '@')",
        f"NOT regexp_matches({value}, '\\d{{5}}')",
        *others,
    ]
    return f"CASE WHEN {' AND '.join(guards)} THEN {value} END"


def quoted(value: str | None) -> str:
    return f'"{value}"' if value is not None else "The value (not shown)"


@dataclass(frozen=True)
class Loaded:
    file: str
    table: str
    columns: tuple[Column, ...]
    rows: int
    #: Columns whose value may identify a person: never shown, and used to guard what is.
    identity_columns: tuple[str, ...]
    #: Rows with a checked value not written the canonical way (0: no such check can fail).
    attention: int = 0


def load(
    con: duckdb.DuckDBPyConnection,
    file: str,
    path: Path,
    header: HeaderMap,
    columns: list[Column],
    findings: Findings,
) -> Loaded | None:
    """Read a CSV file into ``t_<file>``; None (with problems recorded) if it cannot be read.

    One pass reads the text and cleans it into the table ``d_<file>``, with ``_attention`` true
    on rows where a checked value is not written the canonical way. Only when such rows exist is
    the file read a second time, into ``r_<file>``, keeping the text of those values (the
    ``__raw`` columns, NULL where canonical); a clean export is read once. ``t_<file>`` is a
    view joining both by position and adding ``_row`` from the table's rowid (its position in
    the file: insertion order is preserved).
    """
    stem = table_name(file).removeprefix("t_")
    table, data, raw_table = f"t_{stem}", f"d_{stem}", f"r_{stem}"
    csv_columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(header.width)) + "}"
    texts = ", ".join(f"c{header.columns[c.name]} AS {ident(c.name)}" for c in columns)
    checked = [c for c in columns if c.kind in CHECKED_KINDS]
    padding = " null_padding = true," if header.pad_short_rows else ""

    def reader(rejects: str) -> str:
        return (
            f"(SELECT {texts} FROM read_csv({literal(str(path))}, header = false, skip = 1, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {csv_columns},{padding} store_rejects = true, rejects_table = '{rejects}_{stem}', "
            f"rejects_scan = 'scan_{rejects}_{stem}', rejects_limit = 50, "
            f"max_line_size = {MAX_LINE_BYTES}, buffer_size = {max(tuning.TUNING.csv_buffer_bytes, MAX_LINE_BYTES)}))"
        )

    # Whether each checked value is canonical is worked out once, in an inner query, for both the
    # cleaned value and the row's attention flag.
    canonical = {c.name: f"_canonical{i}" for i, c in enumerate(checked)}
    parts = [f"{clean_sql(ident(c.name), c, canonical.get(c.name, ''))} AS {ident(c.name)}" for c in columns]
    if "status" not in header.columns:
        # Bulk files may leave the column out; every table has one so queries can ask.
        parts.append('NULL::VARCHAR AS "status"')
    source = reader("rejects")
    if checked:
        parts.append(f"NOT ({' AND '.join(canonical.values())}) AS _attention")
        flags = ", ".join(f"{canonical_sql(ident(c.name), c)} AS {canonical[c.name]}" for c in checked)
        source = f"(SELECT *, {flags} FROM {source})"
    try:
        con.execute(f"CREATE OR REPLACE TABLE {data} AS SELECT {', '.join(parts)} FROM {source}")
    except duckdb.OutOfMemoryException:
        raise  # the whole read is refused, naming the roster (read_roster)
    except duckdb.Error:
        # DuckDB's message can quote the offending line, so it is not passed on.
        findings.refuse(file, "could not be read as a CSV file. Save it as UTF-8 CSV and retry.")
        return None
    # DuckDB lists a line once per bad value on it; a person needs to hear of each line once.
    rejected = con.execute(
        f"SELECT line, min(error_type) FROM rejects_{stem} GROUP BY line ORDER BY line LIMIT {findings.room}"
    ).fetchall()
    if rejected:
        for line, error_type in rejected:
            findings.refuse(file, _reject_message(str(error_type), header.width), row=int(line))
        return None
    attention = 0
    if checked:
        attention = count(con, f"SELECT count(*) FROM {data} WHERE _attention")
    raws = [ident(raw_name(c.name)) for c in checked]
    if attention:
        kept = ", ".join(
            f"CASE WHEN {canonical_sql(ident(c.name), c)} THEN NULL "
            f"ELSE {trimmed_sql(ident(c.name))} END AS {ident(raw_name(c.name))}"
            for c in checked
        )
        con.execute(f"CREATE OR REPLACE TABLE {raw_table} AS SELECT {kept} FROM {reader('rejects2')}")
        source = f"SELECT {data}.rowid + 2 AS _row, * FROM {data} POSITIONAL JOIN {raw_table}"
    else:
        nulls = "".join(f", NULL::VARCHAR AS {raw}" for raw in raws)
        source = f"SELECT rowid + 2 AS _row, *{nulls} FROM {data}"
    con.execute(f"CREATE OR REPLACE VIEW {table} AS {source}")
    identity = tuple(c.name for c in columns if c.name in IDENTITY_COLUMNS and file in PERSON_FILES)
    rows = count(con, f"SELECT count(*) FROM {data}")
    return Loaded(file, table, tuple(columns), int(rows), identity, int(attention))


def drop(con: duckdb.DuckDBPyConnection, loaded: Loaded) -> None:
    """Free a loaded file's tables once nothing needs them."""
    stem = loaded.table.removeprefix("t_")
    con.execute(f"DROP VIEW IF EXISTS {loaded.table}")
    con.execute(f"DROP TABLE IF EXISTS d_{stem}")
    con.execute(f"DROP TABLE IF EXISTS r_{stem}")


def _reject_message(error_type: str, width: int) -> str:
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        return f"does not have the {width} values the header row has (check commas and quotes)."
    if error_type == "INVALID ENCODING":
        return "is not UTF-8 text. Save the file as UTF-8 CSV and retry."
    return "could not be read as CSV (check the quotes on this row)."


@dataclass(frozen=True)
class Check:
    """One kind of problem: ``condition`` is SQL over the file's table, true on a bad row."""

    column: str | None
    condition: str
    message: str  # follows the quoted value, or stands alone when ``value`` is None
    value: str | None = None  # SQL of the value to quote (already guarded by echo_sql)
    refuse: bool = True


def run_checks(
    con: duckdb.DuckDBPyConnection,
    loaded: Loaded,
    checks: list[Check],
    findings: Findings,
    *,
    source: str | None = None,
) -> None:
    """Count every kind of problem in one scan; list the rows of those that occur.

    ``source`` is the table or view the conditions read (default: the file's table).
    """
    if not checks:
        return
    source = source or loaded.table
    aggregates = [f"count(*) FILTER (WHERE {check.condition}) AS n{i}" for i, check in enumerate(checks)]
    counts = first_row(con, f"SELECT {', '.join(aggregates)} FROM {source}")
    assert counts is not None
    listed: list[tuple[int, int, str | None, str | None]] = []
    for i, check in enumerate(checks):
        count = counts[i]
        if not count:
            continue
        value = check.value if check.value is not None else "NULL"
        if not check.refuse:
            first = first_row(
                con, f"SELECT _row, {value} FROM {source} WHERE {check.condition} ORDER BY _row LIMIT 1"
            )
            assert first is not None
            row, example = first
            rows = "1 row" if count == 1 else f"{count} rows"
            where = f', for example "{example}" on row {row}' if example is not None else f", first on row {row}"
            findings.warn(loaded.file, f"{check.message}{where} ({rows}).", column=check.column)
            continue
        for row, shown in con.execute(
            f"SELECT _row, {value} FROM {source} WHERE {check.condition} ORDER BY _row LIMIT {findings.room + 1}"
        ).fetchall():
            listed.append((int(row), i, check.column, shown))
    listed.sort(key=lambda item: (item[0], item[1]))
    for row, i, column, shown in listed:
        check = checks[i]
        text = f"{quoted(shown)} {check.message}" if check.value is not None else check.message
        findings.refuse(loaded.file, text, row=row, column=column)


def value_checks(loaded: Loaded, *, mode: str, later: frozenset[str] = frozenset()) -> list[Check]:
    """The checks every file gets: required values, vocabularies, booleans, dates, years.

    For checked columns ``<column>__raw`` holds the text only where it was not canonical, so:
    empty = both NULL; bad = raw but no value; accepted variant = raw and a value.
    """
    checks: list[Check] = []
    date_variants: list[str] = []
    for column in loaded.columns:
        name = ident(column.name)
        if column.name in later:
            continue
        checked = column.kind in CHECKED_KINDS
        raw = ident(raw_name(column.name))
        if column.required or (column.kind is Kind.STATUS and mode == "delta"):
            message = (
                "is empty; a delta file must say active or tobedeleted on every row."
                if column.kind is Kind.STATUS
                else f'is empty, but every row needs a "{column.name}".'
            )
            empty = f"{name} IS NULL AND {raw} IS NULL" if checked else f"{name} IS NULL"
            checks.append(Check(column.name, empty, message))
        if not checked:
            continue
        if column.other_version:
            other = ", ".join(literal(term) for term in column.other_version)
            checks.append(
                Check(
                    column.name,
                    f"{name} IN ({other})",
                    "has values from the other OneRoster version (1.1 and 1.2 name roles "
                    "differently); they were accepted as staff roles",
                    value=name,
                    refuse=False,
                )
            )
        if not loaded.attention:
            continue  # every value is blank or canonical: nothing below can be found
        shown = echo_sql(loaded.file, raw, loaded.identity_columns)
        optional_date = column.kind is Kind.DATE and not column.required
        checks.append(
            Check(
                column.name,
                f"{raw} IS NOT NULL AND {name} IS NULL",
                "values are not dates and were left empty" if optional_date else expectation(column),
                # A value that is not what the column holds may be anything, a student's name
                # included: from a file about people it is never quoted (its row and column are).
                value=None if loaded.file in PERSON_FILES else shown,
                refuse=not optional_date,
            )
        )
        variant = f"{raw} IS NOT NULL AND {name} IS NOT NULL"
        if column.kind is Kind.DATE:
            date_variants.append(f"({variant})")
            continue
        if column.kind is Kind.ENUM:
            variant += f" AND NOT starts_with(lower({raw}), 'ext:')"
        if column.other_version:
            other = ", ".join(literal(term) for term in column.other_version)
            variant += f" AND {name} NOT IN ({other})"
        checks.append(Check(column.name, variant, _variant_message(column), value=shown, refuse=False))
        if column.extensible:
            checks.append(
                Check(
                    column.name,
                    f"starts_with(lower({raw}), 'ext:')",
                    "has extension values (ext:...) that Trellis does not know",
                    value=shown,
                    refuse=False,
                )
            )
    if date_variants:
        checks.append(
            Check(
                None,
                " OR ".join(date_variants),
                "has dates not written as YYYY-MM-DD; they were read as month/day/year or as "
                "the date part of a date-time",
                refuse=False,
            )
        )
    return checks


def _variant_message(column: Column) -> str:
    if column.kind is Kind.BOOL:
        return "has yes/no values not written as true or false; they were read as true/false"
    if column.kind is Kind.STATUS:
        return "has status values not written as active or tobedeleted (inactive is read as tobedeleted)"
    if column.kind is Kind.YEAR:
        return "has school years written as a range; the second year was used"
    return "has values in a different letter case than OneRoster's; they were accepted"
