"""Load: the state lead's cross-silo page ("Districts at a glance") at the medium demo state.

    .venv/bin/python benchmarks/crosssilo_load.py [--clients 50] [--seconds 60] [--think 1.0] [--home DIR]
    scripts/with-postgres.sh .venv/bin/python benchmarks/crosssilo_load.py     # on PostgreSQL

It loads the medium state with `trellis demo --no-serve` (once per --home), starts `trellis serve`
(gunicorn and a job worker) on a free loopback port, signs in as the state lead, and runs
--clients concurrent readers, each on its own keep-alive connection, each asking for the page
again --think seconds after the last answer, for --seconds. The first request (which computes
the statewide measures the page caches) is made and timed before the readers start.

Reported: requests, median (p50) and 95th percentile latency, errors (anything but 200, and
failed connections), the first request's time, the server's peak memory (all its processes),
sampled every half second, and the machine's load average when the readers start and end. The
machinery is benchmarks/load.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402
    ROOT,
    TRELLIS,
    Tally,
    client,
    free_port,
    medium_state,
    percentile,
    request,
    running_server,
    sign_in,
)

PAGE = "/insights/overview/"


async def drive(port: int, clients: int, seconds: float, think: float) -> tuple[Tally, float, float]:
    cookie = await sign_in(port, "state.lead")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.perf_counter()
    status, _, _ = await request(reader, writer, "GET", PAGE, {"Cookie": cookie})
    first = time.perf_counter() - started
    writer.close()
    assert status == 200, f"the page answered {status}"
    tally = Tally()
    began = time.monotonic()
    await asyncio.gather(*(client(port, cookie, {"overview": PAGE}, i, began + seconds, [10**9], tally, think)
                           for i in range(clients)))
    return tally, time.monotonic() - began, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="Seconds a reader waits between pages.")
    parser.add_argument("--home", type=Path, default=None, help="Keep the loaded state here between runs.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()

    home, env, vendor = medium_state(args.home)
    port = free_port()
    with running_server([*TRELLIS, "serve", "--port", str(port)], port, env, home / "crosssilo-serve.log") as peak:
        load_before = [round(x, 1) for x in os.getloadavg()]
        print(f"Driving {args.clients} readers of {PAGE} for {args.seconds:.0f} s on port {port}…", flush=True)
        tally, elapsed, first = asyncio.run(drive(port, args.clients, args.seconds, args.think))
    latencies = tally.latencies.get("overview", [])
    result = {
        "page": PAGE, "database": vendor, "clients": args.clients, "think_seconds": args.think,
        "seconds": round(elapsed, 1), "requests": tally.sent,
        "requests_per_second": round(tally.sent / elapsed, 1),
        "first_request_ms": round(1000 * first, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 0.95), 1) if latencies else None,
        "errors": sum(tally.errors.values()), "error_kinds": tally.errors,
        "server_peak_memory_mb": round(peak[0] / 1e6),
        "load_average_before_after": [load_before, [round(x, 1) for x in os.getloadavg()]],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"crosssilo_load_{vendor}_think{args.think:g}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
