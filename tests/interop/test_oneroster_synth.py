"""The synthetic state generator's roster reads cleanly: same counts, no warnings."""

import pytest

from tests.interop.conftest import KEY
from trellis.interop.oneroster import read_roster

roster = pytest.importorskip("trellis.engine.synth.roster")


def test_the_small_synthetic_state_reads_cleanly(tmp_path):
    written = roster.generate_state("small", seed=3, out_dir=tmp_path / "state")
    bundle = read_roster(tmp_path / "state", pseudonym_key=KEY, staging_dir=tmp_path / "staging")

    assert bundle.warnings == []
    assert bundle.version == "1.2"
    assert bundle.counts == dict(written.rows)
    assert bundle.summary["students"] == written.students
    assert bundle.summary["staff"] == written.staff
    assert bundle.summary["staff:teacher"] == written.teachers
    assert bundle.summary["classes"] == written.classes
    assert bundle.summary["enrollments"] == written.enrollments
    assert bundle.summary["orgs:school"] == written.schools
    assert bundle.summary["orgs:district"] == written.districts
    assert bundle.summary["orgs:local"] == written.regions
    assert sum(stats.active_students for stats in bundle.school_stats.values()) == written.students
    assert all(org.locale in ("city", "suburb", "town", "rural") for org in bundle.orgs
               if org.type in ("district", "school"))  # fmt: skip
