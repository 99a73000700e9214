"""The page where a person confirms what an import takes away: only they may answer, once."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.orgs.test_views import client_for
from trellis.core.models import AuditEvent, Job

PREVIEW = {"Cedar Valley Unified": {"Students removed": 4}}


@pytest.fixture
def pending(district_lead, tree):
    uploads = settings.TRELLIS_HOME / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    upload = uploads / "roster-pending.zip"
    upload.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return Job.objects.create(
        kind="roster_import", title="Roster import for Cedar Valley Unified", started_by=district_lead.user,
        organization_id=tree.district.pk, status=Job.Status.SUCCEEDED,
        params={"upload": str(upload), "scope_id": tree.district.pk, "name": "roster.zip"},
        result={"preview": PREVIEW, "created": {}, "updated": {}, "warnings": []},
    )


def state_of(job):
    job.refresh_from_db()
    return (Job.objects.count(), AuditEvent.objects.count(), job.result, job.params["upload"],
            (settings.TRELLIS_HOME / "uploads" / "roster-pending.zip").exists())


def test_the_person_who_started_the_import_sees_what_it_takes_away(district_lead, tree, pending):
    response = client_for(district_lead).get(reverse("roster-import-confirm", args=[tree.district.pk, pending.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "What this import would take away" in page and "Cedar Valley Unified" in page
    assert "Make these changes" in page


@pytest.mark.parametrize("role, status", [
    ("state_lead", 404), ("state_analyst", 403), ("regional_coach", 403), ("school_leader", 404),
    ("teacher", 404), ("outsider", 404),
])
def test_nobody_else_may_see_or_answer_it_and_nothing_changes(request, tree, pending, role, status):
    person = request.getfixturevalue(role)
    url = reverse("roster-import-confirm", args=[tree.district.pk, pending.pk])
    before = state_of(pending)
    client = client_for(person)
    assert client.get(url).status_code == status
    for answer in ("confirm", "cancel"):
        assert client.post(url, {"answer": answer}).status_code == status
    assert state_of(pending) == before


def test_cancelling_drops_the_upload_and_imports_nothing(
    district_lead, tree, pending, django_capture_on_commit_callbacks
):
    url = reverse("roster-import-confirm", args=[tree.district.pk, pending.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(district_lead).post(url, {"answer": "cancel"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.result["answered"] == "cancelled"
    assert not (settings.TRELLIS_HOME / "uploads" / "roster-pending.zip").exists()
    assert Job.objects.count() == 1
    assert AuditEvent.objects.filter(action="roster.import.cancel").count() == 1
    # A second answer changes nothing.
    assert client_for(district_lead).post(url, {"answer": "confirm"}).status_code == 200
    assert Job.objects.count() == 1


def test_confirming_starts_the_import_with_exactly_what_was_shown(district_lead, tree, pending):
    url = reverse("roster-import-confirm", args=[tree.district.pk, pending.pk])
    response = client_for(district_lead).post(url, {"answer": "confirm"})
    started = Job.objects.exclude(pk=pending.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[started.pk])
    assert started.params["confirmed"] == PREVIEW
    assert started.params["upload"] == pending.params["upload"]
    assert AuditEvent.objects.get(action="roster.import.confirm").details == {"removed": PREVIEW}


def test_an_import_nobody_confirms_in_time_is_dropped_with_its_upload(district_lead, tree, pending, settings):
    import datetime

    from django.utils import timezone

    from trellis.core.services import jobs_tidy

    upload = settings.TRELLIS_HOME / "uploads" / "roster-pending.zip"
    url = reverse("roster-import-confirm", args=[tree.district.pk, pending.pk])
    finished = timezone.now() - datetime.timedelta(hours=settings.TRELLIS_CONFIRM_WAIT_HOURS) + datetime.timedelta(
        minutes=5)
    Job.objects.filter(pk=pending.pk).update(finished_at=finished)
    client = client_for(district_lead)
    assert f"({settings.TRELLIS_CONFIRM_WAIT_HOURS} hours after the check)" in client.get(url).content.decode()
    jobs_tidy()  # not yet due: nothing changes
    pending.refresh_from_db()
    assert "answered" not in pending.result and upload.exists()

    Job.objects.filter(pk=pending.pk).update(finished_at=finished - datetime.timedelta(minutes=10))
    jobs_tidy()
    pending.refresh_from_db()
    assert pending.result["answered"] == "expired" and not upload.exists()
    assert AuditEvent.objects.filter(action="roster.import.expire", object_id=str(pending.pk)).count() == 1
    page = client.get(url).content.decode()
    assert "Nobody answered within" in page and "Make these changes" not in page
    before = state_of(pending)
    client.post(url, {"answer": "confirm"})
    assert state_of(pending) == before
