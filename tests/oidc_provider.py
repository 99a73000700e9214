"""A real OpenID Connect provider on loopback for the tests (oidc-provider-mock, built on
authlib's server): discovery document, signed RS256 ID tokens, a sign-in form in the browser."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx


@contextmanager
def running_provider() -> Iterator[str]:
    import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def provider_user(issuer: str, sub: str, **claims: Any) -> None:
    """Tell the provider who ``sub`` is: these claims go into the ID token it signs."""
    response = httpx.put(f"{issuer}/users/{quote(sub, safe='')}", json=claims)
    assert response.status_code == 204, response.text


def use_provider(settings: Any, issuer: str) -> None:
    settings.TRELLIS_OIDC_ISSUER = issuer
    settings.TRELLIS_OIDC_CLIENT_ID = "trellis-test"
    settings.TRELLIS_OIDC_CLIENT_SECRET = "trellis-test-secret"
    settings.TRELLIS_OIDC_NAME = "Cedar Valley Google"
