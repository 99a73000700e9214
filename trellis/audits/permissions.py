"""Who may run and read fairness audits."""

from __future__ import annotations

from typing import Any

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import can_view_organization, memberships_of
from trellis.tools.permissions import can_govern


def can_run_audit(user: Any, district: Organization) -> bool:
    """The district's AI lead, or a state analyst."""
    return can_govern(user, district) or any(
        m.role == Role.STATE_ANALYST and district.path.startswith(m.organization.path) for m in memberships_of(user)
    )


def can_read_audit(user: Any, district: Organization) -> bool:
    """Audits hold only the suppressed view, so everyone who sees the district may read them."""
    return can_view_organization(user, district)
