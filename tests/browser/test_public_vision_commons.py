"""A parent reads the state's plan and comments on the draft without an account, and searches the
commons, in English and in Spanish; every page passes axe-core."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible
from trellis.commons.competencies import area_ids
from trellis.commons.services import commons_item_create, commons_item_publish
from trellis.vision import services
from trellis.vision.models import VisionComment

pytestmark = pytest.mark.browser


def test_a_parent_comments_on_the_draft_vision_in_english_and_spanish(page, state_lead, tree):
    lead = state_lead.user
    v1 = services.vision_draft_start(actor=lead, title="AI that serves every student")
    services.vision_section_save(actor=lead, version=v1, heading="Human judgment first",
                                 body="Teachers decide. AI suggests.")
    services.vision_publish(actor=lead, version=v1)
    v2 = services.vision_draft_start(actor=lead)
    services.vision_open_for_comment(actor=lead, version=v2, closes=timezone.localdate() + datetime.timedelta(days=9))

    page.goto("/public/")
    page.get_by_role("link", name="The state's plan for AI in classrooms").click()
    page.get_by_role("heading", name="Human judgment first").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Read the new version and comment").click()
    page.get_by_role("heading", name="Comment on the new plan for AI in classrooms").wait_for()
    page.get_by_role("textbox", name="Your comment").fill("How will families hear about new tools?")
    page.get_by_label("Your name (optional)").fill("Ana")
    page.get_by_role("button", name="Send my comment").click()
    page.get_by_text("The state reads every comment before it is shown here.").wait_for()
    assert_accessible(page)
    assert VisionComment.objects.get().status == "pending"

    page.get_by_role("link", name="Español").click()
    page.get_by_role("heading", name="Comente el nuevo plan para la IA en las aulas").wait_for()
    page.get_by_role("button", name="Enviar mi comentario").click()  # nothing written: refused, in Spanish
    page.locator(".usa-error-message").first.wait_for()
    assert_accessible(page)
    page.get_by_role("textbox", name="Su comentario").fill("¿Cómo sabrán las familias?")
    page.get_by_role("button", name="Enviar mi comentario").click()
    page.get_by_text("Gracias. El estado lee cada comentario antes de mostrarlo aquí.").wait_for()
    assert VisionComment.objects.count() == 2 and not VisionComment.objects.exclude(status="pending").exists()


def test_the_public_searches_the_commons_in_english_and_spanish(page, teacher, state_lead, tree):
    for title, fmt, summary in [
        ("Coaching cycles on AI feedback", "coaching", "A coach and a teacher plan, observe, reflect on AI feedback."),
        ("AI feedback community of practice", "plc", "Teachers compare AI feedback on student writing."),
        ("Family night on AI homework", "workshop", "An evening with families about AI and homework."),
    ]:
        item = commons_item_create(actor=teacher.user, submit=True, fields={
            "kind": "pl_model", "format": fmt, "title": title, "summary": summary, "description": summary,
            "served": "Teachers in one district", "grade_band": "all", "subject": "all",
            "competencies": area_ids("AI-CFT.4")})
        commons_item_publish(actor=state_lead.user, item=item)

    page.goto("/public/")
    page.get_by_role("link", name="What works: ideas shared by our schools").click()
    page.get_by_label("Search the ideas").fill("feedback")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="2 ideas for “feedback”").wait_for()
    page.get_by_text("Professional learning community (1)").click()
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name="1 idea for “feedback”").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="AI feedback community of practice").click()
    page.get_by_role("heading", name="Similar ideas").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Coaching cycles on AI feedback").click()

    page.get_by_role("link", name="Español").click()
    page.get_by_role("heading", name="Cómo funciona").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Lo que funciona: ideas que comparten nuestras escuelas").click()
    page.get_by_label("Buscar en las ideas").fill("families")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("heading", name="1 idea para “families”").wait_for()
    page.get_by_text("Taller de una sola vez (1)").wait_for()
    assert_accessible(page)
    page.goto("/es/public/commons/999999/")
    page.get_by_role("heading", name="No encontramos esa página").wait_for()
    assert_accessible(page)
