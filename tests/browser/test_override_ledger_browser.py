"""A teacher records an override from the home page; the district lead sees the rate by tool, and
the tool's student groups only once enough students were overridden."""

from __future__ import annotations

import pytest

from tests.audits.conftest import BIAS, piloted
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from trellis.audits import services
from trellis.audits.models import Override
from trellis.audits.sample import sample_outputs, write_student_store

pytestmark = pytest.mark.browser


def test_a_teacher_records_an_override_and_the_district_sees_the_rate(browser, live_server, tree, district_lead,
                                                                       teacher, settings) -> None:
    pilot = piloted(tree, district_lead)
    outputs = sample_outputs(600, seed=4, bias=BIAS)
    write_student_store(outputs, key=settings.TRELLIS_PSEUDONYM_KEY.encode(), schools=[tree.school.sourced_id],
                        store_dir=settings.TRELLIS_DATA_DIR / "roster")
    students = outputs["student_id"].to_pylist()

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, teacher.user.username, PASSWORD)
    page.get_by_role("link", name="Record an override").click()
    page.get_by_label("Tool").select_option(label=str(pilot.tool))
    page.get_by_label("Kind of output").fill("AI-writing flag")
    page.get_by_label("What the AI said").fill("Likely AI-written")
    page.get_by_label("What you decided").fill("Written by the student")
    page.locator("label[for=id_reason_0]").click()  # USWDS draws the radio on the label
    page.get_by_label("Student id (optional)").fill(students[0])
    assert_accessible(page)
    page.get_by_role("button", name="Record the override").click()
    page.get_by_text("Your override is recorded").wait_for()
    assert Override.objects.get().student_key not in ("", students[0])
    context.close()

    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sign_in(page, district_lead.user.username, PASSWORD)
    page.goto(f"/districts/{tree.district.pk}/deployments/")
    page.get_by_role("link", name="How often teachers override each tool, by student group").click()
    row = page.get_by_role("row", name="Quillmark Detect")
    assert "600" in row.inner_text()
    assert page.get_by_text("Quillmark Detect: too few students have an override").is_visible()
    assert page.get_by_role("heading", name="Quillmark Detect: by student group").count() == 0
    assert_accessible(page)

    for student in students[1:3 * settings.TRELLIS_MIN_N]:
        services.override_record(actor=teacher.user, tool=pilot.tool, school=tree.school, output_kind="AI-writing flag",
                                 ai_said="Likely AI-written", teacher_decided="Written by the student",
                                 reason="wrong", student_id=student)
    page.reload()
    page.get_by_role("heading", name="Quillmark Detect: by student group").wait_for()
    assert page.get_by_text("Hidden to protect a small group").first.is_visible()
    assert students[0] not in page.content()
    assert_accessible(page)
    context.close()
