"""Publish student counts and rates without re-identifying anyone.

Every published table of student counts passes minimum-n (primary) suppression and
complementary suppression across the whole set of published tables, verified by an exact linear
program, so that no suppressed count can be worked out from totals or from another table.

- :func:`suppress_groups` decides which cells to suppress, choosing complements by an integer
  programme that hides as few students as possible; :class:`SuppressionResult` holds the
  outcome, the releasable tables and :meth:`~SuppressionResult.hidden`, what was hidden.
- :func:`protection_intervals` audits a result: the feasible interval of every suppressed cell.
- :func:`code_rate` top/bottom codes the rates of small groups.
"""

from trellis.engine.suppression.audit import protection_intervals
from trellis.engine.suppression.policy import SuppressionPolicy, code_rate
from trellis.engine.suppression.result import HiddenSummary, SuppressionResult
from trellis.engine.suppression.suppress import METHODS, suppress_groups

__all__ = [
    "METHODS",
    "HiddenSummary",
    "SuppressionPolicy",
    "SuppressionResult",
    "code_rate",
    "protection_intervals",
    "suppress_groups",
]
