"""The flagged disparities in plain language, and what a district team can do next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trellis.engine.fairness.report.labels import Labels
from trellis.engine.fairness.report.rows import ShownRow, shown_rows
from trellis.engine.fairness.report.wording import (
    METRIC_NAMES,
    bin_text,
    format_ratio,
    format_value,
    level_text,
)
from trellis.engine.fairness.result import AuditResult
from trellis.engine.suppression import SuppressionPolicy

# What a rate counts, written with its value: "the tool wrongly flags 28.8% of those who should
# not be flagged". {value} is the group's value as text.
RATE_PHRASES: dict[str, str] = {
    "selection_rate": "the tool flags {value} of them",
    "prevalence": "{value} of them have a positive label",
    "true_positive_rate": "the tool flags {value} of those it should flag",
    "false_positive_rate": "the tool wrongly flags {value} of those it should not flag",
    "true_negative_rate": "the tool rightly leaves alone {value} of those it should not flag",
    "false_negative_rate": "the tool misses {value} of those it should flag",
    "positive_predictive_value": "{value} of those the tool flags should have been flagged",
    "negative_predictive_value": "{value} of those the tool does not flag should indeed not be flagged",
    "false_discovery_rate": "{value} of those the tool flags should not have been flagged",
    "false_omission_rate": "{value} of those the tool does not flag should have been flagged",
    "accuracy": "the tool is right about {value} of them",
    "calibration": "{value} of them have a positive label",
    "exact_agreement": "the machine and the human give the same score to {value} of them",
}


@dataclass(frozen=True)
class Finding:
    """A flagged disparity, in plain language.

    ``sentence`` says who, what, how large (the ratio and the difference) and how sure (the
    interval of the ratio); ``q_value`` is the comparison's false-discovery-rate q-value when the
    audit gives one.
    """

    metric: str
    threshold: float | None
    attributes: tuple[str, ...]
    group: dict[str, str]
    label: str
    sentence: str
    ratio: float | None
    q_value: float | None = None


def finding_sentence(row: ShownRow, reference: ShownRow | None, level: float, result: AuditResult | None = None) -> str:
    """One flagged row in plain language.

    e.g. "English learners: the tool wrongly flags 28.8% of those it should not flag, against
    9.6% of students who are not English learners (the reference group). That is 3.0 times as
    high (95% interval of the ratio 2.7 to 3.3; 19.2 percentage points more), in a group of
    2,063 students." A ratio below 1 reads "That is 39% lower (ratio 0.61, ...)".
    """
    who = row.label
    where = ""
    if row.bin is not None and result is not None:
        where = f" with {bin_text(result, row.bin)}"
    reference_label = row.reference_label or "the reference group"
    name = METRIC_NAMES.get(row.metric, row.metric)
    if row.threshold is not None:
        name = f"{name} at score threshold {row.threshold:g}"
    reference_value = format_value(row.metric, reference.value) if reference else "not defined"
    if reference is not None and reference.coded:
        reference_value = reference.coded
    if row.metric == "standardized_mean_difference" and row.value is not None:
        return _smd_sentence(row, who + where, _lower(reference_label), level)
    shown = row.coded or format_value(row.metric, row.value)
    phrase = RATE_PHRASES.get(row.metric)
    if phrase is not None:
        what = f"{who}{where}: {phrase.format(value=shown)}, against {reference_value} of {_lower(reference_label)}"
    else:
        what = f"{who}{where}: {name} {shown}, against {reference_value} for {_lower(reference_label)}"
    what += " (the reference group)."
    if row.ratio is None:
        return what + " The size of the gap is not shown because a rate of a small group is top/bottom coded."
    ratio, low, high = row.ratio
    interval = f"{level_text(level)} interval of the ratio {format_ratio(low)} to {format_ratio(high)}"
    if ratio >= 1:
        size = f" That is {format_ratio(ratio)} times as high ({interval}"
    else:
        size = f" That is {round(100 * (1 - ratio))}% lower (ratio {format_ratio(ratio)}, {interval}"
    if row.difference is not None and row.metric in RATE_PHRASES:
        points = 100 * row.difference[0]
        size += f"; {abs(points):.1f} percentage points {'more' if points >= 0 else 'fewer'}"
    size += ")"
    if row.n is not None:
        size += f", in a group of {row.n:,} students"
    return what + size + "."


def _smd_sentence(row: ShownRow, who: str, reference: str, level: float) -> str:
    """A flagged standardized mean difference: flagged on its size, it has no ratio."""
    assert row.value is not None
    if row.difference is None:  # score mode: the value is the difference from the reference
        size, interval = row.value, row.ci
        text = (f"{who}: scores {abs(size):.2f} standard deviations {'lower' if size < 0 else 'higher'} "
                f"than {reference} (the reference group)")
    else:  # ordinal mode: machine minus human, compared with the reference group's
        size, low, high = row.difference
        interval = (low, high)
        text = (f"{who}: machine scores differ from human scores by {row.value:.2f} standard deviations, "
                f"{abs(size):.2f} {'less' if size < 0 else 'more'} than for {reference} (the reference group)")
    if interval is None:
        return text + "."
    return f"{text} ({level_text(level)} interval {interval[0]:.2f} to {interval[1]:.2f})."


def _lower(label: str) -> str:
    """"Students who are not English learners" inside a sentence: lower-case a leading "Students"."""
    for word in ("Students", "All students"):
        if label.startswith(word):
            return label[:1].lower() + label[1:]
    return label


def findings(
    result: AuditResult,
    policy: SuppressionPolicy,
    rows: Sequence[ShownRow] | None = None,
    labels: Labels | None = None,
) -> list[Finding]:
    """The flagged disparities that may be published, largest first, in plain language.

    Each attribute alone first, then intersections; largest disparity first within each. Flagged
    rows of hidden groups, or compared with a hidden reference, are not findings here: the
    published view has no flag for them.
    """
    rows = shown_rows(result, policy, labels) if rows is None else list(rows)
    by_key = {row.key: row for row in rows}
    flagged = sorted((row for row in rows if row.flagged), key=lambda row: (len(row.attributes), -row.disparity))
    return [
        Finding(
            metric=row.metric,
            threshold=row.threshold,
            attributes=row.attributes,
            group=row.group,
            label=row.label,
            sentence=finding_sentence(
                row, by_key.get(row.reference_key) if row.reference_key else None, result.level, result
            ),
            ratio=None if row.ratio is None else row.ratio[0],
            q_value=row.q_value,
        )
        for row in flagged
    ]


def next_steps(found: Sequence[Finding]) -> list[str]:
    """What a district team can do next, given what was found."""
    if not found:
        return [
            "Keep this report with the tool's vetting review: it is evidence that no disparity "
            "was found in the groups large enough to check.",
            "Groups too small to show could not be checked. Where a small group matters (for "
            "example newcomer English learners in one school), collect more outcomes and audit again.",
            "Audit again after the tool or its settings change, and at least once a year.",
        ]
    groups = list(dict.fromkeys(f.label for f in found if len(f.attributes) == 1))
    named = ", ".join(groups[:3]) if groups else "the flagged groups"
    return [
        f"Share these findings with the people who use the tool and with its vendor, and ask why "
        f"it treats {_lower(named)} differently.",
        "Look at what happens after the tool flags a student: who reviews the flag, and what the "
        "student or family is told. A human check before any consequence limits the harm while you decide.",
        "Decide with your team whether to keep, limit or pause the tool for these students, and "
        "record the decision and the reason in the tool's vetting review.",
        "Audit again with new data after any change, to see whether the gap closed.",
    ]
