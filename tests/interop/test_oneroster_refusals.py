"""Broken rosters are refused with the file, row and column of every problem (up to 20)."""

from pathlib import Path

import pytest

from tests.interop.conftest import (
    KEY,
    append_row,
    copy_fixture,
    drop_column,
    read_rows,
    row_of,
    set_cell,
    write_rows,
)
from trellis.interop.oneroster import RosterError, read_roster


def missing_required_column(roster: Path) -> None:
    drop_column(roster / "classes.csv", "classType")


def bad_enum(roster: Path) -> None:
    set_cell(roster / "roles.csv", 7, "role", "janitor")


def bad_date(roster: Path) -> None:
    set_cell(roster / "academicSessions.csv", 2, "startDate", "2023-13-45")


def two_digit_year(roster: Path) -> None:
    set_cell(roster / "academicSessions.csv", 3, "endDate", "1/19/24")


def duplicate_sourced_id(roster: Path) -> None:
    row = row_of(roster / "users.csv", "stu-71e4b2")
    append_row(roster / "users.csv", {**row, "givenName": "Someone", "familyName": "Else"})


def unknown_class(roster: Path) -> None:
    set_cell(roster / "enrollments.csv", 3, "classSourcedId", "k-999")


def enabled_maybe(roster: Path) -> None:
    set_cell(roster / "users.csv", 12, "enabledUser", "maybe")


def unknown_org_type(roster: Path) -> None:
    set_cell(roster / "orgs.csv", 5, "type", "campus")


def role_of_unknown_user(roster: Path) -> None:
    set_cell(roster / "roles.csv", 10, "userSourcedId", "stu-nobody")


def enrollment_of_unknown_student(roster: Path) -> None:
    set_cell(roster / "enrollments.csv", 3, "userSourcedId", "stu-nobody")


def enrollment_of_unknown_teacher(roster: Path) -> None:
    set_cell(roster / "enrollments.csv", 2, "userSourcedId", "t-nobody")


def deleted_enrollment_of_unknown_user(roster: Path) -> None:
    # The row is left out of the store (a bulk file's tobedeleted row), but still checked.
    set_cell(roster / "enrollments.csv", 4, "userSourcedId", "stu-nobody")
    set_cell(roster / "enrollments.csv", 4, "status", "tobedeleted")


def unknown_class_and_user(roster: Path) -> None:
    set_cell(roster / "enrollments.csv", 5, "userSourcedId", "t-nobody")
    set_cell(roster / "enrollments.csv", 3, "classSourcedId", "k-999")


def demographics_of_unknown_user(roster: Path) -> None:
    set_cell(roster / "demographics.csv", 3, "sourcedId", "stu-nobody")


def staff_without_username(roster: Path) -> None:
    set_cell(roster / "users.csv", 2, "username", "")


def student_grade_not_a_grade(roster: Path) -> None:
    set_cell(roster / "users.csv", 13, "grades", "Year 3")


def locale_not_a_locale(roster: Path) -> None:
    set_cell(roster / "orgs.csv", 4, "metadata.locale", "metropolis")


def row_with_an_extra_value(roster: Path) -> None:
    with (roster / "enrollments.csv").open("a", encoding="utf-8") as out:
        out.write("enr-x,,,k-301,s-110,t-01,teacher,true,2023-08-21,,surplus\n")


def not_utf8(roster: Path) -> None:
    data = (roster / "orgs.csv").read_bytes().replace(b"Maple Valley Elementary", b"Mapl\xe9")
    (roster / "orgs.csv").write_bytes(data)


def manifest_lists_a_missing_file(roster: Path) -> None:
    (roster / "courses.csv").unlink()


def manifest_bad_mode(roster: Path) -> None:
    text = (roster / "manifest.csv").read_text().replace("file.orgs,bulk", "file.orgs,full")
    (roster / "manifest.csv").write_text(text)


def people_in_different_modes(roster: Path) -> None:
    text = (roster / "manifest.csv").read_text()
    (roster / "manifest.csv").write_text(text.replace("file.demographics,bulk", "file.demographics,delta"))


def users_without_roles(roster: Path) -> None:
    (roster / "roles.csv").unlink()
    text = (roster / "manifest.csv").read_text().replace("file.roles,bulk", "file.roles,absent")
    (roster / "manifest.csv").write_text(text)


