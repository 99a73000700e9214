"""District roadmaps and the state's actions: services, pages, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from trellis.core.models import AuditEvent
from trellis.roadmap.indicators import INDICATORS, STAGES
from trellis.roadmap.models import IndicatorRating, RoadmapAssessment, StateActionStatus
from trellis.roadmap.services import RatingInput, roadmap_save, roadmap_submit, state_action_update

STAGE_ONE = [i.key for i in STAGES[0].indicators]


def client_for(person: Any) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def form_data(ratings: dict[str, tuple[str, str, str]] | None = None) -> dict[str, str]:
    """The roadmap form's fields: every indicator not started, but those given."""
    data = {}
    for key in INDICATORS:
        rating, evidence, url = (ratings or {}).get(key, ("not_started", "", ""))
        data.update({f"{key}--rating": rating, f"{key}--evidence": evidence, f"{key}--evidence_url": url})
    return data


def stage_one_met() -> dict[str, RatingInput]:
    return {key: RatingInput("met", evidence=f"Board minutes for {key}") for key in STAGE_ONE}


def snapshot() -> tuple[Any, ...]:
    return (
        list(RoadmapAssessment.objects.values_list("pk", "district_id", "status", "submitted_at").order_by("pk")),
        list(IndicatorRating.objects.values_list("assessment_id", "indicator", "rating", "evidence").order_by("pk")),
        list(StateActionStatus.objects.values_list("action", "status", "note").order_by("pk")),
        AuditEvent.objects.count(),
    )


# Services -------------------------------------------------------------------------------------

def test_save_then_submit_keeps_the_submitted_ratings_and_starts_the_next_draft_from_them(district_lead, tree):
    user = district_lead.user
    draft = roadmap_save(actor=user, district=tree.district, ratings=stage_one_met())
    assert draft.status == "draft"
    assert sorted(draft.ratings.values_list("indicator", flat=True)) == sorted(STAGE_ONE)
    submitted = roadmap_submit(actor=user, district=tree.district)
    assert submitted.pk == draft.pk and submitted.status == "submitted" and submitted.submitted_by == user
    actions = list(AuditEvent.objects.filter(organization_id=tree.district.pk).values_list("action", flat=True))
    assert actions == ["roadmap.submit", "roadmap.save"]
    assert "Stage 2: Organizational learning" in AuditEvent.objects.get(action="roadmap.submit").summary

    nxt = roadmap_save(actor=user, district=tree.district,
                       ratings={"learning.lead": RatingInput("met", evidence="Dr. Ruiz named AI lead")})
    assert nxt.pk != submitted.pk
    assert nxt.ratings.count() == 6  # the five copied from the submitted roadmap, and the new one
    # The submitted roadmap is unchanged.
    assert submitted.ratings.count() == 5 and not submitted.ratings.filter(indicator="learning.lead").exists()


def test_met_without_evidence_is_refused_and_nothing_is_saved(district_lead, tree):
    ratings = {**stage_one_met(), "policy.privacy": RatingInput("met")}
    with pytest.raises(ValidationError) as raised:
        roadmap_save(actor=district_lead.user, district=tree.district, ratings=ratings)
    assert "policy.privacy" in raised.value.message_dict
    assert IndicatorRating.objects.count() == 0


def test_saving_the_same_ratings_again_writes_no_audit_entry(district_lead, tree):
    roadmap_save(actor=district_lead.user, district=tree.district, ratings=stage_one_met())
    before = AuditEvent.objects.count()
    roadmap_save(actor=district_lead.user, district=tree.district, ratings=stage_one_met())
    assert AuditEvent.objects.count() == before


def test_submit_without_a_draft_is_refused(district_lead, tree):
    with pytest.raises(ValidationError):
        roadmap_submit(actor=district_lead.user, district=tree.district)


@pytest.mark.parametrize("who", ["teacher", "school_leader", "regional_coach", "state_analyst", "outsider"])
def test_only_the_district_lead_and_the_state_lead_rate_a_district(request, tree, who):
    person = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        roadmap_save(actor=person.user, district=tree.district, ratings=stage_one_met())
    with pytest.raises(PermissionDenied):
        roadmap_submit(actor=person.user, district=tree.district)
    assert snapshot() == before


