"""Roster uploads: plain messages for the wrong file, a size cap enforced as the file arrives, and
no raw roster left on disk after an import, refused, failed or waiting."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.interop.test_oneroster_zip_limits import damaged
from tests.orgs.test_roster_preview import TAO, without_last_student
from tests.orgs.test_views import client_for
from trellis.core.models import Job
from trellis.orgs.models import Organization, Person
from trellis.orgs.roster import writer as roster_writer


def raw_files() -> list[str]:
    """Files under TRELLIS_HOME that hold or held raw roster rows (uploads, staged CSV)."""
    home = Path(settings.TRELLIS_HOME)
    return sorted(str(path.relative_to(home)) for path in home.rglob("*")
                  if path.is_file() and (path.suffix in {".csv", ".zip"} or ".roster-staging-" in str(path)))


def zipped(folder: Path, target: Path) -> SimpleUploadedFile:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return SimpleUploadedFile("district-roster.zip", target.read_bytes(), content_type="application/zip")


def test_a_text_file_gets_a_plain_message(district_lead, tree):
    upload = SimpleUploadedFile("roster.txt", b"sourcedId\n", content_type="text/plain")
    response = client_for(district_lead).post(reverse("roster-import", args=[tree.district.pk]), {"roster": upload})
    page = response.content.decode()
    assert "roster.txt is not a .zip file" in page and "This field is required" not in page
    assert Job.objects.count() == 0


def test_an_upload_past_the_limit_is_refused_as_it_arrives(district_lead, tree, settings):
    settings.TRELLIS_ROSTER_UPLOAD_MB = 1
    upload = SimpleUploadedFile("roster.zip", b"PK" + b"\x00" * (2 * 1024 * 1024), content_type="application/zip")
    response = client_for(district_lead).post(reverse("roster-import", args=[tree.district.pk]), {"roster": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file is larger than 1 MB, the most Trellis takes here." in page
    assert "This field is required" not in page
    assert Job.objects.count() == 0 and raw_files() == []


@pytest.mark.django_db(transaction=True)
def test_a_refused_upload_leaves_no_raw_file_and_names_the_uploaded_file(district_lead, tree, tmp_path_factory):
    upload = SimpleUploadedFile("district-roster.zip", damaged(tmp_path_factory.mktemp("z")).read_bytes())
    response = client_for(district_lead).post(reverse("roster-import", args=[tree.district.pk]), {"roster": upload})
    job = Job.objects.get()
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("The roster was not imported. Fix this problem:\n- district-roster.zip: is damaged")
    assert "roster-" + "0" not in job.error and "Traceback" not in job.error
    assert raw_files() == []


@pytest.mark.django_db(transaction=True)
def test_an_exception_in_the_middle_of_an_import_leaves_no_raw_file(district_lead, tree, tmp_path_factory,
                                                                    monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(roster_writer, "merge_student_store", broken)
    upload = zipped(TAO, tmp_path_factory.mktemp("z") / "roster.zip")
    before = (Organization.objects.count(), Person.objects.count())
    client_for(district_lead).post(reverse("roster-import", args=[tree.district.pk]), {"roster": upload})
    assert Job.objects.get().status == Job.Status.FAILED
    assert (Organization.objects.count(), Person.objects.count()) == before
    assert raw_files() == []


@pytest.mark.django_db(transaction=True)
def test_an_upload_waiting_for_confirmation_is_the_owners_alone(district_lead, tree, tmp_path_factory):
    folder = tmp_path_factory.mktemp("z")
    client = client_for(district_lead)
    client.post(reverse("roster-import", args=[tree.district.pk]), {"roster": zipped(TAO, folder / "a.zip")})
    fewer = zipped(without_last_student(TAO, folder), folder / "b.zip")
    client.post(reverse("roster-import", args=[tree.district.pk]), {"roster": fewer})
    waiting = Job.objects.latest("pk")
    assert waiting.result["preview"] == {"Cedar Valley Unified": {"Students removed": 1}}
    kept = Path(waiting.params["upload"])
    assert raw_files() == [f"uploads/{kept.name}"]
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(kept.parent).st_mode) == 0o700
