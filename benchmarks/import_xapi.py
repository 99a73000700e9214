"""Benchmark: import a state's year of xAPI statements, beside DuckDB's read_json of the same file.

    .venv/bin/python benchmarks/import_xapi.py [--statements 10000000] [--staff 370000] [--data DIR] [--steps]

The file is synthetic JSON Lines from ``trellis.engine.synth.xapi`` (seed 1), written once to
``--data`` (default ``$TMPDIR/trellis-bench-xapi/``) and reused. Each side runs in its own process,
measured from its own fresh parent, so that its peak memory (max RSS) is its own:

- the floor: DuckDB ``read_json`` of the file, auto-detecting its schema, loaded into a table of a
  DuckDB database file (what a person would do to get the statements into DuckDB), and also its
  bare ``SELECT count(*)`` (parsing every statement, keeping nothing);
- Trellis: ``trellis import xapi FILE`` into a database that already holds the staff (one account
  per person, as a roster import leaves them), timed from the command's start to its end.

With ``--steps``, the import runs once more in a copy of the fresh database, in one process, and
the time between the steps it reports (reading and checking the statements with DuckDB; matching
the actors to the staff and storing them; the rest) is printed and kept.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable

FLOOR_TABLE = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")
con.execute(f"CREATE OR REPLACE TABLE statements AS SELECT * FROM read_json('{sys.argv[1]}')")
print(con.execute("SELECT count(*) FROM statements").fetchone()[0])
"""
FLOOR_COUNT = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
print(con.execute(f"SELECT count(*) FROM read_json('{sys.argv[1]}')").fetchone()[0])
"""
STAFF = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.config.settings")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.contrib.auth import get_user_model
from trellis.engine.synth.xapi import staff_email
from trellis.orgs.models import Person
User = get_user_model()
staff = int(sys.argv[1])
for start in range(0, staff, 20000):
    users = User.objects.bulk_create([User(username=f"staff-{i}", password="!")
                                      for i in range(start, min(staff, start + 20000))])
    Person.objects.bulk_create([Person(user=u, given_name="Staff", family_name=u.username[6:],
                                       email=staff_email(int(u.username[6:])), sourced_id=u.username)
                                for u in users])
print(Person.objects.count())
"""
STEPS = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.config.settings")
import django
django.setup()
import json
from pathlib import Path
from trellis.learning.services.xapi import xapi_import
steps, last = [], [time.perf_counter(), "Starting"]
def report(step, done, total):
    now = time.perf_counter()
    steps.append([last[1], round(now - last[0], 1)])
    last[:] = [now, step]
xapi_import(actor=None, source=Path(sys.argv[1]), source_name=Path(sys.argv[1]).name, scope=None, progress=report)
print(json.dumps(steps[1:]))
"""


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one child process."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, done.stdout


def side(which: str, source: Path, work: Path, staff: int) -> None:
    if which == "floor_table":
        database = work / "floor.duckdb"
        database.unlink(missing_ok=True)
        seconds, peak, stdout = run([PYTHON, "-c", FLOOR_TABLE, str(source), str(database)])
        database.unlink(missing_ok=True)
    elif which == "floor_count":
        seconds, peak, stdout = run([PYTHON, "-c", FLOOR_COUNT, str(source)])
    elif which == "steps":
        env = {**os.environ, "TRELLIS_HOME": str(work / "home-steps")}
        seconds, peak, stdout = run([PYTHON, "-c", STEPS, str(source)], env=env)
    else:
        trellis = str(Path(PYTHON).parent / "trellis")
        env = {**os.environ, "TRELLIS_HOME": str(work / "home")}
        seconds, peak, stdout = run([trellis, "import", "xapi", str(source)], env=env)
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "stdout": stdout[-3000:]}))


def measure(which: str, source: Path, work: Path, staff: int) -> dict[str, object]:
    done = subprocess.run([PYTHON, __file__, "--side", which, "--source", str(source), "--work", str(work),
                           "--staff", str(staff)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=10_000_000)
    parser.add_argument("--staff", type=int, default=370_000)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "trellis-bench-xapi")
    parser.add_argument("--steps", action="store_true", help="also time the import's steps, in one more run")
    args = parser.parse_args()

    from trellis.engine.synth.xapi import write_xapi_statements

    args.data.mkdir(parents=True, exist_ok=True)
    source = args.data / f"statements-{args.statements}-{args.staff}.jsonl"
    if not source.exists():
        print(f"Writing {args.statements:,} statements…", flush=True)
        start = time.perf_counter()
        write_xapi_statements(source.with_suffix(".tmp"), statements=args.statements, staff=args.staff)
        source.with_suffix(".tmp").rename(source)
        print(f"  written in {time.perf_counter() - start:.0f} s", flush=True)
    work = Path(tempfile.mkdtemp(prefix="trellis-bench-xapi-", dir=args.data))
    (work / "home").mkdir()
    print(f"Adding {args.staff:,} staff to a fresh database…", flush=True)
    subprocess.run([PYTHON, "-c", STAFF, str(args.staff)], check=True, capture_output=True,
                   env={**os.environ, "TRELLIS_HOME": str(work / "home")})
    if args.steps:
        shutil.copytree(work / "home", work / "home-steps")
    with source.open("rb") as handle:  # the page cache holds the file for every side alike
        while handle.read(64 << 20):
            pass

    print("Measuring…", flush=True)
    table = measure("floor_table", source, work, args.staff)
    count = measure("floor_count", source, work, args.staff)
    ours = measure("trellis", source, work, args.staff)
    again = measure("trellis", source, work, args.staff)
    steps = measure("steps", source, work, args.staff) if args.steps else None
    result = {
        "statements": args.statements,
        "staff": args.staff,
        "file_megabytes": round(source.stat().st_size / 1e6),
        "duckdb_read_json_table_seconds": round(table["seconds"], 1),
        "duckdb_read_json_table_peak_mb": round(table["peak_mb"]),
        "duckdb_read_json_count_seconds": round(count["seconds"], 1),
        "duckdb_read_json_count_peak_mb": round(count["peak_mb"]),
        "trellis_import_seconds": round(ours["seconds"], 1),
        "trellis_import_peak_mb": round(ours["peak_mb"]),
        "trellis_reimport_seconds": round(again["seconds"], 1),
        "trellis_reimport_peak_mb": round(again["peak_mb"]),
        "ratio_to_read_json_table": round(ours["seconds"] / table["seconds"], 2),
        "ratio_to_read_json_count": round(ours["seconds"] / count["seconds"], 2),
        "trellis_output": ours["stdout"],
    }
    if steps:
        result["steps_seconds"] = dict(json.loads(steps["stdout"]))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "import_xapi.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "trellis_output"}, indent=2))
    print(ours["stdout"])


if __name__ == "__main__":
    if "--side" in sys.argv:
        parsed = argparse.ArgumentParser()
        parsed.add_argument("--side")
        parsed.add_argument("--source", type=Path)
        parsed.add_argument("--work", type=Path)
        parsed.add_argument("--staff", type=int)
        known, _ = parsed.parse_known_args()
        side(known.side, known.source, known.work, known.staff)
    else:
        main()
