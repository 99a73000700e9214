"""Every staff and public page renders for the people who may see it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.tools.conftest import client_for, close_file, days, pdf_upload
from trellis.tools import services


@pytest.fixture
def history(tree, tool, in_inventory, district_lead, teacher):
    tool_request = services.request_create(actor=teacher.user, tool=tool, school=tree.school, grades=["07"],
                                           purpose="Seventh-grade essays.")
    reviews = services.request_route(actor=district_lead.user, tool_request=tool_request,
                                     reviewers={"privacy": district_lead.user})
    decision = services.decision_record(actor=district_lead.user, district=tree.district, tool=tool,
                                        outcome="approved_with_conditions", reasons="Useful.",
                                        conditions="Teachers read every flag.", expires_on=days(300),
                                        tool_request=tool_request)
    agreement = services.agreement_add(actor=district_lead.user, district=tree.district, tool=tool,
                                       starts_on=days(-10), ends_on=days(355), data_elements=["name"],
                                       clauses=["purpose", "training"], coppa_basis="school_authorization",
                                       upload=pdf_upload())
    incident = services.incident_report(actor=teacher.user, organization=tree.school, category="bias",
                                        description="Flags my English learners.", severity="high", tool=tool)
    opt_out = services.opt_out_submit(school=tree.school, parent_name="A parent", contact="555-0100")
    return {"request": tool_request, "review": reviews[0], "decision": decision, "agreement": agreement,
            "incident": incident, "opt_out": opt_out}


def test_district_lead_sees_every_staff_page(tree, tool, history, district_lead):
    client = client_for(district_lead)
    urls = [
        reverse("tool-list"), reverse("tool-create"), reverse("tool-detail", args=[tool.pk]),
        reverse("tool-request-list"), reverse("tool-request-detail", args=[history["request"].pk]),
        reverse("review-detail", args=[history["review"].pk]), reverse("rubric"),
        reverse("tool-inventory", args=[tree.district.pk]), reverse("tool-inventory-add", args=[tree.district.pk]),
        reverse("decision-create", args=[tree.district.pk, tool.pk]),
        reverse("agreement-create", args=[tree.district.pk, tool.pk]),
        reverse("review-start", args=[tool.pk, tree.district.pk]),
        reverse("incident-list"), reverse("incident-create"),
        reverse("incident-detail", args=[history["incident"].pk]),
        reverse("opt-out-list"), reverse("opt-out-detail", args=[history["opt_out"].pk]),
        reverse("agreement-file", args=[history["agreement"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        close_file(response)


@pytest.mark.parametrize("language", ["en", "es"])
def test_public_pages_render_in_both_languages(tree, tool, history, language):
    client = Client()
    for name, args in [("public-home", []), ("public-district", [tree.district.pk]),
                       ("public-school", [tree.school.pk]), ("public-opt-out", [tree.school.pk]),
                       ("public-concern", [tree.school.pk]), ("public-thanks", []), ("public-status", [])]:
        with translation.override(language):
            url = reverse(name, args=args)
        assert url.startswith("/es/public/" if language == "es" else "/public/")
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode()