def test_a_school_has_no_roadmap(state_lead, tree):
    with pytest.raises(PermissionDenied):
        roadmap_save(actor=state_lead.user, district=tree.school, ratings=stage_one_met())


@pytest.mark.parametrize("who", ["state_analyst", "district_lead", "teacher"])
def test_only_the_state_lead_updates_state_actions(request, tree, who):
    person = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        state_action_update(actor=person.user, state=tree.state, action="low.allowable_uses", status="done")
    assert snapshot() == before


# Pages ----------------------------------------------------------------------------------------

def test_district_lead_rates_saves_and_submits_in_the_browser_forms(district_lead, tree):
    client = client_for(district_lead)
    url = reverse("roadmap:district", args=[tree.district.pk])
    assert client.get(reverse("roadmap:home"))["Location"] == url
    page = client.get(url)
    assert page.status_code == 200 and "Stage 1: Policy and guidance" in page.content.decode()
    given = {key: ("met", f"Adopted policy {key}", "") for key in STAGE_ONE}
    response = client.post(url, form_data(given))
    assert response.status_code == 302
    assert IndicatorRating.objects.filter(rating="met").count() == 5
    page = client.get(url).content.decode()
    assert "Stage 2: Organizational learning" in page and "Name a person or team to lead AI work" in page
    assert client.post(reverse("roadmap:district-submit", args=[tree.district.pk])).status_code == 302
    assert RoadmapAssessment.objects.get().status == "submitted"


def test_a_refused_form_keeps_what_was_typed(district_lead, tree):
    client = client_for(district_lead)
    url = reverse("roadmap:district", args=[tree.district.pk])
    given = {"policy.no_ban": ("met", "Ban lifted at the March board meeting", ""),
             "policy.privacy": ("met", "", "")}
    response = client.post(url, form_data(given))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say what shows this is met" in page
    assert "Ban lifted at the March board meeting" in page
    assert IndicatorRating.objects.count() == 0


def test_state_sees_stage_of_the_last_submitted_roadmap_by_poverty_level(district_lead, state_lead, tree):
    roadmap_save(actor=district_lead.user, district=tree.district, ratings=stage_one_met())
    roadmap_submit(actor=district_lead.user, district=tree.district)
    # A later draft is the district's own until it is submitted.
    roadmap_save(actor=district_lead.user, district=tree.district,
                 ratings={"learning.lead": RatingInput("met", evidence="Named")})
    client = client_for(state_lead)
    assert client.get(reverse("roadmap:home"))["Location"] == reverse("roadmap:state")
    response = client.get(reverse("roadmap:state"))
    rows = {row.district.name: row for row in response.context["rows"]}
    assert rows["Cedar Valley Unified"].stage_label == "Stage 2: Organizational learning"
    assert rows["Cedar Valley Unified"].progress.stages[1].met == 0
    assert rows["Riverside City Schools"].stage_label == "Not yet assessed"
    cells = {(c["poverty"], c["stage"]): c["districts"] for c in response.context["by_quartile"]}
    assert cells[("High poverty", "Stage 2: Organizational learning")] == 1
    assert cells[("Low poverty", "Not yet assessed")] == 1
    filtered = client.get(reverse("roadmap:state"), {"locale": "city"})
    assert [row.district.name for row in filtered.context["rows"]] == ["Riverside City Schools"]


def test_state_lead_updates_an_action_and_a_bad_status_keeps_the_note(state_lead, tree):
    client = client_for(state_lead)
    url = reverse("roadmap:state-actions")
    response = client.post(url, {"action": "medium.vision", "medium.vision-status": "under_way",
                                 "medium.vision-note": "Draft out for comment"})
    assert response.status_code == 302
    row = StateActionStatus.objects.get()
    assert (row.action, row.status, row.note) == ("medium.vision", "under_way", "Draft out for comment")
    response = client.post(url, {"action": "medium.vision", "medium.vision-status": "finished",
                                 "medium.vision-note": "Published in May"})
    assert response.status_code == 200 and "Published in May" in response.content.decode()
    assert StateActionStatus.objects.get().status == "under_way"


