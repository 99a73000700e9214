"""Who may see and change which organizations. Every view and service asks here."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from trellis.orgs.models import Membership, Organization, Person, Role

STATE_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST}
# Roles that may change an organization's roster and settings, over their subtree.
MANAGING_ROLES = {Role.STATE_LEAD, Role.DISTRICT_LEAD}
# Which role a home page is built for when a person holds several: the widest first.
ROLE_ORDER = [
    Role.STATE_LEAD, Role.STATE_ANALYST, Role.REGIONAL_COACH, Role.DISTRICT_LEAD,
    Role.SCHOOL_LEADER, Role.COACH, Role.TEACHER,
]

# Where each role can be given from the role pages: a role over an organization of these kinds.
# Granting stays within the lead's own subtree, so a district lead can never make a state lead.
ROLE_KINDS = {
    Role.STATE_LEAD: {Organization.Kind.STATE},
    Role.STATE_ANALYST: {Organization.Kind.STATE},
    Role.REGIONAL_COACH: {Organization.Kind.REGION, Organization.Kind.STATE},
    Role.DISTRICT_LEAD: {Organization.Kind.DISTRICT},
    Role.SCHOOL_LEADER: {Organization.Kind.SCHOOL},
    Role.COACH: {Organization.Kind.DISTRICT, Organization.Kind.SCHOOL},
    Role.TEACHER: {Organization.Kind.DISTRICT, Organization.Kind.SCHOOL},
}


def grantable_roles(organization: Organization) -> list[Role]:
    """The roles a lead who manages ``organization`` may give there, widest first."""
    return [role for role in ROLE_ORDER if organization.kind in ROLE_KINDS[role]]


def memberships_of(user: Any) -> list[Membership]:
    """The person's memberships, widest role first (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_trellis_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(person__user=user, person__is_active=True, organization__is_active=True)
            .select_related("organization")
        )
        cached.sort(key=lambda m: (ROLE_ORDER.index(Role(m.role)), m.organization.path))
        user._trellis_memberships = cached
    return cached


def _covers(membership: Membership, organization: Organization) -> bool:
    return organization.path.startswith(membership.organization.path)


def can_view_organization(user: Any, organization: Organization) -> bool:
    return any(_covers(m, organization) for m in memberships_of(user))


def can_manage_organization(user: Any, organization: Organization) -> bool:
    return any(m.role in MANAGING_ROLES and _covers(m, organization) for m in memberships_of(user))


def can_manage_person(user: Any, person: Person) -> bool:
    """A lead may give roles to people who work in their subtree: a role or a main organization there."""
    if not person.is_active:
        return False
    places = [m.organization for m in person.memberships.select_related("organization")]
    if person.primary_organization_id:
        places.append(person.primary_organization)
    return any(can_manage_organization(user, place) for place in places if place is not None)


def can_view_logs(user: Any) -> bool:
    """The audit and access logs are for the state lead."""
    return any(m.role == Role.STATE_LEAD and m.organization.kind == Organization.Kind.STATE
               for m in memberships_of(user))


def visible_organizations_q(user: Any) -> Q:
    """A filter for the organizations a person may see: the subtrees under their memberships."""
    paths = {m.organization.path for m in memberships_of(user)}
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return query


def manageable_organizations_q(user: Any) -> Q:
    paths = {m.organization.path for m in memberships_of(user) if m.role in MANAGING_ROLES}
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return query
