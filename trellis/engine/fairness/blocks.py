"""A metric computed for every group of one grouping, with its comparison to the reference group."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from trellis.engine.fairness.groupings import Grouping

FloatArray = npt.NDArray[np.float64]


def nans(size: int) -> FloatArray:
    """An array of ``size`` NaNs."""
    return np.full(size, np.nan)


@dataclass(frozen=True)
class MetricBlock:
    """One metric (at one threshold or score bin) over the groups of one grouping.

    Every array has one entry per group of ``grouping``, in its row order. ``gates`` names the
    cells count columns whose suppression hides the row (always ``n``, plus the numerator and
    denominator counts of a rate). ``uses_reference`` marks metrics whose value itself is a
    comparison with the reference group (the score-mode standardized mean difference), which must
    be hidden when the reference is suppressed.

    A metric that can be flagged has an ``effect`` with its standard error ``effect_se`` on the
    scale of its interval: ``effect_kind = "ratio"`` for the log ratio to the reference (rates,
    calibration, AUC, kappa), ``"smd"`` for a standardized mean difference.
    :func:`trellis.engine.fairness.table.assemble` tests it against the parity band (the
    tolerance, or the SMD threshold). Other comparisons may carry a ready ``p_value`` (Welch's t
    test for means) and are never flagged.
    """

    metric: str
    grouping: Grouping
    value: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    gates: tuple[str, ...] = ("n",)
    numerator: FloatArray | None = None
    denominator: FloatArray | None = None
    difference: FloatArray | None = None
    difference_ci_low: FloatArray | None = None
    difference_ci_high: FloatArray | None = None
    ratio: FloatArray | None = None
    ratio_ci_low: FloatArray | None = None
    ratio_ci_high: FloatArray | None = None
    threshold: float | None = None
    bin: int | None = None
    uses_reference: bool = False
    p_value: FloatArray | None = None
    effect: FloatArray | None = None
    effect_se: FloatArray | None = None
    effect_kind: str | None = None
    n: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", self.grouping.column("n"))

    def filled(self, name: str) -> FloatArray:
        """The array ``name``, or NaNs when this metric has none."""
        values = getattr(self, name)
        return nans(len(self.grouping)) if values is None else np.asarray(values, dtype=np.float64)


def at_reference(values: FloatArray, reference: int) -> FloatArray:
    """``values`` with its reference entry broadcast to every group."""
    return np.full(len(values), values[reference])


def blank_reference_row(reference: int | None, *arrays: FloatArray | None) -> None:
    """Set the reference group's own comparison intervals to NaN (a group against itself)."""
    if reference is None:
        return
    for array in arrays:
        if array is not None:
            array[reference] = np.nan


def safe_divide(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> FloatArray:
    """``numerator / denominator`` with NaN (no warning) where the denominator is 0 or NaN."""
    top = np.asarray(numerator, dtype=np.float64)
    bottom = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(top, bottom).shape, np.nan)
    np.divide(top, bottom, out=out, where=(bottom != 0) & ~np.isnan(bottom))
    return out
