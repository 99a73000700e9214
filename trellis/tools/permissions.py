"""Who may do what with AI tools. Services and selectors ask here, views only through them."""

from __future__ import annotations

from typing import Any

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import can_manage_organization, can_view_organization, memberships_of

REQUESTING_ROLES = {Role.TEACHER, Role.SCHOOL_LEADER, Role.COACH}
SCHOOL_ANSWERING_ROLES = {Role.SCHOOL_LEADER}


def is_state_lead(user: Any) -> bool:
    return any(m.role == Role.STATE_LEAD and m.organization.kind == Organization.Kind.STATE
               for m in memberships_of(user))


def can_add_tool(user: Any) -> bool:
    """The state lead keeps the catalog; a district lead may add a tool it is asked about."""
    return any(m.role in {Role.STATE_LEAD, Role.DISTRICT_LEAD} for m in memberships_of(user))


def can_edit_tool(user: Any) -> bool:
    """Only the state lead changes what the catalog says about a tool."""
    return is_state_lead(user)


def can_request_tool(user: Any, school: Organization) -> bool:
    if school.kind != Organization.Kind.SCHOOL:
        return False
    return any(m.role in REQUESTING_ROLES and school.path.startswith(m.organization.path)
               for m in memberships_of(user)) or can_govern(user, school.parent)


def can_govern(user: Any, district: Organization | None) -> bool:
    """Decide on tools, route reviews, keep agreements and triage incidents for a district."""
    return district is not None and district.kind == Organization.Kind.DISTRICT and can_manage_organization(
        user, district
    )


def can_answer_opt_out(user: Any, school: Organization) -> bool:
    return can_govern(user, school.parent) or any(
        m.role in SCHOOL_ANSWERING_ROLES and school.path.startswith(m.organization.path)
        for m in memberships_of(user)
    )


def can_report_incident(user: Any, organization: Organization) -> bool:
    return can_view_organization(user, organization)


def works_in(user: Any, district: Organization) -> bool:
    """Holds a role in the district, in one of its schools, or above it (a reviewer may be state staff)."""
    return any(m.organization.path.startswith(district.path) or district.path.startswith(m.organization.path)
               for m in memberships_of(user))
