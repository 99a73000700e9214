"""Reading clean and messy OneRoster sets: exact records, counts, warnings and Parquet."""

import datetime
import gc
import shutil
import threading
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.interop.conftest import FIXTURES, KEY, copy_fixture, set_cell
from trellis.interop.oneroster import (
    AcademicSessionRecord,
    CourseRecord,
    OrgRecord,
    RosterError,
    SchoolStats,
    StaffRecord,
    StaffRole,
    cycle_collector_paused,
    read_roster,
    reader,
    store,
)
from trellis.interop.pseudonym import pseudonymise

STUDENT_COLUMNS = [
    "student_key", "school_sourced_id", "grade", "race_ethnicity", "sex", "english_learner",
    "disability", "economically_disadvantaged", "homeless", "foster_care", "military_connected",
    "migrant", "status",
]  # fmt: skip
BOOKKEEPING = ["from_users", "from_demographics", "update_only"]  # a delta's staged students only
T, F = True, False
ALL_BULK_12 = {
    "orgs.csv": "bulk",
    "academicSessions.csv": "bulk",
    "courses.csv": "bulk",
    "classes.csv": "bulk",
    "roles.csv": "bulk",
    "users.csv": "bulk",
    "demographics.csv": "bulk",
    "enrollments.csv": "bulk",
}


def students_by_id(path: Path, ids: list[str]) -> dict[str, dict]:
    """Student rows keyed by the raw sourcedId, minus the key and bookkeeping columns."""
    by_key = {row["student_key"]: row for row in pq.read_table(path).to_pylist()}
    assert len(by_key) == len(ids)
    result = {}
    for sourced_id in ids:
        row = dict(by_key[pseudonymise(KEY, sourced_id)])
        for name in ("student_key", *BOOKKEEPING):
            row.pop(name, None)
        result[sourced_id] = row
    return result


def student(school, grade, race, sex, *flags, status="active"):
    names = ["english_learner", "disability", "economically_disadvantaged", "homeless",
             "foster_care", "military_connected", "migrant"]  # fmt: skip
    values = list(flags) or [None] * 7
    return {"school_sourced_id": school, "grade": grade, "race_ethnicity": race, "sex": sex,
            **dict(zip(names, values, strict=True)), "status": status}  # fmt: skip


