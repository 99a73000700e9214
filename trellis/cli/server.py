"""Commands that run Trellis itself: database setup, accounts, demo data and the web server.

These set Django up only when they run, so the engine commands stay free of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
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


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve Trellis (a single-process server for a demo or a small pilot)."""
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    console.print(f"Trellis is running on http://{host}:{port}/  (Ctrl+C stops it)")
    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True, skip_checks=True)


def worker(
    interval: float = typer.Option(1.0, help="Seconds between looks for new work when the queue is empty."),
    batch: bool = typer.Option(False, "--batch", help="Run what is queued, then stop."),
) -> None:
    """Run background jobs (imports, audits, reports) from the database queue.

    On start, jobs left running by a worker that died (a crash, a kill, a restart) are marked
    failed with a message saying so, and what they left behind is removed."""
    django_setup()
    from django.core.management import call_command

    from trellis.core.services import jobs_fail_interrupted, worker_name

    for job in jobs_fail_interrupted():
        console.print(f"Marked as stopped (its worker had ended): job {job.pk}, {job.title}")
    arguments = ["--worker-id", worker_name(), "--interval", str(interval), "--no-startup-delay", "--no-reload"]
    call_command("db_worker", *arguments, *(["--batch"] if batch else []), verbosity=0)


def demo(
    size: str = typer.Option("medium", help="Synthetic state size: small, medium or state."),
    seed: int = typer.Option(2026, help="Seed for the synthetic state."),
    run_server: bool = typer.Option(True, "--serve/--no-serve", help="Start the web server afterwards."),
    port: int = typer.Option(8000, help="Port to serve on."),
) -> None:
    """Load a synthetic state (generated, then imported through the OneRoster importer), create one
    demo login per role, print them and serve Trellis."""
    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from trellis.orgs.demo import demo_load

    call_command("migrate", interactive=False, verbosity=0)
    roster_dir = Path(settings.TRELLIS_HOME) / f"demo-roster-{size}-{seed}"
    with console.status("Loading the synthetic state (first run takes a minute)…"):
        logins = demo_load(size=size, seed=seed, roster_dir=roster_dir, password=DEMO_PASSWORD,
                           progress=lambda step, done, total: None)
    table = Table(title="Demo logins (password for all: " + DEMO_PASSWORD + ")")
    table.add_column("Role")
    table.add_column("Username")
    table.add_column("Organization")
    for role, username, organization in logins:
        table.add_row(role, username, organization)
    console.print(table)
    if run_server:
        serve(host="127.0.0.1", port=port)


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
    app.command("demo")(demo)
    users = typer.Typer(help="Manage staff accounts.", no_args_is_help=True)
    users.command("create")(user_create)
    app.add_typer(users, name="user")
