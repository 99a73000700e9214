"""A bulk import leaves other districts' students alone, shows what it would take away before it
does, and the audit log says exactly what changed."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from tests.interop.conftest import read_rows, write_rows
from tests.orgs.test_roster_import import snapshot, store_bytes
from tests.orgs.test_roster_real_exports import REAL
from trellis.core.models import AuditEvent
from trellis.orgs.models import Organization
from trellis.orgs.roster import RosterNotConfirmed, roster_import, roster_store_dir

TAO = REAL / "tao-oneroster-import/OneRosterv1p1BaseCSV"


def students_by_school() -> dict[str, int]:
    table = pq.read_table(roster_store_dir() / "students.parquet").to_pylist()
    counts: dict[str, int] = {}
    for row in table:
        counts[row["school_sourced_id"]] = counts.get(row["school_sourced_id"], 0) + 1
    return counts


def without_last_student(folder, tmp_path):
    """The TAO export with its second student (user2, of School 2) left out."""
    copy = shutil.copytree(folder, tmp_path / "fewer")
    write_rows(copy / "users.csv", read_rows(copy / "users.csv")[:2])
    write_rows(copy / "enrollments.csv", read_rows(copy / "enrollments.csv")[:3])
    return copy


@pytest.mark.django_db(transaction=True)
def test_a_districts_bulk_file_keeps_the_students_of_other_districts(tree, tmp_path_factory):
    roster_import(actor=None, source=TAO, scope=None, into=tree.other_district)
    cedar_file = shutil.copytree(REAL / "moodle-enrol_oneroster/Test_full_data_set",
                                 tmp_path_factory.mktemp("m") / "export")
    roster_import(actor=None, source=cedar_file, scope=None, into=tree.district)
    assert students_by_school() == {"12345": 1, "54321": 1, "org-sch-222-456": 3}
    # Importing Riverside's file again, at the state's level, leaves Cedar Valley's students.
    roster_import(actor=None, source=TAO, scope=tree.state)
    assert students_by_school() == {"12345": 1, "54321": 1, "org-sch-222-456": 3}
    assert Organization.objects.get(pk=tree.state.pk).enrollment == 5


@pytest.mark.django_db(transaction=True)
def test_an_import_that_removes_students_is_not_made_without_confirmation(tree, tmp_path_factory):
    roster_import(actor=None, source=TAO, scope=None, into=tree.other_district)
    before, files = snapshot(), store_bytes()
    fewer = without_last_student(TAO, tmp_path_factory.mktemp("fewer"))
    seen = []

    def decline(plan) -> bool:
        seen.append(plan.removals)
        return False

    with pytest.raises(RosterNotConfirmed) as refusal:
        roster_import(actor=None, source=fewer, scope=tree.state, confirm=decline)
    assert seen == [{"Riverside City Schools": {"Students removed": 1}}]
    assert refusal.value.plan.removals == seen[0]
    assert (snapshot(), store_bytes()) == (before, files)
    assert AuditEvent.objects.filter(action="roster.import").count() == 1

    result = roster_import(actor=None, source=fewer, scope=tree.state, confirm=lambda plan: plan.removals == seen[0])
    assert students_by_school() == {"12345": 1}
    event = AuditEvent.objects.filter(action="roster.import").latest("pk")
    assert event.details["removed"] == {"Riverside City Schools": {"Students removed": 1}}
    assert event.summary.endswith("students removed: 1")
    assert result.removes_anything


@pytest.mark.django_db(transaction=True)
def test_an_import_that_takes_nothing_away_is_made_without_asking(tree):
    asked = []
    roster_import(actor=None, source=TAO, scope=None, into=tree.other_district,
                  confirm=lambda plan: asked.append(plan) or not plan.removes_anything)
    assert len(asked) == 1 and not asked[0].removes_anything
    assert students_by_school() == {"12345": 1, "54321": 1}


@pytest.mark.django_db(transaction=True)
def test_progress_of_a_small_import_moves_forward_through_the_steps(tree):
    seen: list[tuple[str, int, int]] = []
    roster_import(actor=None, source=TAO, scope=None, into=tree.other_district,
                  progress=lambda step, done, total: seen.append((step, done, total)))
    percents = [done for _, done, _ in seen]
    assert {total for _, _, total in seen} == {100}
    assert percents == sorted(percents) and percents[-1] == 100
    assert len(set(percents)) >= 10  # it moves between the start and the end
    assert "Adding organizations" in {step for step, _, _ in seen}
