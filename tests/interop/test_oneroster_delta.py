"""Delta files and the Parquet student store: bulk replaces, delta upserts and deletes."""

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from tests.interop.conftest import FIXTURES, KEY, copy_fixture, set_cell
from trellis.interop.oneroster import (
    SchoolStats,
    StaffRecord,
    StaffRole,
    merge_student_store,
    read_roster,
)
from trellis.interop.oneroster.store import school_stats
from trellis.interop.pseudonym import pseudonymise

FLAGS = ["english_learner", "disability", "economically_disadvantaged", "homeless", "foster_care",
         "military_connected", "migrant"]  # fmt: skip


def key(sourced_id: str) -> str:
    return pseudonymise(KEY, sourced_id)


def store_students(store: Path) -> dict[str, tuple]:
    return {
        row["student_key"]: (
            row["school_sourced_id"], row["grade"], row["race_ethnicity"], row["sex"],
            tuple(row[flag] for flag in FLAGS), row["status"],
        )
        for row in pq.read_table(store / "students.parquet").to_pylist()
    }  # fmt: skip


def bulk_store(tmp_path: Path) -> Path:
    bulk = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "bulk")
    stats = merge_student_store(tmp_path / "no-store-yet", bulk, tmp_path / "store")
    assert stats == bulk.school_stats
    # The reader's counts stand for the placed file: the same as counting the store itself.
    students = (tmp_path / "store" / "students.parquet").as_posix()
    assert stats == school_stats(duckdb.connect(), f"SELECT * FROM read_parquet('{students}')") != {}
    return tmp_path / "store"


def test_a_delta_set_is_read_with_its_statuses(staging):
    bundle = read_roster(FIXTURES / "v12_delta", pseudonym_key=KEY, staging_dir=staging)

    assert bundle.modes == {
        "orgs.csv": "absent", "academicSessions.csv": "absent", "courses.csv": "absent",
        "classes.csv": "delta", "roles.csv": "delta", "users.csv": "delta",
        "demographics.csv": "delta", "enrollments.csv": "delta",
    }  # fmt: skip
    assert bundle.counts == {"classes.csv": 2, "roles.csv": 5, "users.csv": 6,
                             "demographics.csv": 3, "enrollments.csv": 3}  # fmt: skip
    assert bundle.summary == {
        "staff": 3, "staff:teacher": 1, "students": 1, "students_tobedeleted": 1,
        "student_updates_only": 4, "guardians_dropped": 0, "classes": 1, "enrollments": 2,
    }  # fmt: skip
    assert [str(w) for w in bundle.warnings] == [
        "users.csv: 2 users have no role, so Trellis cannot tell students from staff. In a bulk "
        "file they were left out; in a delta they update only students Trellis already holds "
        "(send their roles rows to change staff)."
    ]
    assert bundle.school_stats == {}  # a delta has no totals; merge_student_store gives them
    assert bundle.staff == [
        StaffRecord("t-02", "tobedeleted", True, "coyelaran", "Cressida", "Oyelaran",
                    "coyelaran@mvsd.example.org", "T1002", [],
                    [StaffRole("teacher", "s-120", True)]),
        # Only a role changed: the fields the delta does not carry are None.
        StaffRecord("t-03", "active", None, None, None, None, None, None, [],
                    [StaffRole("teacher", "s-110", False)]),
        StaffRecord("t-04", "active", True, "lokafor", "Leander", "Okafor",
                    "lokafor@mvsd.example.org", "T1004", [StaffRole("teacher", "s-110", True)]),
    ]  # fmt: skip
    staged = {
        row["student_key"]: (row["status"], row["from_users"], row["from_demographics"],
                             row["update_only"])
        for row in pq.read_table(bundle.students_path).to_pylist()
    }  # fmt: skip
    assert staged == {
        key("stu-3c9d07"): ("tobedeleted", True, False, False),
        key("stu-9d4e12"): ("active", True, True, False),
        key("stu-8f2a61"): ("active", True, False, True),
        key("stu-a0ghost"): ("active", True, False, True),
        key("stu-71e4b2"): ("active", False, True, True),
        key("stu-e62d98"): ("tobedeleted", False, True, True),
    }
    classes = pq.read_table(bundle.classes_path).to_pylist()
    assert [(c["class_sourced_id"], c["status"]) for c in classes] == [
        ("k-401", "active"),
        ("k-hr09", "tobedeleted"),
    ]


