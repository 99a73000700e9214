"""Staff pages: what each role may open and change, and denied cases that change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.tools.conftest import client_for, close_file, days, pdf_upload
from trellis.core.models import AuditEvent
from trellis.tools import services
from trellis.tools.models import Agreement, Decision, Incident, InventoryEntry, OptOutRequest, Review, Tool, ToolRequest


def snapshot():
    return (Tool.objects.count(), InventoryEntry.objects.count(), ToolRequest.objects.count(),
            Review.objects.count(), Decision.objects.count(), Agreement.objects.count(),
            list(Incident.objects.values_list("status", flat=True)),
            list(OptOutRequest.objects.values_list("status", flat=True)), AuditEvent.objects.count())


@pytest.fixture
def routed(tree, tool, in_inventory, teacher, district_lead):
    tool_request = services.request_create(actor=teacher.user, tool=tool, school=tree.school, grades=["07"],
                                           purpose="Seventh-grade essays.")
    review = services.request_route(actor=district_lead.user, tool_request=tool_request,
                                    reviewers={"privacy": district_lead.user})[0]
    incident = services.incident_report(actor=None, organization=tree.school, category="bias",
                                        description="It flagged my son's essay.", reporter_name="Maria Example",
                                        reporter_contact="maria@example.org")
    opt_out = services.opt_out_submit(school=tree.school, parent_name="Pat Parent", contact="555-0100")
    return {"request": tool_request, "review": review, "incident": incident, "opt_out": opt_out}


def governed_posts(tree, tool, routed):
    """Each district-lead-only write, as (url, data)."""
    return [
        (reverse("tool-inventory-add", args=[tree.district.pk]),
         {"tool": tool.pk, "schools": [tree.school.pk], "grades": ["07"], "purpose": "Essays"}),
        (reverse("decision-create", args=[tree.district.pk, tool.pk]),
         {"outcome": "approved", "reasons": "Fine", "expires_on": str(days(100))}),
        (reverse("agreement-create", args=[tree.district.pk, tool.pk]),
         {"upload": pdf_upload(), "starts_on": str(days(0)), "ends_on": str(days(100)),
          "coppa_basis": "school_authorization"}),
        (reverse("tool-request-detail", args=[routed["request"].pk]), {"security": routed["review"].reviewer_id}),
        (reverse("incident-detail", args=[routed["incident"].pk]),
         {"status": "resolved", "severity": "low", "action_taken": "Closed"}),
        (reverse("review-start", args=[tool.pk, tree.district.pk]), {"adopt": ""}),
    ]


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "state_analyst", "outsider"])
def test_only_the_district_lead_governs(request, tree, tool, routed, role):
    client = client_for(request.getfixturevalue(role))
    before = snapshot()
    for url, data in governed_posts(tree, tool, routed):
        response = client.post(url, data)
        assert response.status_code in (403, 404), (role, url, response.status_code)
    assert snapshot() == before


def test_the_district_lead_governs(tree, tool, routed, district_lead):
    client = client_for(district_lead)
    for url, data in governed_posts(tree, tool, routed):
        response = client.post(url, data)
        assert response.status_code == 302, (url, response.content.decode()[:2000])
    assert Decision.objects.get().outcome == "approved"
    assert Agreement.objects.get().file_size > 0
    assert Incident.objects.get().status == "resolved"


@pytest.mark.parametrize("role, status", [
    ("teacher", 404), ("school_leader", 404), ("outsider", 404), ("regional_coach", 404), ("district_lead", 200),
])
def test_a_review_draft_is_seen_by_its_reviewer_and_district_only(request, routed, role, status):
    person = request.getfixturevalue(role)
    response = client_for(person).get(reverse("review-detail", args=[routed["review"].pk]))
    # The regional coach sees the district's organization subtree, so the draft is visible to them.
    expected = 200 if role == "regional_coach" else status
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["teacher", "school_leader", "outsider"])
def test_only_the_reviewer_rates(request, tree, routed, role):
    review = routed["review"]
    criterion = services.review_criteria(review)[0]
    before = snapshot()
    response = client_for(request.getfixturevalue(role)).post(
        reverse("review-detail", args=[review.pk]), {f"rating_{criterion.pk}": "meets", "save": "1"})
    assert response.status_code in (403, 404)
    assert snapshot() == before and review.ratings.count() == 0


def test_a_public_reporter_is_shown_only_to_the_district_lead(tree, routed, district_lead, teacher, state_analyst):
    url = reverse("incident-detail", args=[routed["incident"].pk])
    assert "Maria Example" in client_for(district_lead).get(url).content.decode()
    for person in (teacher, state_analyst):
        response = client_for(person).get(url)
        assert response.status_code == 404
    listing = client_for(teacher).get(reverse("incident-list")).content.decode()
    assert "Maria Example" not in listing and routed["incident"].reference not in listing


@pytest.mark.parametrize("role, allowed", [("school_leader", True), ("district_lead", True), ("teacher", False),
                                           ("outsider", False), ("regional_coach", False)])
def test_opt_outs_are_answered_by_the_school_or_district(request, routed, role, allowed):
    opt_out = routed["opt_out"]
    before = snapshot()
    response = client_for(request.getfixturevalue(role)).post(
        reverse("opt-out-detail", args=[opt_out.pk]), {"answer": "Your child will use paper instead."})
    opt_out.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and opt_out.status == "answered"
    else:
        assert response.status_code == 404 and opt_out.status == "received"
        assert snapshot() == before


def test_a_refused_agreement_keeps_what_was_typed(tree, tool, district_lead):
    response = client_for(district_lead).post(reverse("agreement-create", args=[tree.district.pk, tool.pk]), {
        "upload": pdf_upload("minutes.pdf", b"<html>not a pdf</html>"), "starts_on": str(days(0)),
        "ends_on": str(days(200)), "clauses": ["purpose", "breach"], "coppa_basis": "school_authorization"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "minutes.pdf is not a PDF file" in page
    assert response.context["form"]["clauses"].value() == ["purpose", "breach"]
    assert page.count("checked") == 2
    assert response.context["form"]["ends_on"].value() == str(days(200))
    assert Agreement.objects.count() == 0


def test_teachers_request_and_see_their_requests(tree, tool, teacher):
    client = client_for(teacher)
    response = client.post(reverse("tool-request-create", args=[tool.pk]),
                           {"school": tree.school.pk, "grades": ["06"], "purpose": "Essays in grade 6."})
    assert response.status_code == 302
    tool_request = ToolRequest.objects.get()
    assert tool_request.requested_by == teacher.user
    assert tool.product in client.get(reverse("tool-request-list")).content.decode()
    # A school the teacher does not work in is not offered.
    response = client.post(reverse("tool-request-create", args=[tool.pk]),
                           {"school": tree.other_school.pk, "grades": ["06"], "purpose": "Essays."})
    assert response.status_code == 200 and ToolRequest.objects.count() == 1


def test_the_state_lead_publishes_a_rubric_and_others_cannot(state_lead, district_lead):
    text = "\n".join(f"{area}: A criterion about {area}." for area in [
        "privacy", "transparency", "fairness", "human_control", "evidence", "accessibility", "interoperability",
        "security"])
    before = snapshot()
    denied = client_for(district_lead).post(reverse("rubric-publish"), {"criteria": text, "notes": "x"})
    assert denied.status_code == 403
    assert snapshot() == before
    response = client_for(state_lead).post(reverse("rubric-publish"), {"criteria": "nonsense: x", "notes": "x"})
    assert "is not one of the areas" in response.content.decode()
    response = client_for(state_lead).post(reverse("rubric-publish"), {"criteria": text, "notes": "Shorter."})
    assert response.status_code == 302
    from trellis.tools.models import RubricVersion

    assert RubricVersion.objects.get(number=2).criteria.count() == 8


def test_anonymous_people_are_sent_to_sign_in(tree, tool):
    from django.test import Client

    for url in [reverse("tool-list"), reverse("tool-detail", args=[tool.pk]),
                reverse("tool-inventory", args=[tree.district.pk])]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_expired_decision_and_open_high_incident_reach_the_district_leads_home(tree, tool, in_inventory,
                                                                                   district_lead, teacher):
    services.decision_record(actor=district_lead.user, district=tree.district, tool=tool, outcome="approved",
                             reasons="Fine.", expires_on=days(10))
    Decision.objects.update(decided_on=days(-400), expires_on=days(-1))
    services.incident_report(actor=teacher.user, organization=tree.school, category="safety", severity="high",
                             tool=tool, description="Showed a harmful answer.")
    home = client_for(district_lead).get(reverse("home")).content.decode()
    assert "The decision on Quillmark Detect expired on" in home
    assert "Quillmark Detect has 1 open high-severity incident." in home
    teacher_home = client_for(teacher).get(reverse("home")).content.decode()
    assert "expired on" not in teacher_home and "AI tools in Cedar Valley Unified" in teacher_home


@pytest.mark.parametrize("role, name, allowed", [
    ("teacher", "tool-create", False), ("school_leader", "tool-create", False), ("district_lead", "tool-create", True),
    ("outsider", "inventory", False), ("teacher", "inventory", False), ("regional_coach", "inventory", True),
    ("teacher", "inventory-add", False), ("state_analyst", "inventory-add", False),
    ("district_lead", "inventory-add", True),
    ("teacher", "agreement-file", False), ("outsider", "agreement-file", False),
    ("district_lead", "agreement-file", True),
    ("state_lead", "incident-create", False), ("teacher", "incident-create", True),
    ("district_lead", "rubric-publish", False), ("state_lead", "rubric-publish", True),
    ("outsider", "decision-create", False), ("school_leader", "decision-create", False),
])
def test_each_page_opens_only_for_its_people(request, tree, tool, in_inventory, district_lead, role, name, allowed):
    agreement = services.agreement_add(actor=district_lead.user, district=tree.district, tool=tool,
                                       starts_on=days(0), ends_on=days(90), data_elements=[], clauses=[],
                                       coppa_basis="school_authorization", upload=pdf_upload())
    urls = {
        "tool-create": reverse("tool-create"), "inventory": reverse("tool-inventory", args=[tree.district.pk]),
        "inventory-add": reverse("tool-inventory-add", args=[tree.district.pk]),
        "agreement-file": reverse("agreement-file", args=[agreement.pk]), "incident-create": reverse("incident-create"),
        "rubric-publish": reverse("rubric-publish"),
        "decision-create": reverse("decision-create", args=[tree.district.pk, tool.pk]),
    }
    response = client_for(request.getfixturevalue(role)).get(urls[name])
    close_file(response)
    assert (response.status_code == 200) == allowed, response.status_code
    if not allowed:
        assert response.status_code in (403, 404)


def test_a_school_leader_sees_waiting_opt_outs_on_their_home_page(tree, school_leader, teacher):
    services.opt_out_submit(school=tree.school, parent_name="Pat Parent", contact="555-0100")
    assert "1 family opt-out request is waiting for an answer." in client_for(school_leader).get(
        reverse("home")).content.decode()
    assert "opt-out request is waiting" not in client_for(teacher).get(reverse("home")).content.decode()
