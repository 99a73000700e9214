"""The annual report as an accessible PDF (PDF/UA-1, tagged): a document language and title,
headings, tables with header cells, and each chart as a figure with its text alternative and its
numbers in a table."""

from __future__ import annotations

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
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("insights/report_pdf.html", report_context(report))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True)


def report_filename(report: AnnualReport) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in report.district.name.lower()).strip("-")
    return f"pl-report-{slug}-{report.year - 1}-{str(report.year)[-2:]}.pdf"
