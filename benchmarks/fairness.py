"""Benchmark: the fairness audit beside fairlearn, Aequitas and DuckDB's bare GROUP BY.

    .venv/bin/python benchmarks/fairness.py [--rows 1000000] [--state-rows 20000000]

(a) ``--rows`` rows, 3 attributes (race: 7 groups, sex: 2, english_learner: 2), each attribute
    alone and every pair, the 11 binary rates and the counts: Trellis ``audit`` (with intervals,
    comparisons, flags and suppression), fairlearn ``MetricFrame`` (once per attribute and once
    per pair, same metrics, no intervals) and Aequitas ``Group().get_crosstabs`` (same groupings,
    its own 11 rates, no intervals; the pairs as concatenated columns).
(b) ``--state-rows`` rows (the state's size), same attributes: Trellis's full binary audit beside
    DuckDB's ``SELECT race, sex, english_learner, count(*) ... GROUP BY`` on the same Parquet file,
    the floor for anything that reads the data once; and, for scale, the same GROUP BY with the
    ``flag`` and ``label`` columns that an audit also has to read.
(c) Complementary suppression, the integer programme against the greedy order, on the same
    tables: the published count tables of district-size audits (``--district-rows``, seeds 1 to
    ``--district-seeds``; race, sex, english_learner, disability and every pair; the counts an
    audit publishes: n, label positives, true and false positives). For each method: the cells
    and students hidden, the share of students hidden, and the seconds.

Each tool runs in its own process, started from its own fresh parent that reads
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, so each peak memory is that tool's alone. Seconds are
wall time of the work inside the process (reading the file and computing; not interpreter start
or imports), the fastest of ``--repeat`` runs (3; fairlearn runs once). The data is written once
by ``write_tool_outputs`` into ``--data`` (default: a folder in the system temp directory) and
reused. Results: a table on stdout and ``benchmarks/out/fairness.json``.

Aequitas 1.1 requires pandas < 3; Trellis's environment has pandas 3, so Aequitas runs with the
Python given by ``--aequitas-python`` (default: this Python if it can import aequitas, else
``benchmarks/out/aequitas-venv/bin/python`` if present). Without one the benchmark says so and
goes on.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PYTHON = sys.executable
ATTRIBUTES = ("race", "sex", "english_learner")
PAIRS = (("race", "sex"), ("race", "english_learner"), ("sex", "english_learner"))
BIAS = {"english_learner": {"Y": 3.0}}
SEED = 2024
AEQUITAS_VENV_PYTHON = OUT / "aequitas-venv" / "bin" / "python"


# The sides: each runs in its own process and prints one JSON object ------------------------------


def side_trellis(path: Path) -> dict[str, Any]:
    from trellis.engine.fairness import audit

    start = time.perf_counter()
    result = audit(path, prediction="flag", label="label", by=list(ATTRIBUTES))
    seconds = time.perf_counter() - start
    fpr = result.select(
        metric="false_positive_rate", attributes=["english_learner"], published=False
    )
    learners = fpr[[g == {"english_learner": "Y"} for g in fpr["group"]]].iloc[0]
    return {
        "seconds": seconds,
        "rows_out": len(result.table),
        "groups": int((result.table["metric"] == "count").sum()),
        "check_fpr_learners": float(learners["value"]),
    }


def _confusion(y_true: Any, y_pred: Any) -> tuple[int, int, int, int]:
    import numpy as np

    truth = np.asarray(y_true, dtype=bool)
    predicted = np.asarray(y_pred, dtype=bool)
    tp = int(np.count_nonzero(truth & predicted))
    fp = int(np.count_nonzero(~truth & predicted))
    fn = int(np.count_nonzero(truth & ~predicted))
    return tp, fp, fn, len(truth) - tp - fp - fn


def _share(top: int, bottom: int) -> float:
    return top / bottom if bottom else float("nan")


def negative_predictive_value(y_true: Any, y_pred: Any) -> float:
    tp, fp, fn, tn = _confusion(y_true, y_pred)
    return _share(tn, tn + fn)


def false_discovery_rate(y_true: Any, y_pred: Any) -> float:
    tp, fp, fn, tn = _confusion(y_true, y_pred)
    return _share(fp, tp + fp)


def false_omission_rate(y_true: Any, y_pred: Any) -> float:
    tp, fp, fn, tn = _confusion(y_true, y_pred)
    return _share(fn, tn + fn)


def prevalence(y_true: Any, y_pred: Any) -> float:
    tp, fp, fn, tn = _confusion(y_true, y_pred)
    return _share(tp + fn, tp + fp + fn + tn)


def side_fairlearn(path: Path) -> dict[str, Any]:
    import pandas as pd
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    start = time.perf_counter()
    frame = pd.read_parquet(path, columns=[*ATTRIBUTES, "label", "flag"])
    loaded = time.perf_counter() - start
    metrics = {
        "count": count,
        "selection_rate": selection_rate,
        "prevalence": prevalence,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "true_negative_rate": true_negative_rate,
        "false_negative_rate": false_negative_rate,
        "positive_predictive_value": lambda t, p: precision_score(t, p, zero_division=float("nan")),
        "negative_predictive_value": negative_predictive_value,
        "false_discovery_rate": false_discovery_rate,
        "false_omission_rate": false_omission_rate,
        "accuracy": accuracy_score,
    }
    groups = 0
    check = float("nan")
    for grouping in [*((a,) for a in ATTRIBUTES), *PAIRS]:
        frame_metrics = MetricFrame(
            metrics=metrics,
            y_true=frame["label"],
            y_pred=frame["flag"],
            sensitive_features=frame[list(grouping)],
        )
        by_group = frame_metrics.by_group
        frame_metrics.difference()
        frame_metrics.ratio()
        groups += len(by_group)
        if grouping == ("english_learner",):
            check = float(by_group.loc["Y", "false_positive_rate"])
    return {
        "seconds": time.perf_counter() - start,
        "load_seconds": loaded,
        "groups": groups,
        "check_fpr_learners": check,
    }


AEQUITAS_SIDE = """
import json, sys, time
import pandas as pd
from aequitas.group import Group

