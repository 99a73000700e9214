"""trellis audit: audit a tool's outputs for disparities between student groups."""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from trellis.engine.fairness import AuditResult
    from trellis.engine.suppression import SuppressionPolicy

JSON_KEYS: tuple[str, ...] = (
    "attributes",
    "group",
    "metric",
    "n",
    "value",
    "ci_low",
    "ci_high",
    "reference",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "p_value",
    "q_value",
    "flagged",
    "suppressed",
)
"""The keys of every ``--json`` row; ``threshold`` and ``bin`` follow ``metric`` only in audits
that have rows per score threshold or calibration bin."""

INTERSECTIONS = ("none", "pairs", "all")
PROGRESS_BYTES = 20_000_000  # smaller files are audited before a bar would be worth drawing
SHOWN_FINDINGS = 10


class UsageProblem(Exception):
    """Bad input from the person running the command: exit code 2."""


def audit(
    file: Annotated[
        Path, typer.Argument(help="The tool's outputs: a CSV or Parquet file.", metavar="FILE")
    ],
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="COL,COL,...",
            help="Comma-separated attribute columns, e.g. race,sex,english_learner.",
        ),
    ],
    prediction: Annotated[
        str | None,
        typer.Option("--prediction", metavar="COL", help="Binary prediction column (0/1, yes/no)."),
    ] = None,
    score: Annotated[
        str | None, typer.Option("--score", metavar="COL", help="Numeric score column.")
    ] = None,
    threshold: Annotated[
        list[float] | None,
        typer.Option("--threshold", metavar="T", help="Score threshold; repeat for several."),
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", metavar="COL", help="Binary ground-truth column.")
    ] = None,
    ordinal: Annotated[
        bool,
        typer.Option(
            "--ordinal",
            help="Compare an ordinal machine score (--prediction) with a human score (--label).",
        ),
    ] = False,
    intersections: Annotated[
        str,
        typer.Option(
            "--intersections",
            metavar="none|pairs|all",
            help="Combinations to report: none, pairs or all.",
        ),
    ] = "pairs",
    reference: Annotated[
        list[str] | None,
        typer.Option(
            "--reference",
            metavar="COL=VALUE",
            help="Reference group as COLUMN=VALUE; repeat for several attributes.",
        ),
    ] = None,
    min_n: Annotated[
        int, typer.Option("--min-n", metavar="N", help="Minimum group size to publish.")
    ] = 10,
    level: Annotated[
        float, typer.Option("--level", metavar="LEVEL", help="Confidence level of intervals.")
    ] = 0.95,
    fdr: Annotated[
        str,
        typer.Option(
            "--fdr",
            metavar="LEVEL|off",
            help="False discovery rate of the flags across the whole audit (Benjamini-Hochberg), "
            "e.g. 0.05; 'off' flags each comparison whose interval lies outside the parity band.",
        ),
    ] = "0.05",
    smd_threshold: Annotated[
        float,
        typer.Option(
            "--smd-threshold",
            metavar="D",
            help="Flag a standardized mean difference only when |SMD| is above this.",
        ),
    ] = 0.15,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", metavar="OUT", help="Write one JSON row per group and metric."),
    ] = None,
    publish: Annotated[
        bool,
        typer.Option("--publish", help="Write the suppressed (publishable) view to --json."),
    ] = False,
    html_out: Annotated[
        Path | None,
        typer.Option("--html", metavar="OUT", help="Write the self-contained HTML report."),
    ] = None,
) -> None:
    """Audit a tool's outputs for disparities between student groups.

    Prints the flagged disparities in plain language, then the main measure per group. --json
    writes the raw values for the district's analysts unless --publish is given; the terminal
    and --html always show the published view, with small groups suppressed. Exit code 2 for bad
    input, 1 for any other failure; no output file is left behind on failure.
    """
    # The engine (numpy, scipy, DuckDB) loads only when an audit runs, so every other
    # trellis command starts fast.
    from trellis.engine.fairness import AuditInputError, AuditWarning
    from trellis.engine.fairness import audit as run_audit
    from trellis.engine.fairness.report import render_report
    from trellis.engine.suppression import SuppressionPolicy

    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        attributes = _attributes(by)
        references = _references(reference or [], attributes)
        if intersections not in INTERSECTIONS:
            raise UsageProblem(
                f"--intersections must be one of {', '.join(INTERSECTIONS)}; got {intersections!r}."
            )
        if min_n < 1:
            raise UsageProblem(f"--min-n must be a positive number of students; got {min_n}.")
        discovery_rate = _fdr(fdr)
        if not (math.isfinite(smd_threshold) and smd_threshold >= 0):
            raise UsageProblem(f"--smd-threshold must be 0 or more; got {smd_threshold}.")
        _check_input(file)
        outputs = _check_outputs([path for path in (json_out, html_out) if path is not None])
        with _progress(errors, file) as progress, warnings.catch_warnings():
            # The same notes are in result.warnings, printed below.
            warnings.simplefilter("ignore", AuditWarning)
            result = run_audit(
                file,
                prediction=prediction,
                score=score,
                thresholds=threshold or (),
                label=label,
                by=attributes,
                intersections=intersections,
                reference=references,
                level=level,
                min_n=min_n,
                ordinal=ordinal,
                fdr=discovery_rate,
                smd_threshold=smd_threshold,
                progress=progress,
            )
        policy = SuppressionPolicy(min_n=min_n)
        texts: dict[Path, str] = {}
        if json_out is not None:
            texts[json_out] = json_rows(result, published=publish, policy=policy)
        if html_out is not None:
            texts[html_out] = render_report(
                result,
                title=f"Fairness audit of {file.name}",
                source_name=file.name,
                prediction=prediction,
                score=score,
                label=label,
                policy=policy,
            )
        _write_all(texts, outputs)
    except (UsageProblem, AuditInputError) as exc:
        errors.print(Text(f"trellis audit: cannot audit {file}: {exc}"))
        raise typer.Exit(2) from exc
    except Exception as exc:  # any other failure is ours, not the person's: exit 1
        errors.print(Text(f"trellis audit failed: {type(exc).__name__}: {exc}"))
        raise typer.Exit(1) from exc
    for note in result.warnings:
        errors.print(Text(f"trellis audit: warning: {note}."))
    _print_summary(console, result, policy, file, texts, publish)


