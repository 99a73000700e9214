"""trellis synth: write a deterministic synthetic state as OneRoster 1.2 CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trellis.engine.synth.roster import FILES, SIZES, SynthSummary, generate_state


def synth(
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write the OneRoster CSV files to.")
    ],
    size: Annotated[str, typer.Option("--size", help=f"One of: {', '.join(SIZES)}.")] = "small",
    seed: Annotated[
        int, typer.Option("--seed", help="The same size and seed give identical files.")
    ] = 0,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a directory that is not empty.")
    ] = False,
) -> None:
    """Write a deterministic synthetic state as OneRoster 1.2 CSV."""
    if size not in SIZES:
        choices = ", ".join(SIZES)
        raise typer.BadParameter(
            f"unknown size {size!r}; choose one of: {choices}.", param_hint="'--size'"
        )
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file, not a directory.", param_hint="'--out'")
    if out.exists() and any(out.iterdir()) and not force:
        raise typer.BadParameter(
            f"{out} is not empty; pass --force to write into it anyway.", param_hint="'--out'"
        )

    console = Console()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("districts"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"Generating the {size} state", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = generate_state(size, seed=seed, out_dir=out, progress=progress)
    console.print(_summary_table(summary))
    megabytes = sum((out / name).stat().st_size for name in FILES) / 1e6
    console.print(
        f"Wrote {len(FILES)} files ({megabytes:,.1f} MB) to {out} in {summary.seconds:.1f} s."
    )


def _summary_table(summary: SynthSummary) -> Table:
    table = Table(title=f"Synthetic state: size {summary.size}, seed {summary.seed}")
    table.add_column("Records")
    table.add_column("Count", justify="right")
    for label, value in [
        ("Regions", summary.regions),
        ("Districts", summary.districts),
        ("Schools", summary.schools),
        ("Staff", summary.staff),
        ("  of whom teachers", summary.teachers),
        ("Students", summary.students),
        ("Classes", summary.classes),
        ("Enrollments", summary.enrollments),
    ]:
        table.add_row(label, f"{value:,}")
    return table
