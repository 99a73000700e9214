"""Commands that run Trellis itself: database setup, accounts, demo data and the web server.

These set Django up only when they run, so the engine commands stay free of it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import typer
from gunicorn.app.base import BaseApplication
from rich.console import Console
from rich.table import Table

console = Console()
DEMO_PASSWORD = "trellis-demo-password"


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.config.settings")
    import django

    django.setup()


def migrate() -> None:
    """Create or update the database tables."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    console.print("The database is ready.")


def web_workers() -> tuple[int, int]:
    """Gunicorn's worker processes and threads per process, from TRELLIS_WEB_WORKERS and
    TRELLIS_WEB_THREADS; by default one process per core and four threads each (pages spend part
    of their time waiting on the database)."""
    from trellis.config.env import env_int

    return env_int("TRELLIS_WEB_WORKERS", max(1, os.cpu_count() or 1), minimum=1), \
        env_int("TRELLIS_WEB_THREADS", 4, minimum=1)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    with_worker: bool = typer.Option(True, "--worker/--no-worker",
                                     help="Start a job worker beside the web server."),
) -> None:
    """Serve Trellis with gunicorn, static files through WhiteNoise, and a job worker beside it."""
    from trellis.config.ports import port_problem

    problem = port_problem(host, str(port))
    if problem:
        console.print(f"[red]{problem}[/red]")
        raise typer.Exit(2)
    django_setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # gunicorn forks its workers; each opens its own connections
    workers, threads = web_workers()
    worker = subprocess.Popen([sys.executable, "-m", "trellis.cli", "worker"]) if with_worker else None
    console.print(f"Trellis is running on http://{host}:{port}/  ({workers} web processes × {threads} threads"
                  f"{', and a job worker' if worker else ''}; Ctrl+C stops it)")
    try:
        TrellisServer({
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 120,
            "graceful_timeout": 30,
            "keepalive": 5,
            "accesslog": os.environ.get("TRELLIS_ACCESS_LOG") or None,
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "trellis",
        }).run()
    finally:
        if worker is not None:
            worker.terminate()  # the worker finishes the job it is running, then stops
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()


class TrellisServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn run from Python with Trellis' settings instead of a configuration file."""

    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> object:
        from trellis.config.wsgi import application

        return application


#: How often a running worker drops what waited too long (uploads nobody confirmed).
TIDY_SECONDS = 300.0


def _tidy_every(seconds: float) -> None:
    from django.db import connection

    from trellis.core.services import jobs_tidy

    while True:
        time.sleep(seconds)
        try:
            jobs_tidy()
        except Exception:  # a failed clean-up is logged and tried again; it must not stop the worker
            logging.getLogger("trellis.worker").exception("The periodic clean-up failed")
        finally:
            connection.close()


def worker(
    interval: float = typer.Option(1.0, help="Seconds between looks for new work when the queue is empty."),
    batch: bool = typer.Option(False, "--batch", help="Run what is queued, then stop."),
) -> None:
    """Run background jobs (imports, audits, reports) from the database queue.

    On start, jobs left running by a worker that died (a crash, a kill, a restart) are marked
    failed with a message saying so, and what they left behind is removed."""
    django_setup()
    from django.core.management import call_command

    from trellis.core.services import jobs_fail_interrupted, jobs_tidy, jobs_warm, worker_name

    for job in jobs_fail_interrupted():
        console.print(f"Marked as stopped (its worker had ended): job {job.pk}, {job.title}")
    jobs_tidy()
    if not batch:
        threading.Thread(target=_tidy_every, args=(TIDY_SECONDS,), name="trellis-tidy", daemon=True).start()
    # Loaded before the first job rather than during it, so that the first audit after a restart
    # takes as long as the next.
    for kind, seconds in jobs_warm().items():
        console.print(f"Ready for {kind} jobs ({seconds:.1f} s to load)")
    arguments = ["--worker-id", worker_name(), "--interval", str(interval), "--no-startup-delay", "--no-reload"]
    call_command("db_worker", *arguments, *(["--batch"] if batch else []), verbosity=0)


def backup(
    directory: Path = typer.Argument(..., help="A new or empty folder to write the backup into."),
) -> None:
    """Back up the database and the data directory, with a manifest of checksums. The pseudonym
    key is not copied: keep it apart from the backups (the README says where)."""
    django_setup()
    from django.conf import settings
    from django.db import connection

    from trellis.core.backup import BackupError, Database, backup_write
    from trellis.core.models import Job

    running = Job.objects.filter(status=Job.Status.RUNNING).count()
    if running:
        console.print(f"[red]{running} job(s) are running.[/red] Back up when they have finished (or stop the "
                      "worker), so the database and the data directory match.")
        raise typer.Exit(2)
    try:
        from trellis.recognition.models import BadgeCredential

        signed = BadgeCredential.objects.exists()
        manifest = backup_write(target=directory, database=Database(connection.vendor, settings.DATABASES["default"]),
                                data_dir=Path(settings.TRELLIS_DATA_DIR), pseudonym_key=settings.TRELLIS_PSEUDONYM_KEY,
                                badge_key=settings.TRELLIS_BADGE_KEY if signed else None)
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"Backed up the database and {len(manifest['files']) - 1} data files to {directory}.")


