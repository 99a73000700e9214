"""Every write to organizations, people and memberships."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from trellis.core.services import audit_record
from trellis.orgs.models import Membership, Organization, Person, Role
from trellis.orgs.permissions import MANAGING_ROLES, can_manage_organization, can_manage_person, grantable_roles


def _require_manage(actor: Any, organization: Organization | None) -> None:
    """Command-line and system work passes ``actor=None``; a person must manage the subtree."""
    if actor is None:
        return
    if organization is None or not can_manage_organization(actor, organization):
        raise PermissionDenied("You can only change organizations you manage.")


def organization_path(organization: Organization) -> str:
    prefix = organization.parent.path if organization.parent_id else "/"
    return f"{prefix}{organization.pk}/"


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
    organization.path = organization_path(organization)
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


def roster_import_start(*, actor: Any, upload: Any, scope: Organization) -> Any:
    """Keep the uploaded roster in the uploads folder and start its import as a background job."""
    from trellis.core.services import job_start

    _require_manage(actor, scope)
    uploads = Path(settings.TRELLIS_HOME) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / f"roster-{uuid.uuid4().hex}.zip"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return job_start(
        actor=actor, kind="roster_import", title=f"Roster import for {scope.name}",
        organization_id=scope.pk, params={"upload": str(target), "scope_id": scope.pk},
    )
