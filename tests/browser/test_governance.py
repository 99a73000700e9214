"""The governance path as people walk it: a teacher asks for a tool, the district routes it to a
reviewer, rates it, decides with conditions and files the agreement; a parent reads the school's
public page in English and Spanish, opts a child out and reports a concern without an account."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD
from tests.tools.conftest import days, make_inventory, make_tool
from trellis.tools import services
from trellis.tools.models import Agreement, Decision, Incident, OptOutRequest, Review

pytestmark = pytest.mark.browser


@pytest.fixture
def tool(transactional_db: None) -> Any:
    return make_tool()


@pytest.fixture
def in_inventory(tree: Any, tool: Any) -> Any:
    return make_inventory(tree, tool)


def tick(scope: Any, label: str) -> None:
    """USWDS draws its own boxes and hides the input, so a person clicks the label."""
    scope.locator(f"label:text-is({label!r})").click()
    assert scope.get_by_label(label, exact=True).is_checked()


def new_page(browser: Any, live_server: Any) -> Any:
    page = browser.new_context(base_url=live_server.url).new_page()
    page.set_default_timeout(15_000)
    return page


def test_a_tool_goes_from_request_to_decision_and_agreement(page, browser, live_server, tree, tool, in_inventory,
                                                            teacher, district_lead, tmp_path):
    sign_in(page, "teacher", PASSWORD)
    page.get_by_role("link", name="AI tools", exact=True).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Quillmark Detect 3.2").click()
    page.get_by_role("link", name="Request this tool for your school").click()
    tick(page, "Grade 7")
    page.get_by_label("What you would use it for").fill("Checking seventh-grade essays before grading.")
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("Your request for Quillmark Detect went to your district.").wait_for()
    assert_accessible(page)

    lead = new_page(browser, live_server)
    sign_in(lead, "district.lead", PASSWORD)
    lead.get_by_text("1 tool request is waiting to be sent to review.").wait_for()
    lead.get_by_role("link", name="AI tools in Cedar Valley Unified").click()
    assert_accessible(lead)
    lead.get_by_role("link", name="Quillmark Detect for Lincoln Elementary").click()
    lead.get_by_label("Privacy reviewer").select_option(label=district_lead.full_name)
    lead.get_by_role("button", name="Send to the reviewers").click()
    assert_accessible(lead)
    lead.get_by_role("link", name="Privacy").click()
    assert_accessible(lead)
    for group in lead.get_by_role("group").all():
        if group.get_by_label("Meets with reservations").count():
            tick(group, "Meets with reservations")
    lead.get_by_label("Summary for the district").fill("Keeps essays for a year; the agreement shortens that.")
    lead.get_by_role("button", name="Send the review").click()
    lead.get_by_text("The review was sent.").wait_for()
    review = Review.objects.get(step="privacy")
    assert review.status == "submitted" and review.ratings.count() == 4 and review.rubric.number == 1

    lead.goto(f"/districts/{tree.district.pk}/tools/{tool.pk}/decide/")
    tick(lead, "Approved with conditions")
    lead.get_by_label("Reasons").fill("Useful to teachers when a person reads every flag.")
    lead.get_by_role("button", name="Record the decision").click()
    lead.get_by_text("Write the conditions of the approval.").wait_for()
    assert lead.get_by_label("Reasons").input_value() == "Useful to teachers when a person reads every flag."
    assert_accessible(lead)
    lead.get_by_label("Conditions", exact=True).fill("A teacher reads every flagged essay before anything happens.")
    lead.get_by_label("Look at this again by").fill(days(300).isoformat())
    lead.get_by_role("button", name="Record the decision").click()
    lead.get_by_text("The decision on Quillmark Detect is recorded.").wait_for()
    assert Decision.objects.get().outcome == "approved_with_conditions"

    lead.get_by_role("link", name=re.compile("^Add agreement")).click()
    not_pdf = tmp_path / "agreement.pdf"
    not_pdf.write_bytes(b"PK\x03\x04 a zip file named .pdf")
    lead.locator("input#id_upload").set_input_files(str(not_pdf))
    lead.get_by_label("Start date").fill(days(-1).isoformat())
    lead.get_by_label("End date").fill(days(364).isoformat())
    lead.get_by_label("COPPA consent basis").select_option("school_authorization")
    lead.get_by_role("button", name="Save the agreement").click()
    lead.get_by_text("agreement.pdf is not a PDF file.").wait_for()
    assert Agreement.objects.count() == 0
    assert_accessible(lead)
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    lead.locator("input#id_upload").set_input_files(str(signed))
    tick(lead, "No training of AI models on student data")
    lead.get_by_role("button", name="Save the agreement").click()
    lead.get_by_text("The agreement for Quillmark Detect is on file.").wait_for()
    assert Agreement.objects.get().original_name == "signed.pdf"
    assert_accessible(lead)
    lead.context.close()


def test_a_parent_reads_the_school_page_in_both_languages_and_writes_to_the_school(page, tree, tool, in_inventory,
                                                                                   district_lead):
    services.decision_record(actor=district_lead.user, district=tree.district, tool=tool, outcome="pilot_only",
                             reasons="Trying it in two classes.", expires_on=days(120))
    page.goto(f"/public/districts/{tree.district.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Lincoln Elementary").click()
    page.get_by_role("heading", name="AI tools at Lincoln Elementary").wait_for()
    assert page.get_by_text("Decision: Pilot only.").is_visible()
    assert page.get_by_text("No. There is no privacy agreement on file.").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Español").click()
    page.get_by_role("heading", name="Herramientas de IA en Lincoln Elementary").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_text("Decisión: Solo como prueba.").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Que mi hijo o hija no use Quillmark Detect").click()
    assert_accessible(page)
    page.locator("#id_parent_name").fill("Pat Parent")
    page.locator("#id_contact").fill("pat@example.org")
    page.get_by_role("button", name="Enviar").click()
    page.get_by_role("heading", name="Gracias. Recibimos su mensaje.").wait_for()
    assert_accessible(page)
    opt_out = OptOutRequest.objects.get()
    assert opt_out.tool == tool and opt_out.reference in page.content()

    page.goto(f"/public/schools/{tree.school.pk}/concern/?tool={tool.pk}")
    page.get_by_label("What is it about").select_option("bias")
    page.get_by_label("What happened").fill("It flagged my daughter's essay; she is learning English.")
    page.get_by_label("Your name (optional)").fill("Maria Example")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you. We received your message.").wait_for()
    incident = Incident.objects.get()
    page.get_by_role("link", name="See where your message is").click()
    page.get_by_text("Status: Received.").wait_for()
    assert "Maria Example" not in page.content()
    assert_accessible(page)
    assert incident.from_public and incident.tool == tool
