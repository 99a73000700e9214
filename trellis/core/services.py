"""Writes to the audit log, the access log and background jobs."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import NoReverseMatch
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
JobHook = Callable[[Job], Any]


@dataclass(frozen=True)
class JobKind:
    run: JobFunction
    # Where a person starts this kind of job again, e.g. the import form (a failed job links to it).
    again: JobHook | None = None
    # Removes what a job of this kind leaves behind when its process dies before it could
    # clean up (raw uploads, staging folders); called when such a job is marked failed.
    leftovers: JobHook | None = None
    # Loads what the job needs (libraries, the engine) once, when a worker starts, so that the
    # first job of this kind after a restart is not slower than the rest.
    warm: Callable[[], Any] | None = None
    # The caption of the table of counts on a finished job's page.
    caption: str = "What was imported"
    # Clean-up a worker runs when it starts and then every few minutes (for example, dropping
    # answers nobody gave in time).
    tidy: Callable[[], Any] | None = None


_JOB_KINDS: dict[str, JobKind] = {}

#: What a person reads on a job whose worker process stopped before the job finished.
INTERRUPTED = (
    "The work stopped before it finished because the server was restarted or stopped. Nothing was "
    "changed. You can start it again."
)
#: What a person reads on a job that failed for a reason not written for them (it is logged in full).
UNEXPECTED = "Something went wrong on the server. Nothing was changed. The problem was logged for the administrators."


def job_kind(
    name: str, *, again: JobHook | None = None, leftovers: JobHook | None = None,
    warm: Callable[[], Any] | None = None, caption: str = "What was imported", tidy: Callable[[], Any] | None = None,
) -> Callable[[JobFunction], JobFunction]:
    """Register the function that carries out jobs of one kind (and, optionally, where a person
    starts one again, what to remove if one is cut off, what to load when a worker starts, the
    caption of its counts and the clean-up a worker runs now and then)."""

    def register(function: JobFunction) -> JobFunction:
        _JOB_KINDS[name] = JobKind(run=function, again=again, leftovers=leftovers, warm=warm, caption=caption,
                                   tidy=tidy)
        return function

    return register


def job_caption(kind: str) -> str:
    """The caption of a finished job's table of counts."""
    registered = _JOB_KINDS.get(kind)
    return registered.caption if registered else "What was done"


def jobs_tidy() -> None:
    """Run every job kind's clean-up, as a worker does when it starts and every few minutes."""
    for kind in _JOB_KINDS.values():
        if kind.tidy is not None:
            kind.tidy()


def jobs_warm() -> dict[str, float]:
    """Run every job kind's warm-up, as a worker does when it starts; seconds each took."""
    taken = {}
    for name, kind in _JOB_KINDS.items():
        if kind.warm is not None:
            start = time.perf_counter()
            kind.warm()
            taken[name] = time.perf_counter() - start
    return taken


def job_start(
    *, actor: Any, kind: str, title: str, organization_id: int | None, params: dict[str, Any]
) -> Job:
    """Queue a job to run outside the request.

    With ``TRELLIS_JOB_RUNNER=worker`` (the default) the job is stored in the database together
    with a django-tasks task, in the caller's transaction, and ``trellis worker`` runs it once that
    commits; ``inline`` runs it at commit in the caller, which the test suite uses so that a job's
    effects are visible inside the test transaction.
    """
    if kind not in _JOB_KINDS:
        raise ValueError(f"Unknown job kind {kind!r}.")
    with transaction.atomic():
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
        if getattr(settings, "TRELLIS_JOB_RUNNER", "worker") == "inline":
            transaction.on_commit(lambda: job_run(job_id=job.pk))
        else:
            from trellis.core.tasks import run_job

            run_job.enqueue(job_id=job.pk)
    return job


