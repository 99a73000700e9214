"""Background job kinds of the insights app: drawing a report's PDF takes seconds."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from trellis.core.models import Job
from trellis.core.services import job_kind
from trellis.insights.models import AnnualReport
from trellis.insights.pdf import report_pdf_write


def _again(job: Job) -> str:
    return reverse("insights:report", args=[job.params["report"]])


@job_kind("report_pdf", again=_again)
def run_report_pdf(job: Job, progress: Any) -> dict[str, Any]:
    report = AnnualReport.objects.select_related("district").get(pk=job.params["report"])
    report_pdf_write(report, progress)
    return {"next_url": reverse("insights:report-pdf", args=[report.pk]), "next_label": "the PDF of the report"}
