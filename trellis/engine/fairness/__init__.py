"""Fairness audit of an AI tool's outputs: who does the tool get wrong, group by group?

One core abstraction, :func:`audit`, returning an :class:`AuditResult` (like fairlearn's
``MetricFrame``). The data is reduced in one DuckDB pass to sufficient statistics per finest cell
of the grouping attributes; every metric, marginal, intersection and interval is derived from that
small table. Plain Python: never imports Django.

Modules: ``source`` (open the input), ``reduce`` (the one aggregation, Spark-compatible SQL),
``cells`` (sufficient statistics and roll-ups), ``groupings`` (groupings and reference groups),
``metrics`` (binary rates), ``scores`` (score metrics, AUC, calibration), ``ordinal`` (machine vs
human scores), ``table`` and ``publish`` (the long table and its suppressed view), ``result``
(:class:`AuditResult`), ``pipeline`` (:func:`audit`).
"""

from trellis.engine.fairness.cells import MISSING
from trellis.engine.fairness.errors import AuditInputError, AuditWarning
from trellis.engine.fairness.metrics import DEFINITIONS, RATES
from trellis.engine.fairness.pipeline import audit
from trellis.engine.fairness.reduce import ReductionSpec, reduction_sql
from trellis.engine.fairness.result import AuditResult
from trellis.engine.fairness.table import COLUMNS

__all__ = [
    "COLUMNS",
    "DEFINITIONS",
    "MISSING",
    "RATES",
    "AuditInputError",
    "AuditResult",
    "AuditWarning",
    "ReductionSpec",
    "audit",
    "reduction_sql",
]
