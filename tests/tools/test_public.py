"""The public pages: plain facts for families, in English and Spanish, forms that resist spam and
oversized input, and nothing a family must never see."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.tools.conftest import days, pdf_upload
from trellis.core.models import AuditEvent
from trellis.tools import services
from trellis.tools.models import Incident, OptOutRequest


def url(name, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def published(tree, tool, in_inventory, district_lead):
    services.decision_record(actor=district_lead.user, district=tree.district, tool=tool,
                             outcome="approved_with_conditions", reasons="Useful with care.",
                             conditions="Teachers read every flag.", expires_on=days(200))
    services.agreement_add(actor=district_lead.user, district=tree.district, tool=tool, starts_on=days(-30),
                           ends_on=days(335), data_elements=["name", "written_work"], clauses=["purpose"],
                           coppa_basis="school_authorization", upload=pdf_upload())
    return tool


def test_a_school_page_tells_a_parent_what_the_tool_is_and_its_status(tree, published):
    page = Client().get(url("public-school", tree.school.pk)).content.decode()
    assert "AI tools at Lincoln Elementary" in page
    assert "Quillmark Detect" in page and "Checking essays in middle-school English." in page
    assert "Detects (for example AI-written work)" in page
    assert "Name, Written work and answers" in page
    assert "Decision: Approved with conditions." in page
    assert "Yes, until" in page
    assert 'href="/es/public/schools/' in page


def test_the_spanish_page_is_in_spanish(tree, published):
    page = Client().get(url("public-school", tree.school.pk, language="es")).content.decode()
    assert '<html lang="es">' in page
    assert "Herramientas de IA en Lincoln Elementary" in page
    assert "Decisión: Aprobada con condiciones." in page
    assert "Detecta (por ejemplo, trabajos escritos con IA)" in page
    assert "Grado 6, Grado 7, Grado 8" in page
    assert 'href="/public/schools/' in page and ">English<" in page


def test_a_school_without_the_tool_does_not_list_it(tree, published):
    page = Client().get(url("public-school", tree.other_school.pk)).content.decode()
    assert "Quillmark" not in page and "No AI tools are listed yet." in page


def test_an_expired_decision_and_a_lapsed_agreement_show(tree, published):
    from trellis.tools.models import Agreement, Decision

    Decision.objects.update(decided_on=days(-500), expires_on=days(-2))
    Agreement.objects.update(starts_on=days(-700), ends_on=days(-3))
    page = Client().get(url("public-school", tree.school.pk)).content.decode()
    assert "The district's decision ran out on" in page
    assert "Not now. The agreement ended on" in page


def test_only_districts_and_schools_are_public(tree, published):
    client = Client()
    assert client.get(url("public-district", tree.school.pk)).status_code == 404
    assert client.get(url("public-school", tree.district.pk)).status_code == 404
    assert client.get(url("public-district", tree.state.pk)).status_code == 404


def test_a_parent_opts_a_child_out_and_follows_it_to_an_answer(tree, published, school_leader):
    client = Client()
    response = client.post(url("public-opt-out", tree.school.pk), {
        "tool": published.pk, "grade": "07", "parent_name": "Pat Parent", "contact": "pat@example.org"})
    assert response.status_code == 302
    opt_out = OptOutRequest.objects.get()
    assert opt_out.reference in response["Location"] and opt_out.tool == published
    status = client.get(url("public-status"), {"reference": opt_out.reference.lower()}).content.decode()
    assert "Status: Received." in status
    services.opt_out_answer(actor=school_leader.user, opt_out=opt_out, answer="Your child will write on paper.")
    status = client.get(url("public-status", language="es"), {"reference": opt_out.reference}).content.decode()
    assert "Estado: Respondido." in status and "Your child will write on paper." in status


def test_a_public_concern_gets_a_reference_and_never_shows_the_reporter(tree, published):
    client = Client()
    response = client.post(url("public-concern", tree.school.pk, language="es"), {
        "category": "bias", "tool": published.pk, "description": "Marcó el ensayo de mi hija.",
        "reporter_name": "Maria Example", "reporter_contact": "maria@example.org"})
    assert response.status_code == 302 and response["Location"].startswith("/es/public/thanks/")
    incident = Incident.objects.get()
    assert incident.from_public and incident.reporter_name == "Maria Example" and incident.reported_by is None
    status = client.get(url("public-status"), {"reference": incident.reference}).content.decode()
    assert "Status: Received." in status
    for page in (status, client.get(url("public-school", tree.school.pk)).content.decode()):
        assert "Maria Example" not in page and "maria@example.org" not in page
    assert "Maria" not in AuditEvent.objects.get(action="incident.report").summary


def test_public_forms_keep_what_was_typed_and_refuse_oversized_input(tree, published):
    before = (Incident.objects.count(), AuditEvent.objects.count())
    response = Client().post(url("public-concern", tree.school.pk), {
        "category": "bias", "description": "x" * 4001, "reporter_name": "Sam"})
    assert response.status_code == 200
    assert "Ensure this value has at most 4000 characters" in response.content.decode()
    assert response.context["form"]["reporter_name"].value() == "Sam"
    response = Client().post(url("public-concern", tree.school.pk), {"category": "not-a-category",
                                                                      "description": "Hello"})
    assert response.status_code == 200 and (Incident.objects.count(), AuditEvent.objects.count()) == before


def test_a_bot_filling_the_hidden_field_is_thanked_and_ignored(tree, published):
    response = Client().post(url("public-opt-out", tree.school.pk), {
        "parent_name": "Bot", "contact": "bot@example.org", "website": "http://spam.example"})
    assert response.status_code == 302 and OptOutRequest.objects.count() == 0


def test_public_posts_are_rate_limited_per_sender(tree, published, settings):
    settings.TRELLIS_PUBLIC_POSTS_PER_HOUR = 3
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(3):
        assert client.post(url("public-opt-out", tree.school.pk),
                           {"parent_name": f"Parent {n}", "contact": "555-0100"}).status_code == 302
    response = client.post(url("public-concern", tree.school.pk), {"category": "other", "description": "Again"})
    assert response.status_code == 200 and "several messages from you" in response.content.decode()
    assert (OptOutRequest.objects.count(), Incident.objects.count()) == (3, 0)
    # Another sender is not held back, and the address itself is never stored.
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert other.post(url("public-opt-out", tree.school.pk),
                      {"parent_name": "Other", "contact": "555-0101"}).status_code == 302
    assert not OptOutRequest.objects.filter(sender__contains="203.0.113.9").exists()
