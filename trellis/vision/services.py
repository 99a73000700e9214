"""Every write to the statewide vision: drafting, the comment period, moderation, answers, publication."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from trellis.core.services import audit_record
from trellis.vision.models import VisionComment, VisionSection, VisionVersion
from trellis.vision.permissions import can_comment_signed_in, can_edit_vision


def _require_editor(actor: Any) -> None:
    if actor is not None and not can_edit_vision(actor):
        raise PermissionDenied("Only the state AI lead can change the statewide vision.")


def _state_id() -> int | None:
    from trellis.orgs.models import Organization

    return Organization.objects.filter(kind=Organization.Kind.STATE).values_list("pk", flat=True).first()


def _locked(version: VisionVersion) -> VisionVersion:
    version = VisionVersion.objects.select_for_update().get(pk=version.pk)
    if not version.editable:
        raise ValidationError("A published version never changes. Start a new version instead.")
    return version


@transaction.atomic
def vision_draft_start(*, actor: Any, title: str = "") -> VisionVersion:
    """The version being drafted, or a new one copied from the newest version."""
    _require_editor(actor)
    current = VisionVersion.objects.select_for_update().filter(
        status__in=[VisionVersion.Status.DRAFT, VisionVersion.Status.COMMENT]).first()
    if current is not None:
        return current
    latest = VisionVersion.objects.order_by("-number").first()
    number = (VisionVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    version = VisionVersion(number=number, title=title or (latest.title if latest else
                                                           "Our vision for AI-enabled instruction"),
                            introduction=latest.introduction if latest else "")
    version.full_clean()
    version.save()
    if latest is not None:
        VisionSection.objects.bulk_create([
            VisionSection(version=version, key=s.key, position=s.position, heading=s.heading, body=s.body)
            for s in latest.sections.all()
        ])
    audit_record(actor=actor, action="vision.draft", target=version, organization_id=_state_id(),
                 summary=f"Started version {number} of the statewide vision")
    return version


@transaction.atomic
def vision_version_update(*, actor: Any, version: VisionVersion, title: str, introduction: str) -> VisionVersion:
    _require_editor(actor)
    version = _locked(version)
    version.title, version.introduction = title.strip(), introduction.strip()
    version.full_clean()
    version.save(update_fields=["title", "introduction", "updated_at"])
    audit_record(actor=actor, action="vision.update", target=version, organization_id=_state_id(),
                 summary=f"Changed the title or introduction of version {version.number}")
    return version


@transaction.atomic
def vision_section_save(*, actor: Any, version: VisionVersion, heading: str, body: str,
                        section: VisionSection | None = None) -> VisionSection:
    """Add a section at the end, or change one (its key stays, so versions can be compared)."""
    _require_editor(actor)
    version = _locked(version)
    if section is None:
        base = slugify(heading)[:50] or "section"
        taken = set(version.sections.values_list("key", flat=True))
        key, n = base, 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        position = (version.sections.aggregate(top=Max("position"))["top"] or 0) + 1
        section = VisionSection(version=version, key=key, position=position)
    elif section.version_id != version.pk:
        raise ValidationError("That section belongs to another version.")
    section.heading, section.body = heading.strip(), body.strip()
    section.full_clean()
    section.save()
    audit_record(actor=actor, action="vision.section", target=section, organization_id=_state_id(),
                 summary=f"Saved the section “{section.heading}” of version {version.number}")
    return section


@transaction.atomic
def vision_section_remove(*, actor: Any, section: VisionSection) -> None:
    _require_editor(actor)
    version = _locked(section.version)
    heading = section.heading
    section.delete()
    audit_record(actor=actor, action="vision.section_remove", target=version, organization_id=_state_id(),
                 summary=f"Removed the section “{heading}” from version {version.number}")


@transaction.atomic
def vision_open_for_comment(*, actor: Any, version: VisionVersion, closes: datetime.date) -> VisionVersion:
    _require_editor(actor)
    version = _locked(version)
    if closes <= timezone.localdate():
        raise ValidationError({"comment_closes": "Choose a day after today."})
    if not version.sections.exists():
        raise ValidationError("Add at least one section before asking for comments.")
    version.status, version.comment_closes = VisionVersion.Status.COMMENT, closes
    version.full_clean()
    version.save(update_fields=["status", "comment_closes", "updated_at"])
    audit_record(actor=actor, action="vision.open_comment", target=version, organization_id=_state_id(),
                 summary=f"Opened version {version.number} of the vision for comment until {closes:%B %-d, %Y}")
    return version


def public_sender(address: str) -> str:
    """A keyed hash of a network address: enough to count one sender's comments, nothing to show."""
    return hmac.new(settings.SECRET_KEY.encode(), f"vision:{address}".encode(), hashlib.sha256).hexdigest()[:64]


