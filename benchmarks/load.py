"""Load: Trellis under `trellis serve` (gunicorn and a job worker) with the medium synthetic state.

    .venv/bin/python benchmarks/load.py [--clients 200] [--seconds 60] [--max-requests 200000]
                                        [--server serve|runserver] [--home DIR]

On PostgreSQL, run it under scripts/with-postgres.sh (it takes DATABASE_URL from there and makes
its own database). It loads the medium state with `trellis demo --no-serve` (once per --home),
starts the server on a free loopback port, signs in one session per role (state lead, district
lead, school leader, teacher), and then runs --clients concurrent clients, each on its own
keep-alive connection, each sending its next request --think seconds after the last one was
answered (a person reading the page; 0 makes every client send as fast as the server answers, which
measures the server's saturation instead), for --seconds or --max-requests, whichever comes
first. Each client cycles through the pages of its role: the home page, a district page, a staff
list, and a page anyone may open without signing in (the public page of the district lead's district:
the AI tools its schools use, their decisions, agreements and fairness audits, as a family sees them).
Only loopback addresses are used. With the default 1 s think time a client makes at most one
request a second, so 200 clients make at most 12,000 requests in 60 s, each client about 60 or
fewer (fewer when the server is slower than that).

Reported: requests, requests per second, median and 95th percentile latency (overall and per
page), errors (anything but 200, and failed connections), and the server's peak memory (the sum
of the resident memory of every process of the server: gunicorn's arbiter and workers and the job
worker), sampled every half second. `--server runserver` runs Django's development server (what
`trellis serve` ran before) under the same load, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRELLIS = [sys.executable, "-m", "trellis.cli"]
PASSWORD = "trellis-demo-password"
ROLES = ["state.lead", "district.lead", "school.leader", "teacher"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
    env.update(TRELLIS_HOME=str(home), DJANGO_SETTINGS_MODULE="trellis.config.settings")
    for name in ("TRELLIS_WEB_WORKERS", "TRELLIS_WEB_THREADS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def postgres_database(home: Path) -> str | None:
    """Under scripts/with-postgres.sh: a database of the benchmark's own (kept with --home)."""
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        return None
    marker = home / "database-url"
    if marker.exists():
        return marker.read_text().strip()
    import psycopg

    name = f"trellis_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + "/" + name
    marker.write_text(url)
    return url