@pytest.mark.parametrize("who,status", [
    ("teacher", 404), ("school_leader", 404), ("outsider", 404),
])
def test_district_page_is_not_found_for_people_who_may_not_see_it(request, tree, who, status):
    client = client_for(request.getfixturevalue(who))
    before = snapshot()
    url = reverse("roadmap:district", args=[tree.district.pk])
    assert client.get(url).status_code == status
    assert client.post(url, form_data({"policy.no_ban": ("met", "x", "")})).status_code == status
    assert client.post(reverse("roadmap:district-submit", args=[tree.district.pk])).status_code == status
    assert snapshot() == before


@pytest.mark.parametrize("who", ["regional_coach", "state_analyst"])
def test_readers_see_a_district_roadmap_but_cannot_change_it(request, tree, district_lead, who):
    roadmap_save(actor=district_lead.user, district=tree.district, ratings=stage_one_met())
    client = client_for(request.getfixturevalue(who))
    url = reverse("roadmap:district", args=[tree.district.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Rate the indicators" not in page.content.decode()
    before = snapshot()
    assert client.post(url, form_data()).status_code == 403
    assert client.post(reverse("roadmap:district-submit", args=[tree.district.pk])).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["teacher", "school_leader", "regional_coach", "district_lead", "outsider"])
def test_state_pages_are_for_state_staff_only(request, tree, who):
    client = client_for(request.getfixturevalue(who))
    before = snapshot()
    assert client.get(reverse("roadmap:state")).status_code == 404
    assert client.get(reverse("roadmap:state-actions")).status_code == 404
    response = client.post(reverse("roadmap:state-actions"),
                           {"action": "low.allowable_uses", "low.allowable_uses-status": "done"})
    assert response.status_code == 404
    assert snapshot() == before


def test_state_analyst_reads_state_actions_but_cannot_change_them(state_analyst, tree):
    client = client_for(state_analyst)
    assert client.get(reverse("roadmap:state-actions")).status_code == 200
    before = snapshot()
    response = client.post(reverse("roadmap:state-actions"),
                           {"action": "low.allowable_uses", "low.allowable_uses-status": "done"})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["teacher", "school_leader"])
def test_roadmap_home_is_refused_for_school_staff(request, tree, who):
    assert client_for(request.getfixturevalue(who)).get(reverse("roadmap:home")).status_code == 403


def test_demo_roadmaps_are_submitted_once_and_show_on_the_state_page(state_lead, tree):
    from trellis.roadmap.demo import demo_roadmaps

    # Seed 0 leaves neither of the tree's two districts out (each is skipped at random).
    added = demo_roadmaps(seed=0)
    assert added == RoadmapAssessment.objects.filter(status="submitted").count() == 2
    assert demo_roadmaps(seed=0) == 0
    rows = client_for(state_lead).get(reverse("roadmap:state")).context["rows"]
    assert sum(row.progress is not None for row in rows) == added


def test_next_steps_point_to_published_commons_items(district_lead, state_lead, teacher, tree):
    from trellis.commons.services import commons_item_create, commons_item_publish

    fields = {"kind": "practice", "summary": "s", "description": "d", "served": "x", "format": "",
              "grade_band": "all", "subject": "all", "competencies": []}
    privacy = commons_item_create(actor=teacher.user, submit=True, fields={**fields, "title": "A privacy checklist"})
    commons_item_publish(actor=state_lead.user, item=privacy)
    commons_item_create(actor=teacher.user, submit=True, fields={**fields, "title": "Unpublished privacy notes"})
    response = client_for(district_lead).get(reverse("roadmap:district", args=[tree.district.pk]))
    assert response.context["help"]["policy.privacy"] == [privacy]
    assert "From the commons" in response.content.decode() and "Unpublished privacy notes" not in (
        response.content.decode())
