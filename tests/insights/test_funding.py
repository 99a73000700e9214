"""Funding streams, allocations, spending and the state's spend per format."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.insights.conftest import EDITORS, ROLES, client_for, snapshot
from trellis.core.models import AuditEvent
from trellis.insights.models import Allocation, FundingStream, Spending
from trellis.insights.selectors import district_funding, state_spend_by_format
from trellis.insights.services import allocation_set, spending_record, stream_save


def test_the_seeded_streams_say_ai_professional_learning_is_allowable(db):
    streams = list(FundingStream.objects.all())
    assert [s.code for s in streams] == ["title-ii-a", "title-iv-a", "state"]
    for stream in streams:
        assert stream.ai_pl_allowable
        assert "AI" in stream.allowable_uses and "allowable use" in stream.allowable_uses


def test_every_staff_role_reads_the_streams_page(request, tree):
    for role in ROLES:
        page = client_for(request.getfixturevalue(role)).get(reverse("insights:streams")).content.decode()
        assert "Professional learning on AI is an allowable use of this stream." in page, role
        assert ("Add a funding stream" in page) == (role == "state_lead"), role


def test_the_state_lead_adds_a_stream_and_the_form_keeps_what_was_typed(state_lead):
    client = client_for(state_lead)
    data = {"name": "ESSER remainder", "code": "Not A Slug!", "allowable_uses": "Coaching on AI.",
            "ai_pl_allowable": "on", "is_active": "on", "position": "4", "description": "Left over."}
    response = client.post(reverse("insights:stream-new"), data)
    assert response.status_code == 200 and "ESSER remainder" in response.content.decode()
    assert not FundingStream.objects.filter(name="ESSER remainder").exists()
    response = client.post(reverse("insights:stream-new"), {**data, "code": "esser"})
    assert response.status_code == 302
    assert FundingStream.objects.get(code="esser").allowable_uses == "Coaching on AI."
    assert AuditEvent.objects.filter(action="funding.stream_save").count() == 1


@pytest.mark.parametrize("who", [r for r in ROLES if r != "state_lead"])
def test_only_the_state_lead_changes_streams_and_allocations(request, tree, title_ii, who):
    user = request.getfixturevalue(who).user
    before = snapshot()
    with pytest.raises(PermissionDenied):
        stream_save(actor=user, stream=title_ii, fields={"allowable_uses": "Nothing."})
    with pytest.raises(PermissionDenied):
        allocation_set(actor=user, district=tree.district, stream=title_ii, year=2026, amount=Decimal(1))
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("insights:stream-new")).status_code == 403
    assert client.post(reverse("insights:stream-edit", args=[title_ii.pk]),
                       {"name": "X", "code": "x", "allowable_uses": "Nothing.", "position": "1"}).status_code == 403
    response = client.post(reverse("insights:district-funding", args=[tree.district.pk]),
                           {"form": "allocation", "allocation-stream": title_ii.pk, "allocation-year": "2026",
                            "allocation-amount": "5"})
    assert response.status_code in (403, 404)
    assert snapshot() == before


def test_spending_is_tagged_and_summed_per_stream_and_year(tree, spent, title_ii):
    rows = district_funding(district=tree.district)
    assert [(r.stream.code, r.year, r.allocated, r.spent, r.remaining) for r in rows] == [
        ("title-ii-a", 2026, Decimal("30000"), Decimal("12000"), Decimal("18000"))]
    assert AuditEvent.objects.filter(action="funding.spending_record", organization_id=tree.district.pk).count() == 2


def test_setting_the_same_allocation_again_changes_nothing(tree, spent, title_ii):
    before = AuditEvent.objects.count()
    allocation_set(actor=None, district=tree.district, stream=title_ii, year=2026, amount=Decimal("30000"))
    assert AuditEvent.objects.count() == before and Allocation.objects.count() == 1


def test_an_offering_of_another_district_cannot_be_paid_for(tree, offerings, title_ii, district_lead):
    with pytest.raises(ValidationError) as raised:
        spending_record(actor=district_lead.user, district=tree.district, stream=title_ii, year=2026,
                        offering=offerings["elsewhere"], amount=Decimal(10), spent_on=datetime.date(2025, 9, 1))
    assert "offering" in raised.value.message_dict
    assert not Spending.objects.exists()


def test_the_district_lead_records_spending_in_the_page_and_a_bad_amount_keeps_the_form(
        district_lead, tree, offerings, title_ii):
    client = client_for(district_lead)
    url = reverse("insights:district-funding", args=[tree.district.pk])
    data = {"form": "spend", "spend-stream": title_ii.pk, "spend-year": "2026",
            "spend-offering": offerings["coaching"].pk,
            "spend-amount": "-5", "spend-spent_on": "2025-11-03", "spend-description": "Coach stipends, fall"}
    response = client.post(url, data)
    assert response.status_code == 200 and not Spending.objects.exists()
    page = response.content.decode()
    assert "Coach stipends, fall" in page and 'value="-5"' in page
    assert client.post(url, {**data, "spend-amount": "2500"}).status_code == 302
    row = Spending.objects.get()
    assert (row.amount, row.offering, row.recorded_by) == (Decimal("2500"), offerings["coaching"], district_lead.user)
    assert "AI coaching cycle" in client.get(url).content.decode()


@pytest.mark.parametrize("who", ROLES)
def test_district_funding_page_by_role(request, tree, spent, offerings, title_ii, who):
    from tests.insights.conftest import VIEWERS

    client = client_for(request.getfixturevalue(who))
    url = reverse("insights:district-funding", args=[tree.district.pk])
    before = snapshot()
    response = client.get(url)
    if who in VIEWERS:
        assert response.status_code == 200 and "Prompting 101" in response.content.decode()
    else:
        assert response.status_code == 404 and "Prompting 101" not in response.content.decode()
    if who not in EDITORS:
        response = client.post(url, {"form": "spend", "spend-stream": title_ii.pk, "spend-year": "2026",
                                     "spend-offering": offerings["workshop"].pk, "spend-amount": "1",
                                     "spend-spent_on": "2025-11-03"})
        assert response.status_code in (403, 404)
        assert snapshot() == before
    assert client.get(reverse("insights:district-funding", args=[tree.school.pk])).status_code == 404


def test_the_state_sees_more_one_time_than_durable_spend_by_poverty_level(state_analyst, tree, spent):
    spend = state_spend_by_format(user=state_analyst.user, year=2026)
    assert (spend["one_time"], spend["durable"], spend["total"]) == (Decimal("9000"), Decimal("3000"),
                                                                     Decimal("12000"))
    assert spend["one_time_share"] == 75
    page = client_for(state_analyst).get(reverse("insights:state-spend"), {"year": "2026"}).content.decode()
    assert "$9,000" in page and "$3,000" in page and "75% on one-time workshops" in page


@pytest.mark.parametrize("who", ["regional_coach", "district_lead", "school_leader", "teacher", "outsider"])
def test_only_state_staff_see_spend_across_districts(request, tree, spent, who):
    response = client_for(request.getfixturevalue(who)).get(reverse("insights:state-spend"))
    assert response.status_code == 404 and "$9,000" not in response.content.decode()
