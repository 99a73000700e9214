"""Shared models: the base model, the audit log, the access log and background jobs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    # Not indexed: only jobs are listed by when they were made (Job indexes it). Every index
    # costs each insert, and a state's roster inserts hundreds of thousands of rows.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the bulk writes that would bypass the row guard (the database refuses them too)."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(f"{self.model.__name__} rows cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self.model.__name__} rows cannot be deleted.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise PermissionError(f"{self.model.__name__} rows cannot be changed.")


#: The log tables; a migration installs triggers on each that refuse UPDATE and DELETE.
APPEND_ONLY_TABLES = ("core_auditevent", "core_accessevent")


class AppendOnlyModel(models.Model):
    """A log row: written once, never changed or deleted, by the application or at the database."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(f"{type(self).__name__} rows cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    """Who changed what, when: written by every service that changes data."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: a person who appears in a log cannot be deleted (switch the account off instead),
    # so a log row never loses who acted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.summary}"


class AccessEvent(AppendOnlyModel):
    """A read of student-level data by a person."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT: a person who appears in a log cannot be deleted (switch the account off instead),
    # so a log row never loses who acted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    dataset = models.CharField(max_length=120)
    purpose = models.CharField(max_length=300)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    rows_read = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.dataset} ({self.purpose})"


class Job(BaseModel):
    """Long work (imports, audits, report builds) run outside the request, with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Stopped with a problem"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    step = models.CharField(max_length=200, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # "host:pid" of the worker process running it, so a worker starting later can tell a job
    # whose process died (a crash, a kill, a restart) from one another worker is still running.
    worker = models.CharField(max_length=64, blank=True)
    # The steps the job went through, in order, each with when it began: a short job finishes
    # between two looks at its page, and this still shows what it did.
    steps = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if self.total <= 0:
            return 0
        return min(100, int(100 * self.done / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}

    @property
    def counts_caption(self) -> str:
        from trellis.core.services import job_caption  # the registry of job kinds

        return job_caption(self.kind)


class CountedAttempt(models.Model):
    """Something counted to slow it down: when, and from which network address."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    address = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


class LoginAttempt(CountedAttempt):
    """A failed sign-in, counted to slow down password guessing."""

    username = models.CharField(max_length=150, db_index=True)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}"
