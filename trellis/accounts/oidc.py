"""Sign-in through the district's OpenID Connect provider (Google Workspace, Microsoft Entra, ...).

The provider's endpoints and signing keys come from its discovery document
(``{TRELLIS_OIDC_ISSUER}/.well-known/openid-configuration``); authlib checks the ID token's
signature, issuer, audience, expiry and nonce.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from authlib.integrations.django_client import OAuth
from django.conf import settings


def oidc_enabled() -> bool:
    return bool(settings.TRELLIS_OIDC_ISSUER and settings.TRELLIS_OIDC_CLIENT_ID)


def oidc_issuer() -> str:
    return str(settings.TRELLIS_OIDC_ISSUER).rstrip("/")


@lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str, scopes: str) -> Any:
    oauth = OAuth()
    return oauth.register(
        name="district",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "timeout": 10},
    )


def oidc_client() -> Any:
    return _client(oidc_issuer(), settings.TRELLIS_OIDC_CLIENT_ID, settings.TRELLIS_OIDC_CLIENT_SECRET,
                   settings.TRELLIS_OIDC_SCOPES)
