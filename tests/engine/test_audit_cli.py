"""trellis audit: the terminal summary, the JSON rows, the report file and the refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from trellis.cli import app
from trellis.cli.audit import JSON_KEYS
from trellis.engine.synth.tool_outputs import write_tool_outputs

runner = CliRunner()

# Seed 5 at 20,000 rows: the only single-attribute flags are english learners (checked below).
BIAS = {"english_learner": {"Y": 3.0}}


@pytest.fixture(scope="module")
def biased_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tool") / "tool_outputs.parquet"
    return write_tool_outputs(path, 20_000, seed=5, bias=BIAS)


def confusion_rows(school: str, tp: int, fp: int, fn: int, tn: int) -> list[dict[str, Any]]:
    rows = [(1, 1)] * tp + [(1, 0)] * fp + [(0, 1)] * fn + [(0, 0)] * tn
    return [{"school": school, "flag": flag, "truth": truth} for flag, truth in rows]


@pytest.fixture
def schools_csv(tmp_path: Path) -> Path:
    """Four schools; D has 4 students (below min-n 10), so D and one more school are suppressed."""
    frame = pd.DataFrame(
        confusion_rows("A", 10, 5, 5, 60)
        + confusion_rows("B", 8, 12, 4, 40)
        + confusion_rows("C", 6, 4, 3, 27)
        + confusion_rows("D", 1, 1, 1, 1)
    )
    path = tmp_path / "schools.csv"
    frame.to_csv(path, index=False)
    return path


def invoke(*args: object) -> Any:
    return runner.invoke(app, ["audit", *(str(a) for a in args)])


def words(text: str) -> str:
    """Rich wraps lines to the terminal width; compare text with single spaces."""
    return " ".join(text.split())


def by_group(rows: list[dict[str, Any]], metric: str, attribute: str) -> dict[str, dict[str, Any]]:
    return {
        r["group"][attribute]: r
        for r in rows
        if r["metric"] == metric and r["attributes"] == [attribute]
    }


def test_biased_parquet_flags_english_learners(biased_parquet: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = invoke(
        biased_parquet,
        "--prediction", "flag",
        "--label", "label",
        "--by", "race,sex,english_learner",
        "--json", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = json.loads(out.read_text())
    assert len(rows) == 528
    assert all(tuple(row) == JSON_KEYS for row in rows)
    overall = [row for row in rows if row["metric"] == "count" and row["attributes"] == []]
    assert overall == [
        {
            "attributes": [],
            "group": {},
            "metric": "count",
            "n": 20_000,
            "value": 20_000.0,
            "ci_low": None,
            "ci_high": None,
            "reference": None,
            "difference": None,
            "difference_ci_low": None,
            "difference_ci_high": None,
            "ratio": None,
            "ratio_ci_low": None,
            "ratio_ci_high": None,
            "p_value": None,
            "q_value": None,
            "flagged": False,
            "suppressed": False,
        }
    ]
    single_flags = {
        (row["metric"], *row["group"].items())
        for row in rows
        if row["flagged"] and len(row["attributes"]) == 1
    }
    assert {group for _, group in single_flags} == {("english_learner", "Y")}
    fpr_flags = [r["group"] for r in rows if r["flagged"] and r["metric"] == "false_positive_rate"]
    assert len(fpr_flags) == 7
    assert all(group["english_learner"] == "Y" for group in fpr_flags)
    learners = by_group(rows, "false_positive_rate", "english_learner")["Y"]
    assert learners["reference"] == {"english_learner": "N"}
    assert round(learners["ratio"], 3) == 2.992
    stdout = words(result.stdout)
    assert stdout.startswith(
        "Audited tool_outputs.parquet: 20,000 rows; attributes race (7), sex (2), "
        "english_learner (2) and 3 intersections; 43 groups; 95% intervals"
    )
    # The flagged disparities come first, before the table.
    first = (
        "1. English learners: the tool wrongly flags 28.8% of those it should not flag, against "
        "9.6% of students who are not English learners (the reference group). That is 3.0 times "
        "as high (95% interval of the ratio 2.7 to 3.3; 19.1 percentage points more), in a group "
        "of 1,987 students."
    )
    assert first in stdout
    assert stdout.index(first) < stdout.index("False positive rate by group (published view)")


def test_publish_hides_the_small_group_that_the_raw_json_shows(
    schools_csv: Path, tmp_path: Path
) -> None:
    raw, published = tmp_path / "raw.json", tmp_path / "published.json"
    common = ["--prediction", "flag", "--label", "truth", "--by", "school", "--min-n", "10"]
    assert invoke(schools_csv, *common, "--json", raw).exit_code == 0
    assert invoke(schools_csv, *common, "--json", published, "--publish").exit_code == 0
    raw_rows = by_group(json.loads(raw.read_text()), "count", "school")
    published_rows = by_group(json.loads(published.read_text()), "count", "school")
    assert raw_rows["D"]["value"] == 4.0 and raw_rows["D"]["n"] == 4
    assert raw_rows["D"]["suppressed"] is True
    assert published_rows["D"]["value"] is None and published_rows["D"]["n"] is None
    # The smallest other school is suppressed too, so that D is not the total minus the rest.
    assert published_rows["C"]["value"] is None and published_rows["C"]["suppressed"] is True
    assert published_rows["A"]["value"] == 80.0 and published_rows["A"]["n"] == 80
    rates = by_group(json.loads(published.read_text()), "false_positive_rate", "school")
    assert rates["D"]["value"] is None and rates["D"]["ratio"] is None
    assert rates["B"]["value"] == pytest.approx(12 / 52)


def test_thresholds_add_the_threshold_and_bin_keys(biased_parquet: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    result = invoke(
        biased_parquet,
        "--score", "score",
        "--threshold", "0.5",
        "--threshold", "0.7",
        "--label", "label",
        "--by", "english_learner",
        "--json", out,
        "--publish",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = json.loads(out.read_text())
    assert {tuple(row) for row in rows} == {(*JSON_KEYS[:3], "threshold", "bin", *JSON_KEYS[3:], "coded")}
    assert {row["threshold"] for row in rows} == {None, 0.5, 0.7}
    assert {row["bin"] for row in rows} == {None, *range(10)}


def test_html_report_is_written(schools_csv: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    result = invoke(
        schools_csv, "--prediction", "flag", "--label", "truth", "--by", "school", "--html", report
    )
    assert result.exit_code == 0, result.stderr
    text = report.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "<title>Fairness audit of schools.csv</title>" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "schools.csv"]


@pytest.fixture
def bad_inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "empty.csv").write_bytes(b"")
    (folder / "broken.parquet").write_bytes(b"not a parquet file\x00\x01")
    (folder / "header_only.csv").write_text("school,flag,truth\n")
    (folder / "scores.csv").write_text("school,flag,truth\nA,1,0\nB,2,1\nA,0,0\n")
    (folder / "good.csv").write_text("school,flag,truth\nA,1,0\nB,0,1\nA,0,0\n")
    return folder


BASE = ["--prediction", "flag", "--label", "truth", "--by", "school"]


@pytest.mark.parametrize(
    ("file", "options", "message"),
    [
        ("missing.csv", BASE, "missing.csv: the file does not exist."),
        ("empty.csv", BASE, "empty.csv: the file is empty (0 bytes)."),
        ("broken.parquet", BASE, "broken.parquet: cannot read"),
        ("header_only.csv", BASE, "header_only.csv has no rows"),
        (
            "good.csv",
            ["--prediction", "flag", "--by", "school,grade"],
            "attribute column 'grade' is not in",
        ),
        (
            "good.csv",
            ["--prediction", "flag", "--by", "school,grade"],
            "available columns: 'school', 'flag', 'truth'",
        ),
        (
            "good.csv",
            ["--prediction", "predicted", "--by", "school"],
            "prediction column 'predicted' is not in",
        ),
        (
            "scores.csv",
            BASE,
            "prediction column 'flag' must be binary (0/1, true/false, yes/no); 1 rows are not, "
            "e.g. '2'",
        ),
        (
            "good.csv",
            [*BASE, "--reference", "school"],
            "--reference must look like COLUMN=VALUE (e.g. english_learner=N); got 'school'.",
        ),
        (
            "good.csv",
            [*BASE, "--reference", "grade=3"],
            "--reference names 'grade', which is not one of the --by attributes (school).",
        ),
        (
            "good.csv",
            [*BASE, "--reference", "school=Z"],
            "reference group 'Z' of 'school' is not in the data; its values are 'A', 'B'",
        ),
        (
            "good.csv",
            [*BASE, "--intersections", "triples"],
            "--intersections must be one of none, pairs, all; got 'triples'.",
        ),
        ("good.csv", [*BASE, "--min-n", "0"], "--min-n must be a positive number of students"),
        ("good.csv", [*BASE, "--level", "95"], "level must be between 0 and 1, got 95.0"),
        ("good.csv", ["--by", "school"], "give a binary prediction= column"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_writes_nothing(
    bad_inputs: Path, tmp_path: Path, file: str, options: list[str], message: str
) -> None:
    before = sorted(p.name for p in bad_inputs.iterdir())
    result = invoke(
        bad_inputs / file,
        *options,
        "--json", bad_inputs / "audit.json",
        "--html", bad_inputs / "audit.html",
    )  # fmt: skip
    assert result.exit_code == 2
    assert message in words(result.stderr)
    assert result.stderr.startswith(f"trellis audit: cannot audit {bad_inputs / file}: ")
    assert "\n" not in result.stderr.strip() and result.stdout == ""
    assert sorted(p.name for p in bad_inputs.iterdir()) == before


def test_an_output_folder_that_does_not_exist_is_refused(schools_csv: Path, tmp_path: Path) -> None:
    result = invoke(schools_csv, *BASE, "--json", tmp_path / "nowhere" / "audit.json")
    assert result.exit_code == 2
    assert "the folder of the output" in result.stderr and "does not exist" in result.stderr


def test_a_failure_while_rendering_exits_1_and_writes_nothing(
    schools_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr("trellis.engine.fairness.report.render_report", broken)
    result = invoke(
        schools_csv, *BASE, "--json", tmp_path / "a.json", "--html", tmp_path / "a.html"
    )
    assert result.exit_code == 1
    assert words(result.stderr) == "trellis audit failed: RuntimeError: the renderer broke"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schools.csv"]


def test_a_failure_while_renaming_removes_the_outputs_already_renamed(
    schools_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    calls: list[str] = []

    def replace_once(source: Any, target: Any) -> None:
        calls.append(str(target))
        if len(calls) == 2:
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_once)
    result = invoke(
        schools_csv, *BASE, "--json", tmp_path / "a.json", "--html", tmp_path / "a.html"
    )
    assert result.exit_code == 1
    assert calls == [str(tmp_path / "a.json"), str(tmp_path / "a.html")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schools.csv"]


def test_a_score_only_audit_flags_a_shifted_group_in_words(tmp_path: Path) -> None:
    rows = [{"g": "a", "s": (i % 20) / 10} for i in range(400)]
    rows += [{"g": "b", "s": (i % 20) / 10 - 0.5} for i in range(400)]
    path = tmp_path / "scores.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    out = tmp_path / "scores.json"
    result = invoke(path, "--score", "s", "--by", "g", "--json", out)
    assert result.exit_code == 0, result.stderr
    smd = by_group(json.loads(out.read_text()), "standardized_mean_difference", "g")["b"]
    spread = pd.Series([(i % 20) / 10 for i in range(400)]).std()
    assert smd["value"] == pytest.approx(-0.5 / spread, abs=1e-12)
    expected = f"G: b: scores {0.5 / spread:.2f} standard deviations lower than G: a (the reference group)"
    assert expected in words(result.stdout)
    assert smd["flagged"] is True and smd["q_value"] <= 0.05 and smd["p_value"] <= smd["q_value"]


def test_fdr_option_is_checked(schools_csv: Path) -> None:
    for bad in ("0", "1", "5%", "none"):
        result = invoke(schools_csv, "--prediction", "flag", "--by", "school", "--fdr", bad)
        assert result.exit_code == 2
        assert "--fdr must be a level between 0 and 1 (e.g. 0.05) or off" in words(result.stderr)
    off = invoke(schools_csv, "--prediction", "flag", "--by", "school", "--fdr", "off")
    assert off.exit_code == 0, off.stderr


def test_merged_attribute_values_are_reported_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "spaces.csv"
    pd.DataFrame({"g": ["Y"] * 12 + [" Y"] * 3 + ["N"] * 15, "flag": [1, 0] * 15}).to_csv(
        path, index=False
    )
    result = invoke(path, "--prediction", "flag", "--by", "g")
    assert result.exit_code == 0, result.stderr
    assert "warning: attribute 'g': values that differ only by surrounding spaces" in words(
        result.stderr
    )
