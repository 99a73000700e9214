"""Vocabulary extensions (ext:), org types Trellis skips, and family members."""

import pyarrow.parquet as pq

from tests.interop.conftest import KEY, append_row, copy_fixture, set_cell
from trellis.interop.oneroster import StaffRole, read_roster
from trellis.interop.pseudonym import pseudonymise


def test_skipped_org_types_and_extension_roles(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    append_row(roster / "orgs.csv", {"sourcedId": "dept-math", "name": "Mathematics Department",
                                     "type": "department", "parentSourcedId": "s-120"})  # fmt: skip
    append_row(roster / "orgs.csv", {"sourcedId": "us", "name": "United States",
                                     "type": "national"})  # fmt: skip
    set_cell(roster / "roles.csv", 7, "role", "ext:paraeducator")
    set_cell(roster / "roles.csv", 6, "role", "Principal")
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")

    assert [str(w) for w in bundle.warnings] == [
        'orgs.csv, column "type": orgs of a type Trellis does not keep (it keeps state, local, '
        'district and school) were skipped, for example "national" on row 8 (1 row).',
        'orgs.csv, column "type": departments are not organizations of their own in Trellis; their '
        "staff, students and classes were placed at the department's school, first on row 7 (1 row).",
        'roles.csv, column "role": has values in a different letter case than OneRoster\'s; '
        'they were accepted, for example "Principal" on row 6 (1 row).',
        'roles.csv, column "role": has extension values (ext:...) that Trellis does not know, '
        'for example "ext:paraeducator" on row 7 (1 row).',
    ]
    assert bundle.summary["orgs_skipped"] == 1
    assert bundle.summary["orgs:department"] == 1
    department = next(org for org in bundle.orgs if org.sourced_id == "dept-math")
    assert (department.type, department.parent_sourced_id, department.row) == ("department", "s-120", 7)
    staff = {record.sourced_id: record for record in bundle.staff}
    assert staff["a-01"].roles == [StaffRole("ext:paraeducator", "s-110", True)]
    assert staff["p-01"].roles == [StaffRole("principal", "s-120", True)]


def test_family_enrollments_are_left_out(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    append_row(roster / "enrollments.csv", {"sourcedId": "enr-g01", "classSourcedId": "k-301",
                                            "schoolSourcedId": "s-110", "userSourcedId": "g-01",
                                            "role": "proctor"})  # fmt: skip
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert [str(w) for w in bundle.warnings] == [
        "enrollments.csv: 1 enrollment was of guardians, parents or relatives; left out."
    ]
    assert bundle.summary["enrollments"] == 12
    people = {e["person_key"] for e in pq.read_table(bundle.enrollments_path).to_pylist()}
    assert "g-01" not in people


def test_a_student_with_a_staff_role_stays_a_student(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    append_row(roster / "roles.csv", {"sourcedId": "r-s1-aide", "userSourcedId": "stu-8f2a61",
                                      "roleType": "secondary", "role": "aide",
                                      "orgSourcedId": "s-110"})  # fmt: skip
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    assert "stu-8f2a61" not in {record.sourced_id for record in bundle.staff}
    assert bundle.summary["students"] == 6


def test_a_student_is_never_named_in_enrollments_whatever_the_enrollment_says(tmp_path):
    roster = copy_fixture("v12_bulk", tmp_path)
    set_cell(roster / "users.csv", 15, "status", "tobedeleted")  # stu-0b7c45, left out
    set_cell(roster / "enrollments.csv", 10, "role", "teacher")  # ... enrolled as a teacher
    bundle = read_roster(roster, pseudonym_key=KEY, staging_dir=tmp_path / "staging")
    people = {e["person_key"] for e in pq.read_table(bundle.enrollments_path).to_pylist()}
    assert "stu-0b7c45" not in people
    assert pseudonymise(KEY, "stu-0b7c45") in people