def test_merging_a_delta_upserts_and_deletes(tmp_path):
    store = bulk_store(tmp_path)
    delta = read_roster(FIXTURES / "v12_delta", pseudonym_key=KEY, staging_dir=tmp_path / "delta")
    stats = merge_student_store(store, delta, tmp_path / "store2")

    no = (False,) * 7
    assert store_students(tmp_path / "store2") == {
        # grade from the delta; school kept (the delta row had none); demographics kept
        key("stu-8f2a61"): ("s-110", "04", "HI7", "F",
                            (True, False, True, False, False, False, True), "active"),
        # only economically disadvantaged changed, in demographics.csv
        key("stu-71e4b2"): ("s-120", "09", "AS7", "X", no, "active"),
        key("stu-5a0f3e"): ("s-120", "10", "MU7", "M",
                            (False, True, False, False, True, False, False), "active"),
        # demographics tobedeleted: race, sex and flags cleared, the student stays
        key("stu-e62d98"): ("s-120", "09", None, None, (None,) * 7, "active"),
        key("stu-0b7c45"): ("s-120", "09", None, None, (None,) * 7, "active"),
        key("stu-9d4e12"): ("s-110", "04", "MU7", "F",
                            (False, False, True, False, False, False, False), "active"),
    }  # fmt: skip
    # stu-3c9d07 was deleted; stu-a0ghost had no role and was not in the store, so not added.
    assert stats == {"s-110": SchoolStats(2, 2, 2), "s-120": SchoolStats(4, 0, 2)}
    classes = [c["class_sourced_id"] for c in pq.read_table(tmp_path / "store2" / "classes.parquet").to_pylist()]
    assert classes == ["k-301", "k-401", "k-alg1a"]
    enrollments = pq.read_table(tmp_path / "store2" / "enrollments.parquet").to_pylist()
    assert len(enrollments) == 13
    people = {(e["class_sourced_id"], e["person_key"]) for e in enrollments}
    assert ("k-301", key("stu-3c9d07")) not in people
    assert ("k-401", key("stu-9d4e12")) in people
    assert ("k-401", "t-04") in people
    assert pq.read_schema(tmp_path / "store2" / "students.parquet").names == [
        "student_key",
        "school_sourced_id",
        "grade",
        "race_ethnicity",
        "sex",
        *FLAGS,
        "status",
    ]


def test_a_bulk_set_replaces_the_store_and_absent_files_keep_theirs(tmp_path):
    store = bulk_store(tmp_path)
    roster = copy_fixture("v11_bulk", tmp_path)
    text = (roster / "manifest.csv").read_text().replace("file.classes,bulk", "file.classes,absent")
    (roster / "manifest.csv").write_text(text)
    (roster / "classes.csv").unlink()
    (roster / "enrollments.csv").unlink()
    text = text.replace("file.enrollments,bulk", "file.enrollments,absent")
    (roster / "manifest.csv").write_text(text)
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "v11")
    stats = merge_student_store(store, bundle, tmp_path / "store2")

    assert set(store_students(tmp_path / "store2")) == {key("stu-c11a"), key("stu-c22b")}
    assert stats == {"s-210": SchoolStats(2, 0, 0)}
    for name in ("classes.parquet", "enrollments.parquet"):
        assert pq.read_table(tmp_path / "store2" / name).equals(pq.read_table(store / name))


def test_bulk_rows_marked_tobedeleted_are_left_out(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "users.csv", 15, "status", "tobedeleted")
    set_cell(roster / "enrollments.csv", 10, "status", "inactive")
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(w) for w in bundle.warnings] == [
        'users.csv, column "status": is a bulk file but marks rows tobedeleted; those rows were '
        "left out, first on row 15 (1 row).",
        'enrollments.csv, column "status": has status values not written as active or '
        'tobedeleted (inactive is read as tobedeleted), for example "inactive" on row 10 (1 row).',
        'enrollments.csv, column "status": is a bulk file but marks rows tobedeleted; those '
        "rows were left out, first on row 10 (1 row).",
    ]
    assert bundle.summary["students"] == 5
    assert bundle.summary["enrollments"] == 11
    assert key("stu-0b7c45") not in {row["student_key"] for row in pq.read_table(bundle.students_path).to_pylist()}
    assert bundle.school_stats["s-120"] == SchoolStats(3, 1, 3)
