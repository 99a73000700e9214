"""Benchmark: a fairness audit uploaded in the browser beside ``trellis audit`` on the command line.

    .venv/bin/python benchmarks/audit_upload.py [--rows 1000000] [--repeat 3] [--data DIR]

The data is a detector's synthetic outputs (``trellis.audits.sample``, seed 2024) on ``--rows``
students with a known bias (English learners' false positive rate tripled).

- **Trellis upload**: a district lead's POST of the upload form (student id, flag and label only,
  as CSV) through Django's test client against a fresh SQLite database, up to the audit's result
  page rendered. It includes the multipart upload, the file checks, the keyed pseudonymising of
  every student id, the join to a roster store of the same students for their five subgroups,
  the count of unmatched rows, the audit (five attributes and every pair), suppression, storing
  the published view and the findings, and deleting the file. The job runs inline, as in the test
  suite, so the time is the job's own and not a worker's polling interval.
- **``trellis audit``**: the command a district analyst would otherwise run, on the same outputs
  with the five subgroup columns already in the file (what a person would have to join by hand),
  same attributes and pairs, as a subprocess timed from start to exit (so its figure includes
  starting Python and loading the engine).

The server process first does what a starting ``trellis worker`` does before it takes any job
(``jobs_warm``: load the engine and run it once on a few made-up rows; timed and reported, not
counted, as it happens when the server starts). The upload is then timed twice: the figure
compared is the first, a server's first audit after a start; the second is reported beside it.

Each side runs in its own process, started from its own fresh parent that reads
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, so each peak memory is that side's alone. The fastest of
``--repeat`` runs is reported. Results: a table on stdout and ``benchmarks/out/audit_upload.json``.
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
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PYTHON = sys.executable
SEED = 2024
KEY = "benchmark-pseudonym-key-0123456789"
CLI_BY = "race,sex,english_learner,disability,econ_disadvantaged"


def prepare(data: Path, rows: int) -> dict[str, Path]:
    """Write the roster store, the upload file and the command line's file once."""
    import pyarrow.parquet as pq

    from trellis.audits.sample import sample_outputs, write_student_store, write_upload

    paths = {"store": data / f"roster-{rows}", "upload": data / f"upload-{rows}.csv",
             "cli": data / f"outputs-{rows}.parquet"}
    if all(path.exists() for path in paths.values()):
        return paths
    outputs = sample_outputs(rows, seed=SEED, bias={"english_learner": {"Y": 3.0}})
    write_student_store(outputs, key=KEY.encode(), schools=["s-bench"], store_dir=paths["store"])
    write_upload(outputs, paths["upload"])
    pq.write_table(outputs.drop_columns(["student_id", "score"]), paths["cli"])
    return paths


def side_upload(store: Path, upload: Path) -> dict[str, Any]:
    """One upload through the web form to the result page, in a fresh database."""
    home = Path(tempfile.mkdtemp(prefix="trellis-bench-home-"))
    os.environ.update(TRELLIS_HOME=str(home), TRELLIS_PSEUDONYM_KEY=KEY, TRELLIS_JOB_RUNNER="inline",
                      DJANGO_SETTINGS_MODULE="trellis.config.settings", TRELLIS_ALLOWED_HOSTS="testserver")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", interactive=False, verbosity=0)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    (Path(settings.TRELLIS_DATA_DIR) / "roster").symlink_to(store, target_is_directory=True)

    from trellis.audits.models import FairnessAudit
    from trellis.orgs.models import Organization, Role
    from trellis.orgs.services import organization_create, person_create
    from trellis.tools import services

    state = organization_create(actor=None, name="State", kind=Organization.Kind.STATE)
    district = organization_create(actor=None, name="District", kind=Organization.Kind.DISTRICT, parent=state)
    school = organization_create(actor=None, name="School", kind=Organization.Kind.SCHOOL, parent=district,
                                 sourced_id="s-bench")
    person_create(actor=None, username="lead", given_name="D", family_name="Lead", password="bench-password-123",
                  organization=district, role=Role.DISTRICT_LEAD)
    tool = services.tool_create(actor=None, vendor="V", product="Detector", summary="Flags essays.",
                                ai_functions=["detects"])
    import datetime

    services.decision_record(actor=None, district=district, tool=tool, outcome="pilot_only", reasons="Pilot.",
                             expires_on=datetime.date.today() + datetime.timedelta(days=90))
    deployment = services.deployment_create(actor=None, district=district, tool=tool, schools=[school],
                                            grades=["07"], stage="pilot", starts_on=datetime.date.today(),
                                            question="Fair?")
    from trellis.core.services import jobs_warm

    start = time.perf_counter()
    jobs_warm()  # as `trellis worker` does when it starts
    startup = time.perf_counter() - start
    client = Client()
    assert client.login(username="lead", password="bench-password-123")
    timings = []
    for _ in range(2):  # a server's first audit after a start, then its second
        start = time.perf_counter()
        with upload.open("rb") as handle:
            response = client.post(f"/deployments/{deployment.pk}/audit/", {
                "upload": handle, "id_column": "student_id", "prediction_column": "flag", "label_column": "label"})
        assert response.status_code == 302, response.content[:2000]
        audit = FairnessAudit.objects.latest("pk")
        page = client.get(f"/audits/{audit.pk}/")
        timings.append(time.perf_counter() - start)
        assert page.status_code == 200
        audit.refresh_from_db()
        assert audit.status == "done", audit.error
    return {"seconds": timings[0], "again_seconds": timings[1], "startup_seconds": startup, "rows": audit.rows_total,
            "matched": audit.rows_matched, "findings": audit.findings.count()}


