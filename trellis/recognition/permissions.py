"""Who runs recognition programmes, who applies, who scores."""

from __future__ import annotations

from typing import Any

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import memberships_of


def _state_roles(user: Any) -> set[str]:
    return {m.role for m in memberships_of(user) if m.organization.kind == Organization.Kind.STATE}


def can_run_programmes(user: Any) -> bool:
    """The state AI lead publishes programmes and decides on applications."""
    return Role.STATE_LEAD in _state_roles(user)


def can_review(user: Any) -> bool:
    """The state's staff score applications against the criteria."""
    return bool(_state_roles(user) & {Role.STATE_LEAD, Role.STATE_ANALYST})


def applying_organizations(user: Any) -> list[Organization]:
    """Districts their AI lead applies for, schools their leader applies for."""
    return [m.organization for m in memberships_of(user)
            if (m.role == Role.DISTRICT_LEAD and m.organization.kind == Organization.Kind.DISTRICT)
            or (m.role == Role.SCHOOL_LEADER and m.organization.kind == Organization.Kind.SCHOOL)]


def can_see_application(user: Any, application: Any) -> bool:
    return can_review(user) or application.organization in applying_organizations(user)
