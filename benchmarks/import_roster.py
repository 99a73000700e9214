"""Benchmark: import a synthetic OneRoster state, beside DuckDB's plain read_csv of the same files.

    .venv/bin/python benchmarks/import_roster.py [--size state] [--seed 1]

Each side runs in its own process so that its peak memory (max RSS) is its own. The floor is DuckDB
reading every CSV file of the roster into a table, which no importer that reads the files can beat.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable

FLOOR = """
import sys, duckdb
from pathlib import Path
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = 0
for path in sorted(Path(sys.argv[1]).glob("*.csv")):
    if path.name == "manifest.csv":
        continue
    con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv('{path}')")
    rows += con.execute("SELECT count(*) FROM t").fetchone()[0]
print(rows)
"""


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest so far; each side is measured in a fresh parent below.
    return seconds, max(peak, before) / 1024, done.stdout


def warm_page_cache(roster: Path) -> None:
    """Read every file once, and load DuckDB once, so that neither side pays for the disk: a roster
    generated earlier may have left the page cache, and the side measured first (the floor) would
    pay for it alone. The Trellis side loads its libraries in ``trellis migrate`` before its timing."""
    for path in sorted(roster.glob("*.csv")):
        with path.open("rb") as file:
            while file.read(64 << 20):
                pass
    subprocess.run([PYTHON, "-c", "import duckdb; duckdb.connect().execute('SELECT 1')"], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="state", choices=["small", "medium", "state"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--roster", type=Path, help="Reuse an already generated roster folder.")
    parser.add_argument("--side", choices=["floor", "trellis"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="trellis-bench-"))
    roster = args.roster or work / "roster"
    if not (roster / "manifest.csv").exists():
        print(f"Generating the {args.size} synthetic state…", flush=True)
        seconds, peak, _ = run([str(Path(PYTHON).parent / "trellis"), "synth", "--size", args.size,
                                "--seed", str(args.seed), "--out", str(roster)])
        print(f"  generated in {seconds:.1f} s (peak {peak:,.0f} MB)")
    csv_bytes = sum(p.stat().st_size for p in roster.glob("*.csv"))
    warm_page_cache(roster)

    # Each side measured from its own fresh parent so RUSAGE_CHILDREN holds only that side.
    floor = json.loads(subprocess.run([PYTHON, __file__, "--side", "floor", "--roster", str(roster)],
                                      capture_output=True, text=True, check=True).stdout)
    home = work / "home"
    home.mkdir()
    ours = json.loads(subprocess.run([PYTHON, __file__, "--side", "trellis", "--roster", str(roster)],
                                     capture_output=True, text=True, check=True,
                                     env={**os.environ, "TRELLIS_HOME": str(home)}).stdout)
    rows = floor["rows"]
    result = {
        "size": args.size,
        "csv_megabytes": round(csv_bytes / 1e6, 1),
        "rows": rows,
        "duckdb_read_csv_seconds": round(floor["seconds"], 2),
        "duckdb_read_csv_peak_mb": round(floor["peak_mb"]),
        "trellis_import_seconds": round(ours["seconds"], 2),
        "trellis_import_peak_mb": round(ours["peak_mb"]),
        "trellis_rows_per_second": round(rows / ours["seconds"]),
        "ratio_to_floor": round(ours["seconds"] / floor["seconds"], 2),
    }
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / f"import_roster_{args.size}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def side(which: str, roster: Path) -> None:
    if which == "floor":
        seconds, peak, stdout = run([PYTHON, "-c", FLOOR, str(roster)])
        print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": int(stdout.strip())}))
    else:
        trellis = str(Path(PYTHON).parent / "trellis")
        run([trellis, "migrate"], env=dict(os.environ))
        seconds, peak, _ = run([trellis, "import", "oneroster", str(roster)], env=dict(os.environ))
        print(json.dumps({"seconds": seconds, "peak_mb": peak}))


if __name__ == "__main__":
    if "--side" in sys.argv:
        parsed = argparse.ArgumentParser()
        parsed.add_argument("--side")
        parsed.add_argument("--roster", type=Path)
        known, _ = parsed.parse_known_args()
        side(known.side, known.roster)
    else:
        main()
