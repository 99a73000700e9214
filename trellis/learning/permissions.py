"""Who may see and change which frameworks and learning records. Views and services ask here."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import MANAGING_ROLES, STATE_ROLES, memberships_of


def visible_frameworks_q(user: Any) -> Q:
    """The shipped default, frameworks owned by an organization above or at one of the person's
    (the state's, their region's, their district's) and those owned below them."""
    memberships = memberships_of(user)
    if not memberships:
        return Q(pk__in=[])
    query = Q(owner__isnull=True)
    ids: set[int] = set()
    for membership in memberships:
        ids.update(Organization.path_ids(membership.organization.path))
        query |= Q(owner__path__startswith=membership.organization.path)
    return query | Q(owner_id__in=sorted(ids))


def framework_owner_for(user: Any) -> Organization | None:
    """The organization a framework a person adds belongs to: their widest managing membership."""
    for membership in memberships_of(user):
        if membership.role in MANAGING_ROLES:
            return membership.organization
    return None


def can_add_framework(user: Any) -> bool:
    return framework_owner_for(user) is not None


def can_change_framework(user: Any, owner: Organization | None) -> bool:
    """The state AI lead or a district AI lead over the owning organization; nobody changes the
    shipped default (a state adopts a new version of it instead)."""
    if owner is None:
        return False
    return any(m.role in MANAGING_ROLES and owner.path.startswith(m.organization.path) for m in memberships_of(user))


def xapi_imports_q(user: Any) -> Q:
    """Imports a person may see: those scoped to an organization they manage, and the state-wide
    ones for the state's own staff."""
    memberships = memberships_of(user)
    query = Q(pk__in=[])
    for membership in memberships:
        if membership.role in MANAGING_ROLES:
            query |= Q(scope__path__startswith=membership.organization.path)
        if membership.role in STATE_ROLES and membership.organization.kind == Organization.Kind.STATE:
            query |= Q(scope__isnull=True) | Q(scope__path__startswith=membership.organization.path)
    return query


def can_see_xapi_imports(user: Any) -> bool:
    return any(m.role in MANAGING_ROLES or m.role in STATE_ROLES for m in memberships_of(user))


# Who may run offerings for their organization and below.
ORGANIZING_ROLES = {Role.STATE_LEAD, Role.REGIONAL_COACH, Role.DISTRICT_LEAD, Role.SCHOOL_LEADER}


def organizing_organizations(user: Any) -> list[Organization]:
    """Organizations a person may run offerings for, widest first."""
    return [m.organization for m in memberships_of(user) if m.role in ORGANIZING_ROLES]


def can_organize(user: Any, organization: Organization) -> bool:
    return any(organization.path.startswith(o.path) for o in organizing_organizations(user))


def offerings_visible_q(user: Any, *, drafts: bool = True) -> Q:
    """Published offerings open to the person (offered by their organization or one above it),
    those they organize (offered at or below an organization they run offerings for, drafts too)
    and, for the state's own staff, every published offering in the state."""
    memberships = memberships_of(user)
    if not memberships:
        return Q(pk__in=[])
    ids: set[int] = set()
    organized = Q(pk__in=[])
    seen = Q(pk__in=[])
    for membership in memberships:
        ids.update(Organization.path_ids(membership.organization.path))
        if membership.role in ORGANIZING_ROLES:
            organized |= Q(organization__path__startswith=membership.organization.path)
        if membership.role in STATE_ROLES:
            seen |= Q(organization__path__startswith=membership.organization.path)
    others = seen | Q(organization_id__in=sorted(ids))
    return organized | (others & Q(status="published") if drafts else others)


def is_open_to(user: Any, organization: Organization) -> bool:
    """Whether staff of the person's organizations may join an offering of ``organization``."""
    return any(m.organization.path.startswith(organization.path) for m in memberships_of(user))


# Who may coach and observe teachers of the schools under their organization: a regional coach
# serves every school of the districts in their region through that one membership.
COACHING_ROLES = {Role.REGIONAL_COACH, Role.COACH, Role.SCHOOL_LEADER, Role.DISTRICT_LEAD}
# The people above a teacher in their line, who may read coaching notes about them.
LINE_ROLES = {Role.SCHOOL_LEADER, Role.DISTRICT_LEAD, Role.STATE_LEAD}


def can_coach(user: Any, school: Organization) -> bool:
    return any(m.role in COACHING_ROLES and school.path.startswith(m.organization.path) for m in memberships_of(user))


def coaching_organizations(user: Any) -> list[Organization]:
    return [m.organization for m in memberships_of(user) if m.role in COACHING_ROLES]


def _line_q(user: Any, field: str) -> Q:
    query = Q(pk__in=[])
    for membership in memberships_of(user):
        if membership.role in LINE_ROLES:
            query |= Q(**{f"{field}__path__startswith": membership.organization.path})
    return query


def coaching_cycles_q(user: Any) -> Q:
    """Cycles a person may read, notes included: their own as teacher or coach, and those of
    teachers below them in their line."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return Q(teacher__user=user) | Q(coach__user=user) | _line_q(user, "school")


def observations_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return (Q(teacher__user=user) | Q(observer__user=user) | Q(cycle__coach__user=user)
            | _line_q(user, "school"))


def line_organizations(user: Any) -> list[Organization]:
    """Organizations over whose teachers a person sees aggregates (self-assessment, surveys)."""
    return [m.organization for m in memberships_of(user) if m.role in LINE_ROLES]
