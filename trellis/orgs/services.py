"""Every write to organizations, people and memberships."""

from __future__ import annotations

import datetime
import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trellis.core.services import audit_record
from trellis.orgs.figures import figures_changed
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.permissions import MANAGING_ROLES, can_manage_organization, can_manage_person, grantable_roles


def _require_manage(actor: Any, organization: Organization | None) -> None:
    """Command-line and system work passes ``actor=None``; a person must manage the subtree."""
    if actor is None:
        return
    if organization is None or not can_manage_organization(actor, organization):
        raise PermissionDenied("You can only change organizations you manage.")


@transaction.atomic
def organization_create(
    *, actor: Any, name: str, kind: str, parent: Organization | None = None, sourced_id: str | None = None,
    nces_id: str = "", locale: str = "", enrollment: int | None = None,
    econ_disadvantaged_share: float | None = None,
) -> Organization:
    _require_manage(actor, parent)
    organization = Organization(
        name=name, kind=kind, parent=parent, sourced_id=sourced_id, nces_id=nces_id, locale=locale,
        enrollment=enrollment, econ_disadvantaged_share=econ_disadvantaged_share, path="/",
    )
    organization.full_clean(exclude=["path"])
    organization.save()
    organization.path = organization.path_under_parent()
    organization.save(update_fields=["path"])
    audit_record(
        actor=actor, action="organization.create", target=organization, organization_id=organization.pk,
        summary=f"Added {organization.get_kind_display().lower()} {organization.name}",
    )
    return organization


