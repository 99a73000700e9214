"""Sharing, review, publication and adoption, in services and pages, with who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from trellis.commons.competencies import area_ids
from trellis.commons.models import CommonsAdoption, CommonsItem, CommonsTerm
from trellis.commons.selectors import commons_search
from trellis.commons.services import (
    commons_item_adopt,
    commons_item_create,
    commons_item_publish,
    commons_item_request_changes,
    commons_item_update,
)
from trellis.core.models import AuditEvent
from trellis.learning.models import Offering, Registration
from trellis.learning.services import offering_publish, registration_join
from trellis.roadmap.models import RoadmapGoal

FIELDS = {
    "kind": "practice", "title": "Citing AI like any other source", "summary": "Students cite the AI they used.",
    "description": "A citation template and a rubric row.", "served": "Two grade 9 classes",
    "evidence": "", "evidence_url": "", "format": "", "grade_band": "9_12", "subject": "ela",
    "competencies": [],
}


def client_for(person: Any) -> Client:
    client = Client()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def snapshot() -> tuple[Any, ...]:
    return (
        list(CommonsItem.objects.values_list("pk", "status", "title", "reviewer_note", "adoptions").order_by("pk")),
        CommonsAdoption.objects.count(), CommonsTerm.objects.count(), AuditEvent.objects.count(),
        list(Offering.objects.values_list("pk", "status", "is_open").order_by("pk")), RoadmapGoal.objects.count(),
    )


@pytest.fixture
def submitted(teacher: Any) -> CommonsItem:
    return commons_item_create(actor=teacher.user, fields=FIELDS, submit=True)


def test_share_review_publish_adopt(teacher, state_lead, district_lead, tree):
    item = commons_item_create(actor=teacher.user, fields=FIELDS, submit=False)
    assert item.status == "draft" and item.organization == tree.school
    item = commons_item_update(actor=teacher.user, item=item, fields={"title": "Citing AI honestly"}, submit=True)
    assert item.status == "submitted"
    item = commons_item_request_changes(actor=state_lead.user, item=item, note="Add who it served.")
    assert (item.status, item.reviewer_note) == ("changes_requested", "Add who it served.")
    item = commons_item_update(actor=teacher.user, item=item, fields={"served": "120 students"}, submit=True)
    item = commons_item_publish(actor=state_lead.user, item=item)
    assert item.status == "published" and item.locale == "rural" and item.poverty_quartile == 4
    assert commons_search(query="citing").items == [item]
    adoption = commons_item_adopt(actor=district_lead.user, item=item, district=tree.district, note="Grade 9 ELA")
    assert adoption.district == tree.district and adoption.offering is None
    # A classroom practice is not professional learning: it becomes a draft goal of the district's plan.
    assert (adoption.goal.district, adoption.goal.title, adoption.goal.status) == (tree.district, item.title, "draft")
    assert "Adopted from the state's commons" in adoption.goal.description
    item.refresh_from_db()
    assert item.adoptions == 1
    with pytest.raises(ValidationError):
        commons_item_adopt(actor=district_lead.user, item=item, district=tree.district)
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "commons.create", "commons.update", "commons.request_changes", "commons.update", "commons.publish",
        "roadmap.goal_create", "commons.adopt"]


def test_adopting_professional_learning_starts_a_draft_offering(teacher, state_lead, district_lead, tree):
    fields = {**FIELDS, "kind": "coaching", "format": "coaching", "title": "Coaching cycles on AI feedback",
              "competencies": area_ids("AI-CFT.4", "AI-CFT.2")}
    item = commons_item_publish(actor=state_lead.user,
                                item=commons_item_create(actor=teacher.user, fields=fields, submit=True))
    adoption = commons_item_adopt(actor=district_lead.user, item=item, district=tree.district)
    offering = adoption.offering
    assert adoption.goal is None and RoadmapGoal.objects.count() == 0
    assert (offering.organization, offering.status, offering.format, offering.title, offering.is_open) == (
        tree.district, "draft", "coaching", item.title, False)
    assert sorted(c.identifier for c in offering.competencies.all()) == sorted(item.competencies)
    # A draft is the organizers' own: the teacher does not see it, and nobody can join it.
    assert client_for(teacher).get(reverse("offering-detail", args=[offering.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        registration_join(actor=district_lead.user, offering=offering)
    assert Registration.objects.count() == 0
    lead = client_for(district_lead)
    assert lead.get(reverse("offering-detail", args=[offering.pk])).status_code == 200
    assert lead.post(reverse("offering-publish", args=[offering.pk])).status_code == 302
    offering.refresh_from_db()
    assert (offering.status, offering.is_open) == ("published", True)
    assert client_for(teacher).get(reverse("offering-detail", args=[offering.pk])).status_code == 200
    with pytest.raises(ValidationError):
        offering_publish(actor=district_lead.user, offering=offering)


@pytest.mark.parametrize("who", ["teacher", "school_leader", "state_analyst", "outsider"])
def test_only_organizers_publish_a_draft_offering(request, teacher, state_lead, district_lead, tree, who):
    fields = {**FIELDS, "kind": "pl_model", "format": "workshop"}
    item = commons_item_publish(actor=state_lead.user,
                                item=commons_item_create(actor=teacher.user, fields=fields, submit=True))
    offering = commons_item_adopt(actor=district_lead.user, item=item, district=tree.district).offering
    before = snapshot()
    response = client_for(request.getfixturevalue(who)).post(reverse("offering-publish", args=[offering.pk]))
    assert response.status_code == 404  # a draft is not there for anyone but its organizers
    assert snapshot() == before


def test_asking_for_changes_needs_a_note(submitted, state_lead):
    with pytest.raises(ValidationError):
        commons_item_request_changes(actor=state_lead.user, item=submitted, note="  ")


@pytest.mark.parametrize("who", ["state_analyst", "district_lead", "regional_coach", "teacher", "outsider"])
def test_only_the_state_lead_reviews(request, submitted, who):
    person = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        commons_item_publish(actor=person.user, item=submitted)
    with pytest.raises(PermissionDenied):
        commons_item_request_changes(actor=person.user, item=submitted, note="No")
    assert snapshot() == before


@pytest.mark.parametrize("who", ["state_lead", "district_lead", "school_leader", "outsider"])
def test_only_the_person_who_shared_it_changes_it(request, submitted, who):
    person = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        commons_item_update(actor=person.user, item=submitted, fields={"title": "Taken over"}, submit=False)
    assert snapshot() == before


def test_nobody_changes_a_published_item(submitted, teacher, state_lead):
    commons_item_publish(actor=state_lead.user, item=submitted)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        commons_item_update(actor=teacher.user, item=submitted, fields={"title": "Changed later"}, submit=False)
    assert snapshot() == before


@pytest.mark.parametrize("who,district", [("teacher", "district"), ("outsider", "district"),
                                          ("district_lead", "other_district"), ("state_lead", "district")])
def test_only_a_districts_lead_adopts_for_it(request, submitted, state_lead, tree, who, district):
    commons_item_publish(actor=state_lead.user, item=submitted)
    person = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        commons_item_adopt(actor=person.user, item=submitted, district=getattr(tree, district))
    assert snapshot() == before


# Pages ----------------------------------------------------------------------------------------

def test_pages_walk_the_whole_path(teacher, state_lead, district_lead, tree):
    client = client_for(teacher)
    response = client.post(reverse("commons:new"), {**{k: v for k, v in FIELDS.items() if k != "competencies"},
                                                    "competencies": area_ids("AI-CFT.2", "AI-CFT.4"), "submit": "1"})
    item = CommonsItem.objects.get()
    assert response["Location"] == reverse("commons:item", args=[item.pk])
    assert (item.status, item.competencies) == ("submitted", area_ids("AI-CFT.2", "AI-CFT.4"))
    # Not found for others until it is published.
    assert client_for(district_lead).get(reverse("commons:item", args=[item.pk])).status_code == 404
    lead = client_for(state_lead)
    assert [i.pk for i in lead.get(reverse("commons:review-queue")).context["items"]] == [item.pk]
    assert lead.post(reverse("commons:review", args=[item.pk]), {"decision": "publish"}).status_code == 302
    district = client_for(district_lead)
    page = district.get(reverse("commons:search"), {"q": "citing"})
    assert [i.pk for i in page.context["result"].items] == [item.pk]
    response = district.post(reverse("commons:adopt", args=[item.pk]), {"district": tree.district.pk})
    assert response["Location"] == reverse("roadmap:district", args=[tree.district.pk])
    assert CommonsAdoption.objects.get().district == tree.district
    assert item.title in district.get(response["Location"]).content.decode()


def test_a_refused_submission_keeps_what_was_typed(teacher):
    data = {**{k: v for k, v in FIELDS.items() if k != "competencies"}, "title": "", "evidence_url": "not a url",
            "description": "Our careful routine, written out"}
    response = client_for(teacher).post(reverse("commons:new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Our careful routine, written out" in page and "Nothing was saved" in page
    assert CommonsItem.objects.count() == 0


def test_asking_for_changes_without_a_note_is_refused_on_the_page(submitted, state_lead):
    response = client_for(state_lead).post(reverse("commons:review", args=[submitted.pk]), {"decision": "changes"})
    assert response.status_code == 200 and "Say what should change." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


@pytest.mark.parametrize("who", ["state_analyst", "district_lead", "teacher", "outsider"])
def test_review_pages_are_for_the_state_lead(request, submitted, who):
    client = client_for(request.getfixturevalue(who))
    before = snapshot()
    assert client.get(reverse("commons:review-queue")).status_code == 404
    status = client.post(reverse("commons:review", args=[submitted.pk]), {"decision": "publish"}).status_code
    assert status == (403 if who == "teacher" else 404)  # the teacher shared it, so may see it
    assert snapshot() == before


@pytest.mark.parametrize("who", ["teacher", "outsider", "state_lead"])
def test_adopt_page_refuses_people_who_lead_no_district(request, submitted, state_lead, tree, who):
    commons_item_publish(actor=state_lead.user, item=submitted)
    before = snapshot()
    response = client_for(request.getfixturevalue(who)).post(reverse("commons:adopt", args=[submitted.pk]),
                                                             {"district": tree.district.pk})
    assert response.status_code == (302 if who == "outsider" else 403)
    assert snapshot() == before


def test_edit_page_is_refused_to_others(submitted, district_lead, state_lead):
    before = snapshot()
    assert client_for(district_lead).get(reverse("commons:edit", args=[submitted.pk])).status_code == 404
    assert client_for(state_lead).post(reverse("commons:edit", args=[submitted.pk]), FIELDS).status_code == 403
    assert snapshot() == before


def test_demo_commons_is_published_and_searchable_with_the_reference_ranking(state_lead, district_lead, teacher, tree):
    from tests.commons.test_search import reference_bm25
    from trellis.commons.demo import demo_commons

    added = demo_commons(seed=1)
    assert added == CommonsItem.objects.count() > 20
    assert demo_commons(seed=1) == 0
    published = list(CommonsItem.objects.filter(status="published"))
    for query in ["coaching", "AI tutor", "bias fairness", "families Spanish", "rural districts", "math"]:
        assert [i.title for i in commons_search(query=query).items] == reference_bm25(published, query)[:10]