def side_cli(path: Path) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp()) / "audit.json"
    command = [str(Path(PYTHON).parent / "trellis"), "audit", str(path), "--prediction", "flag", "--label", "label",
               "--by", CLI_BY, "--intersections", "pairs", "--json", str(out)]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return {"seconds": time.perf_counter() - start, "rows_out": len(json.loads(out.read_text()))}


def run_side(name: str, *args: str) -> dict[str, Any]:
    """Run one side in a fresh parent so that the peak memory read belongs to it alone."""
    script = (
        "import json, resource, subprocess, sys\n"
        f"done = subprocess.run([sys.executable, {str(Path(__file__))!r}, '--side', {name!r}, *{list(args)!r}],"
        " capture_output=True, text=True)\n"
        "if done.returncode: sys.stderr.write(done.stderr); sys.exit(done.returncode)\n"
        "result = json.loads(done.stdout.strip().splitlines()[-1])\n"
        "result['peak_mb'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    done = subprocess.run([PYTHON, "-c", script], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"the {name} side failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "trellis-bench-audit-upload")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side == "upload":
        print(json.dumps(side_upload(Path(args.paths[0]), Path(args.paths[1]))))
        return
    if args.side == "cli":
        print(json.dumps(side_cli(Path(args.paths[0]))))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    paths = prepare(args.data, args.rows)
    runs: dict[str, list[dict[str, Any]]] = {"upload": [], "cli": []}
    for _ in range(args.repeat):
        runs["cli"].append(run_side("cli", str(paths["cli"])))
        runs["upload"].append(run_side("upload", str(paths["store"]), str(paths["upload"])))
    best = {side: min(results, key=lambda r: r["seconds"]) for side, results in runs.items()}
    ratio = best["upload"]["seconds"] / best["cli"]["seconds"]
    print(f"{args.rows:,} rows, fastest of {args.repeat}:")
    print(f"  trellis audit (command line, attributes in the file): {best['cli']['seconds']:.2f} s, "
          f"peak {best['cli']['peak_mb']:.0f} MB")
    print(f"  upload in the browser to the result page (pseudonymise + roster join + audit): "
          f"{best['upload']['seconds']:.2f} s (a server's first audit after its start), peak "
          f"{best['upload']['peak_mb']:.0f} MB, {ratio:.2f}x the command line; its second audit: "
          f"{best['upload']['again_seconds']:.2f} s ({best['upload']['again_seconds'] / best['cli']['seconds']:.2f}x); "
          f"loading the engine when the worker starts: {best['upload']['startup_seconds']:.1f} s")
    OUT.mkdir(exist_ok=True)
    (OUT / "audit_upload.json").write_text(json.dumps({"rows": args.rows, "runs": runs, "best": best,
                                                       "ratio": ratio, "load": os.getloadavg(),
                                                       "maxrss_self_mb": resource.getrusage(
                                                           resource.RUSAGE_SELF).ru_maxrss / 1024}, indent=1))


if __name__ == "__main__":
    main()
