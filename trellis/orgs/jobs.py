"""Background job kinds of the orgs app."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse

from trellis.core.models import Job
from trellis.core.services import UserFacingError, job_kind
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


def roster_imports_tidy() -> None:
    from trellis.orgs.services import roster_imports_expire

    roster_imports_expire()


@job_kind("roster_import", again=roster_import_again, leftovers=roster_import_leftovers, tidy=roster_imports_tidy)
def run_roster_import(job: Job, progress: Any) -> dict[str, Any]:
    """Import an uploaded roster. One that would switch off staff or remove students is worked
    out and undone, and its upload kept, until the person confirms what it takes away (then a
    second job runs with ``confirmed`` set to exactly that)."""
    from trellis.orgs.roster import RosterNotConfirmed, plain_counts, roster_import  # the engine only when run

    upload = Path(job.params["upload"])
    scope = Organization.objects.get(pk=job.params["scope_id"])
    confirmed = job.params.get("confirmed")
    name = job.params.get("name") or "the uploaded file"
    keep = False
    try:
        result = roster_import(
            actor=job.started_by, source=upload, scope=scope, progress=progress,
            confirm=(lambda plan: plan.removals == confirmed) if confirmed is not None
            else (lambda plan: not plan.removes_anything),
        )
    except RosterNotConfirmed as pending:
        if confirmed is not None:
            raise UserFacingError("What this import would take away changed since you confirmed it, so nothing "
                                  "was imported. Upload the roster again to see the changes.") from pending
        keep = True
        return {
            "preview": pending.plan.removals,
            "created": pending.plan.created,
            "updated": pending.plan.updated,
            "warnings": pending.plan.warnings[:200],
            "next_url": reverse("roster-import-confirm", args=[scope.pk, job.pk]),
            "next_label": "the changes to confirm (nothing is imported until you confirm)",
        }
    except UserFacingError as exc:
        # The server's name for the upload means nothing to the person who sent it.
        raise UserFacingError(str(exc).replace(upload.name, name)) from exc
    finally:
        if not keep:
            upload.unlink(missing_ok=True)
    counts = plain_counts(result.counts)
    counts.update({f"Added: {what}": n for what, n in result.created.items()})
    counts.update({f"Changed: {what}": n for what, n in result.updated.items()})
    for district, kinds in sorted(result.removals.items()):
        counts.update({f"{kind}: {district}": n for kind, n in kinds.items() if n})
    return {
        "counts": counts,
        "warnings": result.warnings[:200],
        "next_url": reverse("organization-detail", args=[result.scope_id or scope.pk]),
        "next_label": "the imported organization",
    }
