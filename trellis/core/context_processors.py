from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from trellis.core.pages import ACCOUNT_NAME_MARK, CSRF_TOKEN_MARK, account_name, rendering_for_cache
from trellis.orgs.models import Role
from trellis.orgs.permissions import STATE_ROLES, can_view_logs, memberships_of

ROADMAP_ROLES = {Role.STATE_LEAD, Role.STATE_ANALYST, Role.DISTRICT_LEAD}


def trellis(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's organization and role, for the page header."""
    # A request refused before the sign-in middleware ran (a bad Host header) has no user.
    user = getattr(request, "user", None)
    memberships = memberships_of(user)
    first = memberships[0] if memberships else None
    personal: dict[str, Any] = {"account_name": account_name(user)}
    if rendering_for_cache(request):
        # Kept for everyone of the same scope: each request fills in its own (trellis.core.pages).
        personal = {"account_name": ACCOUNT_NAME_MARK, "csrf_token": CSRF_TOKEN_MARK}
    return {
        **personal,
        "header_membership": first,
        "can_view_logs": can_view_logs(user),
        "show_roadmap": any(m.role in ROADMAP_ROLES for m in memberships),
        "show_overview": any(m.role in STATE_ROLES and m.organization.kind == "state" for m in memberships),
    }
