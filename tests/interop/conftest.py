"""Helpers for the OneRoster reader tests: copy a fixture roster, then break it on purpose."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trellis.interop.oneroster import tuning

FIXTURES = Path(__file__).parent / "fixtures"
KEY = b"test-pseudonym-key-0123456789abcdef"


def copy_fixture(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(FIXTURES / name, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one value; ``row`` is the spreadsheet row number (header = 1)."""
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def drop_column(path: Path, column: str) -> None:
    rows = read_rows(path)
    position = rows[0].index(column)
    write_rows(path, [row[:position] + row[position + 1 :] for row in rows])


def append_row(path: Path, values: dict[str, str]) -> int:
    """Append a row (unnamed columns blank); return its spreadsheet row number."""
    rows = read_rows(path)
    rows.append([values.get(name, "") for name in rows[0]])
    write_rows(path, rows)
    return len(rows)


def row_of(path: Path, sourced_id: str) -> dict[str, str]:
    rows = read_rows(path)
    return next(dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0] == sourced_id)


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return tmp_path / "staging"


@pytest.fixture
def tuned(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Read with other speed settings for the test, e.g. ``tuned(sort_rows=3)``: many small sorts
    and batches, as a state's roster gets, on a small fixture."""

    def tune(**changes: Any) -> None:
        monkeypatch.setattr(tuning, "TUNING", dataclasses.replace(tuning.TUNING, **changes))

    return tune
