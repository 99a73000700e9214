"""trellis measures: the professional-learning measures of a school year, suppressed, for an analyst."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from trellis.engine.measures import MeasureResult

console = Console()

LABELS = {
    "participation_share": "Teachers with at least {hours:g} AI-related PL hours",
    "hours_per_teacher": "AI-related PL hours per teacher",
    "durable_share": "Share of AI-related hours in durable formats",
    "practice_change": "Observed level change: coached minus not coached",
    "outcome_change": "Student outcome change: participating teachers' students minus others",
}
KIND_LABELS = {"all": "All", "district": "District", "poverty_quartile": "Poverty quartile", "locale": "Locale"}
SHARES = ("participation_share", "durable_share")


def _number(measure: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.1f}%" if measure in SHARES else f"{value:.2f}"


def _gap_number(measure: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{100 * value:+.1f} points" if measure in SHARES else f"{value:+.2f}"


def render(result: MeasureResult, names: dict[str, str]) -> None:
    """Print the rows, the gaps and the notes as Rich tables."""
    table = Table(title=f"Professional-learning measures, school year {result.year - 1}-{result.year}")
    for column, justify in (("Measure", "left"), ("Group", "left"), ("n", "right"), ("Value", "right"),
                            ("95% interval", "right"), ("Note", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in result.rows:
        group = names.get(row.group, row.group) if row.group_kind == "district" else row.group
        label = LABELS[row.measure].format(hours=result.hours_threshold)
        interval = (f"{_number(row.measure, row.low)} to {_number(row.measure, row.high)}"
                    if row.low is not None and row.high is not None else "—")
        table.add_row(label, f"{KIND_LABELS[row.group_kind]}: {group}" if row.group_kind != "all" else "All",
                      "—" if row.n is None else f"{row.n:,}", "suppressed" if row.suppressed else
                      _number(row.measure, row.value), interval, row.reason)
    console.print(table)
    if result.gaps:
        gaps = Table(title="Gap: highest-poverty quartile (4) minus lowest (1)")
        for column in ("Measure", "Gap", "95% interval"):
            gaps.add_column(column)
        for gap in result.gaps:
            interval = (f"{_gap_number(gap.measure, gap.low)} to {_gap_number(gap.measure, gap.high)}"
                        if gap.low is not None and gap.high is not None else "—")
            gaps.add_row(LABELS[gap.measure].format(hours=result.hours_threshold),
                         "suppressed" if gap.suppressed else _gap_number(gap.measure, gap.diff), interval)
        console.print(gaps)
    for note in result.notes:
        console.print(note, markup=False, highlight=False)


def measures(
    year: Annotated[int, typer.Option("--year", help="The school year, named by the year it ends in "
                                      "(2026 for 2025-26).")],
    org: Annotated[str, typer.Option("--org", help="sourcedId or NCES id of a district or region (with --tables: "
                                     "a district_id): its districts' rows beside the state's. The whole state "
                                     "when left out.")] = "",
    hours: Annotated[float, typer.Option("--hours", help="AI-related hours a teacher needs to count as "
                                         "participating.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON instead of tables.")] = False,
    tables: Annotated[Path | None, typer.Option("--tables", help="Read the measure tables (Parquet) from this "
                                                "directory instead of Trellis's database.")] = None,
    outcomes: Annotated[Path | None, typer.Option("--outcomes", help="A student outcome file (CSV or Parquet: "
                                                  "student_id, pre, post) to join through the roster.")] = None,
) -> None:
    """The professional-learning measures of a school year: participation, practice, outcomes and equity
    of access by poverty quartile and locale, every published number suppressed."""
    from trellis.engine.measures import MeasureInputError

    names: dict[str, str] = {}
    try:
        if tables is not None:
            result = _from_tables(tables, year=year, hours=hours, org=org, names=names)
        else:
            result = _from_database(year=year, hours=hours, org=org, outcomes=outcomes, names=names)
    except MeasureInputError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    else:
        render(result, names)


def _from_tables(tables: Path, *, year: int, hours: float, org: str, names: dict[str, str]) -> MeasureResult:
    import os

    import duckdb

    from trellis.engine.measures import compute

    if not tables.is_dir():
        console.print(f"[red]{tables} is not a directory.[/red]", highlight=False)
        raise typer.Exit(2)
    min_n = int(os.environ.get("TRELLIS_MIN_N", "10"))
    by = ("district", "poverty_quartile", "locale") if org else ("poverty_quartile", "locale")
    result = compute(tables, year=year, hours_threshold=hours, min_n=min_n, by=by)
    if not org:
        return result
    path = str(tables / "districts.parquet").replace("'", "''")
    names.update(dict(duckdb.execute(f"SELECT district_id, name FROM read_parquet('{path}')").fetchall()))
    if org not in names:
        console.print(f"[red]No district has the district_id {org!r} in {tables}.[/red]", highlight=False)
        raise typer.Exit(2)
    return result.only_districts([org])


def _from_database(*, year: int, hours: float, org: str, outcomes: Path | None,
                   names: dict[str, str]) -> MeasureResult:
    from trellis.cli.learning import _organization, _setup

    _setup()
    from trellis.learning.measures import organization_measures
    from trellis.orgs.models import Organization

    if org:
        organization = _organization(org)
        if organization.kind == Organization.Kind.SCHOOL:
            console.print("[red]The measures are for a district, a region or the state, not a school.[/red]")
            raise typer.Exit(2)
    else:
        organization = Organization.objects.filter(kind=Organization.Kind.STATE).order_by("pk").first()
        if organization is None:
            console.print("[red]Trellis has no state yet: import a roster first.[/red]")
            raise typer.Exit(2)
    names.update({str(pk): name for pk, name in Organization.objects.filter(
        kind=Organization.Kind.DISTRICT).values_list("pk", "name")})
    return organization_measures(organization=organization, year=year, hours_threshold=hours, outcomes=outcomes)
