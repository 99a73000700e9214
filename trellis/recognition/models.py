"""Recognition: the state's programmes with published criteria, applications from districts and
schools with evidence from Trellis, reviewers' scores, and the Open Badges credentials awarded."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from trellis.core.models import BaseModel
from trellis.orgs.models import Organization, Person

#: Each criterion is scored from 0 (no evidence) to this.
TOP_SCORE = 4


class RecognitionProgramme(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open for applications"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000)
    #: The published criteria: [{"key", "title", "description"}], in order.
    criteria = models.JSONField(default=list)
    #: A share of the top total an application must reach (for example 0.75).
    pass_mark = models.DecimalField(max_digits=3, decimal_places=2, default=0.75)
    valid_months = models.PositiveSmallIntegerField("Recognition lasts (months)", default=24)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class RecognitionApplication(BaseModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for review"
        AWARDED = "awarded", "Recognised"
        DECLINED = "declined", "Not recognised this time"

    programme = models.ForeignKey(RecognitionProgramme, on_delete=models.PROTECT, related_name="applications")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="recognition_applications")
    #: An educator the organization puts forward; empty when the organization itself applies.
    educator = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField("Why you should be recognised", max_length=6000)
    #: Links to what the organization has done in Trellis: [{"key", "name", "url"}].
    evidence = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    decision_note = models.TextField(blank=True, max_length=2000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organization} for {self.programme}"

    @property
    def recipient_name(self) -> str:
        return f"{self.educator} ({self.organization})" if self.educator_id else self.organization.name


class RecognitionScore(BaseModel):
    application = models.ForeignKey(RecognitionApplication, on_delete=models.CASCADE, related_name="scores")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    criterion = models.CharField(max_length=60)
    score = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["application", "criterion", "reviewer"]
        constraints = [models.UniqueConstraint(fields=["application", "reviewer", "criterion"],
                                               name="one_score_per_reviewer_and_criterion"),
                       models.CheckConstraint(condition=models.Q(score__lte=TOP_SCORE), name="score_at_most_top")]


class BadgeCredential(BaseModel):
    """An Open Badges 3.0 credential Trellis issued: the signed token, as handed to the recipient."""

    identifier = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(RecognitionApplication, on_delete=models.PROTECT, related_name="credential")
    document = models.JSONField()
    token = models.TextField()
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"Credential {self.identifier}"
