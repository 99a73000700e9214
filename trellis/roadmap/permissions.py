"""Who may see and change roadmaps."""

from __future__ import annotations

from typing import Any

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import memberships_of

#: Roles that see a district's roadmap when their membership covers the district.
VIEWING_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST, Role.REGIONAL_COACH, Role.DISTRICT_LEAD}
STATE_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST}


def _covering_roles(user: Any, organization: Organization) -> set[str]:
    return {m.role for m in memberships_of(user) if organization.path.startswith(m.organization.path)}


def can_view_roadmap(user: Any, district: Organization) -> bool:
    return district.kind == Organization.Kind.DISTRICT and bool(_covering_roles(user, district) & VIEWING_ROLES)


def can_edit_roadmap(user: Any, district: Organization) -> bool:
    """The district's own lead, or the state lead, rates the district's indicators."""
    return district.kind == Organization.Kind.DISTRICT and bool(
        _covering_roles(user, district) & {Role.DISTRICT_LEAD, Role.STATE_LEAD}
    )


def can_view_state_roadmap(user: Any) -> bool:
    return any(m.role in STATE_ROLES and m.organization.kind == Organization.Kind.STATE for m in memberships_of(user))


def can_edit_state_actions(user: Any) -> bool:
    return any(m.role == Role.STATE_LEAD and m.organization.kind == Organization.Kind.STATE
               for m in memberships_of(user))
