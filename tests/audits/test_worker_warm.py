"""A worker loads what an audit needs when it starts, not during the first audit after a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.service.home import fresh_home

pytestmark = pytest.mark.slow


def test_a_starting_worker_loads_the_audit_engine_before_any_job(tmp_path: Path) -> None:
    with fresh_home(tmp_path / "home") as home:
        home.trellis("migrate")
        loaded = home.python("""
            import sys
            from trellis.core.services import jobs_warm
            before = "trellis.engine.fairness.pipeline" in sys.modules
            taken = jobs_warm()
            out = [before, "trellis.engine.fairness.pipeline" in sys.modules, sorted(taken)]
        """)
        assert loaded == [False, True, ["fairness_audit"]]
        started = home.trellis("worker", "--batch", timeout=120)
        assert "Ready for fairness_audit jobs" in started.stdout