@transaction.atomic
def person_create(
    *, actor: Any, username: str, given_name: str, family_name: str, email: str = "",
    password: str | None = None, organization: Organization, role: str,
) -> Person:
    """Create a staff account with one role. Without a password the account cannot sign in
    with one until a password is set (rostered staff normally sign in through the district)."""
    _require_manage(actor, organization)
    user_model = get_user_model()
    user = user_model(username=username, email=email, first_name=given_name, last_name=family_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    person = Person(
        user=user, given_name=given_name, family_name=family_name, email=email,
        primary_organization=organization,
    )
    person.full_clean()
    person.save()
    membership_grant(actor=actor, person=person, organization=organization, role=role)
    audit_record(
        actor=actor, action="person.create", target=person, organization_id=organization.pk,
        summary=f"Added {person.full_name} as {Role(role).label.lower()} at {organization.name}",
    )
    return person


@transaction.atomic
def membership_grant(*, actor: Any, person: Person, organization: Organization, role: str) -> Membership:
    """Give a person a role over an organization. A lead (``actor`` a person) may give only the
    roles that fit the organization, and only to people who work in their own subtree."""
    _require_manage(actor, organization)
    if actor is not None:
        if not can_manage_person(actor, person):
            raise PermissionDenied("You can only give roles to people in the organizations you manage.")
        if role not in grantable_roles(organization):
            raise ValidationError({"role": f"The role {Role(role).label.lower()} cannot be given at "
                                           f"a {organization.get_kind_display().lower()}."})
    membership, created = Membership.objects.get_or_create(person=person, organization=organization, role=role)
    if created:
        audit_record(
            actor=actor, action="membership.grant", target=membership, organization_id=organization.pk,
            summary=f"Gave {person.full_name} the role {Role(role).label.lower()} at {organization.name}",
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership) -> None:
    """Take a role away. A lead cannot take away their own lead role: another lead has to."""
    organization = membership.organization
    _require_manage(actor, organization)
    if actor is not None and membership.person.user_id == actor.pk and membership.role in MANAGING_ROLES:
        raise ValidationError("You cannot remove your own lead role. Ask another lead to do it.")
    person, role = membership.person, Role(membership.role)
    audit_record(
        actor=actor, action="membership.remove", target=membership, organization_id=organization.pk,
        summary=f"Removed the role {role.label.lower()} at {organization.name} from {person.full_name}",
        details={"person_id": person.pk, "role": role.value, "from_roster": membership.from_roster},
    )
    membership.delete()
    figures_changed()


def roster_upload_dir() -> Path:
    """Where uploaded rosters wait for their import job: owner-only, like everything in it."""
    uploads = Path(settings.TRELLIS_HOME) / "uploads"
    uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    uploads.chmod(0o700)
    return uploads


def roster_import_start(
    *, actor: Any, upload: Any = None, scope: Organization, stored: Path | None = None,
    confirmed: dict[str, dict[str, int]] | None = None, name: str = "",
) -> Any:
    """Keep the uploaded roster in the uploads folder (owner-only) and start its import as a
    background job. ``stored`` and ``confirmed`` start the import of a roster already kept, whose
    removals (per district and kind) the person has seen and confirmed."""
    from trellis.core.services import job_start

    _require_manage(actor, scope)
    if stored is None:
        target = roster_upload_dir() / f"roster-{uuid.uuid4().hex}.zip"
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        name = Path(str(upload.name)).name
    else:
        target = stored
    return job_start(
        actor=actor, kind="roster_import", title=f"Roster import for {scope.name}",
        organization_id=scope.pk,
        params={"upload": str(target), "scope_id": scope.pk, "name": name[:200], "confirmed": confirmed},
    )


def _answer_pending(*, actor: Any, job: Any, scope: Organization, answer: str) -> Path:
    """Record the answer to an import waiting for confirmation; the roster kept for it."""
    _require_manage(actor, scope)
    upload = Path(job.params.get("upload", ""))
    if not (job.result or {}).get("preview") or job.result.get("answered") or not upload.is_file():
        raise PermissionDenied("This import is not waiting for a confirmation.")
    type(job).objects.filter(pk=job.pk).update(result={**job.result, "answered": answer})
    return upload


def confirmation_deadline(job: Any) -> datetime.datetime | None:
    """When an import waiting for a confirmation is dropped if nobody answers."""
    if job.finished_at is None:
        return None
    return job.finished_at + datetime.timedelta(hours=settings.TRELLIS_CONFIRM_WAIT_HOURS)


def roster_imports_expire(*, now: datetime.datetime | None = None) -> list[Any]:
    """Drop every import whose confirmation nobody gave before its deadline, with the roster kept
    for it; run by the worker when it starts and every few minutes. Returns the jobs dropped."""
    from trellis.core.models import Job

    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.TRELLIS_CONFIRM_WAIT_HOURS)
    expired = []
    waiting = Job.objects.filter(kind="roster_import", status=Job.Status.SUCCEEDED, finished_at__lt=cutoff,
                                 result__has_key="preview")
    for job in waiting:
        if job.result.get("answered"):
            continue
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(result={**job.result, "answered": "expired"})
            audit_record(actor=None, action="roster.import.expire", target=job, organization_id=job.organization_id,
                         summary=f"Dropped a roster import nobody confirmed within "
                                 f"{settings.TRELLIS_CONFIRM_WAIT_HOURS} hours; nothing was imported")
        Path(job.params.get("upload", "")).unlink(missing_ok=True)
        expired.append(job)
    return expired


@transaction.atomic
def roster_import_confirm(*, actor: Any, job: Any, scope: Organization) -> Any:
    """Start the import a person saw the removals of, and confirmed."""
    upload = _answer_pending(actor=actor, job=job, scope=scope, answer="confirmed")
    audit_record(actor=actor, action="roster.import.confirm", target=job, organization_id=scope.pk,
                 summary=f"Confirmed a roster import for {scope.name} that switches off staff or removes students",
                 details={"removed": job.result["preview"]})
    return roster_import_start(actor=actor, scope=scope, stored=upload, confirmed=job.result["preview"],
                               name=job.params.get("name", ""))


@transaction.atomic
def roster_import_cancel(*, actor: Any, job: Any, scope: Organization) -> None:
    """Drop an import waiting for confirmation, and the roster kept for it."""
    upload = _answer_pending(actor=actor, job=job, scope=scope, answer="cancelled")
    audit_record(actor=actor, action="roster.import.cancel", target=job, organization_id=scope.pk,
                 summary=f"Cancelled a roster import for {scope.name}; nothing was imported")
    transaction.on_commit(lambda: upload.unlink(missing_ok=True))
