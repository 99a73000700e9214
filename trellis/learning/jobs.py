"""Background job kinds of the learning app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from trellis.core.models import Job
from trellis.core.services import job_kind
from trellis.orgs.models import Organization


@job_kind("xapi_import")
def run_xapi_import(job: Job, progress: Any) -> dict[str, Any]:
    from trellis.learning.services.xapi import xapi_import

    upload = Path(job.params["upload"])
    scope = Organization.objects.get(pk=job.params["scope_id"])
    try:
        record = xapi_import(actor=job.started_by, source=upload, source_name=job.params["source_name"],
                             scope=scope, progress=progress)
    finally:
        upload.unlink(missing_ok=True)
    return {
        "counts": xapi_counts(record),
        "warnings": [] if record.pk else ["Trellis already had every statement in this file; nothing changed."],
        "next_url": reverse("xapi-imports"),
        "next_label": "the learning records imports",
    }


def xapi_counts(record: Any) -> dict[str, int]:
    """What an import added, as the command line and the job page show it."""
    counts = {"statements in the file": record.statements, "new": record.new,
              "already imported": record.duplicates}
    counts.update({f"verb: {verb}": n for verb, n in record.per_verb.items()})
    counts.update({
        "other verbs, kept as they came": record.other_verbs,
        "voiding statements": record.voiding,
        "statements voided": record.voided,
        "not placed (no matching staff member)": record.unplaced_statements,
        "accounts not placed": record.unplaced_actors,
    })
    return counts
