"""How a Trellis account is known to a district's identity provider."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trellis.core.models import BaseModel, CountedAttempt


class ExternalIdentity(BaseModel):
    """The provider's stable subject (``sub``) for an account, stored the first time the account
    signs in through it, so that a later change of email address does not lose the match."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="unique_external_identity"),
            models.UniqueConstraint(fields=["user", "issuer"], name="one_identity_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class PasswordResetRequest(CountedAttempt):
    """A request for a password reset email, counted so that nobody can flood a mailbox."""

    email = models.CharField(max_length=254, db_index=True)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.email}"
