"""Jobs are stored in the database and run by the worker; their pages and the audit log say how
they ended; a job whose worker died is failed, with what it left behind removed."""

from __future__ import annotations

import os
import signal
import socket

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import PASSWORD
from trellis.cli import server
from trellis.core.models import AuditEvent, Job
from trellis.core.services import INTERRUPTED, job_kind, job_start, jobs_fail_interrupted


@job_kind("test_steps")
def _steps_job(job, progress):
    for name in ("Reading the files", "Checking the rows", "Writing"):
        progress(name, 1, 2)
        progress(name, 2, 2)
    if job.params.get("fail"):
        raise ValueError("an internal detail no one should read")
    return {"counts": {"Rows": 2}}


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_job_and_the_audit_log_says_it_finished(state_lead, tree, settings):
    settings.TRELLIS_JOB_RUNNER = "worker"
    job = job_start(actor=state_lead.user, kind="test_steps", title="Three steps", organization_id=tree.state.pk,
                    params={})
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert DBTaskResult.objects.get().status == "READY"
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        server.worker(interval=0.0, batch=True)
    finally:  # the worker takes over the stop signals for a graceful stop
        for number, handler in handlers.items():
            signal.signal(number, handler)
    job.refresh_from_db()
    assert (job.status, job.result, job.worker) == ("succeeded", {"counts": {"Rows": 2}},
                                                     f"{socket.gethostname()[:40]}:{os.getpid()}")
    assert [step["step"] for step in job.steps] == ["Reading the files", "Checking the rows", "Writing"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert list(AuditEvent.objects.order_by("id").values_list("action", "summary")) == [
        ("job.start", "Started: Three steps"), ("job.finish", "Finished: Three steps")]


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_is_in_the_audit_log_and_hides_internal_messages(state_lead, tree):
    job = job_start(actor=state_lead.user, kind="test_steps", title="Three steps", organization_id=tree.state.pk,
                    params={"fail": True})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "internal detail" not in job.error and "logged for the administrators" in job.error
    assert AuditEvent.objects.filter(action="job.fail", object_id=str(job.pk), actor=state_lead.user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_short_job_page_lists_the_steps_it_went_through(state_lead, tree):
    job = job_start(actor=state_lead.user, kind="test_steps", title="Three steps", organization_id=tree.state.pk,
                    params={})
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert '<ol id="job-steps" class="usa-list"><li>Reading the files</li><li>Checking the rows</li>' \
           "<li>Writing</li></ol>" in page


def test_a_failed_import_offers_to_try_again(state_lead, tree, tmp_path):
    job = Job.objects.create(kind="roster_import", title="Roster import", started_by=state_lead.user,
                             status=Job.Status.FAILED, error="users.csv, row 4: bad",
                             params={"upload": str(tmp_path / "gone.zip"), "scope_id": tree.district.pk})
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert f'<a class="usa-link" href="{reverse("roster-import", args=[tree.district.pk])}">Try again</a>' in page


def test_jobs_of_a_dead_worker_are_failed_and_their_leftovers_removed(state_lead, tree, settings, tmp_path):
    upload = tmp_path / "uploads" / "roster-x.zip"
    upload.parent.mkdir()
    upload.write_bytes(b"student rows")
    staging = tmp_path / "data" / ".roster-staging-abc"
    staging.mkdir(parents=True)
    (staging / "users.parquet").write_bytes(b"pseudonymised rows")
    host = socket.gethostname()[:40]
    dead = Job.objects.create(kind="roster_import", title="Cut off", started_by=state_lead.user,
                              status=Job.Status.RUNNING, worker=f"{host}:{2**22 + 12345}",
                              params={"upload": str(upload), "scope_id": tree.state.pk})
    nameless = Job.objects.create(kind="test_steps", title="Never claimed", status=Job.Status.RUNNING)
    alive = Job.objects.create(kind="test_steps", title="Still running", status=Job.Status.RUNNING,
                               worker=f"{host}:{os.getppid()}")
    elsewhere = Job.objects.create(kind="test_steps", title="Other host", status=Job.Status.RUNNING,
                                   worker="another-host:1")
    assert {job.pk for job in jobs_fail_interrupted()} == {dead.pk, nameless.pk}
    statuses = dict(Job.objects.values_list("title", "status"))
    assert statuses == {"Cut off": "failed", "Never claimed": "failed", "Still running": "running",
                        "Other host": "running"}
    dead.refresh_from_db()
    assert dead.error == INTERRUPTED and dead.finished_at is not None
    assert AuditEvent.objects.filter(action="job.fail", object_id=str(dead.pk)).count() == 1
    assert not upload.exists()
    # Another import is still running ("Still running" is not one), so staging can go.
    assert not staging.exists()
    assert alive.pk and elsewhere.pk


def test_leftovers_of_a_running_import_are_kept(state_lead, tree, tmp_path):
    staging = tmp_path / "data" / ".roster-staging-live"
    staging.mkdir(parents=True)
    host = socket.gethostname()[:40]
    Job.objects.create(kind="roster_import", title="Running", status=Job.Status.RUNNING,
                       worker=f"{host}:{os.getppid()}", params={"scope_id": tree.state.pk})
    Job.objects.create(kind="roster_import", title="Cut off", status=Job.Status.RUNNING,
                       worker=f"{host}:{2**22 + 54321}", params={"scope_id": tree.state.pk})
    assert [job.title for job in jobs_fail_interrupted()] == ["Cut off"]
    assert staging.exists()


def test_a_denied_person_cannot_see_a_job(district_lead, state_lead, tree):
    job = Job.objects.create(kind="test_steps", title="Theirs", started_by=state_lead.user,
                             status=Job.Status.FAILED, error="x")
    client = Client()
    client.login(username="district.lead", password=PASSWORD)
    assert client.get(reverse("job-detail", args=[job.pk])).status_code == 404
    assert Job.objects.get(pk=job.pk).status == "failed"
