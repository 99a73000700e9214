"""Writes of the audits app: starting an audit upload, answering findings, the scale gate and the
override ledger."""

from __future__ import annotations

import datetime
import shutil
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trellis.audits.models import FairnessAudit, Finding, GateReview, Override
from trellis.audits.permissions import can_run_audit
from trellis.audits.upload import AUDIT_ATTRIBUTES, UploadProblem, check_columns, check_file
from trellis.core.services import UserFacingError, audit_record, job_start
from trellis.interop.pseudonym import pseudonymise
from trellis.orgs.models import Organization
from trellis.tools.models import Agreement, Deployment, Incident, Tool
from trellis.tools.permissions import can_govern, can_report_incident


def upload_directory() -> Path:
    folder = Path(settings.TRELLIS_DATA_DIR) / "audit-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@transaction.atomic
def audit_upload_start(*, actor: Any, deployment: Deployment, upload: Any, id_column: str, prediction_column: str,
                       label_column: str = "", human_column: str = "") -> FairnessAudit:
    """Check an upload of a tool's outputs and start its audit as a background job. A refused
    file leaves nothing behind."""
    if actor is not None and not can_run_audit(actor, deployment.district):
        raise PermissionDenied("Only the district's AI lead or a state analyst runs audits.")
    limit = settings.TRELLIS_AUDIT_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise UserFacingError(f"{upload.name} is {upload.size / 1e6:.0f} MB; the limit is {limit / 1e6:.0f} MB.")
    name = Path(upload.name).name
    target = upload_directory() / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    try:
        kind = check_file(target, name)
        required = {id_column: "the student id", prediction_column: "the tool's flag"}
        if label_column:
            required[label_column] = "the true outcome"
        if human_column:
            required[human_column] = "the human decision"
        clash = set(required) & {*AUDIT_ATTRIBUTES, "trellis_matched", "trellis_overridden"}
        if clash:
            raise UploadProblem(f"{name}: rename the column {sorted(clash)[0]!r}; Trellis adds a column of that name.")
        check_columns(target, name, kind, required)
        audit = FairnessAudit(deployment=deployment, uploaded_by=actor, original_name=name[:200],
                              id_column=id_column, prediction_column=prediction_column, label_column=label_column,
                              min_n=settings.TRELLIS_MIN_N)
        audit.full_clean()
        audit.save()
        audit_record(actor=actor, action="audit.upload", target=audit, organization_id=deployment.district_id,
                     summary=f"Uploaded {name} to audit {deployment.tool}")
        audit.job = job_start(actor=actor, kind="fairness_audit", title=f"Fairness audit of {deployment.tool.product}",
                              organization_id=deployment.district_id,
                              params={"audit_id": audit.pk, "path": str(target), "kind": kind,
                                      "human_column": human_column})
        audit.save(update_fields=["job", "updated_at"])
    except UploadProblem as exc:
        target.unlink(missing_ok=True)
        raise UserFacingError(str(exc)) from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return audit


@transaction.atomic
def finding_answer(*, actor: Any, finding: Finding, response: str, owner: Any, due_on: datetime.date | None) -> Finding:
    if not can_govern(actor, finding.audit.deployment.district):
        raise PermissionDenied("Only the district's AI lead answers findings.")
    finding.response, finding.owner, finding.due_on = response, owner, due_on
    finding.status = Finding.Status.ANSWERED if response.strip() else Finding.Status.OPEN
    finding.full_clean()
    finding.save()
    audit_record(actor=actor, action="finding.answer", target=finding,
                 organization_id=finding.audit.deployment.district_id,
                 summary=f"Answered a finding of the audit of {finding.audit.deployment.tool}")
    return finding


