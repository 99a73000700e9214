"""trellis audit."""

from __future__ import annotations


def audit() -> None:
    """Audit a tool's outputs for disparities between student groups."""
    raise NotImplementedError
