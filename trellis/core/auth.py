"""Sign-in with a limit on failed attempts per account and per address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.utils import timezone

from trellis.core.models import LoginAttempt


def _client_address(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


class RateLimitedAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account. Check them and try again.",
        "too_many": "Too many failed sign-in attempts. Wait %(minutes)s minutes and try again.",
    }

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "")[:150]
        address = _client_address(self.request)
        since = timezone.now() - timedelta(seconds=settings.TRELLIS_LOGIN_WINDOW_SECONDS)
        recent = LoginAttempt.objects.filter(at__gte=since).filter(
            Q(username__iexact=username) | Q(address=address, address__gt="")
        )
        if recent.filter(username__iexact=username).count() >= settings.TRELLIS_LOGIN_ATTEMPTS or (
            address and recent.filter(address=address).count() >= 4 * settings.TRELLIS_LOGIN_ATTEMPTS
        ):
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many",
                params={"minutes": settings.TRELLIS_LOGIN_WINDOW_SECONDS // 60},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            LoginAttempt.objects.create(username=username, address=address)
            raise