def job_progress(job: Job, step: str, done: int, total: int) -> None:
    """Record how far a job has come; called from inside the job function."""
    step = step[:200]
    fields: dict[str, Any] = {"step": step, "done": done, "total": total, "updated_at": timezone.now()}
    if not job.steps or job.steps[-1]["step"] != step:
        job.steps = [*job.steps, {"step": step, "at": timezone.now().isoformat()}]
        fields["steps"] = job.steps
    job.step, job.done, job.total = step, done, total
    Job.objects.filter(pk=job.pk).update(**fields)


def job_run(*, job_id: int, worker: str = "") -> Job:
    """Carry out a queued job, recording its result or the problem that stopped it.

    The job function runs in its own transactions; if it raises, they are undone before the
    failure is recorded here, so a failed job has changed nothing. If the process itself is
    stopped, the next worker to start marks the job failed (``jobs_fail_interrupted``).
    """
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.QUEUED:
        return job  # already run, or failed while it waited
    job.status, job.worker = Job.Status.RUNNING, worker
    Job.objects.filter(pk=job.pk).update(status=job.status, worker=worker, updated_at=timezone.now())
    function = _JOB_KINDS[job.kind].run
    try:
        result = function(job, lambda step, done, total: job_progress(job, step, done, total))
    except (UserFacingError, PermissionDenied) as exc:  # messages written for the person who asked
        _job_finish(job, status=Job.Status.FAILED, error=str(exc))
    except Exception:
        log.exception("Job %s failed", job.pk)
        _job_finish(job, status=Job.Status.FAILED, error=UNEXPECTED)
    except BaseException:  # the worker is being stopped: record it, then let it stop
        _job_finish(job, status=Job.Status.FAILED, error=INTERRUPTED)
        raise
    else:
        _job_finish(job, status=Job.Status.SUCCEEDED, result=result)
    job.refresh_from_db()
    return job


@transaction.atomic
def _job_finish(job: Job, *, status: str, error: str = "", result: dict[str, Any] | None = None) -> None:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=status, error=error, result=result or {}, finished_at=now, updated_at=now
    )
    finished = status == Job.Status.SUCCEEDED
    audit_record(
        actor=job.started_by, action="job.finish" if finished else "job.fail", target=job,
        organization_id=job.organization_id,
        summary=f"{'Finished' if finished else 'Stopped with a problem'}: {job.title}",
    )


def worker_name() -> str:
    """This process as a job's ``worker``: the host and the process id."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _worker_alive(worker: str) -> bool:
    """Whether the process named by ``worker`` still runs. A worker on another host cannot be
    checked from here and counts as alive; one with no name (a job that never reached a worker
    process, or ran on the web process) is gone."""
    host, _, pid = worker.rpartition(":")
    if not host or not pid.isdigit():
        return False
    if host != socket.gethostname()[:40]:
        return True
    if int(pid) == os.getpid():
        return False  # this process is starting up: it runs nothing yet
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def jobs_fail_interrupted() -> list[Job]:
    """Mark failed every running job whose worker process is gone, remove what it left behind
    and close its task; run when a worker starts. Returns the jobs it failed."""
    from django_tasks_db.models import DBTaskResult

    failed = []
    for job in Job.objects.filter(status=Job.Status.RUNNING).select_related("started_by"):
        if _worker_alive(job.worker):
            continue
        _job_finish(job, status=Job.Status.FAILED, error=INTERRUPTED)
        failed.append(job)
    for job in failed:
        kind = _JOB_KINDS.get(job.kind)
        if kind is not None and kind.leftovers is not None:
            kind.leftovers(job)
    for task in DBTaskResult.objects.running():
        if not _worker_alive(task.worker_ids[-1] if task.worker_ids else ""):
            task.set_failed(RuntimeError(INTERRUPTED))
    return failed


def job_again_url(job: Job) -> str:
    """Where the person who started ``job`` can start it again ("" if nowhere)."""
    kind = _JOB_KINDS.get(job.kind)
    if kind is None or kind.again is None:
        return ""
    try:
        return str(kind.again(job))
    except (KeyError, NoReverseMatch):
        return ""


class UserFacingError(Exception):
    """A problem whose message is written for the person who asked, not for a log."""
