"""``audit``: who does an AI tool get wrong, group by group, with honest intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trellis.engine.fairness.blocks import MetricBlock
from trellis.engine.fairness.cells import build_cells
from trellis.engine.fairness.errors import AuditInputError, AuditWarning
from trellis.engine.fairness.groupings import (
    Intersections,
    build_grouping,
    check_reference,
    resolve_groupings,
)
from trellis.engine.fairness.metrics import binary_blocks, count_block
from trellis.engine.fairness.ordinal import ordinal_blocks
from trellis.engine.fairness.publish import (
    default_policy,
    flagged_groups,
    nothing_suppressed,
    suppression_lookup,
)
from trellis.engine.fairness.reduce import ReductionSpec, reduce_source
from trellis.engine.fairness.result import AuditResult
from trellis.engine.fairness.scores import score_blocks
from trellis.engine.fairness.source import open_source
from trellis.engine.fairness.table import DEFAULT_FDR, DEFAULT_SMD_THRESHOLD, assemble

Progress = Callable[[float, str], None]


def _check_arguments(
    prediction: str | None,
    score: str | None,
    thresholds: Sequence[float],
    label: str | None,
    ordinal: bool,
    level: float,
    tolerance: tuple[float, float],
    score_bins: int,
    fdr: float | None,
    smd_threshold: float,
) -> tuple[float, ...]:
    if ordinal:
        if prediction is None or label is None or score is not None:
            raise AuditInputError(
                "ordinal=True compares a machine score (prediction=) with a human score (label=); "
                "give both and no score="
            )
    elif prediction is None and score is None:
        raise AuditInputError("give a binary prediction= column, a numeric score= column, or both")
    if thresholds and score is None:
        raise AuditInputError("thresholds= apply to a score= column; none was given")
    values = sorted({float(t) for t in thresholds})
    if any(not math.isfinite(t) for t in values):
        raise AuditInputError(f"thresholds must be finite numbers, got {list(thresholds)}")
    if not 0.0 < level < 1.0:
        raise AuditInputError(f"level must be between 0 and 1, got {level}")
    low, high = tolerance
    if not 0.0 < low <= 1.0 <= high:
        raise AuditInputError(
            f"tolerance must be (low, high) with 0 < low <= 1 <= high, got {tolerance}"
        )
    if score_bins < 1:
        raise AuditInputError(f"score_bins must be at least 1, got {score_bins}")
    if fdr is not None and not 0.0 < fdr < 1.0:
        raise AuditInputError(f"fdr must be between 0 and 1 (or None for no control), got {fdr}")
    if not smd_threshold >= 0.0:
        raise AuditInputError(f"smd_threshold must be 0 or more, got {smd_threshold}")
    return tuple(values)


#: The most finest groups (combinations of the attributes' values) an audit takes. Past this the
#: attributes are almost surely ids or free text, and the audit would run for many minutes.
MAX_GROUPS = 20_000


def _check_group_count(grain: Any, attributes: int) -> None:
    """Refuse an audit whose attributes make more than MAX_GROUPS finest groups, with the count."""
    keys = [f"a{i}" for i in range(attributes)]
    if not keys or grain.num_rows <= MAX_GROUPS:
        return
    groups = grain.select(keys).group_by(keys).aggregate([]).num_rows
    if groups > MAX_GROUPS:
        raise AuditInputError(
            f"the attributes make {groups:,} groups, more than the {MAX_GROUPS:,} an audit takes; "
            "choose attributes with fewer values (an id or free-text column cannot be an attribute)"
        )


def audit(
    data: Any,
    *,
    prediction: str | None = None,
    score: str | None = None,
    thresholds: Sequence[float] = (),
    label: str | None = None,
    by: Sequence[str],
    intersections: Intersections = "pairs",
    reference: Mapping[str, str] | None = None,
    level: float = 0.95,
    min_n: int = 10,
    tolerance: tuple[float, float] = (0.8, 1.25),
    score_bins: int = 10,
    ordinal: bool = False,
    auc_bins: int = 1000,
    fdr: float | None = DEFAULT_FDR,
    smd_threshold: float = DEFAULT_SMD_THRESHOLD,
    policy: Any = None,
    progress: Progress | None = None,
) -> AuditResult:
    """Audit a tool's outputs for disparities between student groups and their intersections.

    The data is read once, by a single DuckDB ``GROUP BY`` over the ``by`` attributes (see
    :mod:`trellis.engine.fairness.reduce`), into sufficient statistics per finest cell; every
    metric of every group, marginal, intersection and the overall row is then derived from that
    small table.

    Parameters
    ----------
    data : str, Path, pyarrow.Table, pandas.DataFrame, polars.DataFrame or DuckDBPyRelation
        CSV or Parquet path, or an in-memory table.
    prediction : str, optional
        Binary flag column (0/1, true/false, yes/no, any case). In ordinal mode, the machine score.
    score : str, optional
        Numeric score column: ``mean_score``, ``std_score``, ``standardized_mean_difference``,
        and with a label ``auc`` and ``calibration``; plus every binary metric at each threshold
        (predicted positive means ``score >= threshold``).
    thresholds : sequence of float
        Score thresholds.
    label : str, optional
        Binary ground truth (enables every metric but ``count`` and ``selection_rate``), or in
        ordinal mode the human score.
    by : sequence of str
        Attribute columns. Missing values (NULL, empty or blank text) form their own group,
        "(missing)"; they are never dropped.
    intersections : {"pairs", "none", "all"} or list of tuple of str
        Which combinations of attributes to report besides each attribute alone.
    reference : mapping of attribute -> value, optional
        Reference group per attribute; default the largest group. An intersection's reference
        is the combination of the named values if every attribute in it has one (and the cell is
        not empty), else the largest intersection cell. Ties go to the first in sorted order.
    level : float
        Confidence level of every interval.
    min_n : int
        Minimum group size. A group of fewer students is too small: its rows keep their count but
        no other number (value, interval, comparison, p-value), even in the raw table, and it is
        suppressed in the published view (``SuppressionPolicy(min_n=min_n)``; ``policy``
        overrides the policy, not this).
    tolerance : (float, float)
        The parity band of a ratio. A metric with a ratio (the rates, ``calibration``, ``auc``,
        ``quadratic_weighted_kappa``) can be ``flagged`` when its ratio to the reference lies
        outside this band, and only when the row's denominator and the reference's are at least
        ``min_n`` (for a rate, with at least 5 students of the denominator outside the numerator in
        both groups; below that the Katz variance vanishes).
    fdr : float or None
        False discovery rate of the flags, 0.05 by default. A flag says "this disparity lies
        beyond the parity band", so each testable comparison gets the ``p_value`` of the
        hypothesis that it lies within the band (1 when the estimate is inside it; see
        :func:`trellis.engine.intervals.band_p_value`), from the estimate and standard error of
        its own interval. The p-values of every testable comparison of the audit (every group,
        intersection, metric, threshold and calibration bin, ``standardized_mean_difference``
        included) are adjusted together by Benjamini-Hochberg into ``q_value``, and a row is
        flagged when ``q_value <= fdr``: at most that share of the flags is expected to be within
        the band. ``None`` switches the control off: a row is then flagged when its own interval
        lies wholly outside the band (``p_value < 1 - level``).
    smd_threshold : float
        The parity band of ``standardized_mean_difference``: ``[-smd_threshold, smd_threshold]``
        (0.15 by default, the level fairness reviews of automated scoring treat as meaningful).
        A flagged SMD therefore has ``|SMD| > smd_threshold`` and an interval that excludes 0.
        In ordinal mode the band applies to the group's SMD minus the reference group's.
    score_bins : int
        Number of equal-width calibration bins over ``[min(score), max(score)]``.
    ordinal : bool
        Compare an ordinal machine score (``prediction``) with a human score (``label``), both
        small integers: ``count``, ``exact_agreement``, ``quadratic_weighted_kappa`` and
        ``standardized_mean_difference`` of machine minus human.
    auc_bins : int
        Above :data:`~trellis.engine.fairness.reduce.EXACT_SCORE_ROWS` rows, the number of bins
        between quantiles of the score behind AUC; below it every distinct score is kept and AUC
        is exact (see :func:`~trellis.engine.fairness.scores.histogram_auc`).
    policy : SuppressionPolicy, optional
        Suppression policy (primary minimum n and complementary suppression).
    progress : callable(fraction, message), optional
        Called as the audit advances, with a fraction in [0, 1].

    Returns
    -------
    AuditResult
        Groups under ``min_n`` keep only their counts; every group is marked ``suppressed``
        according to the policy, and :meth:`AuditResult.published` hides suppressed values.
        Rates with a zero denominator are NaN. Each comparison carries ``p_value`` (by the method
        of its interval: the Katz log test for a rate's ratio, the delta-method test of the log
        ratio for AUC and kappa, the normal test for an SMD, each against the parity band; for a
        mean, Welch's t test of equal means, never flagged) and, when testable, ``q_value``.

    Warns
    -----
    AuditWarning
        When attribute values that differ only by surrounding spaces are merged, or a real value
        reads "(missing)" and is kept apart from missing values (the message gives the counts;
        the same messages are in :attr:`AuditResult.warnings`).

    Raises
    ------
    AuditInputError
        For unreadable or empty input, a missing column (named, with the available ones), a
        prediction or label that is not binary (with an offending value), missing or non-finite
        scores, an unknown reference value and inconsistent arguments.
    """
    report = progress or (lambda fraction, message: None)
    thresholds_ = _check_arguments(
        prediction,
        score,
        thresholds,
        label,
        ordinal,
        level,
        (tolerance[0], tolerance[1]),
        score_bins,
        fdr,
        smd_threshold,
    )
    groupings = resolve_groupings(by, intersections)
    attributes = tuple(by)
    chosen = check_reference(reference, attributes)
    spec = ReductionSpec(
        attributes,
        prediction=prediction,
        score=score,
        thresholds=thresholds_,
        label=label,
        ordinal=ordinal,
        score_bins=score_bins,
        auc_bins=auc_bins,
    )
    report(0.0, "reading the data")
    source = open_source(data)
    grain, score_range = reduce_source(source, spec)
    _check_group_count(grain, len(spec.attributes))
    report(0.6, "computing metrics")
    cells = build_cells(grain, spec, score_range)
    for note in cells.warnings:
        warnings.warn(note, AuditWarning, stacklevel=2)
    blocks: list[MetricBlock] = []
    for index, grouping_attributes in enumerate(groupings):
        grouping = build_grouping(cells, grouping_attributes, chosen)
        if ordinal:
            assert cells.levels is not None
            blocks.extend(ordinal_blocks(grouping, level, cells.levels))
            continue
        if prediction is not None:
            blocks.extend(binary_blocks(grouping, level, has_label=label is not None))
        else:
            blocks.append(count_block(grouping))
        if score is not None:
            blocks.extend(
                score_blocks(grouping, level, has_label=label is not None, score_bins=score_bins)
            )
            for threshold in thresholds_:
                blocks.extend(
                    binary_blocks(grouping, level, has_label=label is not None, threshold=threshold)
                )
        report(0.6 + 0.3 * (index + 1) / len(groupings), "computing metrics")
    # Flags first, so that complementary suppression can keep flagged groups published.
    bounds = (tolerance[0], tolerance[1])
    options = {"fdr": fdr, "level": level, "smd_threshold": smd_threshold}
    raw, _ = assemble(blocks, bounds, nothing_suppressed, min_n, **options)
    is_suppressed = suppression_lookup(
        cells, groupings, policy or default_policy(min_n), prefer_published=flagged_groups(raw)
    )
    table, published = assemble(blocks, bounds, is_suppressed, min_n, **options)
    edges = None
    if score_range is not None and label is not None:
        edges = score_range.calibration_edges(score_bins)
    report(1.0, "done")
    return AuditResult(
        table=table,
        cells=cells.table,
        attributes=attributes,
        groupings=groupings,
        level=level,
        tolerance=(tolerance[0], tolerance[1]),
        thresholds=thresholds_,
        score_bin_edges=edges,
        published_table=published,
        fdr=fdr,
        smd_threshold=smd_threshold,
        warnings=cells.warnings,
    )
