"""Personal API tokens: a person's own keys to the read-only API."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trellis.core.models import BaseModel


class ApiToken(BaseModel):
    """One named token of one person. Only the SHA-256 of the secret is kept: the secret is
    shown once, when the token is made, and cannot be read back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the notebook that uses it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, so a person can tell their tokens apart.
    prefix = models.CharField(max_length=12, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
