"""trellis synth."""

from __future__ import annotations


def synth() -> None:
    """Write a deterministic synthetic state as OneRoster 1.2 CSV."""
    raise NotImplementedError
