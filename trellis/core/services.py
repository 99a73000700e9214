"""Writes to the audit log, the access log and background jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from trellis.core.models import AccessEvent, AuditEvent, Job

log = logging.getLogger(__name__)


def _actor_name(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(actor.get_username())


def _actor_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def audit_record(
    *,
    actor: Any,
    action: str,
    summary: str,
    target: Any = None,
    organization_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit log row. Every service that changes data calls this explicitly."""
    return AuditEvent.objects.create(
        actor=_actor_or_none(actor),
        actor_name=_actor_name(actor),
        action=action,
        object_type=type(target).__name__ if target is not None else "",
        object_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        organization_id=organization_id,
        summary=summary[:500],
        details=details or {},
    )


def access_record(
    *, actor: Any, dataset: str, purpose: str, organization_id: int | None, rows_read: int
) -> AccessEvent:
    """Write one access log row: a person read student-level data."""
    return AccessEvent.objects.create(
        actor=_actor_or_none(actor),
        actor_name=_actor_name(actor),
        dataset=dataset,
        purpose=purpose[:300],
        organization_id=organization_id,
        rows_read=rows_read,
    )


JobFunction = Callable[[Job, Callable[[str, int, int], None]], dict[str, Any]]
_JOB_FUNCTIONS: dict[str, JobFunction] = {}


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register the function that carries out jobs of one kind."""

    def register(function: JobFunction) -> JobFunction:
        _JOB_FUNCTIONS[name] = function
        return function

    return register


def job_start(
    *, actor: Any, kind: str, title: str, organization_id: int | None, params: dict[str, Any]
) -> Job:
    """Queue a job and start it outside the request.

    With ``TRELLIS_JOB_RUNNER=thread`` (the default) the job runs on a background thread of the
    web process once the current transaction commits; ``inline`` runs it at commit in the caller,
    which the test suite uses so that a job's effects are visible inside the test transaction.
    """
    if kind not in _JOB_FUNCTIONS:
        raise ValueError(f"Unknown job kind {kind!r}.")
    job = Job.objects.create(
        kind=kind,
        title=title,
        started_by=_actor_or_none(actor),
        organization_id=organization_id,
        params=params,
    )
    audit_record(
        actor=actor, action="job.start", summary=f"Started: {title}", target=job,
        organization_id=organization_id,
    )
    if getattr(settings, "TRELLIS_JOB_RUNNER", "thread") == "inline":
        transaction.on_commit(lambda: job_run(job_id=job.pk))
    else:
        transaction.on_commit(lambda: _start_thread(job.pk))
    return job


def _start_thread(job_id: int) -> None:
    threading.Thread(target=_run_in_thread, args=(job_id,), daemon=True, name=f"job-{job_id}").start()


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        job_run(job_id=job_id)
    finally:
        # The thread ends here; its connections would otherwise stay open until collected.
        connections.close_all()


def job_progress(job: Job, step: str, done: int, total: int) -> None:
    """Record how far a job has come; called from inside the job function."""
    job.step, job.done, job.total = step[:200], done, total
    Job.objects.filter(pk=job.pk).update(step=job.step, done=done, total=total, updated_at=timezone.now())


def job_run(*, job_id: int) -> Job:
    """Carry out a queued job, recording its result or the problem that stopped it."""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, updated_at=timezone.now())
    function = _JOB_FUNCTIONS[job.kind]
    try:
        result = function(job, lambda step, done, total: job_progress(job, step, done, total))
    except Exception as exc:  # the job's own message is what a person needs to read
        if not isinstance(exc, UserFacingError):
            log.exception("Job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=str(exc), finished_at=timezone.now(), updated_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, result=result, finished_at=timezone.now(), updated_at=timezone.now()
        )
    job.refresh_from_db()
    return job


class UserFacingError(Exception):
    """A problem whose message is written for the person who asked, not for a log."""