path = sys.argv[1]
attributes = ["race", "sex", "english_learner"]
pairs = [("race", "sex"), ("race", "english_learner"), ("sex", "english_learner")]
start = time.perf_counter()
frame = pd.read_parquet(path, columns=[*attributes, "label", "flag"])
loaded = time.perf_counter() - start
data = pd.DataFrame({"score": frame["flag"].astype("int64"),
                     "label_value": frame["label"].astype("int64")})
for name in attributes:
    data[name] = frame[name].astype(str)
for a, b in pairs:
    data[a + "*" + b] = data[a] + " | " + data[b]
columns = [*attributes, *(a + "*" + b for a, b in pairs)]
crosstabs, _ = Group().get_crosstabs(data, attr_cols=columns)
seconds = time.perf_counter() - start
row = crosstabs[(crosstabs["attribute_name"] == "english_learner")
                & (crosstabs["attribute_value"] == "Y")].iloc[0]
import aequitas
print(json.dumps({"seconds": seconds, "load_seconds": loaded, "groups": len(crosstabs),
                  "check_fpr_learners": float(row["fpr"]), "version": aequitas.__version__,
                  "pandas": pd.__version__}))
"""


def side_duckdb(path: Path, columns: tuple[str, ...] = ATTRIBUTES) -> dict[str, Any]:
    import duckdb

    connection = duckdb.connect()
    listed = ", ".join(columns)
    start = time.perf_counter()
    rows = connection.execute(
        f"SELECT {listed}, count(*) AS n FROM read_parquet(?) GROUP BY {listed}", [str(path)]
    ).fetchall()
    return {"seconds": time.perf_counter() - start, "groups": len(rows)}


def side_duckdb_five(path: Path) -> dict[str, Any]:
    """The same GROUP BY over the five columns an audit must read (with flag and label)."""
    return side_duckdb(path, (*ATTRIBUTES, "flag", "label"))


DISTRICT_ATTRIBUTES = ("race", "sex", "english_learner", "disability")


def district_tables(rows: tuple[int, ...], seeds: int) -> list[tuple[str, Any]]:
    """The count cells of district-size audits: one table per (rows, seed)."""
    from trellis.engine.synth.tool_outputs import tool_outputs

    tables = []
    for size in rows:
        for seed in range(1, seeds + 1):
            frame = tool_outputs(size, seed=seed, bias=BIAS).to_pandas()
            for name in DISTRICT_ATTRIBUTES:
                frame[name] = frame[name].astype(str)
            frame["tp"] = frame["flag"] * frame["label"]
            frame["fp"] = frame["flag"] * (1 - frame["label"])
            cells = (
                frame.groupby(list(DISTRICT_ATTRIBUTES), observed=True)
                .agg(n=("flag", "size"), label_pos=("label", "sum"), tp=("tp", "sum"), fp=("fp", "sum"))
                .reset_index()
            )
            tables.append((f"{size:,} rows, seed {seed}", cells))
    return tables


def side_suppression(rows: tuple[int, ...], seeds: int) -> dict[str, Any]:
    """Both methods on the same tables: what each hides, table by table and in total."""
    import itertools

    from trellis.engine.suppression import suppress_groups

    groupings = [(), *((a,) for a in DISTRICT_ATTRIBUTES), *itertools.combinations(DISTRICT_ATTRIBUTES, 2)]
    totals: dict[str, dict[str, float]] = {}
    per_table = []
    for name, cells in district_tables(rows, seeds):
        entry: dict[str, Any] = {"table": name}
        for method in ("greedy", "optimal"):
            start = time.perf_counter()
            result = suppress_groups(
                cells,
                attributes=list(DISTRICT_ATTRIBUTES),
                groupings=groupings,
                count_columns=("n", "label_pos", "tp", "fp"),
                denominators={"tp": "label_pos"},
                method=method,  # type: ignore[arg-type]
            )
            seconds = time.perf_counter() - start
            hidden = result.hidden("n")
            numerators = sum(result.hidden(column).hidden for column in ("label_pos", "tp", "fp"))
            entry[method] = {
                "cells_hidden": hidden.hidden,
                "complementary": hidden.complementary,
                "students_hidden": hidden.students_hidden,
                "share_hidden": round(hidden.share_hidden, 5),
                "count_cells_hidden": numerators,
                "seconds": round(seconds, 3),
            }
            total = totals.setdefault(
                method, {"cells_hidden": 0, "students_hidden": 0, "students": 0, "count_cells_hidden": 0, "seconds": 0}
            )
            total["cells_hidden"] += hidden.hidden
            total["students_hidden"] += hidden.students_hidden
            total["students"] += hidden.students
            total["count_cells_hidden"] += numerators
            total["seconds"] += seconds
        per_table.append(entry)
    for total in totals.values():
        total["share_hidden"] = total["students_hidden"] / total["students"] if total["students"] else 0.0
    fewer = sum(1 for entry in per_table if entry["optimal"]["students_hidden"] < entry["greedy"]["students_hidden"])
    more = sum(1 for entry in per_table if entry["optimal"]["students_hidden"] > entry["greedy"]["students_hidden"])
    return {"tables": per_table, "totals": totals, "optimal_hides_fewer": fewer, "optimal_hides_more": more}


SIDES = {
    "trellis": side_trellis,
    "fairlearn": side_fairlearn,
    "duckdb": side_duckdb,
    "duckdb5": side_duckdb_five,
}


# Measuring ---------------------------------------------------------------------------------------


def measure(command: list[str]) -> dict[str, Any]:
    """Run ``command`` as the only child of this (fresh) process; its JSON and its peak RSS."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit code {done.returncode}"}
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    outcome["peak_mb"] = peak_kb / 1024
    return outcome


