"""How numbers and measures are written: percentages, ratios, names and definitions."""

from __future__ import annotations

import html
import math
import re

from trellis.engine.fairness.metrics import DEFINITIONS, RATES
from trellis.engine.fairness.result import AuditResult

RATE_METRICS = frozenset((*RATES, "calibration", "exact_agreement"))
"""Metrics whose value is a share of students: shown as percentages and top/bottom coded."""

METRIC_NAMES: dict[str, str] = {
    "count": "number of students",
    "selection_rate": "selection rate",
    "prevalence": "prevalence",
    "true_positive_rate": "true positive rate",
    "false_positive_rate": "false positive rate",
    "true_negative_rate": "true negative rate",
    "false_negative_rate": "false negative rate",
    "positive_predictive_value": "positive predictive value",
    "negative_predictive_value": "negative predictive value",
    "false_discovery_rate": "false discovery rate",
    "false_omission_rate": "false omission rate",
    "accuracy": "accuracy",
    "mean_score": "mean score",
    "std_score": "score standard deviation",
    "standardized_mean_difference": "standardized mean difference",
    "auc": "AUC",
    "calibration": "calibration",
    "exact_agreement": "exact agreement",
    "quadratic_weighted_kappa": "quadratic weighted kappa",
}
"""A short plain name of every metric, lower case."""

_FORMULA = re.compile(r"``(.+?)``")


def level_text(level: float) -> str:
    """``0.95`` -> ``"95%"``."""
    return f"{100 * level:g}%"


def format_value(metric: str, value: float | None) -> str:
    """A metric value as shown: rates in percent (one decimal), counts with separators."""
    if value is None:
        return "Not defined"
    if metric in RATE_METRICS:
        return f"{100 * value:.1f}%"
    if metric == "count":
        return f"{value:,.0f}"
    return f"{value:.3f}"


def format_ratio(value: float) -> str:
    """A ratio with two significant digits (``3.1``, ``0.42``, ``12``)."""
    if not math.isfinite(value):
        return "not defined"
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_difference(metric: str, value: float, *, unit: bool = True) -> str:
    """A signed difference: percentage points for rates (``"+12.3 points"``)."""
    if not math.isfinite(value):
        return "not defined"
    if metric in RATE_METRICS:
        return f"{100 * value:+.1f}" + (" points" if unit else "")
    return f"{value:+.3f}"


def metric_title(metric: str, threshold: float | None = None) -> str:
    """``"False positive rate"``, ``"False positive rate at score threshold 0.5"``."""
    name = METRIC_NAMES.get(metric, metric.replace("_", " "))
    title = name[0].upper() + name[1:]
    return title if threshold is None else f"{title} at score threshold {threshold:g}"


def bin_text(result: AuditResult, index: int | None) -> str:
    """The score range of a calibration bin, ``"scores 0.30–0.40"``."""
    if index is None:
        return ""
    edges = result.score_bin_edges
    if edges is None or index + 1 >= len(edges):
        return f"score bin {index + 1}"
    return f"scores {edges[index]:.2f}–{edges[index + 1]:.2f}"


def definition_text(metric: str) -> str:
    """The definition of a metric as plain text: formulas without their markup.

    ``"Share of students the tool flags: ``(TP + FP) / n``."`` reads
    ``"Share of students the tool flags: (TP + FP) / n."``
    """
    return _FORMULA.sub(lambda match: match.group(1), DEFINITIONS.get(metric, ""))


def definition_html(metric: str) -> str:
    """The definition as HTML: text escaped, each formula in ``<code>``."""
    parts = _FORMULA.split(DEFINITIONS.get(metric, ""))
    # split() alternates text and formula: odd positions are formulas.
    return "".join(
        f'<code class="formula">{html.escape(part)}</code>' if position % 2 else html.escape(part)
        for position, part in enumerate(parts)
    )
