"""Who may draft, moderate and publish the vision."""

from __future__ import annotations

from typing import Any

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import memberships_of


def can_edit_vision(user: Any) -> bool:
    return any(m.role == Role.STATE_LEAD and m.organization.kind == Organization.Kind.STATE
               for m in memberships_of(user))


def can_read_drafts(user: Any) -> bool:
    """State staff read drafts before they open for comment."""
    return any(m.role in (Role.STATE_LEAD, Role.STATE_ANALYST) and m.organization.kind == Organization.Kind.STATE
               for m in memberships_of(user))


def can_comment_signed_in(user: Any) -> bool:
    return bool(memberships_of(user))
