"""`trellis serve` runs gunicorn with static files through WhiteNoise and a job worker beside it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.service.home import fresh_home
from trellis.engine.synth.roster import generate_state

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, deadline: float) -> urllib.request.http.client.HTTPResponse:  # type: ignore[name-defined]
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.3)


def test_serve_runs_gunicorn_whitenoise_and_a_worker(tmp_path: Path) -> None:
    generate_state("small", seed=8, out_dir=tmp_path / "small")
    roster = tmp_path / "small.zip"
    with zipfile.ZipFile(roster, "w") as archive:
        for path in sorted((tmp_path / "small").iterdir()):
            archive.write(path, path.name)
    port = free_port()
    with fresh_home(tmp_path / "home") as home:
        home.env.update(TRELLIS_WEB_WORKERS="2", TRELLIS_WEB_THREADS="2")
        log = tmp_path / "serve.log"
        with log.open("w") as output:
            server = home.popen("serve", "--port", str(port), stdout=output, stderr=subprocess.STDOUT)
        try:
            page = wait_for(f"http://127.0.0.1:{port}/login/", time.monotonic() + 90)
            assert page.status == 200 and page.headers["Server"] == "gunicorn"
            css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/core/trellis.css", timeout=5)
            assert css.status == 200 and "trellis-progress" in css.read().decode()
            assert (home.path / "static" / "core" / "trellis.css").exists()  # collected at start
            assert "2 web processes × 2 threads, and a job worker" in " ".join(log.read_text().split())
            # A job queued by the web side is run by the worker that serve started.
            job_id = home.python(f"""
                from django.core.files import File
                from trellis.orgs.services import organization_create, roster_import_start
                state = organization_create(actor=None, name="Trellis State Department of Education",
                                            kind="state", sourced_id="st-59")
                with open({str(roster)!r}, "rb") as handle:
                    out = roster_import_start(actor=None, upload=File(handle), scope=state).pk
            """)
            deadline = time.monotonic() + 120
            status_of = f"from trellis.core.models import Job\nout = Job.objects.get(pk={job_id}).status"
            while (status := home.python(status_of)) in ("queued", "running"):
                assert time.monotonic() < deadline, "the worker never ran the job"
                time.sleep(1)
            assert status == "succeeded", log.read_text()
            children = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(server.pid)], capture_output=True,
                                      text=True).stdout.splitlines()
            assert any("trellis.cli worker" in line for line in children), children
            assert len(children) == 3  # two gunicorn workers and the job worker
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=90)
        # Stopping serve stops the web processes and the job worker with it.
        for line in children:
            with pytest.raises(ProcessLookupError):
                os.kill(int(line.split()[0]), 0)
