"""The suppression policy and the top/bottom coding of published rates."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SuppressionPolicy:
    """The rules a state sets for publishing student counts and rates.

    Attributes
    ----------
    min_n : int
        Minimum group size. A published cell of the size column ``n`` with ``0 < n < min_n`` is
        primary-suppressed. A cell with ``n == 0`` is always published and never used as a
        complementary suppression: an empty group contains no student, so its count reveals
        nothing about anyone, and a zero is a poor complement because outsiders often know it
        (a category a school does not have). As the rule is public, the audit assumes the
        attacker knows that every suppressed ``n`` is at least 1.
    min_count : int
        Minimum count on each side of an outcome; ``0`` disables the rule. A numerator cell with
        count ``c`` and denominator ``d`` (``n`` unless given in ``denominators``) is
        primary-suppressed when ``min_count > 0``, ``d > 0`` and ``min(c, d - c) < min_count``:
        fewer than ``min_count`` students of a non-empty group have the outcome, or fewer than
        ``min_count`` lack it. Unlike an empty group, ``c == 0`` or ``c == d`` states the
        outcome of every member of the group, so the rule covers them: ``min_count=1`` hides
        exactly the all-or-none cells, ``min_count=3`` also hides counts of 1 and 2 on either
        side. When ``d == 0`` there is no one to protect and ``c`` (necessarily 0) is published.
    protection : float
        Required protection, in students. After suppression, every suppressed cell's feasible
        interval (the smallest and largest value consistent with everything published, see
        :func:`~trellis.engine.suppression.protection_intervals`) must be at least this wide.
        ``1.0`` means "cannot be recovered exactly"; must be positive.
    top_bottom : float
        Top/bottom coding threshold for rates, in ``[0, 0.5)``; ``0`` disables it. See
        :func:`code_rate`.
    small_group : int
        Rates over fewer than ``small_group`` students are top/bottom coded. The default
        100 follows state reporting rules derived from NCES SLDS Technical Brief 3 (NCES
        2011-603), which code rates at 5% for groups of about 40 to 99 students, at finer bands
        above and coarser bands below; one threshold cannot express the coarser bands.
    """

    min_n: int = 10
    min_count: int = 0
    protection: float = 1.0
    top_bottom: float = 0.05
    small_group: int = 100

    def __post_init__(self) -> None:
        if int(self.min_n) != self.min_n or self.min_n < 1:
            raise ValueError(f"SuppressionPolicy.min_n must be a positive integer, got {self.min_n!r}")
        if int(self.min_count) != self.min_count or self.min_count < 0:
            raise ValueError(f"SuppressionPolicy.min_count must be a non-negative integer, got {self.min_count!r}")
        if not (math.isfinite(self.protection) and self.protection > 0):
            raise ValueError(f"SuppressionPolicy.protection must be positive and finite, got {self.protection!r}")
        if not (0 <= self.top_bottom < 0.5):
            raise ValueError(f"SuppressionPolicy.top_bottom must be in [0, 0.5), got {self.top_bottom!r}")
        if int(self.small_group) != self.small_group or self.small_group < 0:
            raise ValueError(f"SuppressionPolicy.small_group must be a non-negative integer, got {self.small_group!r}")


def _percent_text(fraction: float) -> str:
    return f"{round(100 * fraction, 6):g}%"


def code_rate(rate: float, n: int, policy: SuppressionPolicy | None = None) -> str | None:
    """Top/bottom code a published rate, or say that it is published as computed.

    With ``t = policy.top_bottom``, a rate whose denominator ``n`` (the number of students it
    is a share of: the group for a share of the group, the label positives for a true positive
    rate) is below ``policy.small_group`` is coded

    - ``"<5%"`` (for ``t = 0.05``) when ``rate < t``,
    - ``">95%"`` when ``rate > 1 - t``,

    and returned as ``None`` (publish the value) otherwise, for larger denominators, and when
    ``t == 0``. The bounds are strict: 5% of 20 students (one student) is published as 5%.

    Of ``n`` students, ``"<5%"`` stands for any count below ``0.05 * n``; when ``n <= 1 / t``
    (20 at the default) that is only the count 0, so the code hides nothing. Set
    ``policy.min_count >= 1`` to suppress all-or-none numerators, which makes such rates
    suppressed rather than coded.

    ``code_rate`` does not suppress: call it only for rates whose numerator and denominator
    cells are both published (see :meth:`SuppressionResult.is_suppressed`).

    Parameters
    ----------
    rate : float
        The rate, in ``[0, 1]``.
    n : int
        Its denominator, at least 1.
    policy : SuppressionPolicy, optional
        Defaults to ``SuppressionPolicy()``.

    Returns
    -------
    str or None
        The coded text, or ``None`` when the rate is published as computed.

    Raises
    ------
    ValueError
        If the rate is not a number in ``[0, 1]`` or ``n < 1``.
    """
    policy = SuppressionPolicy() if policy is None else policy
    try:
        value = float(rate)
    except (TypeError, ValueError):
        value = math.nan
    if not 0 <= value <= 1:
        raise ValueError(f"rate must be a number in [0, 1], got {rate!r}")
    if n < 1:
        raise ValueError(f"a rate needs a denominator of at least 1 student, got {n!r}")
    threshold = policy.top_bottom
    if threshold == 0 or n >= policy.small_group:
        return None
    if value < threshold:
        return "<" + _percent_text(threshold)
    if value > 1 - threshold:
        return ">" + _percent_text(1 - threshold)
    return None