def test_clean_12_bulk_set(staging):
    bundle = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=staging)

    assert bundle.version == "1.2"
    assert bundle.modes == ALL_BULK_12
    assert bundle.warnings == []
    assert bundle.counts == {
        "orgs.csv": 5, "academicSessions.csv": 2, "courses.csv": 2, "classes.csv": 3,
        "roles.csv": 15, "users.csv": 14, "demographics.csv": 6, "enrollments.csv": 12,
    }  # fmt: skip
    assert bundle.summary == {
        "orgs:district": 1, "orgs:local": 1, "orgs:school": 2, "orgs:state": 1, "orgs_skipped": 0,
        "staff": 6, "staff:aide": 1, "staff:districtAdministrator": 1, "staff:principal": 1,
        "staff:teacher": 3, "students": 6, "guardians_dropped": 2, "classes": 3,
        "enrollments": 12,
    }  # fmt: skip
    assert bundle.orgs == [
        OrgRecord("st-01", "active", "State Department of Education", "state", None, None, None),
        OrgRecord("rg-04", "active", "Region 4 Education Service Center", "local", None,
                  "st-01", None),
        OrgRecord("d-100", "active", "Maple Valley School District", "district", "5300001",
                  "rg-04", "suburb"),
        OrgRecord("s-110", "active", "Maple Valley Elementary", "school", "530000100001",
                  "d-100", "suburb"),
        OrgRecord("s-120", "active", "Maple Valley High School", "school", "530000100002",
                  "d-100", "town"),
    ]  # fmt: skip
    assert [s.sourced_id for s in bundle.staff] == ["a-01", "da-01", "p-01", "t-01", "t-02", "t-03"]
    assert bundle.staff[0] == StaffRecord(
        sourced_id="a-01", status="active", enabled=False, username="rlindqvist",
        given_name="Rune", family_name="Lindqvist", email=None, identifier="A3001",
        roles=[StaffRole("aide", "s-110", True)], removed_roles=[],
    )  # fmt: skip
    assert bundle.staff[5].roles == [
        StaffRole("teacher", "s-120", True),
        StaffRole("teacher", "s-110", False),
    ]
    assert bundle.academic_sessions == [
        AcademicSessionRecord("as-2024", "active", "2023-2024 School Year", "schoolYear",
                              datetime.date(2023, 8, 21), datetime.date(2024, 6, 14), None, "2024"),
        AcademicSessionRecord("as-2024-s1", "active", "Fall 2023", "semester",
                              datetime.date(2023, 8, 21), datetime.date(2024, 1, 19), "as-2024",
                              "2024"),
    ]  # fmt: skip
    assert bundle.courses == [
        CourseRecord("c-math3", "active", "Grade 3 Mathematics", "MATH3", "s-110", "as-2024",
                     ["03"], ["Mathematics"]),
        CourseRecord("c-alg1", "active", "Algebra I", "ALG1", "s-120", "as-2024", ["09", "10"],
                     ["Mathematics"]),
    ]  # fmt: skip
    assert bundle.school_stats == {"s-110": SchoolStats(2, 1, 2), "s-120": SchoolStats(4, 1, 3)}
    assert bundle.program_flag_sources == {
        flag: "demographics.csv"
        for flag in ["english_learner", "disability", "economically_disadvantaged", "homeless",
                     "foster_care", "military_connected", "migrant"]
    }  # fmt: skip

    assert pq.read_schema(bundle.students_path).names == STUDENT_COLUMNS
    assert students_by_id(bundle.students_path, [
        "stu-8f2a61", "stu-3c9d07", "stu-71e4b2", "stu-5a0f3e", "stu-e62d98", "stu-0b7c45",
    ]) == {
        "stu-8f2a61": student("s-110", "03", "HI7", "F", T, F, T, F, F, F, T),
        "stu-3c9d07": student("s-110", "03", "MU7", "M", F, F, F, F, F, T, F),
        "stu-71e4b2": student("s-120", "09", "AS7", "X", F, F, T, F, F, F, F),
        "stu-5a0f3e": student("s-120", "10", "MU7", "M", F, T, F, F, T, F, F),
        "stu-e62d98": student("s-120", "09", "WH7", None, F, F, F, T, F, F, F),
        "stu-0b7c45": student("s-120", "09", None, None),
    }  # fmt: skip

    assert pq.read_table(bundle.classes_path).to_pylist() == [
        {"class_sourced_id": "k-301", "title": "Math 3 - Room 12", "course_sourced_id": "c-math3",
         "school_sourced_id": "s-110", "term_sourced_ids": ["as-2024-s1"], "grades": ["03"],
         "subjects": ["Mathematics"], "status": "active"},
        {"class_sourced_id": "k-alg1a", "title": "Algebra I - Period 1",
         "course_sourced_id": "c-alg1", "school_sourced_id": "s-120",
         "term_sourced_ids": ["as-2024", "as-2024-s1"], "grades": ["09", "10"],
         "subjects": ["Mathematics"], "status": "active"},
        {"class_sourced_id": "k-hr09", "title": "Homeroom 9", "course_sourced_id": "c-alg1",
         "school_sourced_id": "s-120", "term_sourced_ids": ["as-2024"], "grades": ["09"],
         "subjects": None, "status": "active"},
    ]  # fmt: skip

    enrollments = pq.read_table(bundle.enrollments_path).to_pylist()
    assert len(enrollments) == 12
    assert {e["person_key"] for e in enrollments if e["role"] == "teacher"} == {
        "t-01",
        "t-02",
        "t-03",
    }
    by_person = {(e["class_sourced_id"], e["person_key"]): e for e in enrollments}
    zephyrine = by_person[("k-301", pseudonymise(KEY, "stu-8f2a61"))]
    assert zephyrine == {
        "class_sourced_id": "k-301", "school_sourced_id": "s-110",
        "person_key": pseudonymise(KEY, "stu-8f2a61"), "role": "student", "primary": False,
        "begin_date": datetime.date(2023, 8, 21), "end_date": datetime.date(2024, 1, 19),
        "status": "active",
    }  # fmt: skip
    assert sorted(path.name for path in staging.iterdir()) == [
        "classes.parquet", "enrollments.parquet", "students.parquet",
    ]  # fmt: skip


