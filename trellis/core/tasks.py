"""The one django-tasks task: it runs a Trellis job by id in the worker process.

Jobs keep their own table (progress, result, who may see it); the task row is the queue entry
that ``trellis worker`` claims.
"""

from __future__ import annotations

from django_tasks import TaskContext, task


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> None:
    from trellis.core.services import job_run, worker_name

    job_run(job_id=job_id, worker=worker_name())
