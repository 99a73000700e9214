"""District roadmap self-assessments and the state's own actions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from trellis.core.models import BaseModel
from trellis.orgs.models import Organization
from trellis.roadmap.indicators import INDICATORS, STATE_ACTION_KEYS


class Rating(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"


class RoadmapAssessment(BaseModel):
    """One district's rating of every roadmap indicator. A draft is edited until it is submitted;
    a submitted assessment never changes, and the next one starts as a copy of it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roadmap_assessments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district"], condition=models.Q(status="draft"), name="one_draft_roadmap_per_district"
            )
        ]

    def __str__(self) -> str:
        return f"Roadmap of {self.district} ({self.get_status_display()})"

    def clean(self) -> None:
        if self.district_id and self.district.kind != Organization.Kind.DISTRICT:
            raise ValidationError({"district": "Only a district has a roadmap."})


class IndicatorRating(BaseModel):
    assessment = models.ForeignKey(RoadmapAssessment, on_delete=models.CASCADE, related_name="ratings")
    indicator = models.CharField(max_length=60)
    rating = models.CharField(max_length=12, choices=Rating.choices, default=Rating.NOT_STARTED)
    evidence = models.TextField(blank=True, max_length=2000)
    evidence_url = models.URLField(blank=True, max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="one_rating_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.get_rating_display()}"

    def clean(self) -> None:
        if self.indicator not in INDICATORS:
            raise ValidationError({"indicator": "Not a roadmap indicator."})
        if self.rating == Rating.MET and not (self.evidence.strip() or self.evidence_url):
            raise ValidationError({"evidence": "Say what shows this is met, or give a link to it."})


class StateActionStatus(BaseModel):
    """Where the state stands on one of its own low-, medium- or high-intensity actions."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        UNDER_WAY = "under_way", "Under way"
        DONE = "done", "Done"

    state = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=60)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["state", "action"], name="one_status_per_state_action")]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_status_display()}"

    def clean(self) -> None:
        if self.action not in STATE_ACTION_KEYS:
            raise ValidationError({"action": "Not a state action."})
        if self.state_id and self.state.kind != Organization.Kind.STATE:
            raise ValidationError({"state": "Only the state tracks state actions."})


class RoadmapGoal(BaseModel):
    """A goal in a district's plan, such as a classroom practice the district means to take up."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Working on it"
        DONE = "done", "Done"

    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roadmap_goals")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=12000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.district_id and self.district.kind != Organization.Kind.DISTRICT:
            raise ValidationError({"district": "Only a district has a plan."})