CASES = [
    (missing_required_column, [("classes.csv", 1, "classType",
                                'the required column "classType" is missing.')]),
    (bad_enum, [("roles.csv", 7, "role", 'is not one of: aide, counselor, '
                 "districtAdministrator, guardian, parent, principal, proctor, relative, "
                 "siteAdministrator, student, systemAdministrator, teacher, or an extension "
                 "starting with ext:.")]),
    (bad_date, [("academicSessions.csv", 2, "startDate",
                 '"2023-13-45" is not a date (write dates as YYYY-MM-DD).')]),
    (two_digit_year, [("academicSessions.csv", 3, "endDate",
                       '"1/19/24" is not a date (write dates as YYYY-MM-DD).')]),
    (duplicate_sourced_id, [("users.csv", 16, "sourcedId",
                             "repeats the sourcedId of row 12; each record must appear once.")]),
    (unknown_class, [("enrollments.csv", 3, "classSourcedId",
                      "refers to a class that is not in classes.csv.")]),
    (enabled_maybe, [("users.csv", 12, "enabledUser", "is not true or false.")]),
    (unknown_org_type, [("orgs.csv", 5, "type", '"campus" is not one of: department, school, '
                         "district, local, state, national, or an extension starting with ext:.")]),
    (role_of_unknown_user, [("roles.csv", 10, "userSourcedId",
                             "refers to a user who is not in users.csv.")]),
    (demographics_of_unknown_user, [("demographics.csv", 3, "sourcedId",
                                     "refers to a user who is not in users.csv.")]),
    (enrollment_of_unknown_student, [("enrollments.csv", 3, "userSourcedId",
                                      "refers to a user who is not in users.csv.")]),
    (enrollment_of_unknown_teacher, [("enrollments.csv", 2, "userSourcedId",
                                      "refers to a user who is not in users.csv.")]),
    (deleted_enrollment_of_unknown_user, [("enrollments.csv", 4, "userSourcedId",
                                           "refers to a user who is not in users.csv.")]),
    (unknown_class_and_user, [("enrollments.csv", 3, "classSourcedId",
                               "refers to a class that is not in classes.csv."),
                              ("enrollments.csv", 5, "userSourcedId",
                               "refers to a user who is not in users.csv.")]),
    (staff_without_username, [("users.csv", 2, "username", 'is empty, but staff need a '
                               '"username" for their Trellis account.')]),
    (student_grade_not_a_grade, [("users.csv", 13, "grades", 'is not a grade level (use '
                                  "KG, 01 to 12, PK, or another CEDS grade level).")]),
    (locale_not_a_locale, [("orgs.csv", 4, "metadata.locale", '"metropolis" is not a locale '
                            "(city, suburb, town, rural, or an NCES locale code 11-43).")]),
    (row_with_an_extra_value, [("enrollments.csv", 14, None, "does not have the 10 values the "
                                "header row has (check commas and quotes).")]),
    (not_utf8, [("orgs.csv", 5, None, "is not UTF-8 text. Save the file as UTF-8 CSV and retry.")]),
    (manifest_lists_a_missing_file, [("courses.csv", None, None,
                                      "is missing, but manifest.csv says it is a bulk file.")]),
    (manifest_bad_mode, [("manifest.csv", 15, "value",
                          'file.orgs is "full"; it must be bulk, delta or absent.')]),
    (people_in_different_modes, [("manifest.csv", None, None, "users.csv is bulk, roles.csv is "
                                  "bulk, demographics.csv is delta; users, roles and demographics "
                                  "must all be bulk or all be delta.")]),
    (users_without_roles, [("users.csv", None, None, "needs roles.csv: in OneRoster 1.2 a user's "
                            "roles (student, teacher, ...) are in roles.csv, and without them "
                            "Trellis cannot tell students from staff.")]),
]  # fmt: skip


