"""Background job kinds of the orgs app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from trellis.core.models import Job
from trellis.core.services import job_kind
from trellis.orgs.models import Organization


@job_kind("roster_import")
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
