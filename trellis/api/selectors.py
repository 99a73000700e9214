"""Reads of API tokens: a person sees only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from trellis.api.models import ApiToken
from trellis.api.services import token_hash


def api_tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


def api_token_get(*, user: Any, pk: int) -> ApiToken:
    token = api_tokens_of(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    return token


def api_token_for_secret(secret: str) -> ApiToken | None:
    """The active token with this secret, whose person may still sign in; None otherwise."""
    if not secret:
        return None
    token = (ApiToken.objects.select_related("user").filter(key_hash=token_hash(secret), revoked_at__isnull=True)
             .first())
    if token is None or not token.user.is_active:
        return None
    return token
