"""The audit report: one self-contained HTML file that a district team can read and share.

:func:`render_report` turns an :class:`~trellis.engine.fairness.result.AuditResult` into a single
HTML page with no network access. It opens with the findings (what was audited, the flagged
disparities in plain language with their size and interval, what to do next), then gives one
chart per measure with every group on it and the numbers folded away. The ``trellis audit``
command prints the same findings and writes the same coded values with ``--publish``.

Only the published view is used. A hidden row shows no number at all, in the tables, the findings
or the chart data; a rate of a small group is top/bottom coded as the suppression policy says
(:func:`trellis.engine.suppression.code_rate`).

Parts, one job each: ``labels`` (words for columns and values), ``wording`` (numbers, names and
definitions), ``rows`` (the published view row by row, its JSON form and what was hidden),
``findings`` (plain-language findings and next steps), ``charts`` (Vega-Lite specifications and
their text alternatives), ``assets`` (CSS and the vendored scripts) and ``page`` (the HTML).

Plain Python: never imports Django.
"""

from trellis.engine.fairness.report.assets import VEGA_FILES, vendored_scripts
from trellis.engine.fairness.report.findings import Finding, finding_sentence, findings, next_steps
from trellis.engine.fairness.report.labels import Labels, labels_from
from trellis.engine.fairness.report.page import render_report
from trellis.engine.fairness.report.rows import (
    COMPLEMENT_TEXT,
    Hidden,
    ShownRow,
    hidden_summary,
    primary_text,
    published_records,
    shown_rows,
)
from trellis.engine.fairness.report.wording import (
    METRIC_NAMES,
    RATE_METRICS,
    bin_text,
    definition_text,
    format_difference,
    format_ratio,
    format_value,
    level_text,
    metric_title,
)

__all__ = [
    "COMPLEMENT_TEXT",
    "METRIC_NAMES",
    "RATE_METRICS",
    "VEGA_FILES",
    "Finding",
    "Hidden",
    "Labels",
    "ShownRow",
    "bin_text",
    "definition_text",
    "finding_sentence",
    "findings",
    "format_difference",
    "format_ratio",
    "format_value",
    "hidden_summary",
    "labels_from",
    "level_text",
    "metric_title",
    "next_steps",
    "primary_text",
    "published_records",
    "render_report",
    "shown_rows",
    "vendored_scripts",
]
