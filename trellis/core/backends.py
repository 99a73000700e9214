"""The sign-in backend: Django's, with each signed-in account kept between requests until the
database changes."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from trellis.core.pages import accounts, data_generation, database_identity
from trellis.orgs.permissions import memberships_of


class AccountBackend(ModelBackend):
    """Every signed-in request asks for its account, and every page for the account's roles.
    Both are read once per data generation (any write to the database starts a new one:
    trellis.core.pages) and each request gets its own copy, so a changed password, a switched-off
    account or a removed role counts from the next request on."""

    def get_user(self, user_id: Any) -> Any:
        seconds = settings.TRELLIS_PAGE_CACHE_SECONDS
        if not seconds:
            return super().get_user(user_id)
        key = repr((user_id, data_generation(), database_identity()))
        found = accounts.get(key)
        if found is None:
            found = super().get_user(user_id)
            if found is None:
                return None
            memberships_of(found)  # kept on the account, read-only from here on
            accounts.put(key, found, seconds)
        return copy.copy(found)
