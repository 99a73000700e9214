"""Every write to recognition: programmes, applications, scores, decisions and credentials."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from trellis.core.services import audit_record
from trellis.interop import openbadges
from trellis.orgs.models import Organization, Person
from trellis.recognition import badges
from trellis.recognition.models import (
    TOP_SCORE,
    BadgeCredential,
    RecognitionApplication,
    RecognitionProgramme,
    RecognitionScore,
)
from trellis.recognition.permissions import applying_organizations, can_review, can_run_programmes
from trellis.recognition.selectors import evidence_options


def _state_id() -> int | None:
    return Organization.objects.filter(kind=Organization.Kind.STATE).values_list("pk", flat=True).first()


@transaction.atomic
def programme_create(*, actor: Any, title: str, description: str, criteria: list[tuple[str, str]],
                     pass_mark: Decimal = Decimal("0.75"), valid_months: int = 24) -> RecognitionProgramme:
    """A programme, open for applications, with its criteria published as given."""
    if not can_run_programmes(actor):
        raise PermissionDenied("Only the state AI lead runs recognition programmes.")
    listed = [(t.strip(), d.strip()) for t, d in criteria if t.strip()]
    if not listed:
        raise ValidationError({"criteria": "Give at least one criterion."})
    keys = [slugify(t)[:50] or f"criterion-{n}" for n, (t, _) in enumerate(listed, 1)]
    if len(set(keys)) != len(keys):
        raise ValidationError({"criteria": "Two criteria have the same title."})
    programme = RecognitionProgramme(
        title=title.strip(), description=description.strip(), pass_mark=pass_mark, valid_months=valid_months,
        criteria=[{"key": k, "title": t, "description": d} for k, (t, d) in zip(keys, listed, strict=True)],
        created_by=actor)
    programme.full_clean()
    programme.save()
    audit_record(actor=actor, action="recognition.programme_create", target=programme, organization_id=_state_id(),
                 summary=f"Opened the recognition programme {programme.title}")
    return programme


@transaction.atomic
def application_submit(*, actor: Any, programme: RecognitionProgramme, organization: Organization,
                       statement: str, evidence: list[str], educator: Person | None = None) -> RecognitionApplication:
    """An application from a district or school, pointing to what it did in Trellis."""
    if organization not in applying_organizations(actor):
        raise PermissionDenied("Only a district's AI lead or a school's leader applies for it.")
    if programme.status != RecognitionProgramme.Status.OPEN:
        raise ValidationError("This programme is not open for applications.")
    if educator is not None and not educator.memberships.filter(
            organization__path__startswith=organization.path).exists():
        raise ValidationError({"educator": "Put forward an educator of your own organization."})
    if RecognitionApplication.objects.filter(programme=programme, organization=organization, educator=educator,
                                             status=RecognitionApplication.Status.SUBMITTED).exists():
        raise ValidationError("An application for this is already waiting for review.")
    options = {o.key: o for o in evidence_options(organization)}
    unknown = [key for key in evidence if key not in options]
    if unknown:
        raise ValidationError({"evidence": "Choose evidence from your own organization's work in Trellis."})
    application = RecognitionApplication(
        programme=programme, organization=organization, educator=educator, applicant=actor,
        statement=statement.strip(),
        evidence=[{"key": k, "name": options[k].name, "url": options[k].url} for k in evidence])
    application.full_clean()
    application.save()
    audit_record(actor=actor, action="recognition.apply", target=application, organization_id=organization.pk,
                 summary=f"{organization.name} applied for {programme.title}")
    return application


@transaction.atomic
def application_score(*, actor: Any, application: RecognitionApplication, scores: dict[str, int],
                      notes: dict[str, str] | None = None) -> list[RecognitionScore]:
    """A reviewer's score on every criterion (0 to TOP_SCORE); scoring again replaces their scores."""
    if not can_review(actor):
        raise PermissionDenied("Only the state's reviewers score applications.")
    application = RecognitionApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != RecognitionApplication.Status.SUBMITTED:
        raise ValidationError("This application has been decided.")
    keys = [c["key"] for c in application.programme.criteria]
    if sorted(scores) != sorted(keys):
        raise ValidationError("Score every criterion.")
    if any(not isinstance(v, int) or not 0 <= v <= TOP_SCORE for v in scores.values()):
        raise ValidationError(f"Each score is a whole number from 0 to {TOP_SCORE}.")
    RecognitionScore.objects.filter(application=application, reviewer=actor).delete()
    saved = []
    for key in keys:
        score = RecognitionScore(application=application, reviewer=actor, criterion=key, score=scores[key],
                                 note=(notes or {}).get(key, "").strip())
        score.full_clean()
        score.save()
        saved.append(score)
    audit_record(actor=actor, action="recognition.score", target=application,
                 organization_id=application.organization_id,
                 summary=f"Scored {application.organization.name}'s application to {application.programme.title}")
    return saved


