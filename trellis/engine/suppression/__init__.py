"""Publish student counts and rates without re-identifying anyone.

Every published table of student counts passes minimum-n (primary) suppression and
complementary suppression across the whole set of published tables, verified by an exact linear
program, so that no suppressed count can be worked out from totals or from another table.

- :func:`suppress_groups` decides which cells to suppress; :class:`SuppressionResult` holds the
  outcome and the releasable tables.
- :func:`protection_intervals` audits a result: the feasible interval of every suppressed cell.
- :func:`code_rate` top/bottom codes the rates of small groups.
"""

from trellis.engine.suppression.audit import protection_intervals
from trellis.engine.suppression.policy import SuppressionPolicy, code_rate
from trellis.engine.suppression.result import SuppressionResult
from trellis.engine.suppression.suppress import suppress_groups

__all__ = [
    "SuppressionPolicy",
    "SuppressionResult",
    "code_rate",
    "protection_intervals",
    "suppress_groups",
]
