"""audit() reads every supported input the same way and explains bad input clearly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trellis.engine.fairness import AuditInputError, audit

FRAME = pd.DataFrame(
    {
        "race": ["White", "Asian", None, "White", "Asian", "White"] * 3,
        "ell": ["Y", "N", "N", "N", "Y", "N"] * 3,
        "flag": [1, 0, 1, 0, 0, 1] * 3,
        "truth": [1, 0, 0, 0, 1, 1] * 3,
        "score": [0.9, 0.1, 0.6, 0.2, 0.4, 0.8] * 3,
    }
)


def _cells(data: Any) -> pd.DataFrame:
    result = audit(data, prediction="flag", label="truth", by=["race", "ell"], min_n=1)
    return result.cells


@pytest.mark.parametrize("kind", ["pandas", "arrow", "polars", "duckdb", "csv", "parquet"])
def test_every_input_gives_the_same_cells(kind: str, tmp_path: Path) -> None:
    data: Any
    if kind == "pandas":
        data = FRAME
    elif kind == "arrow":
        data = pa.Table.from_pandas(FRAME)
    elif kind == "polars":
        data = pl.from_pandas(FRAME)
    elif kind == "duckdb":
        connection = duckdb.connect()
        data = connection.from_df(FRAME)
    elif kind == "csv":
        data = tmp_path / "outputs.csv"
        FRAME.to_csv(data, index=False)
    else:
        data = str(tmp_path / "outputs.parquet")
        pq.write_table(pa.Table.from_pandas(FRAME), data)
    expected = _cells(FRAME)
    pd.testing.assert_frame_equal(_cells(data), expected)
    assert "(missing)" in set(expected["race"])


def _message(data: Any = FRAME, **options: Any) -> str:
    arguments: dict[str, Any] = {"prediction": "flag", "label": "truth", "by": ["race"]}
    arguments.update(options)
    with pytest.raises(AuditInputError) as caught:
        audit(data, **arguments)
    return str(caught.value)


def test_missing_column_is_named_with_the_available_ones() -> None:
    message = _message(by=["race", "gender"])
    assert "'gender'" in message
    assert "available columns: 'race', 'ell', 'flag', 'truth', 'score'" in message
    assert "'predicted'" in _message(prediction="predicted")
    assert "label column 'y'" in _message(label="y")


def test_non_binary_prediction_names_the_column_and_a_value() -> None:
    frame = FRAME.assign(flag=["1", "0", "maybe", "1", "0", "1"] * 3)
    message = _message(frame)
    assert "prediction column 'flag' must be binary" in message
    assert "3 rows" in message and "'maybe'" in message


def test_numeric_non_binary_prediction() -> None:
    message = _message(FRAME.assign(flag=[1, 0, 2, 0, 0, 1] * 3))
    assert "'flag'" in message and "'2'" in message


def test_missing_prediction_values_are_reported() -> None:
    frame = FRAME.assign(flag=pd.array([1, 0, None, 0, 0, 1] * 3, dtype="Int64"))
    message = _message(frame)
    assert "a missing value (null)" in message


def test_non_binary_label() -> None:
    assert "label column 'truth'" in _message(FRAME.assign(truth=[1, 0, 0, 5, 1, 1] * 3))


def test_empty_table() -> None:
    assert "has no rows" in _message(FRAME.iloc[:0])
    assert "has no rows" in _message(FRAME.iloc[:0], prediction=None, label=None, score="score")


@pytest.mark.parametrize("name", ["missing.csv", "outputs.xlsx"])
def test_unreadable_path(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith("xlsx"):
        path.write_bytes(b"PK\x03\x04")
    assert str(path) in _message(path)


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "outputs.parquet"
    path.write_bytes(b"this is not parquet")
    assert re.search(r"cannot read .*outputs\.parquet", _message(path))


def test_score_must_be_numeric_and_present() -> None:
    assert "must be numeric" in _message(prediction=None, label=None, score="race")
    frame = FRAME.assign(score=[0.1, None, 0.2, 0.3, 0.4, 0.5] * 3)
    assert "3 missing values" in _message(frame, prediction=None, label=None, score="score")
    for bad in (float("nan"), float("inf")):
        # pandas turns NaN into a missing value; Arrow keeps NaN and infinity as numbers.
        table = pa.Table.from_pandas(FRAME).set_column(
            4, "score", pa.array([0.1, bad, 0.2, 0.3, 0.4, 0.5] * 3, from_pandas=False)
        )
        assert "non-finite" in _message(table, prediction=None, label=None, score="score")


def test_unknown_reference_value_lists_the_values() -> None:
    message = _message(reference={"race": "Hispanic/Latino"})
    assert "'Hispanic/Latino'" in message and "'Asian'" in message
    assert "not one of the attributes" in _message(reference={"sex": "F"})


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"prediction": None, "label": None}, "prediction= column"),
        ({"thresholds": [0.5]}, "thresholds= apply to a score"),
        ({"ordinal": True, "label": None}, "ordinal=True"),
        ({"intersections": "triples"}, "intersections must be"),
        ({"intersections": [("race",)]}, "two or more distinct attributes"),
        ({"by": "race"}, "non-empty list"),
        ({"level": 95}, "level must be"),
        ({"tolerance": (1.2, 0.8)}, "tolerance must be"),
    ],
)
def test_inconsistent_arguments(options: dict[str, Any], fragment: str) -> None:
    assert fragment in _message(**options)


def test_attribute_named_like_a_statistic_is_rejected() -> None:
    assert "rename it" in _message(FRAME.rename(columns={"race": "tp"}), by=["tp"])


def test_ordinal_scores_must_be_whole_numbers() -> None:
    frame = FRAME.assign(machine=[1.0, 2.5, 3.0, 1.0, 2.0, 3.0] * 3, human=[1, 2, 3, 1, 2, 3] * 3)
    message = _message(frame, prediction="machine", label="human", ordinal=True)
    assert "'machine'" in message and "'2.5'" in message


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("kind", ["parquet", "csv", "arrow"])
def test_non_finite_scores_are_refused_in_every_format(bad: float, kind: str, tmp_path: Path) -> None:
    scores = list(FRAME["score"])
    scores[4] = bad
    # A real NaN, not a missing value (pandas would turn NaN into a null on the way to Arrow).
    data: Any = pa.Table.from_pandas(FRAME[["race", "truth"]], preserve_index=False).append_column(
        "score", pa.array(scores, type=pa.float64(), from_pandas=False))
    if kind == "parquet":
        pq.write_table(data, tmp_path / "outputs.parquet")
        data = tmp_path / "outputs.parquet"
    elif kind == "csv":
        text = FRAME.assign(score=[str(v) for v in scores])[["race", "truth", "score"]]
        text.to_csv(tmp_path / "outputs.csv", index=False)
        data = tmp_path / "outputs.csv"
    with pytest.raises(AuditInputError, match="score column 'score' has 1 non-finite value"):
        audit(data, score="score", label="truth", by=["race"], min_n=1)


def test_more_groups_than_an_audit_takes_are_refused_with_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from trellis.engine.fairness import pipeline

    monkeypatch.setattr(pipeline, "MAX_GROUPS", 100)
    ids = pd.DataFrame({"student": [f"s{i}" for i in range(300)], "flag": [i % 2 for i in range(300)]})
    with pytest.raises(AuditInputError, match="the attributes make 300 groups, more than the 100"):
        audit(ids, prediction="flag", by=["student"], min_n=1)
    audit(ids.head(100), prediction="flag", by=["student"], min_n=1)  # at the limit: audited
