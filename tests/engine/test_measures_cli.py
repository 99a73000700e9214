"""trellis measures --tables: the engine's measures from a data directory, as tables or JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.engine.measures_data import write_state
from tests.engine.test_measures_suppression import DISTRICTS, _teachers
from trellis.cli import app


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return write_state(tmp_path_factory.mktemp("cli"), [d[:3] for d in DISTRICTS], _teachers(np.random.default_rng(3)))


def test_json_holds_the_suppressed_rows_and_gaps(tables):
    result = CliRunner().invoke(app, ["measures", "--year", "2026", "--tables", str(tables), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["year"] == 2026 and data["hours_threshold"] == 10.0
    kinds = {row["group_kind"] for row in data["rows"]}
    assert kinds == {"all", "poverty_quartile", "locale"}
    assert {gap["measure"] for gap in data["gaps"]} >= {"participation_share", "practice_change"}


def test_org_shows_one_district_beside_the_state_and_hides_small_ones(tables, monkeypatch):
    from rich.console import Console

    import trellis.cli.measures

    monkeypatch.setattr(trellis.cli.measures, "console", Console(width=250))
    runner = CliRunner()
    result = runner.invoke(app, ["measures", "--year", "2026", "--tables", str(tables), "--org", "e3", "--json",
                                 "--hours", "4"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    districts = {row["group"] for row in data["rows"] if row["group_kind"] == "district"}
    assert districts == {"e3"}
    e3 = next(row for row in data["rows"] if row["group"] == "e3" and row["measure"] == "participation_share")
    assert e3["suppressed"] and e3["n"] is None and e3["value"] is None
    table = runner.invoke(app, ["measures", "--year", "2026", "--tables", str(tables), "--org", "e3"])
    assert table.exit_code == 0, table.output
    text = " ".join(table.output.split())
    assert "District: District e3" in text and "suppressed" in text and "Fewer than 10" in text
    assert "not a causal estimate" in text


def test_a_missing_table_or_district_is_refused_with_its_name(tables, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["measures", "--year", "2026", "--tables", str(tmp_path)])
    assert result.exit_code == 1 and "districts.parquet is missing" in result.output
    result = runner.invoke(app, ["measures", "--year", "2026", "--tables", str(tables), "--org", "zz"])
    assert result.exit_code == 2 and "No district has the district_id 'zz'" in result.output