def test_clean_11_bulk_set(staging):
    bundle = read_roster(FIXTURES / "v11_bulk", pseudonym_key=KEY, staging_dir=staging)

    assert bundle.version == "1.1"
    assert bundle.modes == {**ALL_BULK_12, "roles.csv": "absent"}
    assert bundle.warnings == []
    assert bundle.counts == {
        "orgs.csv": 2, "academicSessions.csv": 1, "courses.csv": 1, "classes.csv": 1,
        "users.csv": 5, "demographics.csv": 2, "enrollments.csv": 3,
    }  # fmt: skip
    assert bundle.summary == {
        "orgs:district": 1, "orgs:school": 1, "orgs_skipped": 0, "staff": 2,
        "staff:administrator": 1, "staff:teacher": 1, "students": 2, "guardians_dropped": 1,
        "classes": 1, "enrollments": 3,
    }  # fmt: skip
    # A district's own roster names its state as parent without listing it: kept as given.
    assert bundle.orgs[0].parent_sourced_id == "st-99"
    assert bundle.staff == [
        StaffRecord("ad-21", "active", True, "kvasquez", "Kestrel", "Vasquez",
                    "kvasquez@cc.example.org", "AD21",
                    [StaffRole("administrator", "d-200", True),
                     StaffRole("administrator", "s-210", False)]),
        StaffRecord("t-21", "active", True, "jmontclair", "Juniper", "Montclair",
                    "jmontclair@cc.example.org", "T21", [StaffRole("teacher", "s-210", True)]),
    ]  # fmt: skip
    # stu-c22b lists the district first; the school is still taken as their school.
    assert students_by_id(bundle.students_path, ["stu-c11a", "stu-c22b"]) == {
        "stu-c11a": student("s-210", "07", "AM7", "F"),
        "stu-c22b": student("s-210", "07", "PI7", "M"),
    }
    assert bundle.school_stats == {"s-210": SchoolStats(2, 0, 0)}