#: Public comments one sender may leave within an hour.
PUBLIC_COMMENTS_PER_HOUR = 5


@transaction.atomic
def vision_comment_add(*, actor: Any, version: VisionVersion, body: str, section: VisionSection | None = None,
                       display_name: str = "", sender: str = "") -> VisionComment:
    """A comment on a version open for comment. Staff (``actor``) comments show at once; a public
    comment (``actor=None``) waits for moderation, and one sender may leave only a few an hour."""
    version = VisionVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VisionVersion.Status.COMMENT or (
            version.comment_closes and version.comment_closes < timezone.localdate()):
        raise ValidationError("This version is not open for comment.", code="closed")
    if section is not None and section.version_id != version.pk:
        raise ValidationError("That section belongs to another version.")
    staff = actor is not None and getattr(actor, "is_authenticated", False)
    if staff and not can_comment_signed_in(actor):
        raise PermissionDenied("Only staff with a role in Trellis comment signed in.")
    if not staff:
        since = timezone.now() - timedelta(hours=1)
        if VisionComment.objects.filter(sender=sender, created_at__gte=since).count() >= PUBLIC_COMMENTS_PER_HOUR:
            raise ValidationError("You have sent several comments in the last hour. Please try again later.",
                                  code="too_many")
    comment = VisionComment(
        version=version, section=section, body=body.strip(), author=actor if staff else None,
        display_name="" if staff else display_name.strip(), sender="" if staff else sender,
        status=VisionComment.Status.SHOWN if staff else VisionComment.Status.PENDING,
    )
    comment.full_clean()
    comment.save()
    audit_record(actor=actor if staff else None, action="vision.comment", target=comment,
                 organization_id=_state_id(),
                 summary=f"{'A staff member' if staff else 'A member of the public'} commented on version "
                         f"{version.number} of the vision")
    return comment


@transaction.atomic
def vision_comment_moderate(*, actor: Any, comment: VisionComment, show: bool) -> VisionComment:
    _require_editor(actor)
    comment.status = VisionComment.Status.SHOWN if show else VisionComment.Status.HIDDEN
    comment.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="vision.moderate", target=comment, organization_id=_state_id(),
                 summary=f"{'Showed' if show else 'Did not show'} a comment on version {comment.version.number}")
    return comment


@transaction.atomic
def vision_comment_answer(*, actor: Any, comment: VisionComment, answer: str) -> VisionComment:
    _require_editor(actor)
    if not answer.strip():
        raise ValidationError({"answer": "Write the answer."})
    comment.answer, comment.answered_by, comment.answered_at = answer.strip(), actor, timezone.now()
    comment.full_clean()
    comment.save(update_fields=["answer", "answered_by", "answered_at", "updated_at"])
    audit_record(actor=actor, action="vision.answer", target=comment, organization_id=_state_id(),
                 summary=f"Answered a comment on version {comment.version.number} of the vision")
    return comment


@transaction.atomic
def vision_publish(*, actor: Any, version: VisionVersion) -> VisionVersion:
    """Publish a version: it replaces the published one and never changes again."""
    _require_editor(actor)
    version = _locked(version)
    if not version.sections.exists():
        raise ValidationError("A vision needs at least one section.")
    VisionVersion.objects.filter(status=VisionVersion.Status.PUBLISHED).update(
        status=VisionVersion.Status.SUPERSEDED, updated_at=timezone.now())
    version.status, version.published_at = VisionVersion.Status.PUBLISHED, timezone.now()
    version.published_by = actor
    version.full_clean()
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(actor=actor, action="vision.publish", target=version, organization_id=_state_id(),
                 summary=f"Published version {version.number} of the statewide vision")
    return version
