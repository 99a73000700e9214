"""Every write to API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trellis.api.models import ApiToken
from trellis.core.services import audit_record

TOKEN_PREFIX = "trl_"
#: Tokens a person may hold at once (revoked ones do not count).
MAX_ACTIVE_TOKENS = 20


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``actor`` and return it with its secret, which is not kept anywhere."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to make an API token.")
    if ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(f"You already have {MAX_ACTIVE_TOKENS} tokens. Revoke one you no longer use first.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=actor, name=name.strip(), key_hash=token_hash(secret), prefix=secret[:10])
    token.full_clean()
    token.save()
    audit_record(actor=actor, action="api_token.create", summary=f"Made the API token “{token.name}”.",
                 target=token)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke one of ``actor``'s own tokens; it stops working at once."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("You can revoke only your own tokens.")
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.full_clean()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action="api_token.revoke", summary=f"Revoked the API token “{locked.name}”.",
                     target=locked)
    return locked


def api_token_used(*, token: ApiToken) -> None:
    """Note when a token was last used (at most once a minute, so reads do not each write)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
