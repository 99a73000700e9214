"""Helpers for the learning app's tests."""

from __future__ import annotations

from typing import Any

from tests.orgs.test_views import client_for

__all__ = ["client_for", "snapshot"]

def snapshot() -> dict[str, Any]:
    """Everything the learning app stores and the audit log, to assert that a refused or denied
    action changed nothing."""
    from trellis.core.models import AuditEvent
    from trellis.learning.models import Competency, Framework, FrameworkAssociation

    return {
        "frameworks": list(Framework.objects.order_by("pk").values_list("identifier", "status", "document")),
        "competencies": list(Competency.objects.order_by("pk").values_list("identifier", "parent", "raw")),
        "associations": list(FrameworkAssociation.objects.order_by("pk").values_list("identifier", "raw")),
        "audit": AuditEvent.objects.count(),
    }
