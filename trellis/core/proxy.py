"""Headers set by a reverse proxy are believed only when the request came from a trusted one.

Without ``TRELLIS_TRUSTED_PROXY`` every ``X-Forwarded-*`` header is dropped, so a client cannot
claim to be on HTTPS or to come from another address (which would reset the sign-in limits).
Behind a trusted proxy the client's address is the right-most ``X-Forwarded-For`` entry that is
not itself a trusted proxy, and ``X-Forwarded-Proto`` tells Django the original scheme.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from trellis.core.auth import is_trusted_proxy

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_FORWARDED")


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if is_trusted_proxy(str(meta.get("REMOTE_ADDR", ""))):
            hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
            while hops and is_trusted_proxy(hops[-1]):
                hops.pop()
            if hops:
                meta["REMOTE_ADDR"] = hops[-1]
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
