"""Rendered pages kept between the writes that could change them.

A page marked with ``@cached_page`` is rendered once per *viewer scope* and kept in the memory of
the server process that rendered it. The scope is what decides what a person may see: whether
they are signed in, and each of their roles with its organization (every selector filters by
``memberships_of``). Two people with the same roles over the same organizations see the same
page, so they share one rendering; anyone else has another key.

The key also holds the path and query, the language, the host, the day (decisions and agreements
expire by date) and the data generation. The generation is kept in Django's shared cache and
changes whenever anything writes to the database, in any process (the web workers, the job
worker, the command line): every connection runs its statements through ``_watch``, which starts
a new generation at the first write of a transaction and again when it commits, like the figures
of ``trellis.orgs.figures``. A page read while a write is in flight therefore cannot outlive it.
Writes to tables no cached page shows (sessions, the access log, sign-in attempts) do not count.

What differs between two people of one scope stays per request: their name in the header, the
CSRF token of the sign-out form and any message for them. A page is rendered for the cache with
markers in their place, which each request fills in; a request with messages waiting is rendered
for that person alone and not kept.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import escape

from trellis.orgs.permissions import memberships_of

GENERATION_KEY = "trellis:data:generation"
#: Written on every sign-in or by the logs; no cached page shows them ("auth_user.last_login" is
#: the sign-in's update of the account's last sign-in alone).
UNWATCHED_TABLES = frozenset({"django_session", "core_accessevent", "core_loginattempt",
                              "accounts_passwordresetrequest", "auth_user.last_login"})
#: Stand-ins for what belongs to one person, filled in per request. They are new in every process
#: (a page is kept only by the process that rendered it), so no text in the data can imitate them.
ACCOUNT_NAME_MARK = f"trellis-account-name-{uuid.uuid4().hex}"
CSRF_TOKEN_MARK = f"trellis-csrf-token-{uuid.uuid4().hex}"
RENDERING_FOR_CACHE = "_trellis_rendering_for_cache"

_WRITE = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO|TRUNCATE(?:\s+TABLE)?|"
                    r"MERGE\s+INTO|COPY)\s+(?:ONLY\s+)?[\"`]?(\w+)", re.IGNORECASE)
_LAST_LOGIN = re.compile(r'^UPDATE "auth_user" SET "last_login" = %s WHERE "auth_user"."id" = %s$')
_WITH_WRITE = re.compile(r"^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)


def data_generation() -> str:
    """The current generation of the database's contents (shared by every process)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return str(generation)


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def data_changed(connection: Any) -> None:
    """Start a new generation now and, inside a transaction, again when it commits."""
    _new_generation()
    if not connection.in_atomic_block:
        return
    # One hook per transaction: Django gives each transaction (and each rolled-back savepoint)
    # a new list of commit hooks, so the list's identity tells whether this one has ours yet.
    hooks = connection.run_on_commit
    if getattr(connection, "_trellis_generation_hooks", None) is not hooks:
        transaction.on_commit(_new_generation, using=connection.alias)
        connection._trellis_generation_hooks = connection.run_on_commit


def written_table(sql: str) -> str | None:
    """The table a statement writes to ("" when it writes but the table is not named first), or
    None for a statement that only reads."""
    if _LAST_LOGIN.match(sql):
        return "auth_user.last_login"
    found = _WRITE.match(sql)
    if found:
        return found.group(1).lower()
    return "" if _WITH_WRITE.match(sql) else None


def watch_writes(connection: Any, **kwargs: Any) -> None:
    """Run every statement of ``connection`` through ``_watch`` (connected to connection_created)."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def _watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    table = written_table(sql) if isinstance(sql, str) else ""
    if table is not None and table not in UNWATCHED_TABLES:
        data_changed(context["connection"])
    return result


def viewer_scope(user: Any) -> tuple[Any, ...]:
    """What decides what ``user`` may see: signed in or not, and each role with its organization."""
    if not getattr(user, "is_authenticated", False):
        return ("public",)
    return ("signed-in", user.is_active, user.is_staff, user.is_superuser,
            tuple((m.role, m.organization_id, m.organization.path) for m in memberships_of(user)))


def page_key(request: HttpRequest, generation: str) -> str:
    parts = (
        request.path, sorted(request.GET.lists()), getattr(request, "LANGUAGE_CODE", ""), request.get_host(),
        request.is_secure(), timezone.localdate().isoformat(), viewer_scope(request.user), generation,
        database_identity(),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class Recent:
    """What this process computed lately, by key, newest use last, at most ``limit`` entries,
    each for at most the seconds it was put with."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: str, value: Any, seconds: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


pages = Recent(limit=500)
#: Signed-in accounts with their roles, as the sign-in backend found them in a generation.
accounts = Recent(limit=2000)


def database_identity() -> tuple[Any, ...]:
    database = settings.DATABASES["default"]
    return database["ENGINE"], str(database.get("NAME")), database.get("HOST"), database.get("PORT")


def _personal(body: bytes, request: HttpRequest) -> bytes:
    """The page with the markers replaced by what belongs to the person asking."""
    if CSRF_TOKEN_MARK.encode() in body:
        body = body.replace(CSRF_TOKEN_MARK.encode(), get_token(request).encode())
    if ACCOUNT_NAME_MARK.encode() in body:
        body = body.replace(ACCOUNT_NAME_MARK.encode(), escape(account_name(request.user)).encode())
    return body


def account_name(user: Any) -> str:
    """How the page header names the signed-in person."""
    return str(user.get_full_name() or user.get_username()) if getattr(user, "is_authenticated", False) else ""


def rendering_for_cache(request: HttpRequest) -> bool:
    return bool(getattr(request, RENDERING_FOR_CACHE, False))


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a GET page from the rendered pages of this process when nothing it could show has
    changed (see the module's docstring). Only a page whose content depends on nothing but the
    viewer's scope, the path and the query may be marked; only a 200 answer is kept."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.TRELLIS_PAGE_CACHE_SECONDS
        if request.method != "GET" or not seconds or len(get_messages(request)):
            return view(request, *args, **kwargs)
        key = page_key(request, data_generation())
        found = pages.get(key)
        if found is not None:
            body, content_type = found
            return HttpResponse(_personal(body, request), content_type=content_type)
        setattr(request, RENDERING_FOR_CACHE, True)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        finally:
            setattr(request, RENDERING_FOR_CACHE, False)
        if getattr(response, "streaming", False):
            return response
        if response.status_code == 200 and not response.cookies and not len(get_messages(request)):
            pages.put(key, (response.content, response["Content-Type"]), seconds)
        response.content = _personal(response.content, request)
        return response

    return wrapper
