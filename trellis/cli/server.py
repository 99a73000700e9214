"""Commands that run Trellis itself: database setup, demo data and the web server."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the server commands to the root app."""
