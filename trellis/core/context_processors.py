from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from trellis.orgs.models import Role
from trellis.orgs.permissions import STATE_ROLES, can_view_logs, memberships_of

ROADMAP_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST, Role.DISTRICT_LEAD}


def trellis(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's organization and role, for the page header."""
    # A request refused before the sign-in middleware ran (a bad Host header) has no user.
    user = getattr(request, "user", None)
    memberships = memberships_of(user)
    first = memberships[0] if memberships else None
    return {
        "header_membership": first,
        "can_view_logs": can_view_logs(user),
        "show_roadmap": any(m.role in ROADMAP_ROLES for m in memberships),
        "show_overview": any(m.role in STATE_ROLES and m.organization.kind == "state" for m in memberships),
    }
