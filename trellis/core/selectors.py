"""Reads of the audit log, the access log and jobs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from trellis.core.models import AccessEvent, AuditEvent, Job
from trellis.orgs.permissions import can_view_logs


def audit_events_for(*, user: Any) -> QuerySet[AuditEvent]:
    if not can_view_logs(user):
        raise PermissionDenied("Only the state AI lead can read the audit log.")
    return AuditEvent.objects.all()


def access_events_for(*, user: Any) -> QuerySet[AccessEvent]:
    if not can_view_logs(user):
        raise PermissionDenied("Only the state AI lead can read the access log.")
    return AccessEvent.objects.all()


def job_get(*, user: Any, pk: int) -> Job:
    """A job is visible to the person who started it."""
    try:
        return Job.objects.get(pk=pk, started_by=user)
    except Job.DoesNotExist as exc:
        raise Http404("No such job.") from exc
