"""Figures computed over an organization's subtree (staff and role counts), kept in Django's
cache between the writes that change them.

Every cached figure belongs to one generation of organizations, people and roles. Any write to
them starts a new generation (saving a model sends the signals below; removing a role and the
roster import, which writes in bulk, call ``figures_changed`` themselves: a delete signal would
make Django delete row by row), so a page never shows a count from before a write it could see. The
generation changes once when the write is made and again when its transaction commits: a page
read in between, which still saw the old rows, cannot leave its figures for later pages.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from trellis.orgs.models import Membership, Organization, Person

T = TypeVar("T")
GENERATION_KEY = "trellis:orgs:generation"


def _new_generation() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def figures_changed() -> None:
    """Forget every cached figure, now and again when the current transaction commits."""
    _new_generation()
    transaction.on_commit(_new_generation)


def cached_figure(name: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for the same ``name`` and ``parts`` in this generation."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    database = settings.DATABASES["default"]
    where = (database["ENGINE"], str(database.get("NAME")), database.get("HOST"), database.get("PORT"))
    digest = hashlib.sha256(repr((where, parts)).encode()).hexdigest()  # another database, other figures
    key = f"trellis:orgs:{generation}:{name}:{digest}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=settings.TRELLIS_FIGURES_CACHE_SECONDS)
    return found


@receiver(post_save, sender=Organization)
@receiver(post_save, sender=Person)
@receiver(post_save, sender=Membership)
def _organizations_people_or_roles_written(**kwargs: Any) -> None:
    figures_changed()
