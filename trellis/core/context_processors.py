from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from trellis.orgs.models import Role
from trellis.orgs.permissions import can_view_logs, memberships_of

ROADMAP_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST, Role.DISTRICT_LEAD}


def trellis(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's organization and role, for the page header."""
    memberships = memberships_of(request.user)
    first = memberships[0] if memberships else None
    return {
        "header_membership": first,
        "can_view_logs": can_view_logs(request.user),
        "show_roadmap": any(m.role in ROADMAP_ROLES for m in memberships),
    }
