"""trellis audit on random small tables: it audits (exit 0) or explains (exit 2), never crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trellis.cli import app

runner = CliRunner()

GROUPS = st.sampled_from(["a", "b", "c", " a", "a ", "(missing)", "", None])
SCORES = st.one_of(
    st.floats(min_value=-1.0, max_value=2.0),
    st.sampled_from([0.0, 0.1, 0.5, 0.7, 1.0, 1e9, -1e9, 1e300, float("nan"), float("inf")]),
    st.integers(min_value=-3, max_value=3),
    st.none(),
)
BINARY = st.sampled_from([0, 1, 1, 0, "yes", "no", None, 2, "maybe"])
ORDINAL = st.sampled_from([0, 1, 2, 3, 4, 2.5, None])
MODES: dict[str, list[str]] = {
    "prediction": ["--prediction", "p"],
    "prediction and label": ["--prediction", "p", "--label", "y"],
    "score": ["--score", "s"],
    "score and label": ["--score", "s", "--label", "y"],
    "score, threshold and label": ["--score", "s", "--threshold", "0.5", "--label", "y"],
    "everything": ["--prediction", "p", "--score", "s", "--threshold", "0.7", "--label", "y"],
    "ordinal": ["--ordinal", "--prediction", "m", "--label", "hh"],
}


@st.composite
def tables(draw: Any) -> pd.DataFrame:
    size = draw(st.integers(min_value=0, max_value=60))
    # Mostly clean values, so that most draws get past validation into the metrics.
    clean = draw(st.booleans())
    binary = st.sampled_from([0, 1]) if clean else BINARY
    scores = st.floats(min_value=0.0, max_value=1.0) if clean else SCORES
    ordinal = st.sampled_from([1, 2, 3, 4]) if clean else ORDINAL
    column = lambda values: draw(st.lists(values, min_size=size, max_size=size))  # noqa: E731
    return pd.DataFrame(
        {
            "g": column(GROUPS),
            "h": column(st.sampled_from(["x", "y", None])),
            "p": column(binary),
            "y": column(binary),
            "s": column(scores),
            "m": column(ordinal),
            "hh": column(ordinal),
        }
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    table=tables(),
    mode=st.sampled_from(sorted(MODES)),
    by=st.sampled_from(["g", "g,h"]),
    min_n=st.sampled_from(["1", "2", "10"]),
    fdr=st.sampled_from(["0.05", "off", "0.2"]),
)
def test_audit_exits_0_or_2_with_a_message_never_a_traceback(
    table: pd.DataFrame, mode: str, by: str, min_n: str, fdr: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "outputs.csv"
        table.to_csv(path, index=False)
        out = Path(folder) / "audit.json"
        args = ["audit", str(path), "--by", by, "--min-n", min_n, "--fdr", fdr, "--json", str(out)]
        result = runner.invoke(app, [*args, *MODES[mode]])
        assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
        assert "Traceback" not in result.stdout + result.stderr
        if result.exit_code == 2:
            assert result.stderr.startswith(f"trellis audit: cannot audit {path}: "), result.stderr
            assert not out.exists()
        else:
            assert out.exists()
