"""Reference computations from raw rows, to check what the audit derives from its reduction."""

from __future__ import annotations

import numpy as np


def delong_variance(scores: np.ndarray, labels: np.ndarray) -> float:
    """DeLong's variance from the raw scores (placement values with ties counted one half)."""
    positives, negatives = scores[labels == 1], scores[labels == 0]
    comparison = (positives[:, None] > negatives[None, :]) + 0.5 * (
        positives[:, None] == negatives[None, :]
    )
    v10, v01 = comparison.mean(axis=1), comparison.mean(axis=0)
    return float(v10.var(ddof=1) / len(positives) + v01.var(ddof=1) / len(negatives))