def application_total(application: RecognitionApplication) -> tuple[Decimal, int] | None:
    """The mean over reviewers of each reviewer's share of the top total, and how many reviewed."""
    totals: dict[int, int] = {}
    for score in application.scores.all():
        totals[score.reviewer_id] = totals.get(score.reviewer_id, 0) + score.score
    if not totals:
        return None
    top = TOP_SCORE * len(application.programme.criteria)
    share = Decimal(sum(totals.values())) / Decimal(len(totals) * top)
    return share.quantize(Decimal("0.01")), len(totals)


@transaction.atomic
def application_decide(*, actor: Any, application: RecognitionApplication, award: bool,
                       note: str = "") -> RecognitionApplication:
    """Recognise (issuing the credential) or decline; an award needs scores at the pass mark."""
    if not can_run_programmes(actor):
        raise PermissionDenied("Only the state AI lead decides on applications.")
    application = RecognitionApplication.objects.select_for_update(of=("self",)).select_related(
        "programme", "organization", "educator").get(pk=application.pk)
    if application.status != RecognitionApplication.Status.SUBMITTED:
        raise ValidationError("This application has been decided.")
    total = application_total(application)
    if award and (total is None or total[0] < application.programme.pass_mark):
        raise ValidationError("The scores do not reach the programme's pass mark.")
    application.status = (RecognitionApplication.Status.AWARDED if award
                           else RecognitionApplication.Status.DECLINED)
    application.decision_note, application.decided_by, application.decided_at = note.strip(), actor, timezone.now()
    application.full_clean()
    application.save()
    if award:
        _issue(application)
    audit_record(actor=actor, action="recognition.award" if award else "recognition.decline", target=application,
                 organization_id=application.organization_id,
                 summary=f"{'Recognised' if award else 'Did not recognise'} {application.recipient_name} in "
                         f"{application.programme.title}")
    return application


def _subject_url(application: RecognitionApplication, identifier: str) -> str:
    organization = application.organization
    if application.educator_id:
        return f"urn:uuid:{identifier}"  # an educator has no public page: the credential names them
    name = "public-district" if organization.kind == Organization.Kind.DISTRICT else "public-school"
    return badges.url(name, organization.pk)


def _issue(application: RecognitionApplication) -> BadgeCredential:
    credential = BadgeCredential(application=application, issued_at=timezone.now())
    credential.expires_at = credential.issued_at + timedelta(days=round(30.44 * application.programme.valid_months))
    identifier = str(credential.identifier)
    programme = application.programme
    criteria = " ".join(f"{c['title']}: {c['description']}".strip() for c in programme.criteria)
    credential.document = openbadges.credential(
        id=badges.url("public-badge", identifier), issuer=badges.issuer(),
        subject_id=_subject_url(application, identifier),
        achievement_id=badges.url("public-badge-programme", programme.pk),
        achievement_name=programme.title, achievement_description=programme.description,
        criteria=criteria, issued=credential.issued_at, expires=credential.expires_at,
        narrative=f"Awarded to {application.recipient_name}.",
        evidence=[{"url": badges.absolute(e["url"]) if e["url"] else badges.url("public-home"),
                   "name": e["name"]} for e in application.evidence],
        status_url=badges.url("public-badge-status", identifier))
    credential.token = openbadges.sign(credential.document, badges.private_key(), badges.key_id())
    credential.full_clean()
    credential.save()
    return credential


@transaction.atomic
def credential_revoke(*, actor: Any, credential: BadgeCredential, reason: str) -> BadgeCredential:
    if not can_run_programmes(actor):
        raise PermissionDenied("Only the state AI lead revokes a credential.")
    if not reason.strip():
        raise ValidationError({"revoked_reason": "Say why it is revoked."})
    credential.revoked_at, credential.revoked_reason = timezone.now(), re.sub(r"\s+", " ", reason).strip()[:300]
    credential.save(update_fields=["revoked_at", "revoked_reason", "updated_at"])
    audit_record(actor=actor, action="recognition.revoke", target=credential,
                 organization_id=credential.application.organization_id,
                 summary=f"Revoked the credential of {credential.application.recipient_name}")
    return credential


def credential_verify(token: str) -> tuple[BadgeCredential | None, dict[str, Any] | None, str]:
    """(the credential, its content, "") when ``token`` is a credential this Trellis issued, signed
    with its key, by its issuer, not revoked and not expired; (…, the reason in plain words) otherwise."""
    try:
        content = openbadges.read(token, badges.private_key().public_key(), issuer_id=badges.issuer().id,
                                  kid=badges.key_id())
    except openbadges.VerificationError as exc:
        return None, None, str(exc)
    identifier = str(content.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
    credential = BadgeCredential.objects.filter(identifier=identifier).select_related(
        "application__organization", "application__programme").first() if _is_uuid(identifier) else None
    if credential is None or credential.document.get("id") != content.get("id"):
        return None, content, "This issuer has no record of this credential."
    if credential.revoked_at is not None:
        return credential, content, f"This credential was revoked: {credential.revoked_reason}"
    return credential, content, ""


def _is_uuid(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
