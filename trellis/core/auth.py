"""Sign-in that slows password guessing down without ever locking a person out.

Two counts, both over the last ``TRELLIS_LOGIN_WINDOW_SECONDS``:

- per account, the failed attempts since its last successful sign-in. Past
  ``TRELLIS_LOGIN_ATTEMPTS`` each further attempt must wait 2, 4, 8, ... seconds after the
  previous failure, up to ``TRELLIS_LOGIN_MAX_DELAY_SECONDS``;
- per address, the number of *different accounts* it failed to sign in to. Past
  ``TRELLIS_LOGIN_ADDRESS_ACCOUNTS`` attempts from it wait in the same way. Counting accounts
  rather than attempts means a school's staff behind one address can mistype their own passwords
  without slowing each other down, while one address trying many accounts is slowed.

An attempt made during a wait is answered with how long is left and is not checked, so it
neither reveals whether the password was right nor makes the wait longer. A correct password
after the wait always signs in, and a sign-in clears the account's count.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache
from math import ceil
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count, Max
from django.utils import timezone

from trellis.core.models import LoginAttempt

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def is_trusted_proxy(address: str) -> bool:
    networks = trusted_networks(tuple(getattr(settings, "TRELLIS_TRUSTED_PROXIES", ())))
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in network for network in networks)


def client_address(request: Any) -> str:
    """The address the request came from. Behind a trusted proxy the proxy middleware has
    already put the client's own address here (see trellis.core.proxy)."""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _wait_after(failures: int, allowed: int) -> int:
    """Seconds to wait after the last of ``failures`` failures when ``allowed`` are free."""
    if failures < allowed:
        return 0
    return min(2 ** min(failures - allowed + 1, 30), settings.TRELLIS_LOGIN_MAX_DELAY_SECONDS)


def seconds_to_wait(*, username: str, address: str) -> int:
    """How long an attempt to sign in to ``username`` from ``address`` must still wait."""
    now = timezone.now()
    recent = LoginAttempt.objects.filter(at__gte=now - timedelta(seconds=settings.TRELLIS_LOGIN_WINDOW_SECONDS))
    account = recent.filter(username__iexact=username).aggregate(failures=Count("id"), last=Max("at"))
    waits = [(_wait_after(account["failures"], settings.TRELLIS_LOGIN_ATTEMPTS), account["last"])]
    if address:
        by_address = recent.filter(address=address).aggregate(
            accounts=Count("username", distinct=True), last=Max("at")
        )
        waits.append((_wait_after(by_address["accounts"], settings.TRELLIS_LOGIN_ADDRESS_ACCOUNTS),
                      by_address["last"]))
    left = [wait - (now - last).total_seconds() for wait, last in waits if wait and last is not None]
    return max(0, ceil(max(left, default=0)))


class RateLimitedAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match an account. Check them and try again.",
        "too_many": "Several sign-in attempts for this account or from this network have failed. "
                    "Wait %(wait)s and try again.",
    }

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "")[:150].lower()
        address = client_address(self.request)
        wait = seconds_to_wait(username=username, address=address)
        if wait:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many",
                                        params={"wait": "1 second" if wait == 1 else f"{wait} seconds"})
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            LoginAttempt.objects.create(username=username, address=address)
            # Failures older than the window no longer count; keep the table small.
            LoginAttempt.objects.filter(
                at__lt=timezone.now() - timedelta(seconds=settings.TRELLIS_LOGIN_WINDOW_SECONDS)
            ).delete()
            raise
        LoginAttempt.objects.filter(username__iexact=username).delete()
        return cleaned