def test_messy_export_is_read_with_warnings(staging):
    bundle = read_roster(FIXTURES / "messy", pseudonym_key=KEY, staging_dir=staging)

    assert bundle.version == "1.2"
    assert bundle.modes == {**ALL_BULK_12, "academicSessions.csv": "absent",
                            "courses.csv": "absent", "demographics.csv": "absent"}  # fmt: skip
    assert [(w.file, w.column) for w in bundle.warnings] == [
        ("orgs.csv", "SourcedId"), ("orgs.csv", "Status"), ("orgs.csv", "Date_Last_Modified"),
        ("orgs.csv", "Name"), ("orgs.csv", "Type"), ("orgs.csv", "Identifier"),
        ("orgs.csv", "Parent_Sourced_Id"), ("orgs.csv", "Principal Phone"),
        ("users.csv", "SourcedId"), ("users.csv", "Status"), ("users.csv", "Date Last Modified"),
        ("users.csv", "Enabled_User"), ("users.csv", "givenName "), ("users.csv", "family_name"),
        ("users.csv", "Primary_Org_Sourced_Id"), ("users.csv", "metadata.ELL"),
        ("users.csv", "metadata.frl"), ("users.csv", "Locker"),
        ("enrollments.csv", "sourced_id"),
        ("orgs.csv", "metadata.locale"),
        ("classes.csv", "classType"),
        ("roles.csv", "role"), ("roles.csv", None),
        ("users.csv", "enabledUser"), ("users.csv", "metadata.englishLearner"),
        ("users.csv", "metadata.economicallyDisadvantaged"),
        ("classes.csv", "courseSourcedId"), ("classes.csv", "termSourcedIds"),
        ("users.csv", "grades"),
        # The enrollments are read and checked after the people are staged.
        ("enrollments.csv", "primary"), ("enrollments.csv", None),
    ]  # fmt: skip
    messages = [str(w) for w in bundle.warnings]
    assert 'users.csv, column "givenName ": read as "givenName".' in messages
    assert 'users.csv, column "Locker": is not a OneRoster column Trellis reads; it was ignored.' in messages
    assert (
        "roles.csv: has dates not written as YYYY-MM-DD; they were read as month/day/year or as "
        "the date part of a date-time, first on row 2 (4 rows)." in messages
    )
    assert (
        'users.csv, column "enabledUser": has yes/no values not written as true or false; they '
        'were read as true/false, for example "TRUE" on row 2 (4 rows).' in messages
    )
    assert bundle.summary == {
        "orgs:district": 1, "orgs:school": 1, "orgs_skipped": 0, "staff": 2, "staff:teacher": 2,
        "students": 2, "guardians_dropped": 0, "classes": 1, "enrollments": 3,
    }  # fmt: skip
    assert [org.locale for org in bundle.orgs] == ["rural", "rural"]  # "42" is NCES rural
    assert [(s.sourced_id, s.enabled, s.given_name) for s in bundle.staff] == [
        ("tch-31", True, "Nils"),
        ("tch-32", True, "Beata"),
    ]
    assert bundle.program_flag_sources == {
        "english_learner": "users.csv",
        "economically_disadvantaged": "users.csv",
    }
    assert students_by_id(bundle.students_path, ["kid-9q1", "kid-9q2"]) == {
        "kid-9q1": student("s-310", "KG", None, None, True, None, False, None, None, None, None),
        "kid-9q2": student("s-310", "KG", None, None, False, None, True, None, None, None, None),
    }
    dates = {
        (e["person_key"], e["begin_date"], e["end_date"], e["primary"])
        for e in pq.read_table(bundle.enrollments_path).to_pylist()
    }
    assert dates == {
        ("tch-31", datetime.date(2023, 1, 5), datetime.date(2024, 6, 14), True),
        (pseudonymise(KEY, "kid-9q1"), datetime.date(2023, 1, 5), datetime.date(2024, 6, 14), None),
        (pseudonymise(KEY, "kid-9q2"), datetime.date(2023, 1, 5), None, False),
    }


def zip_folder(folder: Path, target: Path, inside: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, inside + path.name)
    return target


@pytest.mark.parametrize("inside", ["", "export-2024-01-22/"])
def test_a_zip_reads_like_its_folder(tmp_path, inside):
    archive = zip_folder(FIXTURES / "v12_bulk", tmp_path / "roster.zip", inside)
    from_folder = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "a")
    from_zip = read_roster(archive, pseudonym_key=KEY, staging_dir=tmp_path / "b")

    for name in ("students_path", "classes_path", "enrollments_path"):
        assert pq.read_table(getattr(from_zip, name)).equals(pq.read_table(getattr(from_folder, name)))
    assert from_zip.staff == from_folder.staff
    assert from_zip.orgs == from_folder.orgs
    # The unpacked CSV files (with names in them) are gone once the read is over.
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [
        "classes.parquet", "enrollments.parquet", "students.parquet",
    ]  # fmt: skip
    expected = [("roster.zip", None)] if inside else []
    assert [(w.file, w.column) for w in from_zip.warnings] == expected


def test_rereading_a_bulk_set_gives_identical_parquet(tmp_path):
    first = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "1")
    second = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "2")
    for name in ("students.parquet", "classes.parquet", "enrollments.parquet"):
        assert pq.read_table(tmp_path / "1" / name).equals(pq.read_table(tmp_path / "2" / name))
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
    assert first.staff == second.staff
    assert first.summary == second.summary


def test_progress_is_reported_step_by_step(staging):
    steps: list[tuple[str, int, int]] = []
    read_roster(
        FIXTURES / "v12_bulk",
        pseudonym_key=KEY,
        staging_dir=staging,
        progress=lambda step, done, total: steps.append((step, done, total)),
    )
    assert steps[0] == ("read orgs.csv", 1, 19)
    assert steps[-1] == ("done", 19, 19)
    assert [done for _, done, _ in steps] == list(range(1, 20))


