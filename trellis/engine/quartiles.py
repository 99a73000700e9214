"""Quartiles of organizations by a share (for example, of students economically disadvantaged)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def quartiles(shares: Sequence[float]) -> list[int]:
    """The quartile (1 = lowest) of each share among all of them."""
    values = np.asarray(shares, dtype=float)
    if values.size == 0:
        return []
    cuts = np.quantile(values, [0.25, 0.5, 0.75])
    return [int(q) for q in np.searchsorted(cuts, values, side="left") + 1]
