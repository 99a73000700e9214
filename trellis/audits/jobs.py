"""The fairness audit job: pseudonymise, join to the roster, audit, keep only the suppressed view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse

from trellis.audits.models import FairnessAudit, Finding
from trellis.audits.services import remove_upload
from trellis.audits.upload import warm
from trellis.core.models import Job
from trellis.core.services import UserFacingError, access_record, job_kind
from trellis.orgs.models import Organization
from trellis.orgs.roster import roster_store_dir


@job_kind("fairness_audit", warm=warm, caption="What the audit read")
def run_fairness_audit(job: Job, progress: Any) -> dict[str, Any]:
    from trellis.audits.upload import UploadProblem, audit_joined, join_to_roster, override_rates, published_view
    from trellis.engine.fairness import AuditInputError

    audit = FairnessAudit.objects.select_related("deployment__district", "deployment__tool").get(
        pk=job.params["audit_id"])
    district = audit.deployment.district
    path = Path(job.params["path"])
    try:
        progress("Looking up the students' groups in the roster", 0, 4)
        schools = list(Organization.objects.filter(parent=district, kind=Organization.Kind.SCHOOL)
                       .exclude(sourced_id=None).values_list("sourced_id", flat=True))
        columns = {"prediction": audit.prediction_column}
        if audit.label_column:
            columns["label"] = audit.label_column
        if job.params.get("human_column"):
            columns["human"] = job.params["human_column"]
        joined = join_to_roster(path=path, kind=job.params["kind"], key=settings.TRELLIS_PSEUDONYM_KEY.encode(),
                                store_dir=roster_store_dir(), schools=schools, id_column=audit.id_column,
                                columns=columns)
        access_record(actor=job.started_by, dataset="student roster (subgroups) joined to a tool's outputs",
                      purpose=f"Fairness audit of {audit.deployment.tool.product} ({audit.original_name})",
                      organization_id=district.pk, rows_read=joined.matched)
        FairnessAudit.objects.filter(pk=audit.pk).update(rows_total=joined.total, rows_matched=joined.matched,
                                                          rows_unmatched=joined.unmatched)
        if joined.matched == 0:
            raise UploadProblem(f"None of the {joined.total:,} rows of {audit.original_name} matched a student in "
                                f"{district}'s roster. Check that column {audit.id_column!r} holds the student ids "
                                "the roster uses (its sourcedId).")
        progress("Auditing the outputs", 1, 4)
        result, policy = audit_joined(joined, min_n=audit.min_n)
        view = published_view(result, policy)
        if "human" in columns:
            progress("Counting overrides", 2, 4)
            view["overrides"] = override_rates(joined, min_n=audit.min_n)
        joined.connection.close()
    except (UploadProblem, AuditInputError) as exc:
        FairnessAudit.objects.filter(pk=audit.pk).update(status=FairnessAudit.Status.FAILED, error=str(exc))
        raise UserFacingError(f"{audit.original_name}: {exc}") from exc
    except Exception:
        FairnessAudit.objects.filter(pk=audit.pk).update(status=FairnessAudit.Status.FAILED,
                                                          error="The audit stopped with an internal error.")
        raise
    finally:
        remove_upload(path)
    progress("Saving the published view", 3, 4)
    Finding.objects.bulk_create(Finding(audit=audit, position=i, metric=f["metric"], sentence=f["sentence"])
                                for i, f in enumerate(view["findings"], start=1))
    FairnessAudit.objects.filter(pk=audit.pk).update(status=FairnessAudit.Status.DONE, published=view)
    return {
        "counts": {"rows in the file": joined.total, "rows matched to the roster": joined.matched,
                   "rows that matched no student": joined.unmatched, "findings": len(view["findings"])},
        "next_url": reverse("audit-detail", args=[audit.pk]),
        "next_label": "the audit's results",
    }
