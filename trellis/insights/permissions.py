"""Who may see and change funding, plans and annual reports."""

from __future__ import annotations

from typing import Any

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import memberships_of

#: Roles that read a district's funding, plans and reports when their membership covers the district.
VIEWING_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST, Role.REGIONAL_COACH, Role.DISTRICT_LEAD}
STATE_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST}


def _covering_roles(user: Any, organization: Organization) -> set[str]:
    return {m.role for m in memberships_of(user) if organization.path.startswith(m.organization.path)}


def _at_state(user: Any, roles: set[Role]) -> bool:
    return any(m.role in roles and m.organization.kind == Organization.Kind.STATE for m in memberships_of(user))


def can_view_district(user: Any, district: Organization) -> bool:
    """Funding, plans and reports of a district: its lead, the regional coach serving it, state staff."""
    return district.kind == Organization.Kind.DISTRICT and bool(_covering_roles(user, district) & VIEWING_ROLES)


def can_edit_district(user: Any, district: Organization) -> bool:
    """The district's own lead records spending, writes its plan and report and answers feedback.
    The state lead may too, on a district's behalf."""
    return district.kind == Organization.Kind.DISTRICT and bool(
        _covering_roles(user, district) & {Role.DISTRICT_LEAD, Role.STATE_LEAD})


def can_view_streams(user: Any) -> bool:
    """The funding streams and their allowable uses are published to every staff member."""
    return bool(memberships_of(user))


def can_manage_funding(user: Any) -> bool:
    """The state lead adds streams, writes their allowable uses and sets allocations."""
    return _at_state(user, {Role.STATE_LEAD})


def can_review(user: Any) -> bool:
    """The state lead reviews plans and reports and writes the feedback."""
    return _at_state(user, {Role.STATE_LEAD})


def can_view_state(user: Any) -> bool:
    """The state's views across districts: spend per format, reports waiting for review."""
    return _at_state(user, STATE_ROLES)
