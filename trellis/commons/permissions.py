"""Who may submit, curate and adopt commons items."""

from __future__ import annotations

from typing import Any

from trellis.orgs.models import Organization, Role
from trellis.orgs.permissions import memberships_of


def submitting_organization(user: Any) -> Organization | None:
    """Where a person's submissions come from: their widest membership's organization."""
    memberships = memberships_of(user)
    return memberships[0].organization if memberships else None


def can_submit(user: Any) -> bool:
    return submitting_organization(user) is not None


def can_curate(user: Any) -> bool:
    """The state AI lead reviews and publishes."""
    return any(m.role == Role.STATE_LEAD and m.organization.kind == Organization.Kind.STATE
               for m in memberships_of(user))


def can_edit_item(user: Any, item: Any) -> bool:
    return item.submitted_by_id == getattr(user, "pk", None) and item.status in ("draft", "changes_requested")


def adopting_districts(user: Any) -> list[Organization]:
    """The districts a person may adopt items for: those they lead."""
    return [m.organization for m in memberships_of(user)
            if m.role == Role.DISTRICT_LEAD and m.organization.kind == Organization.Kind.DISTRICT]