def pages_by_role(env: dict[str, str]) -> dict[str, dict[str, str]]:
    script = """
import django, json
django.setup()
from trellis.orgs.models import Membership, Organization
def org(username):
    found = Membership.objects.filter(person__user__username=username).select_related("organization").first()
    return found.organization
district = org("district.lead")
school = org("school.leader")
biggest = Organization.objects.filter(kind="district").order_by("-enrollment").first()
print(json.dumps({
    "state.lead": {"home": "/", "district": f"/orgs/{biggest.pk}/", "staff": f"/orgs/{biggest.pk}/staff/"},
    "district.lead": {"home": "/", "district": f"/orgs/{district.pk}/", "staff": f"/orgs/{district.pk}/staff/"},
    "school.leader": {"home": "/", "district": f"/orgs/{school.pk}/", "staff": f"/orgs/{school.pk}/staff/"},
    "teacher": {"home": "/", "district": f"/orgs/{school.pk}/", "staff": f"/orgs/{school.pk}/staff/"},
    "public": f"/public/districts/{district.pk}/",
}))
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    pages = json.loads(done.stdout.strip().splitlines()[-1])
    public = pages.pop("public")
    for role in pages:
        pages[role]["public"] = public
    return pages


# --- a small HTTP/1.1 keep-alive client on asyncio streams (the standard library has none) ---

async def request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, path: str,
                  headers: dict[str, str], body: bytes = b"") -> tuple[int, dict[str, list[str]], bytes]:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    received: dict[str, list[str]] = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            received.setdefault(name.strip().lower(), []).append(value.strip())
    if "content-length" in received:
        content = await reader.readexactly(int(received["content-length"][0]))
    elif received.get("transfer-encoding", [""])[0].lower() == "chunked":
        content = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            content += chunk[:-2]
    else:
        content = b""
    return status, received, content


async def sign_in(port: int, username: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        _, headers, body = await request(reader, writer, "GET", "/login/", {})
        cookies = dict(c.split(";", 1)[0].split("=", 1) for c in headers.get("set-cookie", []))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert token, "no CSRF token on the sign-in page"
        form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token.group(1).decode()}).encode()
        status, headers, _ = await request(reader, writer, "POST", "/login/", {
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/login/"}, form)
        assert status == 302, f"sign-in of {username} answered {status}"
        cookies.update(dict(c.split(";", 1)[0].split("=", 1) for c in headers.get("set-cookie", [])))
        return "; ".join(f"{k}={v}" for k, v in cookies.items())
    finally:
        writer.close()


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    per_client: list[int] = field(default_factory=list)


async def client(port: int, cookie: str, pages: dict[str, str], offset: int, stop_at: float, budget: list[int],
                 tally: Tally, think: float) -> None:
    names = list(pages)
    index = offset
    made = 0
    reader = writer = None
    # Clients start spread over one think time, as people do, not all in the same millisecond.
    await asyncio.sleep(think * (offset % 100) / 100)
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        name = names[index % len(names)]
        index += 1
        headers = {} if name == "public" else {"Cookie": cookie}
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            status, received, _ = await request(reader, writer, "GET", pages[name], headers)
            if received.get("connection", [""])[0].lower() == "close":
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
            if writer is not None:
                writer.close()
            reader = writer = None
        elapsed = time.perf_counter() - started
        tally.sent += 1
        made += 1
        if status == 200:
            tally.latencies.setdefault(name, []).append(elapsed)
        else:
            key = f"{name}:{status}"
            tally.errors[key] = tally.errors.get(key, 0) + 1
        if think:
            await asyncio.sleep(think)
    if writer is not None:
        writer.close()
    tally.per_client.append(made)


async def drive(port: int, pages: dict[str, dict[str, str]], clients: int, seconds: float,
                max_requests: int, think: float) -> tuple[Tally, float]:
    cookies = {role: await sign_in(port, role) for role in ROLES}
    tally = Tally()
    budget = [max_requests]
    started = time.monotonic()
    await asyncio.gather(*(
        client(port, cookies[ROLES[i % len(ROLES)]], pages[ROLES[i % len(ROLES)]], i, started + seconds, budget,
               tally, think)
        for i in range(clients)
    ))
    return tally, time.monotonic() - started


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and every process below it, in bytes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def medium_state(home: Path | None) -> tuple[Path, dict[str, str], str]:
    """The medium demo state loaded into ``home`` (a new folder when None), on PostgreSQL under
    scripts/with-postgres.sh and on SQLite otherwise: the folder, the server's environment, and
    the database's name."""
    home = home or Path(tempfile.mkdtemp(prefix="trellis-load-"))
    home.mkdir(parents=True, exist_ok=True)
    env = environment(home)
    database = postgres_database(home)
    if database:
        env["DATABASE_URL"] = database
    else:
        env.pop("DATABASE_URL", None)
    vendor = "postgresql" if database else "sqlite"
    print(f"Loading the medium state into {home} ({vendor})…", flush=True)
    subprocess.run([*TRELLIS, "demo", "--size", "medium", "--no-serve"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return home, env, vendor


@contextlib.contextmanager
def running_server(command: list[str], port: int, env: dict[str, str], log_path: Path) -> Iterator[list[int]]:
    """Start the server ``command`` (listening on ``port``), wait until it accepts connections,
    and sample the resident memory of all its processes every half second while the caller drives
    it; yields the one-element list holding the peak so far. Stops it afterwards."""
    log = log_path.open("w")
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    peak = [0]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            peak[0] = max(peak[0], tree_rss(server.pid))
            time.sleep(0.5)

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start; see {log.name}") from None
                time.sleep(0.3)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield peak
        finally:
            sampling.set()
            sampler.join()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--think", type=float, default=1.0, help="Seconds a client waits between pages.")
    parser.add_argument("--server", choices=["serve", "runserver"], default="serve")
    parser.add_argument("--home", type=Path, default=None, help="Keep the loaded state here between runs.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()

    home, env, vendor = medium_state(args.home)
    pages = pages_by_role(env)
    port = free_port()
    if args.server == "serve":
        command = [*TRELLIS, "serve", "--port", str(port)]
    else:
        # What `trellis serve` ran before: Django's development server, one process, a thread per request.
        subprocess.run([*TRELLIS, "migrate"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        command = [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
    with running_server(command, port, env, home / f"{args.server}.log") as peak:
        load_before = [round(x, 1) for x in os.getloadavg()]
        print(f"Driving {args.clients} clients for {args.seconds:.0f} s against {args.server} on port {port}…",
              flush=True)
        tally, elapsed = asyncio.run(drive(port, pages, args.clients, args.seconds, args.max_requests,
                                                  args.think))

    every = [value for values in tally.latencies.values() for value in values]
    result = {
        "server": args.server, "database": vendor, "clients": args.clients, "think_seconds": args.think,
        "seconds": round(elapsed, 1),
        "requests": tally.sent, "requests_per_second": round(tally.sent / elapsed, 1),
        "median_ms": round(1000 * statistics.median(every), 1) if every else None,
        "p95_ms": round(1000 * percentile(every, 0.95), 1) if every else None,
        "errors": sum(tally.errors.values()), "error_kinds": tally.errors,
        "server_peak_memory_mb": round(peak[0] / 1e6),
        "pages": {name: {"requests": len(values), "requests_per_second": round(len(values) / elapsed, 1),
                         "median_ms": round(1000 * statistics.median(values), 1),
                         "p95_ms": round(1000 * percentile(values, 0.95), 1),
                         "errors": sum(n for kind, n in tally.errors.items() if kind.split(":")[0] == name)}
                  for name, values in sorted(tally.latencies.items())},
        "requests_per_client": {"most": max(tally.per_client, default=0), "least": min(tally.per_client, default=0)},
        "load_average_before_after": [load_before, [round(x, 1) for x in os.getloadavg()]],
        "web_workers": os.environ.get("TRELLIS_WEB_WORKERS", "default"),
        "web_threads": os.environ.get("TRELLIS_WEB_THREADS", "default"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"load_{args.server}_{vendor}_think{args.think:g}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
