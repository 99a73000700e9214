"""xAPI imports: statements into the event store, actors matched to staff.

How an actor is matched to a staff member (never guessed; an actor that matches nobody, or more
than one person, stays unplaced and is tried again at every later import):

- ``mbox`` (or ``mbox_sha1sum``): the person whose email, lower-cased, gives the same SHA-1 of
  ``mailto:<email>``;
- ``account``: the person whose roster ``sourcedId`` equals the account ``name``, or else whose
  Trellis username equals it (the account's ``homePage`` is not compared: Trellis does not know
  each learning system's address);
- ``openid``: never matched.

Only staff of the import's scope (the importing lead's organization and below; the whole state
from the command line) are matched.
"""

from __future__ import annotations

import fcntl
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from trellis.core.models import Job
from trellis.core.services import UserFacingError, audit_record, job_start
from trellis.interop.xapi import XapiError, actor_key_for_email, import_statements
from trellis.learning.models import LearningActor, XapiImport
from trellis.learning.selectors import xapi_store
from trellis.orgs.models import Organization, Person
from trellis.orgs.permissions import can_manage_organization
from trellis.orgs.roster.bulk import insert_rows, update_rows

Progress = Callable[[str, int, int], None]


class XapiRefused(UserFacingError):
    """An xAPI file that cannot be imported; the message gives the position of each bad statement."""


