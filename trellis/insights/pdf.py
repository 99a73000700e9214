"""The annual report as an accessible PDF (PDF/UA-1, tagged): a document language and title,
headings, tables with header cells, and each chart as a figure with its text alternative and its
numbers in a table."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from trellis.insights.charts import bar_svg
from trellis.insights.models import AnnualReport


def report_context(report: AnnualReport) -> dict[str, Any]:
    sections = list(report.sections.all())
    for section in sections:
        chart = section.figures.get("chart")
        section.chart_svg = bar_svg(chart) if chart else ""  # type: ignore[attr-defined]
    return {"report": report, "sections": sections, "min_n": settings.TRELLIS_MIN_N}


def report_pdf(report: AnnualReport) -> bytes:
    """Render the report; the renderer fetches nothing but the charts inlined as data: URIs."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("insights/report_pdf.html", report_context(report))
    style = CSS(string=resources.files("trellis.insights").joinpath("data", "report.css").read_text())
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf(
        stylesheets=[style], pdf_variant="pdf/ua-1", pdf_tags=True)


def report_filename(report: AnnualReport) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in report.district.name.lower()).strip("-")
    return f"pl-report-{slug}-{report.year - 1}-{str(report.year)[-2:]}.pdf"


def report_version(report: AnnualReport) -> str:
    """A digest of everything the PDF shows, so a stored PDF is served only while it is current."""
    from trellis.insights.models import SectionFeedback

    parts = [report.status, str(report.updated_at)]
    parts += [f"{s.pk}:{s.updated_at}" for s in report.sections.all()]
    parts += [f"{f.pk}:{f.updated_at}" for f in SectionFeedback.objects.filter(section__report=report).order_by("pk")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def report_pdf_path(report: AnnualReport, version: str | None = None) -> Path:
    """Where the PDF of this version of the report is kept (the data directory's reports folder)."""
    return Path(settings.TRELLIS_DATA_DIR) / "reports" / f"{report.pk}-{version or report_version(report)}.pdf"


def report_pdf_write(report: AnnualReport, progress: Any) -> Path:
    """Render the report into its file (replacing older versions of it), reporting progress."""
    version = report_version(report)
    target = report_pdf_path(report, version)
    progress("Drawing the report's pages", 0, 2)
    data = report_pdf(report)
    progress("Saving the PDF", 1, 2)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    for old in target.parent.glob(f"{report.pk}-*.pdf"):
        if old != target:
            old.unlink(missing_ok=True)
    progress("Saving the PDF", 2, 2)
    return target