@pytest.mark.parametrize(("breakage", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_broken_roster_is_refused_with_file_row_and_column(tmp_path, breakage, expected):
    roster = copy_fixture("v12_bulk", tmp_path)
    breakage(roster)
    staging = tmp_path / "staging"
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=staging)
    problems = [(p.file, p.row, p.column, p.message) for p in refusal.value.problems]
    assert problems == expected
    assert not staging.exists() or list(staging.iterdir()) == []


def test_the_message_names_file_row_and_column_in_plain_language(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    enabled_maybe(roster)
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert str(refusal.value.problems[0]) == ('users.csv, row 12, column "enabledUser": is not true or false.')
    assert str(refusal.value) == (
        "The roster was not imported. Fix this problem:\n"
        '- users.csv, row 12, column "enabledUser": is not true or false.'
    )


def test_a_value_that_may_be_a_name_is_not_quoted(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "users.csv", 10, "enabledUser", "Zephyrine")  # the student's own name
    set_cell(roster / "users.csv", 11, "enabledUser", "bn@example.org")
    set_cell(roster / "enrollments.csv", 3, "role", "S900001")
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(p) for p in refusal.value.problems] == [
        'users.csv, row 10, column "enabledUser": is not true or false.',
        'users.csv, row 11, column "enabledUser": is not true or false.',
        'enrollments.csv, row 3, column "role": is not one of: '
        "administrator, proctor, student, teacher, or an extension starting with ext:.",
    ]


def test_a_family_name_in_the_sex_column_is_not_quoted(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    family_name = "Quillfeather"  # the family name of the student demographics.csv's row 3 is about
    set_cell(roster / "demographics.csv", 3, "sex", family_name)
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(p) for p in refusal.value.problems] == [
        'demographics.csv, row 3, column "sex": is not one of: male, female, unspecified, other, or an '
        "extension starting with ext:."
    ]
    assert family_name not in str(refusal.value)


def test_a_file_without_its_header_row_is_refused_without_quoting_it(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    write_rows(roster / "users.csv", read_rows(roster / "users.csv")[1:])
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(p) for p in refusal.value.problems] == [
        'users.csv, row 1: has no "sourcedId" column. The first row must be the OneRoster header row.'
    ]


def test_two_columns_that_read_as_one_are_refused(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    rows = read_rows(roster / "orgs.csv")
    write_rows(roster / "orgs.csv", [[*rows[0], "sourced_id"]] + [[*r, r[0]] for r in rows[1:]])
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(p) for p in refusal.value.problems] == [
        'orgs.csv, row 1: has two columns that both read as "sourcedId" (columns 1 and 9); keep one.'
    ]


def test_up_to_twenty_problems_are_reported_at_once(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    for number in range(25):
        append_row(
            roster / "enrollments.csv",
            {"sourcedId": f"enr-x{number}", "classSourcedId": "k-301", "schoolSourcedId": "s-110",
             "userSourcedId": "t-01", "role": "tutor"},
        )  # fmt: skip
    set_cell(roster / "users.csv", 12, "enabledUser", "maybe")
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    problems = refusal.value.problems
    assert len(problems) == 20
    assert refusal.value.more
    assert [(p.file, p.row, p.column) for p in problems[:3]] == [
        ("users.csv", 12, "enabledUser"),
        ("enrollments.csv", 14, "role"),
        ("enrollments.csv", 15, "role"),
    ]
    assert problems[-1].row == 32
    assert str(refusal.value).startswith(
        "The roster was not imported. Fix these problems (and look for more of the same kind):"
    )


def test_references_into_one_file_are_listed_in_file_order_within_the_limit(tmp_path):
    # roles.csv and demographics.csv both refer to users.csv, and are looked up in one query;
    # the problems still come file by file, row by row, and stop at twenty.
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "demographics.csv", 3, "sourcedId", "stu-nobody")
    set_cell(roster / "roles.csv", 4, "orgSourcedId", "s-999")
    set_cell(roster / "roles.csv", 6, "userSourcedId", "t-nobody")
    set_cell(roster / "roles.csv", 2, "userSourcedId", "t-nobody")
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [(p.file, p.row, p.column) for p in refusal.value.problems] == [
        ("roles.csv", 2, "userSourcedId"),
        ("roles.csv", 6, "userSourcedId"),
        ("roles.csv", 4, "orgSourcedId"),
        ("demographics.csv", 3, "sourcedId"),
    ]
    assert not refusal.value.more

    for number in range(19):
        append_row(
            roster / "roles.csv",
            {"sourcedId": f"r-x{number}", "userSourcedId": "t-nobody", "roleType": "primary", "role": "teacher",
             "orgSourcedId": "s-110"},
        )  # fmt: skip
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging2")
    problems = [(p.file, p.column) for p in refusal.value.problems]
    assert problems == [("roles.csv", "userSourcedId")] * 20
    assert refusal.value.more


def test_a_delta_row_without_status_is_refused(tmp_path):
    roster = copy_fixture("v12_delta", tmp_path)
    set_cell(roster / "users.csv", 3, "status", "")
    with pytest.raises(RosterError) as refusal:
        read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(p) for p in refusal.value.problems] == [
        'users.csv, row 3, column "status": is empty; a delta file must say active or tobedeleted on every row.'
    ]


def test_a_missing_source_is_refused(tmp_path):
    with pytest.raises(RosterError) as refusal:
        read_roster(tmp_path / "nowhere", pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(p) for p in refusal.value.problems] == ["nowhere: does not exist."]
    (tmp_path / "roster.csv").write_text("sourcedId\n")
    with pytest.raises(RosterError) as refusal:
        read_roster(tmp_path / "roster.csv", pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(p) for p in refusal.value.problems] == [
        "roster.csv: is neither a folder nor a .zip file of OneRoster CSV files."
    ]
