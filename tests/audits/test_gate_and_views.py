"""Deployments, the scale gate and the audit pages, per role, with denied cases that change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.audits.conftest import as_upload
from tests.tools.conftest import client_for, days
from trellis.audits import services
from trellis.audits.models import FairnessAudit, Finding, GateReview, Override
from trellis.core.models import AuditEvent
from trellis.tools import services as tool_services
from trellis.tools.models import Deployment, Incident


def run_audit(pilot, upload_file, actor, capture):
    with capture(execute=True):
        audit = services.audit_upload_start(actor=actor, deployment=pilot, upload=as_upload(upload_file),
                                            id_column="student_id", prediction_column="flag", label_column="label")
    audit.refresh_from_db()
    return audit


def test_the_gate_refuses_until_evaluated_audited_answered_and_incidents_resolved(
        tree, pilot, roster_store, upload_file, district_lead, teacher, django_capture_on_commit_callbacks):
    review = services.deployment_scale(actor=district_lead.user, deployment=pilot)
    assert not review.passed
    assert {i["item"]: i["ok"] for i in review.checklist} == {
        "Pilot evaluation": False, "Fairness audit": False, "Open incidents": True, "Data privacy agreement": True}
    tool_services.pilot_evaluate(actor=district_lead.user, deployment=pilot, evaluation="Teachers found it useful.")
    audit = run_audit(pilot, upload_file, district_lead.user, django_capture_on_commit_callbacks)
    assert audit.findings.exists()
    incident = tool_services.incident_report(actor=teacher.user, organization=tree.school, category="bias",
                                             severity="high", tool=pilot.tool, description="Flags my learners.")
    review = services.deployment_scale(actor=district_lead.user, deployment=pilot)
    checklist = {i["item"]: i for i in review.checklist}
    assert not review.passed and not checklist["Open incidents"]["ok"]
    assert incident.reference in checklist["Open incidents"]["detail"]
    assert not checklist["Fairness audit"]["ok"]  # the findings wait for a response
    for finding in audit.findings.all():
        services.finding_answer(actor=district_lead.user, finding=finding, owner=district_lead.user,
                                due_on=days(30), response="Teachers read every flag on learners' essays.")
    review = services.deployment_scale(actor=district_lead.user, deployment=pilot)
    assert not review.passed and [i["item"] for i in review.checklist if not i["ok"]] == ["Open incidents"]
    pilot.refresh_from_db()
    assert pilot.stage == Deployment.Stage.PILOT
    tool_services.incident_triage(actor=district_lead.user, incident=incident, status="resolved", severity="high",
                                  action_taken="Flags on English learners' essays now go to a teacher first.")
    review = services.deployment_scale(actor=district_lead.user, deployment=pilot, note="Ready.")
    pilot.refresh_from_db()
    assert review.passed and pilot.stage == Deployment.Stage.SCALED and pilot.scaled_on is not None
    assert GateReview.objects.filter(deployment=pilot).count() == 4


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "state_analyst", "outsider"])
def test_only_the_district_lead_passes_the_gate_or_deploys(request, tree, pilot, role):
    person = request.getfixturevalue(role)
    before = (GateReview.objects.count(), Deployment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        services.deployment_scale(actor=person.user, deployment=pilot)
    with pytest.raises(PermissionDenied):
        tool_services.deployment_create(actor=person.user, district=tree.district, tool=pilot.tool,
                                        schools=[tree.school], grades=["07"], stage="pilot", starts_on=days(0),
                                        question="Again?")
    client = client_for(person)
    response = client.post(reverse("deployment-detail", args=[pilot.pk]), {"scale": "1"})
    assert response.status_code in (403, 404)
    response = client.post(reverse("deployment-list", args=[tree.district.pk]), {"tool": pilot.tool.pk})
    assert response.status_code in (403, 404)
    assert (GateReview.objects.count(), Deployment.objects.count(), AuditEvent.objects.count()) == before
    pilot.refresh_from_db()
    assert pilot.stage == "pilot"


def test_a_pilot_only_decision_cannot_start_at_scale_and_denied_tools_cannot_start(tree, pilot, district_lead):
    from trellis.tools.models import Decision

    Decision.objects.update(outcome="pilot_only", conditions="")
    with pytest.raises(ValidationError, match="pilot only"):
        tool_services.deployment_create(actor=district_lead.user, district=tree.district, tool=pilot.tool,
                                        schools=[tree.school], grades=["07"], stage="scaled", starts_on=days(0))
    Decision.objects.update(outcome="denied")
    with pytest.raises(ValidationError, match="no decision in force"):
        tool_services.deployment_create(actor=district_lead.user, district=tree.district, tool=pilot.tool,
                                        schools=[tree.school], grades=["07"], stage="pilot", starts_on=days(0),
                                        question="Q")
    assert Deployment.objects.count() == 1


@pytest.mark.parametrize("role, status", [("district_lead", 200), ("teacher", 404), ("state_analyst", 200),
                                          ("outsider", 404)])
def test_audit_pages_show_only_the_published_view_to_whoever_sees_the_district(
        request, pilot, roster_store, upload_file, district_lead, role, status, django_capture_on_commit_callbacks):
    audit = run_audit(pilot, upload_file, district_lead.user, django_capture_on_commit_callbacks)
    response = client_for(request.getfixturevalue(role)).get(reverse("audit-detail", args=[audit.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "English learners: Yes" in page and "Matched no student" in page
        assert "S000" not in page  # no student id reaches a page
        assert ("Save the response" in page) == (role == "district_lead")


@pytest.mark.parametrize("role", ["teacher", "state_analyst", "outsider"])
def test_only_the_district_lead_answers_findings(request, pilot, roster_store, upload_file, district_lead, role,
                                                 django_capture_on_commit_callbacks):
    audit = run_audit(pilot, upload_file, district_lead.user, django_capture_on_commit_callbacks)
    finding = audit.findings.first()
    response = client_for(request.getfixturevalue(role)).post(
        reverse("finding-answer", args=[finding.pk]), {f"f{finding.pk}-response": "Done."})
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN and finding.response == ""


def test_a_teacher_records_an_override_and_the_student_id_is_only_kept_coded(tree, pilot, teacher, settings):
    from trellis.interop.pseudonym import pseudonymise

    response = client_for(teacher).post(reverse("override-create"), {
        "tool": pilot.tool.pk, "output_kind": "AI-writing flag", "ai_said": "Likely AI-written",
        "teacher_decided": "Written by the student", "reason": "wrong", "student_id": "S0000042"})
    assert response.status_code == 302
    override = Override.objects.get()
    assert override.school == tree.school and override.student_key == pseudonymise(
        settings.TRELLIS_PSEUDONYM_KEY.encode(), "S0000042")
    assert "S0000042" not in str(AuditEvent.objects.values_list("summary", "details"))


def test_the_upload_page_refuses_a_bad_file_with_what_to_fix(pilot, roster_store, district_lead):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(district_lead).post(reverse("audit-upload", args=[pilot.pk]), {
        "upload": SimpleUploadedFile("outputs.csv", b"id,flag\nS1,1\n"), "id_column": "student_id",
        "prediction_column": "flag"})
    assert response.status_code == 200
    assert "outputs.csv has no column &#x27;student_id&#x27; (the student id)" in response.content.decode()
    assert response.context["form"]["prediction_column"].value() == "flag"
    assert FairnessAudit.objects.count() == 0 and Incident.objects.count() == 0
