from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import timezone

from trellis.accounts.models import PasswordResetRequest
from trellis.core.auth import client_address

# Within the sign-in window: emails sent to one address, and requests from one network address.
RESETS_PER_EMAIL = 3
RESETS_PER_ADDRESS = 10


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with a limit so that nobody can flood a person's mailbox. The limit
    applies whether or not the address has an account, so it tells nobody which addresses do."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        since = timezone.now() - timedelta(seconds=settings.TRELLIS_LOGIN_WINDOW_SECONDS)
        recent = PasswordResetRequest.objects.filter(at__gte=since)
        address = client_address(self.request) if self.request is not None else ""
        if (recent.filter(email=email).count() >= RESETS_PER_EMAIL
                or (address and recent.filter(address=address).count() >= RESETS_PER_ADDRESS)):
            raise forms.ValidationError(
                "Several links have already been asked for in the last few minutes. Use the newest "
                f"email you received, or ask again in {settings.TRELLIS_LOGIN_WINDOW_SECONDS // 60} minutes."
            )
        return email
