"""trellis import case / xapi, trellis export case: competency frameworks and learning records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from trellis.cli.roster import import_app
from trellis.cli.server import django_setup

export_app = typer.Typer(help="Export data in standard formats.", no_args_is_help=True)
console = Console()


def _setup() -> None:
    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _organization(org: str) -> Any:
    """The organization with this sourcedId or NCES id; stops the command when there is none."""
    from django.db.models import Q

    from trellis.orgs.models import Organization

    found = Organization.objects.filter(Q(sourced_id=org) | Q(nces_id=org)).first()
    if found is None:
        console.print(f"[red]No organization has the sourcedId or NCES id {org!r}.[/red]")
        raise typer.Exit(2)
    return found


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title)
    table.add_column("What")
    table.add_column("Count", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    return table


@import_app.command("case")
def import_case(
    path: Path = typer.Argument(..., help="A CASE 1.1 JSON package (CFPackage)."),
    org: str = typer.Option("", "--org", help="sourcedId or NCES id of the organization that adopts it "
                            "(its staff and those below see it); the whole state when left out."),
) -> None:
    """Import a competency framework from a CASE 1.1 JSON package, all or nothing."""
    if not path.is_file():
        console.print(f"[red]{path} is not a file.[/red]")
        raise typer.Exit(2)
    _setup()
    from trellis.learning.services import FrameworkRefused, framework_import
    from trellis.orgs.models import Organization

    owner = _organization(org) if org else (
        Organization.objects.filter(kind=Organization.Kind.STATE).order_by("pk").first())
    try:
        result = framework_import(actor=None, data=path.read_bytes(), source_name=path.name, owner=owner)
    except FrameworkRefused as exc:
        console.print("[red]Nothing was imported.[/red]")
        console.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    framework = result.framework
    console.print(f"Identifier: {framework.identifier}", highlight=False)
    console.print(f"Title: {framework.title}", markup=False, highlight=False)
    if not result.created:
        console.print("Trellis already had this framework; nothing changed.")
    console.print(_counts_table("In the package", result.counts))
    for warning in result.warnings:
        console.print(f"warning {warning}", markup=False, highlight=False)


@export_app.command("case")
def export_case(
    identifier: str = typer.Argument(..., help="The framework's CASE identifier (its CFDocument identifier)."),
    out: Path = typer.Option(..., "--out", help="The JSON file to write."),
) -> None:
    """Write a competency framework as a CASE 1.1 JSON package."""
    _setup()
    from trellis.interop.case import package_json
    from trellis.learning.models import Framework
    from trellis.learning.services import framework_default, framework_package

    framework_default()
    framework = Framework.objects.filter(identifier__iexact=identifier).first()
    if framework is None:
        console.print(f"[red]No framework has the identifier {identifier!r}.[/red]")
        raise typer.Exit(2)
    out.write_text(package_json(framework_package(framework)), encoding="utf-8")
    console.print(f"Wrote {framework.title} ({framework.competencies.count()} items) to {out}", markup=False,
                  highlight=False)


@import_app.command("xapi")
def import_xapi(
    path: Path = typer.Argument(..., help="xAPI statements: a JSON array or JSON Lines (one statement a line)."),
    org: str = typer.Option("", "--org", help="sourcedId or NCES id of the organization whose staff the "
                            "statements are matched to; the whole state when left out."),
) -> None:
    """Import learning records (xAPI statements) from a learning system, all or nothing.

    Statements already imported add nothing. Actors that match no staff member are kept as
    unplaced and placed when a matching person is rostered later.
    """
    if not path.is_file():
        console.print(f"[red]{path} is not a file.[/red]")
        raise typer.Exit(2)
    _setup()
    from trellis.learning.jobs import xapi_counts
    from trellis.learning.services.xapi import XapiRefused, xapi_import

    scope = _organization(org) if org else None
    with console.status("Reading the statements…") as status:
        try:
            record = xapi_import(actor=None, source=path, source_name=path.name, scope=scope,
                                 progress=lambda step, done, total: status.update(step))
        except XapiRefused as exc:
            console.print("[red]Nothing was imported.[/red]")
            console.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(1) from exc
    console.print(_counts_table(f"Imported {path.name}", xapi_counts(record)))
    if record.pk is None:
        console.print("Nothing changed: Trellis already had every statement in this file.")
