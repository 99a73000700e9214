"""Writes to accounts: the link to the district's identity provider and password changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from trellis.accounts.models import ExternalIdentity, PasswordResetRequest
from trellis.core.models import LoginAttempt
from trellis.core.services import audit_record


@transaction.atomic
def identity_link(*, actor: Any, user: Any, issuer: str, subject: str) -> ExternalIdentity:
    """Remember the provider's subject for an account matched by its email address."""
    identity = ExternalIdentity(user=user, issuer=issuer, subject=subject)
    identity.full_clean()
    identity.save()
    audit_record(
        actor=actor, action="account.identity_link", target=identity,
        summary=f"Linked {user.get_username()} to their sign-in at {issuer}",
    )
    return identity


@transaction.atomic
def password_set(*, actor: Any, user: Any, password: str) -> None:
    """Give an account a new password (already checked against the password rules); earlier failed
    sign-ins no longer count against it."""
    user.set_password(password)
    user.save(update_fields=["password"])
    LoginAttempt.objects.filter(username__iexact=user.get_username()).delete()
    audit_record(actor=actor, action="account.password_set", target=user,
                 summary=f"Password changed for {user.get_username()}")


def password_reset_request_record(*, email: str, address: str) -> None:
    """Count a request for a reset email (a throttle, like failed sign-ins: not an audited change)."""
    PasswordResetRequest.objects.create(email=email[:254], address=address[:64])