def test_without_a_manifest_every_file_is_bulk(tmp_path, staging):
    roster = copy_fixture("v12_bulk", tmp_path)
    (roster / "manifest.csv").unlink()
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=staging)
    assert bundle.version == "1.2"
    assert bundle.modes == ALL_BULK_12
    assert [str(w) for w in bundle.warnings] == [
        "manifest.csv: is missing. The files were read as bulk files (each one replaces what Trellis holds)."
    ]


def test_file_names_in_another_case_and_unread_files(tmp_path, staging):
    roster = copy_fixture("v12_bulk", tmp_path)
    (roster / "users.csv").rename(roster / "Users.csv")
    (roster / "results.csv").write_text("sourcedId\n", encoding="utf-8")
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=staging)
    assert [str(w) for w in bundle.warnings] == [
        'Users.csv: read as "users.csv" (OneRoster file names are case-sensitive).',
    ]
    shutil.rmtree(staging)
    (roster / "manifest.csv").write_text(
        (roster / "manifest.csv").read_text().replace("file.results,absent", "file.results,bulk")
    )
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=staging)
    assert str(bundle.warnings[-1]) == (
        "results.csv: Trellis does not read gradebook or resource files; they were ignored."
    )


def test_enrollments_sorted_in_ranges_match_one_sort(tmp_path, monkeypatch, tuned):
    whole = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "whole")
    tuned(sort_rows=3)  # 12 enrollments: sorted in four ranges of classes
    parts = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "parts")

    rows = pq.read_table(parts.enrollments_path).to_pylist()
    assert rows == pq.read_table(whole.enrollments_path).to_pylist()
    assert len({row["class_sourced_id"] for row in rows}) > 1
    keys = [(row["class_sourced_id"], row["person_key"], row["role"]) for row in rows]
    assert keys == sorted(keys)


def test_ranged_sort_passes_on_a_failure_of_the_parquet_writer(tmp_path, monkeypatch, tuned):
    """The Parquet file is written on a second thread; its failure reaches the reader."""
    tuned(sort_rows=3, write_batch_rows=1, write_queue_batches=1)

    class FailingWriter:
        def __init__(self, path, schema, **options):
            self.written = 0

        def write_batch(self, batch):
            self.written += 1
            if self.written == 2:
                raise OSError("disk full")

        def close(self):
            pass

    monkeypatch.setattr(store.pq, "ParquetWriter", FailingWriter)
    with pytest.raises(OSError, match="disk full"):
        read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "staging")

    class FailingClose(FailingWriter):
        def write_batch(self, batch):
            pass

        def close(self):
            raise OSError("disk full on close")

    monkeypatch.setattr(store.pq, "ParquetWriter", FailingClose)
    with pytest.raises(OSError, match="disk full on close"):
        read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "staging2")


def test_people_are_handed_over_while_the_enrollments_are_read(tmp_path):
    plain = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "plain")
    handed = []
    bundle = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "overlap",
                         people_ready=handed.append)  # fmt: skip

    (people,) = handed
    assert people.staff == plain.staff and people.staff and people.orgs == plain.orgs
    assert people.courses == plain.courses and people.academic_sessions == plain.academic_sessions
    assert people.summary == {} and people.students_path is None
    assert bundle.staff == []  # handed over, not kept twice
    assert bundle.summary == plain.summary and bundle.warnings == plain.warnings
    assert bundle.school_stats == plain.school_stats and bundle.counts == plain.counts
    for name in ("students", "classes", "enrollments"):
        assert pq.read_table(bundle.parquet[name]).equals(pq.read_table(plain.parquet[name]))


def test_enrollments_can_refuse_after_the_people_were_handed_over(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "enrollments.csv", 3, "classSourcedId", "k-999")
    handed = []
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging", people_ready=handed.append)
    assert len(handed) == 1
    assert [(p.file, p.row, p.column) for p in refusal.value.problems] == [
        ("enrollments.csv", 3, "classSourcedId")
    ]
    assert list((tmp_path / "staging").iterdir()) == []


