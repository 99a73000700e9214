"""Synthetic audit inputs that match a roster store: a tool's outputs with a known bias, the
students they are about written into a student store, and the upload file a district would send.
Used by the demo, the tests and the upload benchmark."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from trellis.interop.oneroster.store import STUDENT_COLUMNS, STUDENTS
from trellis.interop.pseudonym import pseudonymise_column

RACE_CODES = {
    "Hispanic/Latino": "HI7", "American Indian or Alaska Native": "AM7", "Asian": "AS7",
    "Black or African American": "BL7", "Native Hawaiian or Other Pacific Islander": "PI7", "White": "WH7",
    "Two or more races": "MU7",
}


def sample_outputs(n_rows: int, *, seed: int, bias: Mapping[str, Mapping[str, float]] | None = None) -> pa.Table:
    """A detector's outputs on ``n_rows`` students, with ``student_id`` as text ("S0000001")."""
    from trellis.engine.synth.tool_outputs import tool_outputs

    table = tool_outputs(n_rows, seed=seed, bias=dict(bias or {}))
    ids = pc.binary_join_element_wise("S", pc.utf8_lpad(pc.cast(table["student_id"], pa.string()), 7, "0"), "")
    return table.set_column(table.schema.get_field_index("student_id"), "student_id", ids)


def _yes(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.equal(pc.cast(column, pa.string()), "Y")


def write_student_store(outputs: pa.Table, *, key: bytes, schools: Sequence[str], store_dir: Path) -> Path:
    """Write the students of ``outputs`` (round-robin over ``schools``) as the roster's student store."""
    n = outputs.num_rows
    school_index = pa.array([i % len(schools) for i in range(n)], type=pa.int32())
    race = pc.cast(outputs["race"], pa.string())
    codes = pa.array([RACE_CODES.get(value) for value in race.to_pylist()], type=pa.string())
    missing = pa.nulls(n, type=pa.bool_())
    columns = {
        "student_key": pseudonymise_column(key, outputs["student_id"]),
        "school_sourced_id": pc.take(pa.array(list(schools), type=pa.string()), school_index),
        "grade": pc.cast(outputs["grade"], pa.string()),
        "race_ethnicity": codes,
        "sex": pc.cast(outputs["sex"], pa.string()),
        "english_learner": _yes(outputs["english_learner"]),
        "disability": _yes(outputs["disability"]),
        "economically_disadvantaged": _yes(outputs["econ_disadvantaged"]),
        "homeless": missing, "foster_care": missing, "military_connected": missing, "migrant": missing,
        "status": pa.array(["active"] * n, type=pa.string()),
    }
    store_dir.mkdir(parents=True, exist_ok=True)
    path = store_dir / STUDENTS
    pq.write_table(pa.table({name: columns[name] for name in STUDENT_COLUMNS}), path)
    return path


def write_upload(outputs: pa.Table, path: Path, *, unmatched: int = 0, human: bool = False) -> Path:
    """The file a district uploads: student id, flag, label (and a teacher's decision), no demographics.
    ``unmatched`` extra rows carry ids no roster has."""
    columns = {"student_id": outputs["student_id"], "flag": outputs["flag"], "label": outputs["label"]}
    if human:
        # Teachers overturn the tool's wrong flags on English learners and keep every other output.
        overturned = pc.and_(pc.and_(_yes(outputs["english_learner"]), pc.equal(outputs["flag"], 1)),
                             pc.equal(outputs["label"], 0))
        columns["teacher_decision"] = pc.if_else(overturned, pa.scalar(0, pa.int8()), outputs["flag"])
    table = pa.table(columns)
    if unmatched:
        extra = {"student_id": pa.array([f"X{i:07d}" for i in range(unmatched)]),
                 "flag": pa.array([0] * unmatched, type=pa.int8()), "label": pa.array([0] * unmatched, type=pa.int8())}
        if human:
            extra["teacher_decision"] = pa.array([0] * unmatched, type=pa.int8())
        table = pa.concat_tables([table, pa.table(extra).cast(table.schema)])
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)
    return path