def gate_checklist(deployment: Deployment) -> list[dict[str, Any]]:
    """What the scale gate shows: each item passes or says what is missing."""
    tool, district = deployment.tool, deployment.district
    items = [{
        "item": "Pilot evaluation",
        "ok": bool(deployment.evaluation.strip()),
        "detail": f"Evaluated on {deployment.evaluated_on:%B %-d, %Y}." if deployment.evaluated_on
        else "The pilot has not been evaluated yet.",
    }]
    done = deployment.audits.filter(status=FairnessAudit.Status.DONE).order_by("-created_at").first()
    if tool.judges_students:
        open_findings = done.findings.filter(status=Finding.Status.OPEN).count() if done else 0
        items.append({
            "item": "Fairness audit",
            "ok": done is not None and open_findings == 0,
            "detail": "No audit of this deployment has finished." if done is None else
            f"Audit of {done.created_at:%B %-d, %Y}: {done.findings.count()} finding(s), {open_findings} without "
            "a response.",
        })
    else:
        items.append({"item": "Fairness audit", "ok": True,
                      "detail": "Not required: the tool does not score, detect, predict or recommend."})
    high = Incident.objects.filter(tool=tool, organization__path__startswith=district.path,
                                   severity=Incident.Severity.HIGH).exclude(status=Incident.Status.RESOLVED)
    items.append({"item": "Open incidents", "ok": not high.exists(),
                  "detail": f"{high.count()} high-severity incident(s) still open: "
                            + ", ".join(i.reference for i in high) if high.exists()
                  else "No high-severity incident is open."})
    agreement = Agreement.objects.filter(district=district, tool=tool).first()
    items.append({"item": "Data privacy agreement", "ok": agreement is not None and not agreement.is_lapsed,
                  "detail": "No agreement on file." if agreement is None else
                  f"Lapsed on {agreement.ends_on:%B %-d, %Y}." if agreement.is_lapsed else
                  f"In force until {agreement.ends_on:%B %-d, %Y}."})
    return items


@transaction.atomic
def deployment_scale(*, actor: Any, deployment: Deployment, note: str = "") -> GateReview:
    """Pass a pilot through the scale gate. Every attempt is recorded with what the gate showed;
    the deployment scales only when every item passes."""
    if not can_govern(actor, deployment.district):
        raise PermissionDenied("Only the district's AI lead passes the scale gate.")
    if deployment.stage != Deployment.Stage.PILOT:
        raise ValidationError("Only a pilot goes through the scale gate.")
    checklist = gate_checklist(deployment)
    passed = all(item["ok"] for item in checklist)
    review = GateReview.objects.create(deployment=deployment, reviewed_by=actor, passed=passed, checklist=checklist,
                                       note=note)
    if passed:
        deployment.stage, deployment.scaled_on = Deployment.Stage.SCALED, timezone.localdate()
        deployment.save(update_fields=["stage", "scaled_on", "updated_at"])
    audit_record(actor=actor, action="deployment.gate", target=deployment, organization_id=deployment.district_id,
                 summary=f"Scale gate for {deployment.tool}: {'passed' if passed else 'refused'}",
                 details={"checklist": checklist})
    return review


@transaction.atomic
def override_record(*, actor: Any, tool: Tool, school: Organization, output_kind: str, ai_said: str,
                    teacher_decided: str, reason: str, student_id: str = "",
                    deployment: Deployment | None = None) -> Override:
    """A teacher's override of an AI output. A student id given is kept only as its pseudonym."""
    if not can_report_incident(actor, school) or school.kind != Organization.Kind.SCHOOL:
        raise PermissionDenied("You can record overrides only at your own school.")
    if deployment is None:
        deployment = Deployment.objects.filter(tool=tool, schools=school).order_by("-starts_on", "-id").first()
    override = Override(tool=tool, school=school, deployment=deployment, output_kind=output_kind, ai_said=ai_said,
                        teacher_decided=teacher_decided, reason=reason, recorded_by=actor,
                        student_key=pseudonymise(settings.TRELLIS_PSEUDONYM_KEY.encode(), student_id.strip())
                        if student_id.strip() else "")
    override.full_clean()
    override.save()
    audit_record(actor=actor, action="override.record", target=override, organization_id=school.pk,
                 summary=f"Recorded an override of {tool.product} ({override.get_reason_display().lower()})")
    return override


def remove_upload(path: Path) -> None:
    """The raw file is never kept: removed when the run ends, whatever happened."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
