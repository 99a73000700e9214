"""A worker killed in the middle of a roster import leaves the database and the data directory as
they were, and the job ends failed with a message saying so when a worker starts again.

The roster is the medium synthetic state (50 districts, 60,000 students): big enough that the
import spends seconds writing, small enough for the test suite.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from tests.service.home import Home, fresh_home
from trellis.core.services import INTERRUPTED
from trellis.engine.synth.roster import generate_state

pytestmark = pytest.mark.slow


def writing(home: Home, since: float) -> bool:
    """Whether some process has held a write transaction on the home's database for ``since`` s."""
    url = home.env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND now() - xact_start > make_interval(secs => %s)", [since]
            ).fetchone()
        return bool(row and row[0])
    deadline = time.monotonic() + since
    while time.monotonic() < deadline:
        connection = sqlite3.connect(home.path / "trellis.sqlite3", timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
            return False
        except sqlite3.OperationalError:
            time.sleep(0.05)
        finally:
            connection.close()
    return True


def test_killing_the_worker_mid_import_changes_nothing(tmp_path: Path) -> None:
    generate_state("small", seed=5, out_dir=tmp_path / "small")
    generate_state("medium", seed=6, out_dir=tmp_path / "medium")
    medium = tmp_path / "medium.zip"
    with zipfile.ZipFile(medium, "w") as archive:
        for path in sorted((tmp_path / "medium").iterdir()):
            archive.write(path, path.name)
    with fresh_home(tmp_path / "home") as home:
        home.trellis("migrate")
        home.trellis("import", "oneroster", str(tmp_path / "small"))
        rows, files, actions = home.database_rows(), home.data_files(), home.audit_actions()
        assert any(name.startswith("roster/") for name in files)
        job = home.python(f"""
            from django.core.files import File
            from trellis.orgs.models import Organization
            from trellis.orgs.services import roster_import_start
            with open({str(medium)!r}, "rb") as handle:
                job = roster_import_start(actor=None, upload=File(handle), scope=Organization.objects.get(kind="state"))
            out = {{"id": job.pk, "upload": job.params["upload"]}}
        """)
        assert Path(job["upload"]).exists()

        log = tmp_path / "worker.log"
        with log.open("w") as output:
            worker = home.popen("worker", "--interval", "0.1", stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not writing(home, since=0.5):
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the import never started writing"
                time.sleep(0.1)
            worker.send_signal(signal.SIGKILL)
        finally:
            worker.kill()
            worker.wait(timeout=30)
        status = home.python(f"from trellis.core.models import Job\nout = Job.objects.get(pk={job['id']}).status")
        assert status == "running", "the import finished before the worker was killed: nothing was tested"

        # Nothing the import wrote was committed, before any clean-up runs.
        assert home.database_rows() == rows
        # A worker starting again marks the job failed and removes what it left behind.
        restarted = home.trellis("worker", "--batch", timeout=120)
        assert f"job {job['id']}" in restarted.stdout
        after = home.python(f"""
            from django_tasks_db.models import DBTaskResult
            from trellis.core.models import Job
            job = Job.objects.get(pk={job['id']})
            out = [job.status, job.error, list(DBTaskResult.objects.values_list("status", flat=True))]
        """)
        assert after == ["failed", INTERRUPTED, ["FAILED"]]
        assert home.database_rows() == rows
        assert home.data_files() == files
        assert not Path(job["upload"]).exists()
        assert not list((home.path / "data").glob(".roster-staging-*"))
        assert home.audit_actions() == [*actions, "job.start", "job.fail"]