def run_side(tool: str, path: Path, python: str = PYTHON, repeat: int = 1) -> dict[str, Any]:
    """Measure one tool ``repeat`` times, each from a fresh parent process (so RUSAGE_CHILDREN
    holds that tool only); keep the fastest run's figures and the largest peak."""
    if tool == "aequitas":
        child = [python, "-c", AEQUITAS_SIDE, str(path)]
    else:
        child = [PYTHON, str(Path(__file__).resolve()), "--side", tool, "--data", str(path)]
    parent = [PYTHON, str(Path(__file__).resolve()), "--measure", json.dumps(child)]
    runs = []
    for _ in range(repeat):
        done = subprocess.run(parent, capture_output=True, text=True, check=True, cwd=ROOT)
        runs.append(json.loads(done.stdout))
        if "error" in runs[-1]:
            return runs[-1]
    best = min(runs, key=lambda run: run["seconds"])
    return {
        **best,
        "peak_mb": max(run["peak_mb"] for run in runs),
        "runs_seconds": [round(run["seconds"], 3) for run in runs],
    }


def aequitas_python(given: str | None) -> tuple[str | None, str]:
    """The Python that runs the Aequitas side, or None and the reason."""
    if given:
        return given, f"Aequitas from {given}"
    if importlib.util.find_spec("aequitas") is not None:
        return PYTHON, "Aequitas from this environment"
    if AEQUITAS_VENV_PYTHON.exists():
        return str(AEQUITAS_VENV_PYTHON), f"Aequitas from {AEQUITAS_VENV_PYTHON.relative_to(ROOT)}"
    import pandas

    return None, (
        f"Aequitas not run: it is not importable here (aequitas 1.1 requires pandas<3; this "
        f"environment has pandas {pandas.__version__}). Create a side environment with "
        f"`python3 -m venv {AEQUITAS_VENV_PYTHON.parent.parent.relative_to(ROOT)} && "
        f"{AEQUITAS_VENV_PYTHON.parent.relative_to(ROOT)}/pip install aequitas pyarrow` "
        "or pass --aequitas-python."
    )


