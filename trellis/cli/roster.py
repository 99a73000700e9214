"""trellis import: read standard exports into Trellis."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trellis.cli.server import django_setup

import_app = typer.Typer(help="Import data from standard formats.", no_args_is_help=True)
console = Console()


@import_app.command("oneroster")
def oneroster(
    path: Path = typer.Argument(..., help="A OneRoster 1.1 or 1.2 CSV export: a folder or a .zip file."),
    into: str = typer.Option(
        "", "--into", metavar="ORG",
        help="The organization the export is for (its sourcedId or NCES id): organizations whose parent "
        "is not in the export are placed under it.",
    ),
    yes: bool = typer.Option(
        False, "--yes", help="Make the changes without asking, even when staff would be switched off or "
        "students removed.",
    ),
) -> None:
    """Import a OneRoster roster: organizations, staff accounts and the pseudonymised student store.

    All or nothing: a file with a problem is refused with the file, row and column, and nothing
    changes. An import that would switch off staff or remove students shows what it would take
    away per district and asks first (--yes skips the question).
    """
    if not path.exists():
        console.print(f"[red]{path} does not exist.[/red]")
        raise typer.Exit(2)
    django_setup()
    from django.core.management import call_command

    from trellis.core.services import UserFacingError
    from trellis.interop.oneroster import cycle_collector_paused
    from trellis.orgs.roster import (
        RosterNotConfirmed,
        organization_for_import,
        plain_counts,
        roster_import,
    )

    call_command("migrate", interactive=False, verbosity=0)
    try:
        target = organization_for_import(into) if into else None
    except UserFacingError as exc:
        console.print(f"[red]Nothing was imported.[/red] --into: {exc}")
        raise typer.Exit(2) from exc

    def run(confirm: Any) -> Any:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("Reading", total=None)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total or None)

            # This process does nothing but the import, so Python's cycle collector may rest.
            with cycle_collector_paused():
                return roster_import(actor=None, source=path, scope=None, into=target, progress=progress,
                                     confirm=confirm)

    try:
        if yes:
            result = run(None)
        else:
            try:
                result = run(lambda plan: not plan.removes_anything)
            except RosterNotConfirmed as pending:
                print_removals(pending.plan)
                if not interactive():
                    console.print("[red]Nothing was imported.[/red] This import would switch off staff or "
                                  "remove students (above). Run it again with --yes to make these changes.")
                    raise typer.Exit(1) from pending
                if not typer.confirm("Make these changes?", default=False):
                    console.print("Nothing was imported.")
                    raise typer.Exit(1) from pending
                expected = pending.plan.removals
                result = run(lambda plan: plan.removals == expected)
    except RosterNotConfirmed as exc:
        console.print("[red]Nothing was imported.[/red] What the import would take away changed while you "
                      "were deciding. Run the import again.")
        raise typer.Exit(1) from exc
    except UserFacingError as exc:
        console.print(f"[red]Nothing was imported.[/red]\n{exc}")
        raise typer.Exit(1) from exc
    table = Table(title=f"Imported {path.name}")
    table.add_column("What")
    table.add_column("Count", justify="right")
    for name, count in plain_counts(result.counts).items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    changed = {**result.created, **{f"{k} (changed)": v for k, v in result.updated.items()}}
    if changed:
        console.print("Changes: " + ", ".join(f"{k}: {v:,}" for k, v in changed.items()))
    else:
        console.print("Nothing changed: Trellis already had this roster.")


def interactive() -> bool:
    """Whether a person is at the terminal to answer a question."""
    return sys.stdin.isatty()


def print_removals(plan: Any) -> None:
    """What an import would take away, per district and kind."""
    from trellis.orgs.roster import REMOVAL_KINDS

    table = Table(title="This import would take away")
    table.add_column("District")
    for kind in REMOVAL_KINDS:
        table.add_column(kind, justify="right")
    for district, kinds in sorted(plan.removals.items()):
        table.add_row(district, *(f"{kinds.get(kind, 0):,}" for kind in REMOVAL_KINDS))
    console.print(table)
    added = {**plan.created, **{f"{k} (changed)": v for k, v in plan.updated.items() if "switched off" not in k}}
    if added:
        console.print("It would also add or change: " + ", ".join(f"{k}: {v:,}" for k, v in added.items()))