def _fdr(text: str) -> float | None:
    """``--fdr``: a level strictly between 0 and 1, or ``off`` (no false discovery rate control)."""
    if text.strip().lower() == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value < 1.0:
        raise UsageProblem(f"--fdr must be a level between 0 and 1 (e.g. 0.05) or off; got {text!r}.")
    return value


def _attributes(by: str) -> list[str]:
    attributes = [name.strip() for name in by.split(",") if name.strip()]
    if not attributes:
        raise UsageProblem("--by needs at least one attribute column, e.g. --by race,sex.")
    return attributes


def _references(given: Sequence[str], attributes: Sequence[str]) -> dict[str, str]:
    references: dict[str, str] = {}
    for text in given:
        column, separator, value = text.partition("=")
        column = column.strip()
        if not separator or not column or not value:
            raise UsageProblem(
                f"--reference must look like COLUMN=VALUE (e.g. english_learner=N); got {text!r}."
            )
        if column not in attributes:
            raise UsageProblem(
                f"--reference names {column!r}, which is not one of the --by attributes "
                f"({', '.join(attributes)})."
            )
        if column in references:
            raise UsageProblem(f"--reference gives {column!r} twice.")
        references[column] = value
    return references


def _check_input(file: Path) -> None:
    if not file.exists():
        raise UsageProblem("the file does not exist.")
    if file.is_file() and file.stat().st_size == 0:
        raise UsageProblem("the file is empty (0 bytes).")
    if file.is_file() and not os.access(file, os.R_OK):
        raise UsageProblem("the file cannot be read (permission denied).")


def _check_outputs(paths: Sequence[Path]) -> list[Path]:
    if len({path.resolve() for path in paths}) != len(paths):
        raise UsageProblem("--json and --html name the same file.")
    for path in paths:
        if path.is_dir():
            raise UsageProblem(f"the output {path} is a folder, not a file.")
        if not path.parent.is_dir():
            raise UsageProblem(f"the folder of the output {path} does not exist.")
    return list(paths)


@contextmanager
def _progress(console: Console, file: Path) -> Iterator[Any]:
    """A Rich progress bar on stderr for large inputs, driven by the audit's ``progress``."""
    size = file.stat().st_size if file.is_file() else PROGRESS_BYTES
    if size < PROGRESS_BYTES or not console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Reading the data", total=None)

        def progress(fraction: float, message: str) -> None:
            # The one pass over the data reports nothing until it ends: pulse until then.
            total = None if fraction == 0 else 1.0
            bar.update(task, description=message.capitalize(), completed=fraction, total=total)

        yield progress


