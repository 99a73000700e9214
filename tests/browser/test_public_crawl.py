"""Crawl every public page without signing in, in English and in Spanish: each passes axe-core and
none shows what a family must never see (a student id or pseudonym, a reporter's name or contact,
a staff member's email)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from tests.audits.conftest import BIAS, as_upload, piloted
from tests.browser.conftest import assert_accessible
from trellis.audits import services as audit_services
from trellis.audits.sample import sample_outputs, write_student_store, write_upload
from trellis.tools import services

pytestmark = pytest.mark.browser
NEVER_SHOWN = ["S000", "student_key", "Maria Example", "maria@example.org", "@example.org"]


def crawl(page: Any, start: str, limit: int = 40) -> list[str]:
    prefix = "/es/public/" if start.startswith("/es/") else "/public/"
    seen, queue = [], [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == ("es" if prefix.startswith("/es/") else "en")
        assert_accessible(page)
        body = page.content()
        for text in NEVER_SHOWN:
            assert text not in body, (url, text)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            path = urlparse(href).path
            if path.startswith(prefix) and path not in seen and path not in queue and "/status/" not in path:
                queue.append(path)
    return seen


def test_every_public_page_in_both_languages(page, tree, district_lead, teacher, settings, tmp_path):
    pilot = piloted(tree, district_lead)
    outputs = sample_outputs(3_000, seed=9, bias=BIAS)
    write_student_store(outputs, key=settings.TRELLIS_PSEUDONYM_KEY.encode(), schools=[tree.school.sourced_id],
                        store_dir=settings.TRELLIS_DATA_DIR / "roster")
    settings.TRELLIS_JOB_RUNNER = "inline"
    audit = audit_services.audit_upload_start(
        actor=district_lead.user, deployment=pilot, upload=as_upload(write_upload(outputs, tmp_path / "o.csv")),
        id_column="student_id", prediction_column="flag", label_column="label")
    audit.refresh_from_db()
    assert audit.status == "done" and audit.findings.exists()
    services.incident_report(actor=None, organization=tree.school, category="bias", tool=pilot.tool,
                             description="It flagged my daughter's essay.", reporter_name="Maria Example",
                             reporter_contact="maria@example.org")
    english = crawl(page, "/public/")
    spanish = crawl(page, "/es/public/")
    assert f"/public/schools/{tree.school.pk}/" in english and f"/es/public/schools/{tree.school.pk}/" in spanish
    assert f"/public/schools/{tree.school.pk}/opt-out/" in english
    assert len(english) == len(spanish) >= 6