def test_a_refusal_by_the_caller_waits_for_the_reading_and_passes_through(tmp_path):
    def refuse(people):
        raise PermissionError("outside your district")

    with pytest.raises(PermissionError, match="outside your district"):
        read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "staging", people_ready=refuse)


def test_the_read_leaves_the_cycle_collector_alone_and_the_pause_restores_it(tmp_path):
    states = []
    read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "read",
                people_ready=lambda people: states.append(gc.isenabled()))  # fmt: skip
    assert states == [True]  # as in the web process

    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "enrollments.csv", 3, "classSourcedId", "k-999")
    with pytest.raises(RosterError), cycle_collector_paused():
        assert not gc.isenabled()
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "refused")
    assert gc.isenabled()

    gc.disable()  # a caller that had paused it keeps it paused
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("sort_rows", [None, 3])
def test_pseudonyms_are_stored_uncompressed_and_every_other_column_with_snappy(
    tmp_path, monkeypatch, tuned, sort_rows
):
    if sort_rows is not None:  # the enrollments sorted in ranges, as a state's are
        tuned(sort_rows=sort_rows)
    bundle = read_roster(FIXTURES / "v12_bulk", pseudonym_key=KEY, staging_dir=tmp_path / "read")

    def codecs(path):
        metadata = pq.ParquetFile(path).metadata
        return {
            metadata.schema.column(i).name: {metadata.row_group(g).column(i).compression
                                             for g in range(metadata.num_row_groups)}
            for i in range(metadata.num_columns)
        }  # fmt: skip

    for path, columns, key in (
        (bundle.enrollments_path, store.ENROLLMENT_COLUMNS, "person_key"),
        (bundle.students_path, store.STUDENT_COLUMNS, "student_key"),
    ):
        found = codecs(path)
        assert found.pop(key) == {"UNCOMPRESSED"}
        assert set(found) == set(columns) - {key}
        assert all(codec == {"SNAPPY"} for codec in found.values())


def test_the_duckdb_connection_is_closed_alongside_after_a_read_and_after_a_refusal(tmp_path, monkeypatch):
    opened, real_connect = [], duckdb.connect

    def connect(*args, **kwargs):
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(reader.duckdb, "connect", connect)
    roster = copy_fixture("v12_bulk", tmp_path)
    read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "read")
    set_cell(roster / "enrollments.csv", 3, "classSourcedId", "k-999")
    with pytest.raises(RosterError):
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "refused")

    for thread in threading.enumerate():
        if thread.name == "trellis-duckdb-close":
            thread.join()
    assert len(opened) == 2
    for con in opened:
        with pytest.raises(duckdb.ConnectionException):
            con.execute("SELECT 1")


@pytest.mark.parametrize("sort_rows", [None, 3])
def test_enrollments_with_the_same_key_are_in_the_store_order(tmp_path, monkeypatch, tuned, sort_rows):
    """Two enrollments of one person in one class, in one role (a second term, say), are ordered
    by the store's full order, whatever their order in the file and however the sort is cut."""
    if sort_rows is not None:
        tuned(sort_rows=sort_rows)
    roster = copy_fixture("v12_bulk", tmp_path)
    path = roster / "enrollments.csv"
    lines = path.read_text().splitlines()
    # The same teacher in the same class again, for a term that begins later, written first.
    lines.insert(1, "enr-t-01-k-301-spring,,,k-301,s-110,t-01,teacher,true,2024-01-22,2024-06-07")
    path.write_text("\n".join(lines) + "\n")

    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")

    rows = pq.read_table(bundle.enrollments_path).to_pylist()
    assert rows == sorted(rows, key=lambda row: tuple(
        (row[name] is None, row[name]) for name in store.ENROLLMENT_ORDER))
    teacher = [row["begin_date"] for row in rows if row["person_key"] == "t-01" and row["class_sourced_id"] == "k-301"]
    assert teacher == [datetime.date(2023, 8, 21), datetime.date(2024, 1, 22)]
