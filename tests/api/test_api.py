"""The analysts' API: personal tokens, the same permissions as the pages, and the access log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from tests.insights.test_overview import governance  # noqa: F401  (a fixture)
from trellis.api.models import ApiToken
from trellis.api.services import api_token_create, api_token_revoke
from trellis.audits.models import FairnessAudit
from trellis.core.models import AccessEvent, AuditEvent
from trellis.insights.models import FundingStream

ROLES = ["state_lead", "state_analyst", "regional_coach", "district_lead", "school_leader", "teacher", "outsider"]
STATE_TEAM = {"state_lead", "state_analyst"}


def bearer(person) -> dict[str, str]:
    _, secret = api_token_create(actor=person.user, name="Notebook")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def get(path: str, headers: dict[str, str], **params):
    return Client().get(f"/api/v1/{path}", params, **headers)


@pytest.mark.parametrize("path", ["overview", "tools", "deployments", "audits", "roadmap"])
def test_no_token_or_a_wrong_or_revoked_one_reads_nothing(state_lead, tree, governance, path):  # noqa: F811
    assert get(path, {}).status_code == 401
    assert get(path, {"HTTP_AUTHORIZATION": "Bearer trl_not-a-token"}).status_code == 401
    # A signed-in browser session is not a token: the API answers only to tokens.
    client = Client()
    client.login(username="state.lead", password=PASSWORD)
    assert client.get(f"/api/v1/{path}").status_code == 401
    token, secret = api_token_create(actor=state_lead.user, name="Old laptop")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert get(path, headers).status_code == 200
    api_token_revoke(actor=state_lead.user, token=token)
    assert get(path, headers).status_code == 401


def test_a_switched_off_persons_token_reads_nothing(state_lead, tree):
    headers = bearer(state_lead)
    state_lead.user.is_active = False
    state_lead.user.save()
    assert get("tools", headers).status_code == 401


@pytest.mark.parametrize("who", ROLES)
def test_overview_rows_for_the_state_team_only(request, tree, governance, who):  # noqa: F811
    person = request.getfixturevalue(who)
    headers = bearer(person)
    before = AuditEvent.objects.count()
    response = get("overview", headers)
    if who in STATE_TEAM:
        assert response.status_code == 200
        rows = {row["district"]: row for row in response.json()}
        assert rows["Cedar Valley Unified"] == {
            "district_id": tree.district.pk, "district": "Cedar Valley Unified", "nces_id": "",
            "region": "Region 1 Service Center", "locale": "rural", "poverty_quartile": 4,
            "poverty_level": "High poverty", "vetted_tools": 2, "fairness_audits": 1, "open_incidents": 2,
            "open_high_severity_incidents": 1, "roadmap_stage": "Not yet assessed",
            "funding": {FundingStream.objects.order_by("position", "name").first().code: "12500.00"},
            "pl_measures": {},
        }
        assert [row["district"] for row in get("overview", headers, locale="city").json()] == [
            "Riverside City Schools"]
    else:
        assert response.status_code == 404
        assert b"Cedar" not in response.content and b"Riverside" not in response.content
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("who", ROLES)
def test_deployments_and_audits_only_in_districts_the_person_sees(request, tree, governance, who):  # noqa: F811
    person = request.getfixturevalue(who)
    headers = bearer(person)
    # As on the pages: deployments and audits are read by those who see the district itself.
    sees_cedar = who in {"state_lead", "state_analyst", "regional_coach", "district_lead"}
    deployments = get("deployments", headers).json()
    assert [d["district"] for d in deployments] == (["Cedar Valley Unified"] if sees_cedar else [])
    FairnessAudit.objects.filter(status="done").update(published={"rows": [{"group": "All", "n": 120}]})
    before = AccessEvent.objects.count()
    audits = get("audits", headers).json()
    assert [a["published"] for a in audits] == ([{"rows": [{"group": "All", "n": 120}]}] if sees_cedar else [])
    logged = AccessEvent.objects.order_by("-id").first()
    assert AccessEvent.objects.count() == before + 1
    assert (logged.actor_id, logged.purpose, logged.rows_read) == (person.user.pk, "API: /api/v1/audits",
                                                                   len(audits))


def test_tools_need_a_role(tree, governance, state_lead):  # noqa: F811
    from tests.factories import PersonFactory

    nobody = PersonFactory()
    assert get("tools", bearer(nobody)).status_code == 404
    tools = get("tools", bearer(state_lead)).json()
    assert len(tools) == 5 and {"product", "vendor", "student_data", "privacy_policy_url"} <= set(tools[0])
    assert [t["product"] for t in get("tools", bearer(state_lead), search="quill").json()] == ["Quillmark Detect"]


@pytest.mark.parametrize("who", ROLES)
def test_roadmap_stages_where_the_person_may_read_the_roadmap(request, tree, who):
    from trellis.roadmap.permissions import can_view_roadmap

    person = request.getfixturevalue(who)
    stages = get("roadmap", bearer(person)).json()
    expected = sorted(d.name for d in (tree.district, tree.other_district) if can_view_roadmap(person.user, d))
    assert sorted(s["district"] for s in stages) == expected
    assert all(s["stage"] == "Not yet assessed" for s in stages)


def test_the_schema_and_the_documentation_page(client, tree):
    schema = client.get(reverse("api:openapi-json")).json()
    assert schema["info"]["title"] == "Trellis API"
    assert {"/api/v1/overview", "/api/v1/tools", "/api/v1/deployments", "/api/v1/audits",
            "/api/v1/roadmap", "/api/v1/measures", "/api/v1/reports"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["PersonalToken"] == {"type": "http", "scheme": "bearer"}
    page = client.get(reverse("api-docs")).content.decode()
    assert "GET /api/v1/overview" in page and reverse("api:openapi-json") in page


def test_using_a_token_notes_when_it_was_last_used(state_lead, tree):
    headers = bearer(state_lead)
    token = ApiToken.objects.get(user=state_lead.user)
    assert token.last_used_at is None
    get("tools", headers)
    token.refresh_from_db()
    assert token.last_used_at is not None and (timezone.now() - token.last_used_at).total_seconds() < 60


@pytest.mark.parametrize("who", ROLES)
def test_measures_as_the_pages_allow_them(request, tree, who):
    person = request.getfixturevalue(who)
    headers = bearer(person)
    response = get("measures", headers)
    # The state's staff, a regional coach and a district lead read measures (for their own part).
    if who in {"state_lead", "state_analyst", "regional_coach", "district_lead", "outsider"}:
        assert response.status_code == 200
        body = response.json()
        assert body["organization_id"] == person.memberships.first().organization_id
        assert {"year", "hours_threshold", "rows", "gaps", "notes"} <= set(body)
    else:
        assert response.status_code == 404
    # Another district's measures are not the outsider's to read.
    if who == "outsider":
        assert get("measures", headers, organization=tree.district.pk).status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_submitted_reports_for_those_who_read_the_districts_reports(request, tree, district_lead, who):
    from trellis.insights.permissions import can_view_district
    from trellis.insights.services import report_save, report_start, report_submit

    report = report_start(actor=district_lead.user, district=tree.district, year=2026)
    report_save(actor=district_lead.user, report=report,
                narratives={s.key: "What we did." for s in report.sections.all()})
    report_start(actor=district_lead.user, district=tree.district, year=2027)  # a draft: not published
    report_submit(actor=district_lead.user, report=report)
    person = request.getfixturevalue(who)
    headers = bearer(person)
    before = AccessEvent.objects.count()
    found = get("reports", headers).json()
    expected = [2026] if can_view_district(person.user, tree.district) else []
    assert [r["year"] for r in found] == expected
    if found:
        assert found[0]["status"] == "submitted" and found[0]["sections"][0]["narrative"] == "What we did."
    assert AccessEvent.objects.count() == before + 1
