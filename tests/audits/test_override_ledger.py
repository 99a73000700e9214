"""The override ledger: teachers record overrides as they happen; the district reads override
rates by tool and by student group, suppressed, from the form and from audit uploads."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.audits.conftest import BIAS, as_upload
from tests.tools.conftest import client_for
from trellis.audits import services
from trellis.audits.models import Override
from trellis.audits.sample import sample_outputs, write_student_store
from trellis.core.models import AccessEvent, AuditEvent


@pytest.fixture
def students(tree, settings):
    """Students of the detector's school, with subgroups in the roster store."""
    outputs = sample_outputs(1_200, seed=11, bias=BIAS)
    write_student_store(outputs, key=settings.TRELLIS_PSEUDONYM_KEY.encode(), schools=[tree.school.sourced_id],
                        store_dir=settings.TRELLIS_DATA_DIR / "roster")
    return outputs


def record(teacher, pilot, student_id, **fields):
    return client_for(teacher).post(reverse("override-create"), {
        "tool": pilot.tool.pk, "output_kind": "AI-writing flag", "ai_said": "Likely AI-written",
        "teacher_decided": "Written by the student", "reason": "wrong", "student_id": student_id, **fields})


def learners(outputs, flag):
    return [i for i, el in zip(outputs["student_id"].to_pylist(), outputs["english_learner"].to_pylist(),
                               strict=True) if el == flag]


def test_a_teachers_override_is_kept_with_the_student_only_as_a_pseudonym(tree, pilot, students, teacher):
    student = students["student_id"][0].as_py()
    response = record(teacher, pilot, f"  {student} ")
    assert response.status_code == 302
    override = Override.objects.get()
    assert override.school == tree.school and override.deployment == pilot
    assert override.student_key and student not in override.student_key
    assert AuditEvent.objects.filter(action="override.record").count() == 1


def test_the_form_keeps_what_the_teacher_typed_when_it_is_refused(pilot, teacher):
    response = record(teacher, pilot, "S1", reason="", ai_said="Flagged as AI")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="Flagged as AI"' in body and 'value="S1"' in body
    assert not Override.objects.exists()


def test_the_district_sees_the_rate_by_tool_and_groups_only_when_enough_students_were_overridden(
        tree, pilot, students, teacher, district_lead, settings):
    english_learners = learners(students, "Y")
    for student in english_learners[:settings.TRELLIS_MIN_N - 1]:
        record(teacher, pilot, student)
    record(teacher, pilot, "")  # no student named: counted, not joined
    client = client_for(district_lead)
    url = reverse("override-ledger", args=[tree.district.pk])
    body = client.get(url).content.decode()
    assert "Overrides recorded in Trellis, by tool" in body
    assert f"<td data-label=\"Overrides recorded\" class=\"text-right\">{settings.TRELLIS_MIN_N}</td>" in body
    assert "1,200" in body  # the tool's students, the rate's denominator
    assert "too few students have an override to show them by group yet" in body
    assert "English learners: Yes" not in body
    assert AccessEvent.objects.filter(dataset__contains="override ledger", actor=district_lead.user).count() == 1

    # Overrides that keep landing on English learners show once there are enough of them.
    for student in english_learners[settings.TRELLIS_MIN_N - 1:4 * settings.TRELLIS_MIN_N]:
        record(teacher, pilot, student)
    record(teacher, pilot, learners(students, "N")[0])
    body = client.get(url).content.decode()
    assert "Quillmark Detect: by student group" in body
    assert "English learners: Yes" in body and "Flagged" in body
    for student in students["student_id"].to_pylist()[:50]:
        assert student not in body
    assert AccessEvent.objects.filter(dataset__contains="override ledger").count() == 2


def test_the_overrides_uploaded_beside_an_audit_show_beside_the_ledger(
        tree, pilot, roster_store, upload_file, district_lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.audit_upload_start(actor=district_lead.user, deployment=pilot,
                                            upload=as_upload(upload_file), id_column="student_id",
                                            prediction_column="flag", human_column="teacher_decision")
    client = client_for(district_lead)
    job = client.get(reverse("job-detail", args=[audit.job_id])).content.decode()
    assert "<caption>What the audit read</caption>" in job and "What was imported" not in job
    body = client.get(reverse("override-ledger", args=[tree.district.pk])).content.decode()
    assert "Uploaded beside a tool's outputs" in body
    assert reverse("audit-detail", args=[audit.pk]) in body
    assert "outputs a teacher overrode, by group</caption>" in body, body[body.index("Uploaded beside"):][:3000]


def test_a_state_analyst_reads_the_rates(tree, pilot, students, teacher, state_analyst):
    record(teacher, pilot, students["student_id"][0].as_py())
    response = client_for(state_analyst).get(reverse("override-ledger", args=[tree.district.pk]))
    assert response.status_code == 200 and "Quillmark Detect" in response.content.decode()


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "outsider"])
def test_only_the_district_lead_and_analysts_read_override_rates(request, tree, pilot, students, teacher, role):
    record(teacher, pilot, students["student_id"][0].as_py())
    before = (AccessEvent.objects.count(), AuditEvent.objects.count(), Override.objects.count())
    person = request.getfixturevalue(role)
    response = client_for(person).get(reverse("override-ledger", args=[tree.district.pk]))
    assert response.status_code in (403, 404)
    assert (AccessEvent.objects.count(), AuditEvent.objects.count(), Override.objects.count()) == before


@pytest.mark.parametrize("role", ["district_lead", "state_lead", "state_analyst", "regional_coach", "outsider"])
def test_only_school_staff_record_overrides(request, pilot, role):
    person = request.getfixturevalue(role)
    before = (AuditEvent.objects.count(), Override.objects.count())
    response = record(person, pilot, "S1")
    assert response.status_code in (403, 404)
    assert (AuditEvent.objects.count(), Override.objects.count()) == before
