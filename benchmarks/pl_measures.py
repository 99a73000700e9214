"""Benchmark: the state's professional-learning measures beside DuckDB's bare scan of the same tables.

    .venv/bin/python benchmarks/pl_measures.py [--size state] [--seed 1] [--repeat 3] [--data DIR]

The tables are a synthetic state's year of professional learning
(:func:`trellis.engine.measures.synth.generate_tables`; at ``state`` size 1,200 districts, about
370,000 teachers, 5.5 million students with their class-teacher links, a year of PL records and
observations), written once with numpy and pyarrow into ``--data`` and reused.

Sides, each in its own process started from its own fresh parent that reads
``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (so the peak memory is that side's alone):

- ``compute``: ``trellis.engine.measures.compute`` for every measure (participation, hours, durable
  share, practice, outcomes) by poverty quartile and locale, with intervals, the quartile gaps and
  minimum-n and complementary suppression; and the same with every district as well (``--by``);
- ``scan``: the floor: one DuckDB ``GROUP BY`` per table over the same Parquet files, reading every
  column ``compute`` reads (no joins, no statistics), in one connection.

Seconds are the wall time of the work inside each process (not starting Python or imports), the
fastest of ``--repeat`` runs. Results: a table on stdout and ``benchmarks/out/pl_measures.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

sys.path.insert(0, str(HERE))
from fairness import measure  # noqa: E402  (run as a child of this process, with its peak memory)

YEAR = 2026

SCAN = {
    "districts": "SELECT poverty_quartile, locale, count(district_id) FROM districts GROUP BY ALL",
    "teachers": "SELECT district_id, count(teacher_key) FROM teachers GROUP BY district_id",
    "pl": "SELECT teacher_key, sum(hours), count(format), bool_or(ai_related), max(date) FROM pl GROUP BY teacher_key",
    "observations": ("SELECT teacher_key, competency, max(level), max(date), bool_or(coached) FROM observations "
                     "GROUP BY teacher_key, competency"),
    "class_teachers": "SELECT student_key, count(teacher_key) FROM class_teachers GROUP BY student_key",
    "outcomes": "SELECT count(student_key), sum(post - pre), sum((post - pre) * (post - pre)) FROM outcomes",
}


def side_compute(data: Path, by: tuple[str, ...]) -> dict[str, Any]:
    from trellis.engine.measures import compute

    start = time.perf_counter()
    result = compute(data, year=YEAR, by=by)
    seconds = time.perf_counter() - start
    overall = result.row("participation_share")
    gap = result.gap("participation_share")
    return {
        "seconds": seconds,
        "rows_out": len(result.rows),
        "suppressed": sum(row.suppressed for row in result.rows),
        "check_teachers": overall.n if overall else None,
        "check_participation_gap": gap.diff if gap else None,
    }


def side_scan(data: Path) -> dict[str, Any]:
    import duckdb

    start = time.perf_counter()
    connection = duckdb.connect()
    rows = 0
    for name, query in SCAN.items():
        path = str(data / f"{name}.parquet").replace("'", "''")
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        rows += len(connection.execute(query).fetchall())
    seconds = time.perf_counter() - start
    teachers = connection.execute("SELECT count(*) FROM teachers").fetchone()
    return {"seconds": seconds, "rows_out": rows, "check_teachers": teachers[0] if teachers else None}


def run_side(side: str, data: Path, repeat: int, by: str = "") -> dict[str, Any]:
    child = [PYTHON, str(Path(__file__).resolve()), "--side", side, "--data", str(data), "--by", by]
    parent = [PYTHON, str(Path(__file__).resolve()), "--measure", json.dumps(child)]
    runs = []
    for _ in range(repeat):
        done = subprocess.run(parent, capture_output=True, text=True, check=True, cwd=ROOT)
        runs.append(json.loads(done.stdout))
        if "error" in runs[-1]:
            return runs[-1]
    best = min(runs, key=lambda run: run["seconds"])
    return {**best, "peak_mb": max(run["peak_mb"] for run in runs),
            "runs_seconds": [round(run["seconds"], 3) for run in runs]}


def dataset(folder: Path, size: str, seed: int) -> tuple[Path, dict[str, int]]:
    """Generate the tables once; later runs reuse them (the counts are kept beside them)."""
    path = folder / f"{size}-seed{seed}"
    counts_file = path / "counts.json"
    if counts_file.is_file():
        return path, json.loads(counts_file.read_text(encoding="utf-8"))
    from trellis.engine.measures.synth import generate_tables

    print(f"generating the {size} tables into {path} …", flush=True)
    start = time.perf_counter()
    counts = generate_tables(path, size=size, seed=seed, year=YEAR)
    counts["seconds_to_generate"] = round(time.perf_counter() - start, 1)
    counts_file.write_text(json.dumps(counts), encoding="utf-8")
    return path, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--size", default="state", choices=["small", "medium", "state"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "trellis-bench-pl-measures")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--by", default="", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return
    if args.side == "compute":
        print(json.dumps(side_compute(args.data, tuple(k for k in args.by.split(",") if k))))
        return
    if args.side == "scan":
        print(json.dumps(side_scan(args.data)))
        return

    load_before = [round(x, 2) for x in os.getloadavg()]
    data, counts = dataset(args.data, args.size, args.seed)
    sizes_mb = {p.stem: round(p.stat().st_size / 2**20, 1) for p in sorted(data.glob("*.parquet"))}
    print(f"tables: {counts}", flush=True)
    scan = run_side("scan", data, args.repeat)
    quartiles = run_side("compute", data, args.repeat, "poverty_quartile,locale")
    districts = run_side("compute", data, args.repeat, "district,poverty_quartile,locale")
    rows = [("DuckDB GROUP BY per table (floor)", scan), ("compute: quartiles, locales", quartiles),
            ("compute: + every district", districts)]
    print(f"\n    {'side':<36}{'seconds':>9}{'× floor':>9}{'peak MB':>9}")
    for name, outcome in rows:
        if "error" in outcome:
            print(f"    {name:<36}  {outcome['error']}")
            continue
        outcome["ratio"] = round(outcome["seconds"] / scan["seconds"], 2) if "seconds" in scan else None
        print(f"    {name:<36}{outcome['seconds']:>9.2f}{outcome['ratio'] or 0:>9.2f}{outcome['peak_mb']:>9,.0f}")
    report = {
        "size": args.size, "seed": args.seed, "counts": counts, "parquet_mb": sizes_mb,
        "sides": dict(zip(["scan", "compute_quartiles_locales", "compute_with_districts"],
                          [scan, quartiles, districts], strict=True)),
        "load_before": load_before, "load_after": [round(x, 2) for x in os.getloadavg()],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "pl_measures.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
