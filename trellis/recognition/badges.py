"""The deployment's Open Badges issuer: its profile, its signing key and its URLs (trellis.interop.openbadges
does the signing and checking)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from trellis.interop import openbadges


def absolute(path: str) -> str:
    return f"{settings.TRELLIS_PUBLIC_URL}{path}"


def url(name: str, *args: Any) -> str:
    """The absolute URL of a page, always the English one, so that a credential names the same
    things whichever language it was issued in."""
    with translation.override("en"):
        return absolute(reverse(name, args=args))


def issuer() -> openbadges.Issuer:
    from trellis.orgs.models import Organization

    state = Organization.objects.filter(kind=Organization.Kind.STATE).order_by("pk").first()
    return openbadges.Issuer(id=url("public-badge-issuer"), name=state.name if state else "Trellis",
                             url=url("public-home"),
                             description="The state education agency's recognition of AI-ready practice.")


def key_id() -> str:
    return url("public-badge-key")


def private_key() -> Any:
    return openbadges.signing_key(settings.TRELLIS_BADGE_KEY)


def public_jwk() -> dict[str, str]:
    return openbadges.public_jwk(private_key(), key_id())
