"""What real exports look like, read with a warning instead of refused (one case per test)."""

from __future__ import annotations

from pathlib import Path

from tests.interop.conftest import KEY, copy_fixture, read_rows, set_cell, write_rows
from trellis.interop.oneroster import read_roster


def warnings_of(roster: Path, tmp_path: Path) -> list[str]:
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    return [str(w) for w in bundle.warnings]


def test_a_session_whose_school_year_is_not_in_the_file(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "academicSessions.csv", 3, "parentSourcedId", "as-2023")
    assert warnings_of(roster, tmp_path) == [
        'academicSessions.csv, column "parentSourcedId": refers to academic sessions that are not in '
        "academicSessions.csv (1 reference, first on row 3); the rows were imported without that link."
    ]


def test_a_manifest_listing_optional_files_with_an_empty_value(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    manifest = roster / "manifest.csv"
    manifest.write_text(manifest.read_text() + "file.scoreScales,\nfile.userProfiles,\n")
    rows = len(read_rows(manifest))
    assert warnings_of(roster, tmp_path) == [
        f'manifest.csv, row {rows - 1}, column "value": file.scoreScales has no value; it was read as absent.',
        f'manifest.csv, row {rows}, column "value": file.userProfiles has no value; it was read as absent.',
    ]


def test_a_bulk_file_with_a_header_and_no_rows_changes_nothing(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    write_rows(roster / "enrollments.csv", read_rows(roster / "enrollments.csv")[:1])
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(w) for w in bundle.warnings] == [
        "enrollments.csv: has a header and no rows; it was read as absent, so nothing Trellis holds "
        "from it changed."
    ]
    assert bundle.modes["enrollments.csv"] == "absent"
    assert bundle.enrollments_path is None


def test_a_class_without_a_course_in_a_set_without_courses(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    (roster / "courses.csv").unlink()
    manifest = roster / "manifest.csv"
    manifest.write_text(manifest.read_text().replace("file.courses,bulk", "file.courses,absent"))
    set_cell(roster / "classes.csv", 2, "courseSourcedId", "")
    warnings = warnings_of(roster, tmp_path)
    assert warnings[0] == (
        'classes.csv, column "courseSourcedId": is empty and the set has no courses.csv; the classes '
        "were kept without a course, first on row 2 (1 row)."
    )


def test_a_class_without_a_course_is_still_refused_when_the_set_has_courses(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "classes.csv", 2, "courseSourcedId", "")
    try:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    except Exception as refusal:  # noqa: BLE001 - the message is what is checked
        assert 'classes.csv, row 2, column "courseSourcedId": is empty' in str(refusal)
    else:
        raise AssertionError("a class without its course was accepted although courses.csv is there")


def test_demographics_whose_first_column_is_user_sourced_id(tmp_path):
    roster = copy_fixture("v11_bulk", tmp_path)
    rows = read_rows(roster / "demographics.csv")
    rows[0][0] = "userSourcedId"
    write_rows(roster / "demographics.csv", rows)
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert 'demographics.csv, column "userSourcedId": read as "sourcedId" (the user the row is about).' in [
        str(w) for w in bundle.warnings
    ]
    assert bundle.counts["demographics.csv"] == len(rows) - 1


def test_a_header_ending_in_unnamed_columns_the_rows_leave_out(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    rows = read_rows(roster / "roles.csv")
    rows[0] += ["", ""]
    write_rows(roster / "roles.csv", rows)
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(w) for w in bundle.warnings] == [
        "roles.csv, row 1: the header row ends with 2 unnamed column(s); rows that leave them out "
        "were read as well."
    ]
    assert bundle.counts["roles.csv"] == len(rows) - 1
