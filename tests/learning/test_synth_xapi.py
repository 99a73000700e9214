"""`trellis synth` writes a year of the synthetic teachers' professional learning as xAPI beside
the roster, shaped like the demo's, and `trellis import xapi` imports it."""

from __future__ import annotations

import random

import pytest
from typer.testing import CliRunner

from trellis.cli import app
from trellis.engine.synth.learning import XAPI_FILE, district_learning
from trellis.learning.models import XapiImport
from trellis.orgs.roster import roster_import


def offered(poorer: bool, rural: bool) -> tuple[float, float]:
    rng = random.Random(9)
    plans = [district_learning(rng, index=i, poorer=poorer, rural=rural) for i in range(2_000)]
    return (sum(not o.durable for p in plans for o in p) / len(plans), sum(o.durable for p in plans for o in p)
            / len(plans))


def test_districts_get_many_workshops_few_durable_formats_and_poorer_rural_ones_less():
    rich, poor, poor_rural = offered(False, False), offered(True, False), offered(True, True)
    assert rich[0] > 2 * rich[1] and poor[0] > poor[1]
    assert rich[0] > poor[0] > poor_rural[0] and rich[1] > poor[1] > poor_rural[1]


@pytest.mark.slow
def test_synth_writes_the_statements_beside_the_roster_and_they_import(db, tmp_path):
    runner = CliRunner()
    for folder in ("a", "b"):
        result = runner.invoke(app, ["synth", "--out", str(tmp_path / folder), "--size", "small", "--seed", "3"])
        assert result.exit_code == 0, result.output
        assert "xAPI statements" in result.output
    statements = (tmp_path / "a" / XAPI_FILE).read_bytes()
    assert statements == (tmp_path / "b" / XAPI_FILE).read_bytes()  # the same seed, the same file
    lines = statements.decode().splitlines()
    assert len(lines) > 100 and all('"mbox": "mailto:' in line for line in lines)

    roster_import(actor=None, source=tmp_path / "a", scope=None, progress=lambda *a: None)
    result = runner.invoke(app, ["import", "xapi", str(tmp_path / "a" / XAPI_FILE)])
    assert result.exit_code == 0, result.output
    record = XapiImport.objects.get()
    assert record.new == len(lines) and record.unplaced_statements == 0
    assert record.per_verb["registered"] > 0 and record.per_verb["attended"] >= record.per_verb["completed"] > 0
    result = runner.invoke(app, ["import", "xapi", str(tmp_path / "a" / XAPI_FILE)])
    assert "Nothing changed" in result.output and XapiImport.objects.count() == 1
