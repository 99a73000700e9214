"""An audit upload: pseudonymised on arrival, joined to the roster, audited, only the suppressed view
kept, the raw file removed, every run in the access log; bad files refused with nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from tests.audits.conftest import as_upload
from trellis.audits import services
from trellis.audits.models import FairnessAudit, Finding
from trellis.core.models import AccessEvent, AuditEvent, Job
from trellis.core.services import UserFacingError


def start(actor, pilot, upload, **columns):
    columns = {"id_column": "student_id", "prediction_column": "flag", "label_column": "label", **columns}
    return services.audit_upload_start(actor=actor, deployment=pilot, upload=upload, **columns)


def uploads_left(settings) -> list[Path]:
    folder = Path(settings.TRELLIS_DATA_DIR) / "audit-uploads"
    return list(folder.iterdir()) if folder.exists() else []


def test_an_upload_flags_the_built_in_bias_and_keeps_only_the_published_view(
        tree, pilot, roster_store, upload_file, district_lead, outputs, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit = start(district_lead.user, pilot, as_upload(upload_file), human_column="teacher_decision")
    audit.refresh_from_db()
    assert audit.status == "done", audit.error
    job = Job.objects.get(pk=audit.job_id)
    # Half the students are at Lincoln Elementary (this district), half at Riverside Middle (another):
    # those and the 37 unknown ids match no student of the district.
    in_district = outputs.num_rows // 2
    assert job.status == "succeeded"
    assert job.result["counts"]["rows that matched no student"] == outputs.num_rows - in_district + 37
    assert (audit.rows_total, audit.rows_matched, audit.rows_unmatched) == (
        outputs.num_rows + 37, in_district, outputs.num_rows - in_district + 37)
    sentences = list(Finding.objects.filter(audit=audit).values_list("sentence", flat=True))
    assert any("English learners" in s and "Yes" in s for s in sentences), sentences
    assert any(r["metric"] == "false_positive_rate" and r["flagged"] and r["group"] == {"English learners": "Yes"}
               for r in audit.published["rows"])
    override_rows = audit.published["overrides"]["rows"]
    rate = {r["group"]["English learners"]: r["value"] for r in override_rows
            if r["metric"] == "selection_rate" and r["attributes"] == ["English learners"]}
    assert rate["No"] == 0 and rate["Yes"] > 0.1  # teachers overturned only learners' wrong flags
    # Nothing student-level was kept: no raw file, no ids, no pseudonyms in the stored view.
    assert uploads_left(settings) == []
    stored = str(audit.published)
    assert "S000" not in stored and "student_key" not in stored
    assert all(r["n"] is None or r["n"] >= settings.TRELLIS_MIN_N for r in audit.published["rows"])
    access = AccessEvent.objects.get()
    assert access.actor == district_lead.user and access.rows_read == in_district
    assert access.organization_id == tree.district.pk


def test_small_groups_are_suppressed_in_what_is_kept(tree, pilot, roster_store, upload_file, district_lead,
                                                     settings, django_capture_on_commit_callbacks):
    settings.TRELLIS_MIN_N = 200
    with django_capture_on_commit_callbacks(execute=True):
        audit = start(district_lead.user, pilot, as_upload(upload_file))
    audit.refresh_from_db()
    rows = audit.published["rows"]
    hidden = [r for r in rows if r["suppressed"]]
    assert hidden and all(r["n"] is None and r["value"] is None for r in hidden)
    assert all(r["n"] >= 200 for r in rows if r["n"] is not None)


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "outsider"])
def test_only_the_district_lead_or_a_state_analyst_uploads(request, pilot, roster_store, upload_file, role, settings):
    before = (FairnessAudit.objects.count(), Job.objects.count(), AuditEvent.objects.count(),
              AccessEvent.objects.count())
    with pytest.raises(PermissionDenied):
        start(request.getfixturevalue(role).user, pilot, as_upload(upload_file))
    assert (FairnessAudit.objects.count(), Job.objects.count(), AuditEvent.objects.count(),
            AccessEvent.objects.count()) == before
    assert uploads_left(settings) == []


def test_a_state_analyst_may_upload(pilot, roster_store, upload_file, state_analyst,
                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit = start(state_analyst.user, pilot, as_upload(upload_file))
    audit.refresh_from_db()
    assert audit.status == "done"
    assert AccessEvent.objects.get().actor == state_analyst.user


@pytest.mark.parametrize("name, body, columns, message", [
    ("outputs.csv", b"student,flag,label\nS0000001,1,0\n", {},
     "outputs.csv has no column 'student_id' (the student id)"),
    ("outputs.parquet", b"student_id,flag\nS1,1\n", {}, "outputs.parquet is named as a Parquet file but is not one"),
    ("outputs.xlsx", b"PK\x03\x04", {}, "outputs.xlsx is neither a .csv nor a .parquet file"),
    ("outputs.csv", b"%PDF-1.4 not a table", {}, "outputs.csv is not a text CSV file"),
    ("outputs.csv", b"student_id,flag,label\nS0000001,1,0\n", {"label_column": "truth"},
     "outputs.csv has no column 'truth' (the true outcome)"),
])
def test_bad_files_are_refused_at_once_and_change_nothing(pilot, roster_store, district_lead, settings, name, body,
                                                          columns, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = (FairnessAudit.objects.count(), Job.objects.count(), AuditEvent.objects.count())
    with pytest.raises(UserFacingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        start(district_lead.user, pilot, SimpleUploadedFile(name, body), **columns)
    assert (FairnessAudit.objects.count(), Job.objects.count(), AuditEvent.objects.count()) == before
    assert uploads_left(settings) == []


def test_a_file_too_large_is_refused(pilot, roster_store, upload_file, district_lead, settings):
    settings.TRELLIS_AUDIT_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(UserFacingError, match="detector_outputs.csv is 0 MB; the limit is 0 MB"):
        start(district_lead.user, pilot, as_upload(upload_file))
    assert FairnessAudit.objects.count() == 0 and uploads_left(settings) == []


def test_a_prediction_that_is_not_binary_stops_the_job_with_its_column_named(
        pilot, roster_store, outputs, district_lead, tmp_path, settings, django_capture_on_commit_callbacks):
    path = tmp_path / "scores.csv"
    lines = ["student_id,flag"] + [f"{sid},{0.25 if i % 2 else 3}" for i, sid in
                                   enumerate(outputs["student_id"].to_pylist()[:400])]
    path.write_text("\n".join(lines) + "\n")
    with django_capture_on_commit_callbacks(execute=True):
        audit = start(district_lead.user, pilot, as_upload(path), label_column="")
    audit.refresh_from_db()
    job = Job.objects.get(pk=audit.job_id)
    assert job.status == "failed" and "scores.csv" in job.error and "flag" in job.error
    assert audit.status == "failed" and Finding.objects.count() == 0 and audit.published == {}
    assert uploads_left(settings) == []


def test_no_roster_match_is_reported_not_audited(pilot, roster_store, district_lead, tmp_path, settings,
                                                 django_capture_on_commit_callbacks):
    path = tmp_path / "other.csv"
    path.write_text("student_id,flag\n" + "".join(f"Z{i},1\n" for i in range(50)))
    with django_capture_on_commit_callbacks(execute=True):
        audit = start(district_lead.user, pilot, as_upload(path), label_column="")
    job = Job.objects.get(pk=audit.job_id)
    assert job.status == "failed" and "None of the 50 rows of other.csv matched a student" in job.error
    assert uploads_left(settings) == []
