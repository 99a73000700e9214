"""Recognition: a programme with published criteria, an application with evidence from Trellis,
reviewers' scores, the award and its Open Badges 3.0 credential (valid against 1EdTech's schema,
verifiable, and refused when tampered with, revoked or expired), with who may do what."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import jsonschema
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.commons.test_workflow import FIELDS, client_for
from trellis.commons.services import commons_item_create, commons_item_publish
from trellis.core.models import AuditEvent
from trellis.interop import openbadges
from trellis.recognition import badges, services
from trellis.recognition.models import BadgeCredential, RecognitionApplication, RecognitionProgramme, RecognitionScore

CRITERIA = [("Guidance", "The district has published guidance on AI for staff and families."),
            ("Learning", "Staff take part in professional learning on AI.")]


def schema() -> dict[str, Any]:
    data = resources.files("trellis.recognition").joinpath("data", "openbadges", "achievementcredential.json")
    return json.loads(data.read_text(encoding="utf-8"))


def validate(document: dict[str, Any]) -> None:
    found = schema()
    validator = jsonschema.validators.validator_for(found)
    validator(found, format_checker=validator.FORMAT_CHECKER).validate(document)


def snapshot() -> tuple[Any, ...]:
    return (list(RecognitionProgramme.objects.values_list("pk", "title", "status").order_by("pk")),
            list(RecognitionApplication.objects.values_list("pk", "status").order_by("pk")),
            RecognitionScore.objects.count(), BadgeCredential.objects.count(), AuditEvent.objects.count())


@pytest.fixture
def programme(state_lead: Any) -> RecognitionProgramme:
    return services.programme_create(actor=state_lead.user, title="AI-ready district",
                                     description="Districts that use AI well and safely.", criteria=CRITERIA)


@pytest.fixture
def application(programme: RecognitionProgramme, district_lead: Any, teacher: Any, state_lead: Any,
                tree: Any) -> RecognitionApplication:
    item = commons_item_publish(actor=state_lead.user,
                                item=commons_item_create(actor=teacher.user, fields=FIELDS, submit=True))
    return services.application_submit(actor=district_lead.user, programme=programme, organization=tree.district,
                                       statement="We published guidance and trained every school.",
                                       evidence=[f"commons:{item.pk}"])


def award(application: RecognitionApplication, state_lead: Any, state_analyst: Any) -> BadgeCredential:
    services.application_score(actor=state_analyst.user, application=application, scores={"guidance": 4, "learning": 3})
    services.application_score(actor=state_lead.user, application=application, scores={"guidance": 3, "learning": 3})
    services.application_decide(actor=state_lead.user, application=application, award=True)
    return BadgeCredential.objects.get(application=application)


def test_apply_score_award_and_the_credential_verifies(application, state_lead, state_analyst, tree):
    assert application.evidence[0]["name"] == f"Commons: {FIELDS['title']}"
    credential = award(application, state_lead, state_analyst)
    assert services.application_total(application) == (Decimal("0.81"), 2)
    document = credential.document
    validate(document)
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["credentialSubject"]["id"].endswith(f"/public/districts/{tree.district.pk}/")
    assert document["issuer"]["id"] == badges.issuer().id
    found, content, problem = services.credential_verify(credential.token)
    assert (found, problem) == (credential, "") and content == document
    header = json.loads(base64.urlsafe_b64decode(credential.token.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": badges.key_id(), "typ": "JWT"}
    # The public key published at the kid verifies the signature on its own.
    jwk = Client().get(reverse("public-badge-key")).json()
    assert "d" not in jwk
    openbadges.read(credential.token, openbadges.key_from_jwk(jwk), issuer_id=badges.issuer().id, kid=jwk["kid"])
    profile = Client().get(reverse("public-badge-issuer")).json()
    assert profile["id"] == document["issuer"]["id"] and profile["type"] == ["Profile"]


def test_a_tampered_revoked_or_expired_credential_does_not_verify(application, state_lead, state_analyst):
    credential = award(application, state_lead, state_analyst)
    header, payload, signature = credential.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["narrative"] = "Awarded to somebody else."
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert "signature does not match" in services.credential_verify(f"{header}.{forged}.{signature}")[2]
    other_key = openbadges.signing_key("another deployment")
    assert "signature does not match" in services.credential_verify(
        openbadges.sign(credential.document, other_key, badges.key_id()))[2]
    assert "not a signed credential" in services.credential_verify("hello")[2]
    with pytest.raises(openbadges.VerificationError, match="expired"):
        openbadges.read(credential.token, badges.private_key().public_key(), issuer_id=badges.issuer().id,
                        kid=badges.key_id(), now=datetime.now(UTC) + timedelta(days=800))
    services.credential_revoke(actor=state_lead.user, credential=credential, reason="Awarded in error.")
    assert "revoked: Awarded in error." in services.credential_verify(credential.token)[2]


def test_an_award_needs_the_pass_mark(application, state_lead):
    services.application_score(actor=state_lead.user, application=application, scores={"guidance": 1, "learning": 1})
    before = snapshot()
    with pytest.raises(ValidationError, match="pass mark"):
        services.application_decide(actor=state_lead.user, application=application, award=True)
    assert snapshot() == before
    with pytest.raises(ValidationError):
        services.application_score(actor=state_lead.user, application=application, scores={"guidance": 9,
                                                                                           "learning": 1})
    with pytest.raises(ValidationError):
        services.application_score(actor=state_lead.user, application=application, scores={"guidance": 1})
    assert snapshot() == before


def test_the_badge_shows_on_the_public_district_page_and_in_the_commons(application, state_lead, state_analyst,
                                                                        tree):
    client = Client()
    assert "Recognised" not in client.get(reverse("public-district", args=[tree.district.pk])).content.decode()
    credential = award(application, state_lead, state_analyst)
    page = client.get(reverse("public-district", args=[tree.district.pk])).content.decode()
    assert "Recognised" in page and reverse("public-badge", args=[credential.identifier]) in page
    with translation.override("es"):
        spanish = client.get(reverse("public-district", args=[tree.district.pk])).content.decode()
        commons = client.get(reverse("public-commons")).content.decode()
    assert "Reconocido" in spanish and "Reconocido" in commons
    assert "Recognised" in client_for(state_lead).get(reverse("commons:search")).content.decode()
    page = client.get(reverse("public-badge", args=[credential.identifier])).content.decode()
    assert "Checked: the state issued this recognition" in page
    response = client.post(reverse("public-badge-verify"), {"token": credential.token})
    assert "This credential is genuine and valid." in response.content.decode()
    response = client.post(reverse("public-badge-verify"), {"token": credential.token[:-4] + "AAAA"})
    assert "This credential cannot be trusted." in response.content.decode()
    assert client.get(reverse("public-badge-token", args=[credential.identifier])).content.decode() == credential.token
    assert client.get(reverse("public-badge-status", args=[credential.identifier])).json()["revoked"] is False
    unknown = "00000000-0000-4000-8000-000000000000"
    for name in ("public-badge", "public-badge-token", "public-badge-status"):
        assert client.get(reverse(name, args=[unknown])).status_code == 404
    assert client.get(reverse("public-badge-programme", args=[999999])).status_code == 404
    services.credential_revoke(actor=state_lead.user, credential=credential, reason="Awarded in error.")
    assert client.get(reverse("public-badge-status", args=[credential.identifier])).json()["revoked"] is True
    assert "Recognised" not in client.get(reverse("public-district", args=[tree.district.pk])).content.decode()
    assert "no longer valid" in client.get(reverse("public-badge", args=[credential.identifier])).content.decode()


@pytest.mark.parametrize("who", ["state_analyst", "regional_coach", "district_lead", "school_leader", "teacher",
                                 "outsider"])
def test_only_the_state_lead_opens_a_programme(request, who, state_lead):
    person = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=person.user, title="x", description="y", criteria=CRITERIA)
    response = client_for(person).post(reverse("recognition:programmes"),
                                       {"title": "x", "description": "y", "criteria": "A: b", "pass_mark": "0.5",
                                        "valid_months": "12"})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["state_lead", "state_analyst", "regional_coach", "teacher", "outsider"])
def test_only_the_districts_lead_applies_for_it(request, who, programme, tree):
    person = request.getfixturevalue(who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=person.user, programme=programme, organization=tree.district,
                                    statement="s", evidence=[])
    response = client_for(person).post(reverse("recognition:programme", args=[programme.pk]),
                                       {"organization": tree.district.pk, "statement": "s"})
    assert response.status_code == 403
    assert snapshot() == before


def test_evidence_must_be_the_organizations_own(programme, district_lead, tree):
    before = snapshot()
    with pytest.raises(ValidationError):
        services.application_submit(actor=district_lead.user, programme=programme, organization=tree.district,
                                    statement="s", evidence=["commons:999999"])
    assert snapshot() == before


@pytest.mark.parametrize("who", ["regional_coach", "district_lead", "school_leader", "teacher", "outsider"])
def test_only_state_reviewers_score_and_only_the_state_lead_decides(request, who, application, state_analyst):
    person = request.getfixturevalue(who)
    before = snapshot()
    client = client_for(person)
    for name in ("recognition:score", "recognition:decide"):
        response = client.post(reverse(name, args=[application.pk]),
                               {"score_guidance": "4", "score_learning": "4", "decision": "award"})
        assert response.status_code == (403 if who == "district_lead" else 404)  # others cannot see it at all
    with pytest.raises(PermissionDenied):
        services.application_score(actor=person.user, application=application, scores={"guidance": 4,
                                                                                      "learning": 4})
    with pytest.raises(PermissionDenied):
        services.application_decide(actor=person.user, application=application, award=False)
    assert snapshot() == before
    analyst = client_for(state_analyst)
    assert analyst.post(reverse("recognition:decide", args=[application.pk]), {"decision": "award"}).status_code == 403
    assert snapshot() == before


def test_the_pages_walk_the_whole_path(programme, district_lead, state_lead, state_analyst, teacher, tree):
    lead = client_for(district_lead)
    page = lead.get(reverse("recognition:programme", args=[programme.pk]))
    assert page.status_code == 200 and "Apply for Cedar Valley Unified" in page.content.decode()
    response = lead.post(reverse("recognition:programme", args=[programme.pk]),
                         {"organization": tree.district.pk, "statement": ""})
    assert response.status_code == 400 and RecognitionApplication.objects.count() == 0
    response = lead.post(reverse("recognition:programme", args=[programme.pk]),
                         {"organization": tree.district.pk, "statement": "We did the work."})
    application = RecognitionApplication.objects.get()
    assert response["Location"] == reverse("recognition:application", args=[application.pk])
    for person, scores in ((state_analyst, ("4", "4")), (state_lead, ("3", "4"))):
        client_for(person).post(reverse("recognition:score", args=[application.pk]),
                                {"score_guidance": scores[0], "score_learning": scores[1]})
    client_for(state_lead).post(reverse("recognition:decide", args=[application.pk]), {"decision": "award"})
    application.refresh_from_db()
    assert application.status == "awarded" and application.credential.token
    assert client_for(teacher).get(reverse("recognition:application", args=[application.pk])).status_code == 404
    public = Client().get(reverse("public-badge-programme", args=[programme.pk])).content.decode()
    assert "Guidance" in public and "published guidance on AI" in public
