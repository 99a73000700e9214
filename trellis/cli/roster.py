"""trellis import: read standard exports into Trellis."""

from __future__ import annotations

from pathlib import Path

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
) -> None:
    """Import a OneRoster roster: organizations, staff accounts and the pseudonymised student store.

    All or nothing: a file with a problem is refused with the file, row and column, and nothing
    changes.
    """
    if not path.exists():
        console.print(f"[red]{path} does not exist.[/red]")
        raise typer.Exit(2)
    django_setup()
    from django.core.management import call_command

    from trellis.core.services import UserFacingError
    from trellis.orgs.roster import organization_for_import, roster_import

    call_command("migrate", interactive=False, verbosity=0)
    try:
        target = organization_for_import(into) if into else None
    except UserFacingError as exc:
        console.print(f"[red]Nothing was imported.[/red] --into: {exc}")
        raise typer.Exit(2) from exc
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("Reading", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total or None)

        try:
            result = roster_import(actor=None, source=path, scope=None, into=target, progress=progress)
        except UserFacingError as exc:
            console.print(f"[red]Nothing was imported.[/red]\n{exc}")
            raise typer.Exit(1) from exc
    table = Table(title=f"Imported {path.name}")
    table.add_column("What")
    table.add_column("Count", justify="right")
    for name, count in result.counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    changed = {**result.created, **{f"{k} (changed)": v for k, v in result.updated.items()}}
    if changed:
        console.print("Changes: " + ", ".join(f"{k}: {v:,}" for k, v in changed.items()))
    else:
        console.print("Nothing changed: Trellis already had this roster.")
