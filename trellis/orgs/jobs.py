"""Background job kinds of the orgs app."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse

from trellis.core.models import Job
from trellis.core.services import job_kind
from trellis.orgs.models import Organization


def roster_import_again(job: Job) -> str:
    return reverse("roster-import", args=[job.params["scope_id"]])


def roster_import_leftovers(job: Job) -> None:
    """An import cut off by the end of its process leaves its upload and its staging folder (raw
    and pseudonymised student rows); its transaction was never committed, so nothing else."""
    if job.params.get("upload"):
        Path(job.params["upload"]).unlink(missing_ok=True)
    if Job.objects.filter(kind=job.kind, status=Job.Status.RUNNING).exists():
        return  # another import is running and may own a staging folder
    for staging in Path(settings.TRELLIS_DATA_DIR).glob(".roster-staging-*"):
        shutil.rmtree(staging, ignore_errors=True)


@job_kind("roster_import", again=roster_import_again, leftovers=roster_import_leftovers)
def run_roster_import(job: Job, progress: Any) -> dict[str, Any]:
    from trellis.orgs.roster import roster_import  # reads files with the engine only when run

    upload = Path(job.params["upload"])
    scope = Organization.objects.get(pk=job.params["scope_id"])
    try:
        result = roster_import(actor=job.started_by, source=upload, scope=scope, progress=progress)
    finally:
        upload.unlink(missing_ok=True)
    return {
        "counts": result.counts,
        "warnings": result.warnings[:200],
        "next_url": reverse("organization-detail", args=[result.scope_id or scope.pk]),
        "next_label": "the imported organization",
    }
