"""Commons search: 100,000 published items, 50 concurrent readers, on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/commons_search.py [--items 100000] [--users 50] [--queries-per-user 20]
    scripts/with-postgres.sh .venv/bin/python benchmarks/commons_search.py      # the same on PostgreSQL

Builds a fresh TRELLIS_HOME (or uses DATABASE_URL), loads generated items shaped like the demo's
(titles, summaries and descriptions drawn from a vocabulary of practice words with a long tail of
rare ones), indexes them, then has ``--users`` threads each run ``--queries-per-user`` searches
through the search page (Django's test client, signed in: the view, the selector, the template)
and reports the median and 95th-percentile latency, beside the same queries answered by the
database's plain scan (``icontains`` on title, summary and description, newest first) that a
search page without a full-text index would use. Writes out/commons_search_<database>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import postgres_database  # noqa: E402

OUT = Path(__file__).parent / "out"
COMMON = ("ai teachers students coaching feedback writing math lesson tutor bias privacy families "
          "assessment planning community practice course reading science pilot district rural").split()
QUERIES = ["coaching", "ai tutor", "writing feedback", "bias privacy", "rural district coaching", "math",
           "families", "assessment planning", "science pilot", "reading lesson", "teachers", "zorblat",
           "community practice writing", "course", "tutor math feedback", "privacy", "lesson planning ai",
           "students bias", "pilot", "feedback"]


def setup_django() -> None:
    home = Path(os.environ.setdefault("TRELLIS_HOME", tempfile.mkdtemp(prefix="trellis-bench-commons-")))
    # scripts/with-postgres.sh starts an empty cluster: the benchmark makes a database of its own there.
    database = postgres_database(home)
    if database:
        os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def load(items: int, seed: int) -> object:
    """The reader (a state lead), four districts of different locales and poverty, and ``items``
    items from the districts' leads, published through the service that publishes many at once."""
    from django.contrib.auth import get_user_model

    from trellis.commons.competencies import area_ids
    from trellis.commons.services import commons_items_publish_many
    from trellis.orgs.models import Membership, Organization, Person, Role

    rng = random.Random(seed)
    # Zipf-like word frequencies over a 20,000-word vocabulary whose most frequent words are the
    # practice words the queries use: the commonest is in about one item in eight.
    vocabulary = COMMON + [f"w{n:05d}" for n in range(20000 - len(COMMON))]
    cumulative = list(itertools.accumulate(1 / (rank + 200) ** 1.05 for rank in range(len(vocabulary))))

    def member(username: str, organization: Organization, role: str) -> object:
        user = get_user_model().objects.create_user(username, password="bench-password-1234")
        person = Person.objects.create(user=user, given_name="Bench", family_name=username,
                                       primary_organization=organization)
        Membership.objects.create(person=person, organization=organization, role=role)
        return user

    state = Organization.objects.create(name="Bench State", kind="state", path="/")
    state.path = f"/{state.pk}/"
    state.save()
    reader = member("bench.reader", state, Role.STATE_LEAD)
    leads = []
    for n, locale in enumerate(["rural", "town", "suburb", "city"]):
        district = Organization.objects.create(name=f"Bench District {n}", kind="district", parent=state,
                                               path="/", locale=locale, econ_disadvantaged_share=0.2 + 0.2 * n)
        district.path = f"{state.path}{district.pk}/"
        district.save()
        leads.append(member(f"bench.lead{n}", district, Role.DISTRICT_LEAD))

    def words(n: int) -> str:
        return " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=n))

    pedagogy = area_ids("AI-CFT.4")
    entries = ((leads[n % len(leads)], {
        "kind": "pl_model", "title": words(6), "summary": words(20), "description": words(80),
        "served": words(10), "format": "plc", "grade_band": "all", "subject": "all", "competencies": pedagogy,
    }) for n in range(items))
    started = time.perf_counter()
    commons_items_publish_many(actor=reader, entries=entries)
    print(f"generated, published and indexed {items:,} items in {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a load, done now so that every search is measured the
        # same way: the visibility map lets ranking read the term index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM commons_commonsitem, commons_commonsterm")
    return reader


def run(user: object, users: int, per_user: int, scan: bool) -> dict[str, float]:
    from django.db import connections
    from django.db.models import Q
    from django.test import Client

    from trellis.commons.models import CommonsItem

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(users)

    def reader(index: int) -> None:
        nonlocal errors
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        start.wait()
        for n in range(per_user):
            query = QUERIES[(index + n) % len(QUERIES)]
            began = time.perf_counter()
            if scan:
                condition = Q()
                for word in query.split():
                    condition &= (Q(title__icontains=word) | Q(summary__icontains=word)
                                  | Q(description__icontains=word))
                rows = CommonsItem.objects.filter(condition, status="published").order_by("-published_at", "-id")
                ok = len(list(rows.values_list("pk", flat=True)[:10])) >= 0
            else:
                ok = client.get("/commons/", {"q": query}).status_code == 200
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                errors += not ok
        connections.close_all()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(users)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies), "errors": errors, "seconds": round(wall, 2),
        "requests_per_second": round(len(latencies) / wall, 1),
        "median_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--queries-per-user", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    user = load(args.items, args.seed)
    database = connection.vendor
    trellis = run(user, args.users, args.queries_per_user, scan=False)
    scan = run(user, args.users, args.queries_per_user, scan=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {"database": database, "items": args.items, "users": args.users, "trellis_search_page": trellis,
              "plain_scan_query_only": scan, "peak_memory_mb": round(peak)}
    OUT.mkdir(exist_ok=True)
    (OUT / f"commons_search_{database}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
