"""trellis synth tool-outputs: sample outputs of three tools, with or without a named bias, that
the audit then finds (or does not)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from trellis.cli import app
from trellis.engine.fairness import audit
from trellis.engine.synth.tool_outputs import SAMPLE_TOOLS, sample_tool_outputs

runner = CliRunner()


def synth(*args: object) -> object:
    return runner.invoke(app, ["synth", "tool-outputs", *(str(a) for a in args)])


def words(text: str) -> str:
    """The output as single-spaced words, without the box Rich draws around errors."""
    return " ".join(text.translate(str.maketrans("", "", "│╭╮╰╯─")).split())


def flagged(result, metric: str, attribute: str) -> set[str]:
    rows = result.flagged()
    return {
        group[attribute]
        for group, name, attributes in zip(rows["group"], rows["metric"], rows["attributes"], strict=True)
        if name == metric and attributes == (attribute,)
    }


def test_the_writing_detector_with_its_bias_is_found_by_the_audit(tmp_path: Path) -> None:
    out = tmp_path / "detector.csv"
    result = synth("--out", out, "--bias", "english-learners", "--rows", 8000, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert words(result.output) == words(
        f"Wrote 8,000 outputs of the writing-detector to {out}, with the built-in bias english-learners. "
        "An AI-writing detector: flags essays it believes a chatbot wrote. "
        f"Audit them with: trellis audit {out} --prediction flagged_as_ai --label ai_written "
        "--by race,sex,english_learner"
    )
    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "student_id",
        "race",
        "sex",
        "english_learner",
        "disability",
        "econ_disadvantaged",
        "grade",
        "ai_written",
        "ai_score",
        "flagged_as_ai",
    ]
    assert len(frame) == 8000
    audited = audit(out, prediction="flagged_as_ai", label="ai_written", by=["english_learner"])
    assert flagged(audited, "false_positive_rate", "english_learner") == {"Y"}


def test_without_a_bias_the_same_tool_treats_english_learners_alike(tmp_path: Path) -> None:
    out = tmp_path / "detector.parquet"
    assert synth("--out", out, "--rows", 8000, "--seed", 3).exit_code == 0
    audited = audit(out, prediction="flagged_as_ai", label="ai_written", by=["english_learner"])
    assert flagged(audited, "false_positive_rate", "english_learner") == set()


def test_the_early_warning_system_and_its_biases() -> None:
    table = sample_tool_outputs("early-warning", 8000, seed=2, bias="econ-disadvantaged")
    assert table.column_names[-3:] == ["left_school", "risk_score", "at_risk_flag"]
    audited = audit(table, prediction="at_risk_flag", label="left_school", by=["econ_disadvantaged"])
    assert flagged(audited, "false_positive_rate", "econ_disadvantaged") == {"Y"}
    assert set(SAMPLE_TOOLS["early-warning"].biases) == {"econ-disadvantaged", "disability"}


def test_the_essay_scorer_agrees_less_with_teachers_for_english_learners(tmp_path: Path) -> None:
    out = tmp_path / "essays.parquet"
    assert synth("--out", out, "--tool", "essay-scorer", "--bias", "english-learners", "--rows", 6000).exit_code == 0
    table = pq.read_table(out)
    assert table.column_names[-2:] == ["teacher_score", "machine_score"]
    scores = table.column("machine_score").to_pylist() + table.column("teacher_score").to_pylist()
    assert set(scores) <= set(range(1, 7))
    biased = audit(out, prediction="machine_score", label="teacher_score", ordinal=True, by=["english_learner"])
    # The machine marks English learners' essays lower than teachers do: flagged on the
    # standardized mean difference (their exact agreement falls too, to a ratio near 0.78).
    assert flagged(biased, "standardized_mean_difference", "english_learner") == {"Y"}
    fair = audit(
        sample_tool_outputs("essay-scorer", 6000, seed=0),
        prediction="machine_score",
        label="teacher_score",
        ordinal=True,
        by=["english_learner"],
    )
    assert flagged(fair, "standardized_mean_difference", "english_learner") == set()
    assert flagged(fair, "exact_agreement", "english_learner") == set()


def test_the_same_options_give_the_same_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert synth("--out", first, "--tool", "early-warning", "--rows", 500, "--seed", 9).exit_code == 0
    assert synth("--out", second, "--tool", "early-warning", "--rows", 500, "--seed", 9).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tool", "chatbot"], "unknown tool 'chatbot'; choose one of: writing-detector, early-warning, essay-scorer"),
        (["--tool", "essay-scorer", "--bias", "disability"], "the essay-scorer has no built-in bias 'disability'"),
        (["--rows", "0"], "--rows must be at least 1; got 0."),
    ],
)
def test_bad_options_are_refused_and_nothing_is_written(tmp_path: Path, args: list[str], message: str) -> None:
    result = synth("--out", tmp_path / "x.csv", *args)
    assert result.exit_code == 2
    assert message in words(result.output)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    out.write_text("mine\n")
    result = synth("--out", out, "--rows", 50)
    assert result.exit_code == 2 and "exists; pass --force to replace it." in words(result.output)
    assert out.read_text() == "mine\n"
    assert synth("--out", out, "--rows", 50, "--force").exit_code == 0
    assert len(pd.read_csv(out)) == 50
    assert sorted(path.name for path in tmp_path.iterdir()) == ["x.csv"]
    missing = synth("--out", tmp_path / "nowhere" / "x.csv")
    assert missing.exit_code == 2 and "does not exist" in words(missing.output)
