"""`make demo` and `trellis demo` check the port before installing or loading anything."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_demo_refuses_a_busy_port_before_installing(busy_port, tmp_path):
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "demo", f"PORT={busy_port}", f"PYTHON={sys.executable}",
         f"VENV={tmp_path / 'never-made'}"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert f"Port {busy_port} is already in use by another program" in result.stderr
    assert f"make demo PORT={busy_port + 10}" in result.stderr
    assert "Installing" not in result.stdout
    assert not (tmp_path / "never-made").exists()


def test_the_port_check_accepts_a_free_port_and_refuses_nonsense():
    from trellis.config.ports import port_problem

    assert port_problem("127.0.0.1", str(_free_port())) == ""
    assert port_problem("127.0.0.1", "eighty") == "PORT must be a number, such as 8000 (got 'eighty')."
    assert port_problem("127.0.0.1", "70000") == "PORT must be between 1 and 65535 (got 70000)."


def test_trellis_demo_refuses_a_busy_port_before_loading(busy_port, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from trellis.cli import app

    result = CliRunner().invoke(app, ["demo", "--size", "small", "--port", str(busy_port)])
    assert result.exit_code == 1
    assert f"Port {busy_port} is already in use" in result.output
    assert "Loading" not in result.output
