"""Real OneRoster exports written by other systems import into Trellis, and leak nothing.

The fixtures (tests/interop/fixtures/real/, with their origin and licence) come from public
repositories of systems that write or read OneRoster. Each is imported with ``--into`` the
district it would belong to, as a district or state lead would run it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.interop.conftest import FIXTURES
from tests.interop.test_oneroster_privacy import secrets
from trellis.core.models import Job
from trellis.core.services import UserFacingError
from trellis.orgs.models import Membership, Organization, Person
from trellis.orgs.roster import roster_import

REAL = FIXTURES / "real"
#: fixture -> (orgs Trellis holds below the district afterwards, staff, roles, students)
EXPECTED = {
    "moodle-enrol_oneroster/Test_full_data_set": (["History Department"], 2, 2, 3),
    "moodle-enrol_oneroster/Test_minimal_data_set": (["History Department"], 2, 2, 3),
    "moodle-enrol_oneroster/v1p2_full_dataset": (["History Department"], 3, 3, 3),
    "moodle-enrol_oneroster/oneroster_test_data": (["Gotham High School"], 0, 0, 1),
    "tao-oneroster-import/OneRosterv1p1BaseCSV": (["School 1", "School 2"], 0, 0, 2),
}


def export(tmp_path_factory: pytest.TempPathFactory, fixture: str) -> Path:
    """A copy of a real export outside TRELLIS_HOME (the test's tmp_path), which is searched."""
    return Path(shutil.copytree(REAL / fixture, tmp_path_factory.mktemp("real") / "export"))


def everything_written() -> list[bytes]:
    """Every row of every table and every file under TRELLIS_HOME (the test's tmp_path)."""
    blobs = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            blobs.append("\n".join(repr(row) for row in cursor.fetchall()).encode())
    blobs += [path.read_bytes() for path in Path(settings.TRELLIS_HOME).rglob("*") if path.is_file()]
    return blobs


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_a_real_export_imports_into_the_district_it_is_for(tree, fixture, tmp_path_factory):
    source = export(tmp_path_factory, fixture)
    names, staff, roles, students = EXPECTED[fixture]
    result = roster_import(actor=None, source=source, scope=None, into=tree.district)
    below = Organization.objects.filter(path__startswith=tree.district.path).exclude(pk=tree.district.pk)
    added = sorted(below.exclude(sourced_id__in=["s-lincoln", "s-cvhigh"]).values_list("name", flat=True))
    assert added == names
    assert all(o.parent_id == tree.district.pk for o in below)
    assert Person.objects.filter(sourced_id__isnull=False).count() == staff == result.counts["staff"]
    assert Membership.objects.filter(from_roster=True).count() == roles
    assert result.counts["students"] == students
    # Nothing a student or family member wrote reaches the database, the data folder or a message
    # (a family name a staff member shares is kept as the staff member's).
    staff_names = {name for person in Person.objects.all() for name in (person.given_name, person.family_name)}
    secret_values = {s for s in secrets(source) if len(s) >= 4} - staff_names
    said = "\n".join(result.warnings)
    blobs = [*everything_written(), said.encode()]
    assert [s for s in secret_values for blob in blobs if s.encode() in blob] == []


@pytest.mark.django_db(transaction=True)
def test_an_orphan_school_is_refused_by_row_without_an_organization_to_place_it_in(tree, tmp_path_factory):
    source = export(tmp_path_factory, "tao-oneroster-import/OneRosterv1p1BaseCSV")
    before = sorted(Organization.objects.values_list("pk", "name", "path"))
    with pytest.raises(UserFacingError) as refusal:
        roster_import(actor=None, source=source, scope=None)
    assert str(refusal.value).startswith('orgs.csv, row 2, column "parentSourcedId": the school "School 1"')
    assert "--into" in str(refusal.value)
    assert sorted(Organization.objects.values_list("pk", "name", "path")) == before
    assert Person.objects.count() == Job.objects.count() == 0
    secret_values = {s for s in secrets(source) if len(s) >= 4}
    blobs = [*everything_written(), str(refusal.value).encode()]
    assert [s for s in secret_values for blob in blobs if s.encode() in blob] == []


@pytest.mark.django_db(transaction=True)
def test_a_department_whose_school_is_in_trellis_is_placed_at_that_school(tree, tmp_path_factory):
    source = export(tmp_path_factory, "moodle-enrol_oneroster/v1p2_full_dataset")
    school = tree.school
    school.sourced_id = "org-sch-222-3456"  # the department's parentSourcedId
    school.save()
    roster_import(actor=None, source=source, scope=None)
    assert not Organization.objects.filter(name="History Department").exists()
    assert set(Membership.objects.filter(from_roster=True).values_list("organization__name", "role")) == {
        ("Lincoln Elementary", "teacher"), ("Lincoln Elementary", "school_leader"),
    }