def json_rows(result: AuditResult, *, published: bool, policy: SuppressionPolicy | None = None) -> str:
    """The audit as a JSON list of rows with exactly :data:`JSON_KEYS` (NaN as null).

    ``threshold`` and ``bin`` are added after ``metric`` only when some row has one (audits with
    score thresholds or calibration bins), since without them those rows would not be told apart.
    The published view (``published=True``) is top/bottom coded exactly as the HTML report: each
    row ends with ``coded`` (``"<5%"``, ``">95%"`` or null), and a coded rate has no value,
    interval or comparison (see :func:`trellis.engine.fairness.report.published_records`).
    """
    from trellis.engine.fairness.report import published_records
    from trellis.engine.suppression import SuppressionPolicy

    if published:
        records = published_records(result, policy or SuppressionPolicy())
    else:
        records = result.to_records(published=False)
    extra = [key for key in ("threshold", "bin") if any(r[key] is not None for r in records)]
    keys = [*JSON_KEYS[:3], *extra, *JSON_KEYS[3:], *(["coded"] if published else [])]
    rows = [{key: _finite(record[key]) for key in keys} for record in records]
    return json.dumps(rows, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_all(texts: dict[Path, str], outputs: Sequence[Path]) -> None:
    """Write every output or none: each to a temporary file beside it, renamed at the end."""
    staged: list[tuple[Path, Path]] = []
    renamed: list[Path] = []
    try:
        for path in outputs:
            handle = tempfile.NamedTemporaryFile(
                "w",
                encoding="utf-8",
                dir=path.parent,
                prefix=f".{path.name}.",
                suffix=".tmp",
                delete=False,
            )
            staged.append((Path(handle.name), path))
            with handle:
                handle.write(texts[path])
        for temporary, path in staged:
            os.replace(temporary, path)
            renamed.append(path)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for path in renamed:
            path.unlink(missing_ok=True)
        raise


def _main_metric(result: AuditResult, rows: Sequence[Any]) -> tuple[str, float | None]:
    flagged = [row for row in rows if row.flagged]
    if flagged:
        top = max(flagged, key=lambda row: (row.disparity, -len(row.attributes)))
        return top.metric, top.threshold
    for metric in ("selection_rate", "quadratic_weighted_kappa", "mean_score"):
        if metric in result.metrics:
            return metric, None
    return result.metrics[0], None


def _print_summary(
    console: Console,
    result: AuditResult,
    policy: SuppressionPolicy,
    file: Path,
    written: dict[Path, str],
    publish: bool,
) -> None:
    from trellis.engine.fairness.report import findings, hidden_summary, level_text, shown_rows

    rows = shown_rows(result, policy)
    overall = next(r for r in rows if r.metric == "count" and not r.attributes)
    total = f"fewer than {policy.min_n}" if overall.n is None else f"{overall.n:,}"
    groups = [r for r in rows if r.metric == "count" and r.attributes]
    per_attribute = ", ".join(
        f"{a} ({sum(1 for r in groups if r.attributes == (a,))})" for a in result.attributes
    )
    intersections = sum(1 for g in result.groupings if len(g) > 1)
    console.print(
        Text(
            f"Audited {file.name}: {total} rows; attributes {per_attribute}"
            + (f" and {intersections} intersections" if intersections else "")
            + f"; {len(groups)} groups; {level_text(result.level)} intervals."
        )
    )
    hidden = hidden_summary(result, policy)
    if hidden.hidden:
        share = hidden.share_hidden
        console.print(
            Text(
                f"Hidden for privacy: {hidden.hidden} of {hidden.groups} groups ({hidden.too_few} with "
                f"fewer than {policy.min_n} students, {hidden.complements} so that a smaller group "
                "cannot be worked out"
                + (f"; {100 * share:.1f}% of the students counted across groupings" if share is not None else "")
                + ")."
            )
        )
    found = findings(result, policy, rows)
    unpublished = int(result.table["flagged"].sum()) - len(found)
    console.print()
    if found:
        console.print(Text(f"Flagged disparities ({len(found)})", style="bold"))
        for index, finding in enumerate(found[:SHOWN_FINDINGS], start=1):
            console.print(Text(f"{index:>2}. {finding.sentence}"))
        if len(found) > SHOWN_FINDINGS:
            console.print(
                Text(f"    … and {len(found) - SHOWN_FINDINGS} more: see the --html report.")
            )
    else:
        console.print(Text("No disparity was flagged.", style="bold"))
    if unpublished:
        console.print(
            Text(
                f"{unpublished} more flagged result{'s' if unpublished != 1 else ''} concern hidden "
                "groups; they are only in the raw --json output (without --publish)."
            )
        )
    console.print()
    console.print(_metric_table(result, rows))
    for path in written:
        kind = "report" if path.suffix.lower() in (".html", ".htm") else "JSON"
        view = " (published view)" if kind == "report" or publish else " (raw values)"
        console.print(Text(f"Wrote the {kind}{view} to {path}."))


def _metric_table(result: AuditResult, rows: Sequence[Any]) -> Table:
    from trellis.engine.fairness.report import format_ratio, format_value, level_text, metric_title

    metric, threshold = _main_metric(result, rows)
    level = level_text(result.level)
    table = Table(title=f"{metric_title(metric, threshold)} by group (published view)")
    table.add_column("Group")
    table.add_column("Students", justify="right")
    table.add_column(f"Value ({level} interval)", justify="right")
    table.add_column("Ratio to reference", justify="right")
    table.add_column("Flagged")
    for row in rows:
        if (row.metric, row.threshold) != (metric, threshold) or len(row.attributes) > 1:
            continue
        if row.bin is not None:
            continue
        name = row.label
        if row.is_reference:
            name += " (reference)"
        if row.suppressed:
            table.add_row(Text(name), "", Text(row.value_note or "Hidden"), "", "")
            continue
        value = row.value_note if row.value is None else format_value(metric, row.value)
        if row.value is not None and row.ci is not None:
            value += f" ({format_value(metric, row.ci[0])}–{format_value(metric, row.ci[1])})"
        ratio = "" if row.ratio is None or row.is_reference else format_ratio(row.ratio[0])
        table.add_row(
            Text(name),
            "" if row.n is None else f"{row.n:,}",
            Text(value or ""),
            ratio,
            Text("Flagged", style="bold red") if row.flagged else "",
        )
    return table
