"""One pass over the Parquet tables with DuckDB: sufficient statistics per district.

Each query reads its tables once and returns a small frame, one row per district (per district
and arm for the comparisons): counts, sums and sums of squares from which every measure, every
group and every interval is derived.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from trellis.engine.measures.result import MeasureInputError
from trellis.engine.measures.schema import DURABLE_FORMATS, REQUIRED, SCHEMAS, table_path, year_bounds


def connect(tables_dir: Path, *, with_outcomes: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a view per table, after checking every file and column."""
    connection = duckdb.connect()
    names = [*REQUIRED, *(("outcomes", "class_teachers") if with_outcomes else ())]
    for name in names:
        path = table_path(tables_dir, name)
        if not path.is_file():
            raise MeasureInputError(f"{path.name} is missing from {tables_dir}")
        try:
            relation = connection.read_parquet(str(path))
        except duckdb.Error as exc:
            raise MeasureInputError(f"cannot read {path.name}: {exc}") from exc
        present = set(relation.columns)
        for field in SCHEMAS[name]:
            if field.name not in present:
                raise MeasureInputError(
                    f"{path.name} has no column {field.name!r}; its columns are {', '.join(relation.columns)}")
        quoted = str(path).replace("'", "''")
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")
    return connection


def _year(year: int) -> tuple[str, str]:
    first, last = year_bounds(year)
    return first.isoformat(), last.isoformat()


def teacher_hours_sql(year: int) -> str:
    """Per teacher: AI-related hours and durable-format AI-related hours in the year."""
    first, last = _year(year)
    durable = ", ".join(f"'{name}'" for name in DURABLE_FORMATS)
    return f"""
        SELECT teacher_key, sum(hours) AS hours,
               sum(CASE WHEN format IN ({durable}) THEN hours ELSE 0 END) AS durable
        FROM pl
        WHERE ai_related AND date BETWEEN DATE '{first}' AND DATE '{last}'
        GROUP BY teacher_key
    """


def participation(connection: duckdb.DuckDBPyConnection, *, year: int, hours_threshold: float) -> pd.DataFrame:
    """Per district: teachers, teachers at or above the threshold, hours and durable hours."""
    return connection.execute(f"""
        WITH hours AS ({teacher_hours_sql(year)}),
        per_teacher AS (
            SELECT t.district_id, coalesce(h.hours, 0) AS h, coalesce(h.durable, 0) AS d
            FROM teachers t LEFT JOIN hours h USING (teacher_key)
        )
        SELECT district_id,
               count(*) AS n,
               count(*) FILTER (WHERE h >= ?) AS participants,
               sum(h) AS sum_h, sum(h * h) AS sum_h2,
               count(*) FILTER (WHERE h > 0) AS any_pl,
               sum(d) AS sum_d, sum(d * d) AS sum_d2, sum(d * h) AS sum_dh
        FROM per_teacher GROUP BY district_id
    """, [float(hours_threshold)]).df()


def practice(connection: duckdb.DuckDBPyConnection, *, year: int) -> pd.DataFrame:
    """Per district and arm (coached or not): teachers with a change, its sum and sum of squares.

    A teacher's change is the mean, over the competencies observed on two or more days of the
    year, of the level at the last observation minus the level at the first.
    """
    first, last = _year(year)
    return connection.execute(f"""
        WITH seen AS (
            SELECT * FROM observations WHERE date BETWEEN DATE '{first}' AND DATE '{last}'
        ),
        per_competency AS (
            SELECT teacher_key, competency,
                   arg_max(level, date) - arg_min(level, date) AS change,
                   count(DISTINCT date) AS days
            FROM seen GROUP BY teacher_key, competency
        ),
        per_teacher AS (
            SELECT p.teacher_key, avg(p.change) AS change, c.coached
            FROM per_competency p
            JOIN (SELECT teacher_key, bool_or(coached) AS coached FROM seen GROUP BY teacher_key) c
              USING (teacher_key)
            WHERE p.days >= 2
            GROUP BY p.teacher_key, c.coached
        )
        SELECT t.district_id, p.coached AS arm, count(*) AS n,
               sum(p.change) AS sum_x, sum(p.change * p.change) AS sum_x2
        FROM per_teacher p JOIN teachers t USING (teacher_key)
        GROUP BY t.district_id, p.coached
    """).df()


def outcomes(connection: duckdb.DuckDBPyConnection, *, year: int, hours_threshold: float) -> pd.DataFrame:
    """Per district and arm: students of a teacher at or above the threshold, or not.

    A student counts in the district of the first of their linked teachers (by key) and as a
    student of a participating teacher when any linked teacher reached the threshold; the change
    is ``post - pre``. Students with no linked teacher in ``teachers.parquet`` are left out.
    """
    # Teachers are numbered in key order, so the smallest number is the first teacher by key and
    # the per-student aggregate works on integers rather than on the keys.
    return connection.execute(f"""
        WITH hours AS ({teacher_hours_sql(year)}),
        info AS (
            SELECT t.teacher_key, t.district_id, row_number() OVER (ORDER BY t.teacher_key) AS tid,
                   coalesce(h.hours, 0) >= ? AS took
            FROM teachers t LEFT JOIN hours h USING (teacher_key)
        ),
        per_student AS (
            SELECT ct.student_key, min(i.tid) AS tid, bool_or(i.took) AS arm
            FROM class_teachers ct JOIN info i USING (teacher_key)
            GROUP BY ct.student_key
        )
        SELECT i.district_id, s.arm, count(*) AS n,
               sum(o.post - o.pre) AS sum_x, sum((o.post - o.pre) * (o.post - o.pre)) AS sum_x2
        FROM outcomes o JOIN per_student s USING (student_key) JOIN info i ON i.tid = s.tid
        WHERE o.pre IS NOT NULL AND o.post IS NOT NULL AND isfinite(o.pre) AND isfinite(o.post)
        GROUP BY i.district_id, s.arm
    """, [float(hours_threshold)]).df()


def districts(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every district with its grouping attributes as text (``unknown`` where not given)."""
    frame = connection.execute("""
        SELECT district_id,
               coalesce(CAST(poverty_quartile AS VARCHAR), 'unknown') AS poverty_quartile,
               coalesce(nullif(locale, ''), 'unknown') AS locale
        FROM districts
    """).df()
    duplicated = frame["district_id"][frame["district_id"].duplicated()]
    if len(duplicated):
        raise MeasureInputError(f"districts.parquet lists district {duplicated.iloc[0]!r} twice")
    return frame
