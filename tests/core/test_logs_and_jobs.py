from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from trellis.core.models import AccessEvent, AuditEvent, Job
from trellis.core.services import UserFacingError, access_record, audit_record, job_kind, job_start


def test_audit_events_cannot_be_changed_or_deleted(db):
    event = audit_record(actor=None, action="test.thing", summary="Did a thing")
    event.summary = "Did another thing"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "Did a thing"


def test_access_events_cannot_be_changed(db):
    event = access_record(actor=None, dataset="student roster", purpose="test", organization_id=None, rows_read=3)
    with pytest.raises(PermissionError):
        event.delete()
    assert AccessEvent.objects.count() == 1


def test_state_lead_reads_the_logs(state_lead, tree):
    audit_record(actor=state_lead.user, action="test", summary="Changed the vetting rubric")
    access_record(actor=state_lead.user, dataset="student roster", purpose="Roster import",
                  organization_id=tree.state.pk, rows_read=1200)
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    assert "Changed the vetting rubric" in client.get(reverse("audit-log")).content.decode()
    page = client.get(reverse("access-log")).content.decode()
    assert "Roster import" in page and "1200" in page


@job_kind("test_counting")
def _counting_job(job, progress):
    for step in range(3):
        progress("Counting", step + 1, 3)
    if job.params.get("fail"):
        raise UserFacingError("users.csv, row 4, column \"role\": \"wizard\" is not a OneRoster role.")
    return {"counts": {"Things": 3}}


@pytest.mark.django_db(transaction=True)
def test_job_records_progress_and_result(state_lead, tree):
    job = job_start(actor=state_lead.user, kind="test_counting", title="Counting things",
                    organization_id=tree.state.pk, params={})
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.result) == ("succeeded", 3, 3, {"counts": {"Things": 3}})
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Done" in page and "Things" in page


@pytest.mark.django_db(transaction=True)
def test_failed_job_shows_its_message_and_is_private(state_lead, district_lead, tree):
    job = job_start(actor=state_lead.user, kind="test_counting", title="Counting things",
                    organization_id=tree.state.pk, params={"fail": True})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("users.csv, row 4")
    other = Client()
    other.login(username="district.lead", password=PASSWORD)
    assert other.get(reverse("job-detail", args=[job.pk])).status_code == 404


def test_sign_in_succeeds_and_sign_out_needs_post(teacher):
    client = Client()
    response = client.post(reverse("login"), {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_running_job_page_shows_a_progress_bar_that_polls(state_lead, tree):
    job = Job.objects.create(kind="roster_import", title="Roster import", started_by=state_lead.user,
                             status=Job.Status.RUNNING, step="Adding staff accounts", done=5, total=20)
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert '<progress id="job-bar" class="trellis-progress" max="100" value="25">25%</progress>' in page
    assert 'hx-trigger="every 1s"' in page and "Adding staff accounts" in page
    partial = client.get(reverse("job-detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="job-progress"')
