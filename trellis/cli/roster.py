"""trellis roster."""

from __future__ import annotations

import typer

import_app = typer.Typer(help="Import data from standard formats.", no_args_is_help=True)
