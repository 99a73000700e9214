"""trellis synth: a deterministic synthetic state as OneRoster 1.2 CSV, or sample tool outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trellis.engine.synth.roster import FILES, SIZES, SynthSummary, generate_state

synth_app = typer.Typer(
    help="Write a deterministic synthetic state as OneRoster 1.2 CSV (or, with tool-outputs, a "
    "sample of an AI tool's outputs to audit).",
    add_completion=False,
)


@synth_app.callback(invoke_without_command=True)
def synth(
    context: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory to write the OneRoster CSV files to.")
    ] = None,
    size: Annotated[str, typer.Option("--size", help=f"One of: {', '.join(SIZES)}.")] = "small",
    seed: Annotated[
        int, typer.Option("--seed", help="The same size and seed give identical files.")
    ] = 0,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a directory that is not empty.")
    ] = False,
    xapi: Annotated[
        bool, typer.Option("--xapi/--no-xapi", help="Also write a year of the teachers' professional learning "
                           "as xAPI statements (xapi-statements.jsonl), for `trellis import xapi`.")
    ] = True,
) -> None:
    """Write a deterministic synthetic state as OneRoster 1.2 CSV, and a year of its teachers'
    professional learning as xAPI statements from a learning system."""
    if context.invoked_subcommand is not None:
        return
    if out is None:
        raise typer.BadParameter("give the directory to write to, e.g. --out state/.", param_hint="'--out'")
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
    if xapi:
        from trellis.engine.synth.learning import write_learning_xapi

        path, statements = write_learning_xapi(out, seed=seed)
        console.print(f"Wrote {statements:,} xAPI statements of the teachers' professional learning to {path}; "
                      f"import them with: trellis import xapi {path}", markup=False, highlight=False)


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


@synth_app.command("tool-outputs")
def tool_outputs(
    out: Annotated[Path, typer.Option("--out", help="File to write: .csv or .parquet.")],
    tool: Annotated[
        str, typer.Option("--tool", help="writing-detector, early-warning or essay-scorer.")
    ] = "writing-detector",
    bias: Annotated[
        str,
        typer.Option(
            "--bias",
            help="A built-in bias by name, or none. writing-detector: english-learners; "
            "early-warning: econ-disadvantaged, disability; essay-scorer: english-learners.",
        ),
    ] = "none",
    rows: Annotated[int, typer.Option("--rows", help="Number of students.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="The same options give the same file.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write sample outputs of an AI tool on synthetic students, to try an audit with.

    The writing detector and the early-warning system flag students (with a score and the true
    outcome); the essay scorer gives a machine score beside a teacher's. With --bias the tool
    treats one group worse in a known way (the writing detector flags English learners falsely
    three times as often); without it every group is treated alike. Prints the audit command.
    """
    from trellis.engine.synth.tool_outputs import SAMPLE_TOOLS, write_sample_tool_outputs

    if tool not in SAMPLE_TOOLS:
        raise typer.BadParameter(
            f"unknown tool {tool!r}; choose one of: {', '.join(SAMPLE_TOOLS)}.", param_hint="'--tool'"
        )
    spec = SAMPLE_TOOLS[tool]
    if bias != "none" and bias not in spec.biases:
        known = ", ".join(["none", *spec.biases])
        raise typer.BadParameter(
            f"the {tool} has no built-in bias {bias!r}; choose one of: {known}.", param_hint="'--bias'"
        )
    if rows < 1:
        raise typer.BadParameter(f"--rows must be at least 1; got {rows}.", param_hint="'--rows'")
    if out.is_dir():
        raise typer.BadParameter(
            f"{out} is a folder; give a file name ending in .csv or .parquet.", param_hint="'--out'"
        )
    if not out.parent.is_dir():
        raise typer.BadParameter(f"the folder of {out} does not exist.", param_hint="'--out'")
    if out.exists() and not force:
        raise typer.BadParameter(f"{out} exists; pass --force to replace it.", param_hint="'--out'")
    partial = out.with_name(f".{out.name}.partial{out.suffix}")
    try:
        write_sample_tool_outputs(partial, tool, rows, seed=seed, bias=bias)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    console = Console(highlight=False)
    treated = f"with the built-in bias {bias}" if bias != "none" else "treating every group alike"
    console.print(f"Wrote {rows:,} outputs of the {tool} to {out}, {treated}.")
    console.print(spec.description)
    console.print(f"Audit them with: trellis audit {out} {spec.audit}")
