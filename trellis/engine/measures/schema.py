"""The Parquet tables the professional-learning measures read: names, columns and types.

A data directory holds ``districts.parquet``, ``teachers.parquet``, ``pl.parquet`` and
``observations.parquet``, and optionally ``outcomes.parquet`` with ``class_teachers.parquet``.
Teachers are known only by a pseudonymous ``teacher_key`` and students by a pseudonymous
``student_key``: no table holds a name.

A measure year is a school year named by the calendar year in which it ends (OneRoster's
``schoolYear``): year 2026 runs from 1 July 2025 to 30 June 2026.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

LOCALES = ("city", "suburb", "town", "rural")
FORMATS = ("workshop", "course", "coaching", "plc", "micro_credential")
# Formats that build capacity over time, as against a one-time workshop.
DURABLE_FORMATS = ("course", "coaching", "plc", "micro_credential")

SCHEMAS: dict[str, pa.Schema] = {
    "districts": pa.schema([
        ("district_id", pa.string()), ("name", pa.string()), ("region", pa.string()),
        ("locale", pa.string()), ("poverty_quartile", pa.int8()),
    ]),
    "teachers": pa.schema([("teacher_key", pa.string()), ("district_id", pa.string()), ("school_id", pa.string())]),
    "pl": pa.schema([
        ("teacher_key", pa.string()), ("offering_id", pa.string()), ("format", pa.string()),
        ("ai_related", pa.bool_()), ("hours", pa.float64()), ("date", pa.date32()),
    ]),
    "observations": pa.schema([
        ("teacher_key", pa.string()), ("competency", pa.string()), ("level", pa.int16()),
        ("date", pa.date32()), ("coached", pa.bool_()),
    ]),
    "outcomes": pa.schema([("student_key", pa.string()), ("pre", pa.float64()), ("post", pa.float64())]),
    "class_teachers": pa.schema([("student_key", pa.string()), ("teacher_key", pa.string())]),
}
REQUIRED = ("districts", "teachers", "pl", "observations")
OPTIONAL = ("outcomes", "class_teachers")


def table_path(tables_dir: str | Path, name: str) -> Path:
    """The file of table ``name`` in a data directory."""
    return Path(tables_dir) / f"{name}.parquet"


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of school year ``year`` (1 July of the year before to 30 June)."""
    return datetime.date(year - 1, 7, 1), datetime.date(year, 6, 30)


def write_table(tables_dir: str | Path, name: str, columns: Mapping[str, object]) -> Path:
    """Write one table with its contract schema; ``columns`` maps each column to its values. A
    table with no rows may leave its columns out (a year with no learning recorded yet)."""
    schema = SCHEMAS[name]
    if all(len(values) == 0 for values in columns.values()):  # type: ignore[arg-type]
        columns = {field.name: [] for field in schema}
    missing = [field.name for field in schema if field.name not in columns]
    if missing:
        raise ValueError(f"{name}.parquet needs the columns {', '.join(missing)}")
    table = pa.Table.from_pydict({field.name: columns[field.name] for field in schema}, schema=schema)
    path = table_path(tables_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path
