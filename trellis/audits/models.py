"""Fairness audits of a deployed tool's outputs on the district's own students, the findings the
district must answer, the scale gate's records, and the ledger of human overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trellis.core.models import BaseModel, Job
from trellis.tools.models import Deployment, Tool


class FairnessAudit(BaseModel):
    """One upload of a tool's outputs. Only the suppressed (publishable) view is kept: the raw
    file is deleted when the run ends, and student ids never leave the run."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped with a problem"

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="audits")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    original_name = models.CharField(max_length=200)
    id_column = models.CharField(max_length=100)
    prediction_column = models.CharField(max_length=100)
    label_column = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rows_total = models.BigIntegerField(default=0)
    rows_matched = models.BigIntegerField(default=0)
    rows_unmatched = models.BigIntegerField(default=0)
    min_n = models.PositiveIntegerField(default=10)
    published = models.JSONField("the suppressed view", default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Audit of {self.deployment.tool.product} ({self.original_name})"


class Finding(BaseModel):
    """A flagged disparity the district must answer: a response, an owner and a due date."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a response"
        ANSWERED = "answered", "Answered"

    audit = models.ForeignKey(FairnessAudit, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveIntegerField()
    metric = models.CharField(max_length=60)
    sentence = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    due_on = models.DateField(null=True, blank=True)
    response = models.TextField(blank=True, max_length=4000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["audit", "position"]


class GateReview(BaseModel):
    """A pass at the scale gate: what it showed, whether the pilot passed, and who asked."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="gate_reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    passed = models.BooleanField()
    checklist = models.JSONField(default=list)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]


class Override(BaseModel):
    """A teacher overrode what an AI said. The student is kept only as a pseudonym, never shown."""

    class Reason(models.TextChoices):
        WRONG = "wrong", "The AI was wrong"
        CONTEXT = "context", "The AI missed context I have"
        UNFAIR = "unfair", "The output seemed unfair to the student"
        POLICY = "policy", "Our policy requires a human decision"
        OTHER = "other", "Another reason"

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="overrides")
    deployment = models.ForeignKey(Deployment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    school = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    output_kind = models.CharField("kind of output", max_length=100)
    ai_said = models.CharField("what the AI said", max_length=300)
    teacher_decided = models.CharField("what the teacher decided", max_length=300)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    student_key = models.CharField(max_length=32, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