def dataset(folder: Path, rows: int) -> Path:
    from trellis.engine.synth.tool_outputs import write_tool_outputs

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tool_outputs_{rows}_seed{SEED}.parquet"
    if not path.exists():
        print(f"Generating {rows:,} rows of tool outputs into {path} …", flush=True)
        partial = path.with_suffix(".partial")
        write_tool_outputs(partial, rows, SEED, BIAS)
        partial.rename(path)
    return path


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {
        name: version(name)
        for name in ("duckdb", "pandas", "numpy", "pyarrow", "fairlearn", "scikit-learn")
    }


def _row(
    section: str, tool: str, outcome: dict[str, Any], base: float, base_name: str
) -> dict[str, Any]:
    """One result row; ``ratio`` is its seconds over ``base`` (Trellis in (a), the floor in (b))."""
    if "error" in outcome or "skipped" in outcome:
        return {"section": section, "tool": tool, **outcome}
    return {
        "section": section,
        "tool": tool,
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in outcome.items()},
        "ratio": round(outcome["seconds"] / base, 2),
        "ratio_to": base_name,
    }


def _print(rows: list[dict[str, Any]]) -> None:
    head = f"{'':4}{'tool':<26}{'seconds':>9}{'ratio':>8}{'peak MB':>9}  note"
    section = None
    for row in rows:
        if row["section"] != section:
            section = row["section"]
            print(f"\n{section}\n{head}")
        if "error" in row or "skipped" in row:
            reason = row.get("error") or row["skipped"]
            print(f"{'':4}{row['tool']:<26}{'—':>9}{'—':>8}{'—':>9}  {reason}")
            continue
        print(
            f"{'':4}{row['tool']:<26}{row['seconds']:>9.2f}{row['ratio']:>8.2f}"
            f"{row['peak_mb']:>9,.0f}  {row.get('note', '')}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--state-rows", type=int, default=20_000_000)
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "trellis-bench-fairness"
    )
    parser.add_argument("--aequitas-python", help="A Python that can import aequitas.")
    parser.add_argument(
        "--district-rows",
        default="2000,5000,20000",
        help="Sizes of the district audits whose tables (c) suppresses, comma-separated.",
    )
    parser.add_argument("--district-seeds", type=int, default=10, help="Seeds per district size in (c).")
    parser.add_argument(
        "--fairlearn-seconds",
        type=float,
        help="Skip running fairlearn (it takes minutes) and use this earlier figure for it.",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Runs of each tool but fairlearn (too slow); the fastest counts.",
    )
    args = parser.parse_args()

    load_before = [round(x, 2) for x in os.getloadavg()]
    small = dataset(args.data, args.rows)
    state = dataset(args.data, args.state_rows)
    rows: list[dict[str, Any]] = []

    section_a = (
        f"(a) {args.rows:,} rows; race, sex, english_learner and their pairs; binary metrics; "
        "ratio to Trellis"
    )
    print(f"{section_a}: running Trellis, fairlearn, Aequitas …", flush=True)
    trellis = run_side("trellis", small, repeat=args.repeat)
    base = trellis["seconds"]
    trellis["note"] = "11 rates + count, Wilson/Newcombe/Katz intervals, flags, suppression"
    rows.append(_row(section_a, "Trellis audit", trellis, base, "Trellis"))
    if args.fairlearn_seconds is not None:
        fairlearn = {
            "seconds": args.fairlearn_seconds,
            "peak_mb": float("nan"),
            "note": "not run: the figure given with --fairlearn-seconds, from an earlier run",
        }
    else:
        fairlearn = run_side("fairlearn", small)
    if "error" not in fairlearn and "note" not in fairlearn:
        fairlearn["note"] = "MetricFrame x6 groupings, same metrics, no intervals"
    rows.append(_row(section_a, "fairlearn MetricFrame", fairlearn, base, "Trellis"))
    python, source = aequitas_python(args.aequitas_python)
    if python is None:
        rows.append({"section": section_a, "tool": "Aequitas get_crosstabs", "skipped": source})
    else:
        aequitas = run_side("aequitas", small, python, repeat=args.repeat)
        if "error" not in aequitas:
            aequitas["note"] = (
                f"aequitas {aequitas.pop('version')} (pandas {aequitas.pop('pandas')}), "
                "11 rates, no intervals"
            )
        rows.append(_row(section_a, "Aequitas get_crosstabs", aequitas, base, "Trellis"))
    checks: dict[str, float] = {
        row["tool"]: float(row["check_fpr_learners"])
        for row in rows
        if row.get("check_fpr_learners") is not None
    }
    agree = max(checks.values()) - min(checks.values()) < 1e-9 if checks else False

    section_b = (
        f"(b) {args.state_rows:,} rows (state size); race, sex, english_learner; "
        "ratio to the GROUP BY"
    )
    print(f"{section_b}: running Trellis and the DuckDB GROUP BY floor …", flush=True)
    state_trellis = run_side("trellis", state, repeat=args.repeat)
    floor = run_side("duckdb", state, repeat=args.repeat)
    five = run_side("duckdb5", state, repeat=args.repeat)
    floor["note"] = "bare GROUP BY race, sex, english_learner: the floor"
    five["note"] = "the same GROUP BY with flag and label, the columns an audit reads"
    state_trellis["note"] = "full binary audit, all pairs, intervals, suppression"
    rows.append(_row(section_b, "DuckDB GROUP BY (floor)", floor, floor["seconds"], "floor"))
    rows.append(_row(section_b, "DuckDB GROUP BY 5 columns", five, floor["seconds"], "floor"))
    rows.append(_row(section_b, "Trellis audit", state_trellis, floor["seconds"], "floor"))
    ratio_to_floor = state_trellis["seconds"] / floor["seconds"]

    district_rows = tuple(int(part) for part in args.district_rows.split(",") if part.strip())
    print(
        f"(c) complementary suppression, integer programme vs greedy order, on "
        f"{len(district_rows) * args.district_seeds} district tables …",
        flush=True,
    )
    suppression = side_suppression(district_rows, args.district_seeds)

    _print(rows)
    print("\n(c) complementary suppression on the same tables (size column n; totals over all tables)")
    print(f"{'':4}{'method':<26}{'cells':>9}{'students':>10}{'share':>9}{'counts':>8}{'seconds':>9}")
    for method, total in suppression["totals"].items():
        print(
            f"{'':4}{method:<26}{total['cells_hidden']:>9,}{total['students_hidden']:>10,}"
            f"{100 * total['share_hidden']:>8.2f}%{total['count_cells_hidden']:>8,}{total['seconds']:>9.2f}"
        )
    print(
        f"{'':4}The integer programme hides fewer students on {suppression['optimal_hides_fewer']} of "
        f"{len(suppression['tables'])} tables and more on {suppression['optimal_hides_more']}."
    )
    print(
        f"\nFalse positive rate of english learners agrees across tools: {agree} "
        f"({', '.join(f'{k} {v:.6f}' for k, v in checks.items())})."
    )
    print(
        f"State size: Trellis takes {ratio_to_floor:.2f}× the bare GROUP BY (target ≤ 2×) with a "
        f"peak of {state_trellis['peak_mb']:,.0f} MB (target < 3,072 MB)."
    )
    summary = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "versions": _versions(),
            # Other work on the machine slows every tool; the load shows how quiet it was.
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "rows": args.rows,
        "state_rows": args.state_rows,
        "seed": SEED,
        "bias": BIAS,
        "aequitas": source,
        "fpr_learners_agree": agree,
        "results": rows,
        "state_ratio_to_floor": round(ratio_to_floor, 2),
        "suppression": suppression,
        "state_peak_mb": round(state_trellis["peak_mb"]),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "fairness.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Load average before and after: {load_before[0]:.2f}, {os.getloadavg()[0]:.2f}.")
    print(f"Wrote {OUT / 'fairness.json'}.")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        print(json.dumps(measure(json.loads(sys.argv[sys.argv.index("--measure") + 1]))))
    elif "--side" in sys.argv:
        parsed = argparse.ArgumentParser()
        parsed.add_argument("--side", choices=sorted(SIDES))
        parsed.add_argument("--data", type=Path)
        options, _ = parsed.parse_known_args()
        print(json.dumps(SIDES[options.side](options.data)))
    else:
        main()