def restore(
    directory: Path = typer.Argument(..., help="A folder written by `trellis backup`."),
) -> None:
    """Restore a backup into an empty TRELLIS_HOME (and an empty database). The pseudonym key the
    student data was keyed with must be present first."""
    from trellis.config.env import trellis_home
    from trellis.core.backup import BackupError, database_from_url, restore_read

    home = trellis_home()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{home / 'trellis.sqlite3'}"
    key_file = home / "secrets" / "pseudonym_key"
    key = os.environ.get("TRELLIS_PSEUDONYM_KEY") or (key_file.read_text().strip() if key_file.exists() else None)
    badge_file = home / "secrets" / "badge_key"
    badge_key = os.environ.get("TRELLIS_BADGE_KEY") or (badge_file.read_text().strip() if badge_file.exists() else None)
    try:
        manifest = restore_read(source=directory, home=home, database=database_from_url(url), pseudonym_key=key,
                                badge_key=badge_key)
    except BackupError as exc:
        console.print(f"[red]Nothing was restored.[/red] {exc}")
        raise typer.Exit(2) from exc
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)  # a backup from an older Trellis
    console.print(f"Restored the backup of {manifest['created_at']} into {home}.")


def demo(
    size: str = typer.Option("medium", help="Synthetic state size: small, medium or state."),
    seed: int = typer.Option(2026, help="Seed for the synthetic state."),
    run_server: bool = typer.Option(True, "--serve/--no-serve", help="Start the web server afterwards."),
    port: int = typer.Option(8000, help="Port to serve on."),
) -> None:
    """Load a synthetic state (generated, then imported through the OneRoster importer), create one
    demo login per role, print them and serve Trellis."""
    from trellis.config.ports import port_problem

    # Checked first: loading takes a minute, and a busy port would only fail after it.
    problem = port_problem("127.0.0.1", str(port)) if run_server else ""
    if problem:
        console.print(f"[red]{problem}[/red]")
        raise typer.Exit(1)
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from rich.progress import Progress

    from trellis.commons.demo import demo_commons
    from trellis.insights.demo import insights_demo_load
    from trellis.learning.demo import learning_demo_load
    from trellis.orgs.demo import demo_load
    from trellis.roadmap.demo import demo_roadmaps
    from trellis.tools.demo import governance_demo_load

    console.print("Preparing the database…")
    call_command("migrate", interactive=False, verbosity=0)
    roster_dir = Path(settings.TRELLIS_HOME) / f"demo-roster-{size}-{seed}"
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Loading the synthetic state (first run takes a minute)…", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step or "Loading the synthetic state…", completed=done,
                       total=total or None)

        logins = demo_load(size=size, seed=seed, roster_dir=roster_dir, password=DEMO_PASSWORD, progress=progress)
        bar.update(task, description="Adding a year of professional learning…", total=None)
        learning_demo_load(seed=seed)
        bar.update(task, description="Adding the AI tools and their reviews…", total=None)
        governance_demo_load(roster_dir=roster_dir)
        bar.update(task, description="Adding the districts' roadmaps…", total=None)
        demo_roadmaps(seed=seed)
        demo_commons(seed=seed)
        bar.update(task, description="Adding funding, plans and annual reports…", total=None)
        insights_demo_load(seed=seed)
    table = Table(title="Demo logins (password for all: " + DEMO_PASSWORD + ")")
    table.add_column("Role")
    table.add_column("Username")
    table.add_column("Organization")
    for role, username, organization in logins:
        table.add_row(role, username, organization)
    console.print(table)
    if run_server:
        serve(host="127.0.0.1", port=port, with_worker=True)


def user_create(
    username: str = typer.Argument(..., help="The new account's username."),
    role: str = typer.Option(..., help="state_lead, state_analyst, regional_coach, district_lead, "
                             "school_leader, coach or teacher."),
    organization: str = typer.Option(..., "--org", help="The organization's sourcedId or NCES id."),
    given_name: str = typer.Option(..., help="Given name."),
    family_name: str = typer.Option(..., help="Family name."),
    email: str = typer.Option("", help="Email address."),
) -> None:
    """Create a staff account with a role over an organization; asks for its password."""
    django_setup()
    from django.core.exceptions import ValidationError
    from django.db.models import Q

    from trellis.orgs.models import Organization, Role
    from trellis.orgs.services import person_create

    if role not in Role.values:
        console.print(f"[red]Unknown role {role!r}.[/red] Choose one of: {', '.join(Role.values)}.")
        raise typer.Exit(2)
    found = Organization.objects.filter(Q(sourced_id=organization) | Q(nces_id=organization)).first()
    if found is None:
        console.print(f"[red]No organization has the sourcedId or NCES id {organization!r}.[/red]")
        raise typer.Exit(2)
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password)
        person = person_create(actor=None, username=username, given_name=given_name, family_name=family_name,
                               email=email, password=password, organization=found, role=role)
    except ValidationError as exc:
        console.print("[red]" + " ".join(exc.messages) + "[/red]")
        raise typer.Exit(2) from exc
    console.print(f"Created {person.full_name} ({username}) as {Role(role).label} at {found.name}.")


def register(app: typer.Typer) -> None:
    """Add the server commands to the root app."""
    app.command("migrate")(migrate)
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("demo")(demo)
    users = typer.Typer(help="Manage staff accounts.", no_args_is_help=True)
    users.command("create")(user_create)
    app.add_typer(users, name="user")
