"""The ``trellis`` command: each subcommand parses its arguments, calls one function and prints.

Subcommands live in their own modules so that the engine commands (``synth``, ``audit``) never load
Django, and the commands that touch the database set Django up only when they run.
"""

from __future__ import annotations

import typer

from trellis.cli import audit, learning, measures, roster, server, synth

app = typer.Typer(
    name="trellis",
    help="Trellis: professional learning, AI tool governance and fairness measurement for K-12.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(synth.synth_app, name="synth")
app.command("audit")(audit.audit)
app.command("measures")(measures.measures)
app.add_typer(roster.import_app, name="import")
app.add_typer(learning.export_app, name="export")
server.register(app)


def main() -> None:
    app()