@contextmanager
def _store_lock() -> Iterator[None]:
    """One import at a time, so that two files never both add the same statement."""
    store = xapi_store()
    store.mkdir(parents=True, exist_ok=True)
    with (store / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _require_manage(actor: Any, scope: Organization | None) -> None:
    if actor is None:
        return
    if scope is None or not can_manage_organization(actor, scope):
        raise PermissionDenied("Only the state AI lead or a district AI lead can import learning records.")


def _staff_in(scope: Organization | None) -> Any:
    people = Person.objects.filter(is_active=True)
    if scope is not None:
        people = people.filter(memberships__organization__path__startswith=scope.path).distinct()
    return people


def _matcher(scope: Organization | None) -> Callable[[str, str], int | None]:
    """A function from (actor key, account name) to the one matching person's id, or None."""
    by_email: dict[str, set[int]] = defaultdict(set)
    by_sourced_id: dict[str, set[int]] = defaultdict(set)
    by_username: dict[str, set[int]] = defaultdict(set)
    for pk, email, sourced_id, username in _staff_in(scope).values_list("pk", "email", "sourced_id",
                                                                         "user__username"):
        if email:
            by_email[actor_key_for_email(email)].add(pk)
        if sourced_id:
            by_sourced_id[sourced_id].add(pk)
        by_username[username].add(pk)

    def match(key: str, account_name: str) -> int | None:
        if key.startswith("sha1:"):
            found = by_email.get(key, set())
        elif key.startswith("account:") and account_name:
            found = by_sourced_id.get(account_name) or by_username.get(account_name, set())
        else:
            found = set()
        return next(iter(found)) if len(found) == 1 else None

    return match


class ActorRow(NamedTuple):
    """A learning actor to store, named by the model's fields (a state has hundreds of thousands,
    written through the roster's bulk seam rather than as model objects)."""

    key: str
    account_name: str
    person: int | None
    scope: int | None


class Placement(NamedTuple):
    person: int


def _person_of(keys: list[str]) -> dict[str, int | None]:
    """The stored actors among ``keys`` and their person (None while unplaced)."""
    found: dict[str, int | None] = {}
    for start in range(0, len(keys), 5000):
        found.update(LearningActor.objects.filter(key__in=keys[start:start + 5000]).values_list("key", "person_id"))
    return found


def _place_waiting(scope: Organization | None, match: Callable[[str, str], int | None]) -> dict[str, int | None]:
    """Match the scope's unplaced actors and store those that found their person; returns every
    one of them, key → person (None while still unplaced)."""
    waiting = LearningActor.objects.filter(person__isnull=True, scope=scope).values_list("pk", "key", "account_name")
    placed: dict[int, Placement] = {}
    persons: dict[str, int | None] = {}
    for pk, key, account_name in waiting:
        persons[key] = person_id = match(key, account_name)
        if person_id is not None:
            placed[pk] = Placement(person_id)
    update_rows(LearningActor, placed)
    return persons


@transaction.atomic
def xapi_import(*, actor: Any, source: Path, source_name: str, scope: Organization | None,
                progress: Progress | None = None) -> XapiImport:
    """Read a file of xAPI statements (a JSON array or JSON Lines) into the event store, all or nothing.

    Statements already stored (by id) add nothing; unmatched actors are kept as unplaced and
    counted. Earlier unplaced actors of the same scope are matched again, so people rostered
    since are placed.
    """
    _require_manage(actor, scope)
    report = progress or (lambda step, done, total: None)
    with _store_lock():
        record = XapiImport(source_name=source_name[:255], started_by=actor if actor else None, scope=scope)
        record.full_clean()
        record.save()
        report("Reading the statements", 0, 3)
        try:
            read = import_statements(source, store=xapi_store(), import_id=record.pk, source_name=source_name)
        except XapiError as exc:
            raise XapiRefused(str(exc)) from exc
        try:
            report("Matching people", 1, 3)
            match = _matcher(scope)
            known = _person_of([key for key, _, _ in read.actors])
            scope_id = scope.pk if scope else None
            fresh = [ActorRow(key[:400], (name or "")[:255], match(key[:400], (name or "")[:255]), scope_id)
                     for key, name, _ in read.actors if key not in known]
            known.update(_place_waiting(scope, match))
            insert_rows(LearningActor, fresh)
            known.update({row.key: row.person for row in fresh})
            report("Counting what could not be placed", 2, 3)
            unplaced = [(k, n) for k, _, n in read.actors if known.get(k) is None]
            for field_name in ("statements", "new", "duplicates", "derived_ids", "per_verb", "other_verbs",
                               "voiding", "voided", "events_file"):
                setattr(record, field_name, getattr(read, field_name))
            record.unplaced_actors = len(unplaced)
            record.unplaced_statements = sum(n for _, n in unplaced)
            if read.new == 0:
                # The file was already imported: the store, the actors and the history stay as they were.
                record.delete()
                report("Done", 3, 3)
                return record
            record.save()
            audit_record(
                actor=actor, action="xapi.import", target=record, organization_id=scope.pk if scope else None,
                summary=f"Imported {read.new:,} xAPI statements from {source_name} "
                        f"({record.unplaced_statements:,} not placed on a staff member)",
                details={"per_verb": read.per_verb, "duplicates": read.duplicates, "voided": read.voided},
            )
        except BaseException:
            if read.events_file:
                (xapi_store() / read.events_file).unlink(missing_ok=True)
            raise
        report("Done", 3, 3)
        return record


@transaction.atomic
def xapi_place_again(*, actor: Any, scope: Organization | None) -> int:
    """Match the scope's unplaced actors with the roster as it is now; returns how many were placed."""
    _require_manage(actor, scope)
    placed = sum(person is not None for person in _place_waiting(scope, _matcher(scope)).values())
    audit_record(actor=actor, action="xapi.place", summary=f"Matched {placed:,} learning-system accounts "
                 "with staff", organization_id=scope.pk if scope else None)
    return placed


def xapi_import_start(*, actor: Any, upload: Any, scope: Organization) -> Job:
    """Keep the uploaded file in the uploads folder and import it as a background job."""
    _require_manage(actor, scope)
    uploads = Path(settings.TRELLIS_HOME) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / f"xapi-{uuid.uuid4().hex}.json"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return job_start(
        actor=actor, kind="xapi_import", title=f"Learning records import for {scope.name}",
        organization_id=scope.pk,
        params={"upload": str(target), "scope_id": scope.pk, "source_name": upload.name[:255]},
    )
