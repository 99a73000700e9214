"""The statewide vision of AI-enabled instruction: versions of headed sections, public comment
on a draft, the state's answers, and published versions that never change."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trellis.core.models import BaseModel


class VisionVersion(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMMENT = "comment", "Open for comment"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Replaced by a newer version"

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    comment_closes = models.DateField("Comments close on", null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.COMMENT)


class VisionSection(BaseModel):
    version = models.ForeignKey(VisionVersion, on_delete=models.CASCADE, related_name="sections")
    #: The same across versions, so that a section can be compared and linked to from plans.
    key = models.SlugField(max_length=60)
    position = models.PositiveIntegerField(default=0)
    heading = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="one_section_key_per_version")]

    def __str__(self) -> str:
        return self.heading


class VisionComment(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        SHOWN = "shown", "Shown"
        HIDDEN = "hidden", "Not shown"

    version = models.ForeignKey(VisionVersion, on_delete=models.PROTECT, related_name="comments")
    section = models.ForeignKey(VisionSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=3000)
    #: A signed-in staff member; public comments have none.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    #: What a member of the public chose to be called (may be blank); shown beside the comment.
    display_name = models.CharField(max_length=80, blank=True)
    #: A keyed hash of the sender's network address, for the rate limit; never shown.
    sender = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    answer = models.TextField(blank=True, max_length=3000)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]
