"""The governance services: who may do what, what each keeps, and refusals that change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from tests.tools.conftest import days, pdf_upload
from trellis.core.models import AuditEvent
from trellis.core.services import UserFacingError
from trellis.tools import selectors, services
from trellis.tools.models import Agreement, Decision, InventoryEntry, Review, RubricVersion, ToolRequest
from trellis.tools.rubric import rubric_current


def counts():
    return (InventoryEntry.objects.count(), ToolRequest.objects.count(), Review.objects.count(),
            Decision.objects.count(), Agreement.objects.count(), RubricVersion.objects.count(),
            AuditEvent.objects.count())


def test_the_default_rubric_ships_with_every_area(db):
    rubric = rubric_current()
    assert rubric.number == 1 and rubric_current() == rubric
    assert rubric.criteria.count() == 21
    assert set(rubric.criteria.values_list("area", flat=True)) == {
        "privacy", "transparency", "fairness", "human_control", "evidence", "accessibility", "interoperability",
        "security"}


@pytest.mark.parametrize("role", ["teacher", "school_leader", "regional_coach", "state_analyst", "outsider"])
def test_only_the_district_lead_keeps_the_inventory_and_decides(request, tree, tool, role, settings):
    person = request.getfixturevalue(role)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.inventory_save(actor=person.user, district=tree.district, tool=tool, schools=[tree.school],
                                grades=["07"], purpose="Essays.")
    with pytest.raises(PermissionDenied):
        services.decision_record(actor=person.user, district=tree.district, tool=tool, outcome="approved",
                                 reasons="Fine.", expires_on=days(30))
    with pytest.raises(PermissionDenied):
        services.agreement_add(actor=person.user, district=tree.district, tool=tool, starts_on=days(0),
                               ends_on=days(30), data_elements=[], clauses=[], coppa_basis="parent_consent",
                               upload=pdf_upload())
    assert counts() == before
    assert not list((settings.TRELLIS_DATA_DIR / "agreements").glob("*"))


@pytest.mark.parametrize("role, allowed", [
    ("teacher", True), ("school_leader", True), ("district_lead", True),
    ("regional_coach", False), ("state_analyst", False), ("outsider", False),
])
def test_school_staff_request_tools_for_their_own_school(request, tree, tool, role, allowed):
    person = request.getfixturevalue(role)
    before = counts()
    if allowed:
        tool_request = services.request_create(actor=person.user, tool=tool, school=tree.school, grades=["07"],
                                               purpose="Essays.")
        assert tool_request.status == ToolRequest.Status.SUBMITTED
        assert tool_request.district == tree.district
    else:
        with pytest.raises(PermissionDenied):
            services.request_create(actor=person.user, tool=tool, school=tree.school, grades=["07"],
                                    purpose="Essays.")
        assert counts() == before


def test_a_teacher_cannot_request_for_another_school(tree, tool, teacher):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.request_create(actor=teacher.user, tool=tool, school=tree.other_school, grades=["07"],
                                purpose="Essays.")
    assert counts() == before


def test_routing_rating_and_submitting_keeps_the_rubric_version(tree, tool, teacher, district_lead, school_leader,
                                                                 state_lead):
    tool_request = services.request_create(actor=teacher.user, tool=tool, school=tree.school, grades=["07"],
                                           purpose="Essays.")
    reviews = services.request_route(actor=district_lead.user, tool_request=tool_request,
                                     reviewers={"privacy": school_leader.user, "fairness": district_lead.user})
    tool_request.refresh_from_db()
    assert tool_request.status == ToolRequest.Status.IN_REVIEW
    privacy = next(r for r in reviews if r.step == "privacy")
    criteria = services.review_criteria(privacy)
    assert [c.area for c in criteria] == ["privacy"] * 4
    # A new rubric version is published while the review is open: the review keeps version 1.
    services.rubric_publish(actor=state_lead.user, notes="Adds a criterion on chat logs.",
                            criteria=[(c.area, c.text) for c in privacy.rubric.criteria.all()]
                            + [("privacy", "Keeps chat logs no longer than a school year.")])
    privacy.refresh_from_db()
    assert privacy.rubric.number == 1
    assert len(services.review_criteria(privacy)) == 4
    # Someone other than the reviewer cannot change it.
    with pytest.raises(PermissionDenied):
        services.review_rate(actor=district_lead.user, review=privacy, ratings={}, summary="", submit=False)
    # Sending needs every criterion rated.
    partial = {criteria[0].pk: {"rating": "meets", "note": "", "evidence_url": ""}}
    with pytest.raises(ValidationError) as refused:
        services.review_rate(actor=school_leader.user, review=privacy, ratings=partial, summary="", submit=True)
    assert f"rating_{criteria[1].pk}" in refused.value.error_dict
    privacy.refresh_from_db()
    assert privacy.status == Review.Status.DRAFT and privacy.ratings.count() == 0
    ratings = {c.pk: {"rating": "meets_with_reservations", "note": "Keeps essays a year.",
                      "evidence_url": "https://example.org/dpa"} for c in criteria}
    services.review_rate(actor=school_leader.user, review=privacy, ratings=ratings, summary="Mostly fine.",
                         submit=True)
    privacy.refresh_from_db()
    assert privacy.status == Review.Status.SUBMITTED and privacy.ratings.count() == 4
    # A new full review uses the newest version.
    full = services.review_start(actor=district_lead.user, tool=tool, organization=tree.district)
    assert full.rubric.number == 2 and len(services.review_criteria(full)) == 22


def test_the_state_publishes_and_a_district_adopts_its_review(tree, tool, state_lead, district_lead, outsider):
    state_review = services.review_start(actor=state_lead.user, tool=tool, organization=tree.state)
    ratings = {c.pk: {"rating": "meets", "note": "Checked.", "evidence_url": ""}
               for c in services.review_criteria(state_review)}
    services.review_rate(actor=state_lead.user, review=state_review, ratings=ratings, summary="State review.",
                         submit=True)
    assert not selectors.adoptable_reviews(user=district_lead.user, tool=tool, organization=tree.district).exists()
    with pytest.raises(PermissionDenied):
        services.review_publish(actor=district_lead.user, review=state_review)
    services.review_publish(actor=state_lead.user, review=state_review)
    adoptable = selectors.adoptable_reviews(user=district_lead.user, tool=tool, organization=tree.district)
    assert list(adoptable) == [state_review]
    adopted = services.review_start(actor=district_lead.user, tool=tool, organization=tree.district,
                                    adopt=state_review)
    assert adopted.adopted_from == state_review and adopted.status == Review.Status.DRAFT
    assert adopted.ratings.count() == 21 and set(adopted.ratings.values_list("rating", flat=True)) == {"meets"}
    # The adopted review is the district's own: the other district's lead cannot start it for them.
    with pytest.raises(PermissionDenied):
        services.review_start(actor=outsider.user, tool=tool, organization=tree.district, adopt=state_review)


def test_decisions_need_conditions_and_expiry_and_expired_ones_show(tree, tool, in_inventory, district_lead):
    with pytest.raises(ValidationError) as refused:
        services.decision_record(actor=district_lead.user, district=tree.district, tool=tool,
                                 outcome="approved_with_conditions", reasons="Good.", expires_on=None)
    assert {"conditions", "expires_on"} <= set(refused.value.error_dict)
    assert Decision.objects.count() == 0
    decision = services.decision_record(actor=district_lead.user, district=tree.district, tool=tool,
                                        outcome="approved", reasons="Good.", expires_on=days(20))
    standing = selectors.standing_for(district=tree.district, tool=tool)
    assert standing.decision == decision
    assert any("expires on" in alert for alert in standing.alerts)
    assert any("no data privacy agreement" in alert for alert in standing.alerts)
    Decision.objects.filter(pk=decision.pk).update(decided_on=days(-400), expires_on=days(-1))
    standing = selectors.standing_for(district=tree.district, tool=tool)
    assert standing.status_label.startswith("Decision expired on")
    alerts = selectors.district_alerts(user=district_lead.user, district=tree.district)
    assert any("expired on" in alert for alert in alerts)


def test_an_agreement_file_must_be_a_pdf_within_the_limit(tree, tool, district_lead, settings):
    folder = settings.TRELLIS_DATA_DIR / "agreements"
    before = counts()
    kwargs = dict(actor=district_lead.user, district=tree.district, tool=tool, starts_on=days(0), ends_on=days(365),
                  data_elements=["name"], clauses=["purpose"], coppa_basis="school_authorization")
    with pytest.raises(UserFacingError, match="fake.pdf is not a PDF"):
        services.agreement_add(upload=pdf_upload("fake.pdf", b"PK\x03\x04 this is a zip"), **kwargs)
    with override_settings(TRELLIS_AGREEMENT_MAX_BYTES=2048):
        with pytest.raises(UserFacingError, match="big.pdf is 0.0 MB; the limit is 0 MB"):
            services.agreement_add(upload=pdf_upload("big.pdf", b"%PDF-1.7\n" + b"0" * 4096), **kwargs)
    with pytest.raises(ValidationError) as refused:
        services.agreement_add(upload=pdf_upload(), **{**kwargs, "coppa_basis": ""})
    assert "coppa_basis" in refused.value.error_dict  # the tool serves 10-year-olds
    assert counts() == before
    assert not folder.exists() or not list(folder.iterdir())
    agreement = services.agreement_add(upload=pdf_upload(), **kwargs)
    assert services.agreement_file_path(agreement).read_bytes().startswith(b"%PDF-")
    assert agreement.original_name == "signed.pdf"


def test_a_district_joins_another_districts_agreement_only_where_the_vendor_allows(tree, tool, district_lead,
                                                                                   outsider):
    theirs = services.agreement_add(actor=outsider.user, district=tree.other_district, tool=tool, starts_on=days(-5),
                                    ends_on=days(200), data_elements=["name"], clauses=["purpose"],
                                    coppa_basis="school_authorization", upload=pdf_upload())
    kwargs = dict(actor=district_lead.user, district=tree.district, tool=tool, starts_on=days(0), ends_on=days(200),
                  data_elements=["name"], clauses=["purpose"], coppa_basis="school_authorization")
    with pytest.raises(ValidationError, match="does not allow"):
        services.agreement_add(piggyback_of=theirs, **kwargs)
    assert list(selectors.joinable_agreements(tool=tool, district=tree.district)) == []
    Agreement.objects.filter(pk=theirs.pk).update(allows_piggyback=True)
    theirs.refresh_from_db()
    assert list(selectors.joinable_agreements(tool=tool, district=tree.district)) == [theirs]
    ours = services.agreement_add(piggyback_of=theirs, **kwargs)
    assert services.agreement_file_path(ours) == services.agreement_file_path(theirs)
    assert not ours.file_name


def test_incident_triage_is_the_district_leads_and_resolving_needs_an_action(tree, tool, teacher, district_lead,
                                                                             outsider):
    incident = services.incident_report(actor=teacher.user, organization=tree.school, category="bias",
                                        severity="high", tool=tool, description="Flags my English learners.")
    assert selectors.standing_for(district=tree.district, tool=tool).open_high_incidents == 1
    with pytest.raises(PermissionDenied):
        services.incident_triage(actor=outsider.user, incident=incident, status="resolved", severity="high",
                                 action_taken="Nothing.")
    with pytest.raises(ValidationError):
        services.incident_triage(actor=district_lead.user, incident=incident, status="resolved", severity="high",
                                 action_taken="")
    incident.refresh_from_db()
    assert incident.status == "received"
    services.incident_triage(actor=district_lead.user, incident=incident, status="resolved", severity="high",
                             action_taken="Turned the detector off for English learners' essays.")
    assert selectors.standing_for(district=tree.district, tool=tool).open_high_incidents == 0
