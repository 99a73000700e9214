"""A district lead uploads a pilot's outputs, sees the built-in bias flagged with only suppressed
numbers, and the scale gate refuses while a high-severity incident is open and opens once it is
resolved; the school's public page then shows that the tool was checked for fairness."""

from __future__ import annotations

from typing import Any

import pytest

from tests.audits.conftest import BIAS, piloted
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from trellis.audits.models import Finding
from trellis.audits.sample import sample_outputs, write_student_store, write_upload
from trellis.tools import services as tool_services
from trellis.tools.models import Deployment

pytestmark = pytest.mark.browser


def test_an_audit_flags_the_bias_and_the_gate_waits_for_the_incident(page, tree, district_lead, teacher, settings,
                                                                     tmp_path: Any) -> None:
    pilot = piloted(tree, district_lead)
    outputs = sample_outputs(4_000, seed=3, bias=BIAS)
    write_student_store(outputs, key=settings.TRELLIS_PSEUDONYM_KEY.encode(), schools=[tree.school.sourced_id],
                        store_dir=settings.TRELLIS_DATA_DIR / "roster")
    upload = write_upload(outputs, tmp_path / "detector.csv", unmatched=12)
    tool_services.pilot_evaluate(actor=district_lead.user, deployment=pilot, evaluation="Teachers found it useful.")
    incident = tool_services.incident_report(actor=teacher.user, organization=tree.school, category="bias",
                                             severity="high", tool=pilot.tool, description="Flags my learners.")

    sign_in(page, "district.lead", PASSWORD)
    page.get_by_role("link", name="AI tools in Cedar Valley Unified").click()
    page.get_by_role("link", name="Pilots, deployments and fairness audits").click()
    assert_accessible(page)
    page.get_by_role("link", name="Quillmark Detect").click()
    page.get_by_role("link", name="Upload the tool's outputs for an audit").click()
    page.locator("input#id_upload").set_input_files(str(upload))
    page.get_by_label("Column with the true outcome (optional)").fill("label")
    page.get_by_role("button", name="Start the audit").click()
    page.get_by_role("heading", name="Done").wait_for(timeout=60_000)
    assert_accessible(page)
    page.get_by_role("link", name="Go to the audit's results").click()
    page.get_by_role("heading", name="Findings the district must answer").wait_for()
    page.locator("#audit-chart[data-rendered=true]").wait_for()
    assert_accessible(page)
    body = page.content()
    assert "English learners: Yes: the tool wrongly flags" in body and "S000" not in body
    assert page.get_by_text("12 rows matched no student").is_visible()

    page.get_by_role("link", name=f"the pilot in {tree.district.name}").click()
    page.get_by_role("button", name="Pass the gate and scale").click()
    page.get_by_text("The gate did not open").wait_for()
    assert page.get_by_text(incident.reference).is_visible()
    assert_accessible(page)
    assert Deployment.objects.get().stage == "pilot"

    tool_services.incident_triage(actor=district_lead.user, incident=incident, status="resolved", severity="high",
                                  action_taken="Flags on learners' essays go to a teacher first.")
    for finding in Finding.objects.all():
        finding.response, finding.status = "Teachers read every flag first.", Finding.Status.ANSWERED
        finding.save()
    page.reload()
    page.get_by_role("button", name="Pass the gate and scale").click()
    page.get_by_text("The pilot passed the gate").wait_for()
    assert Deployment.objects.get().stage == "scaled"

    page.goto(f"/public/schools/{tree.school.pk}/")
    page.get_by_text("with this district's own students").wait_for()
    page.get_by_text("What the fairness check found").click()
    assert_accessible(page)
    page.goto(f"/es/public/schools/{tree.school.pk}/")
    page.get_by_text("con los propios estudiantes de este distrito").wait_for()
    assert_accessible(page)
