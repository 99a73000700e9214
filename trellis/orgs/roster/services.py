"""The roster import service: a OneRoster export becomes organizations, staff accounts and the
pseudonymised student store, all or nothing.

Reading and checking the files is ``trellis.interop.oneroster``'s job (plain Python); this module
checks the import against the person's scope and writes it: the database rows inside one
transaction, the student store by swapping in freshly written folders only after that transaction
commits.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from trellis.core.services import UserFacingError, access_record, audit_record
from trellis.interop.oneroster import RosterBundle, RosterError, read_roster
from trellis.orgs.figures import figures_changed
from trellis.orgs.models import Organization
from trellis.orgs.permissions import can_manage_organization
from trellis.orgs.roster import tuning
from trellis.orgs.roster.results import RosterImportResult, RosterNotConfirmed, change_summary
from trellis.orgs.roster.writer import Progress, RosterWriter


def organization_for_import(identifier: str) -> Organization:
    """The organization an import is run for, named by its sourcedId or its NCES id."""
    found = list(Organization.objects.filter(sourced_id=identifier)[:1]) or list(
        Organization.objects.filter(nces_id=identifier)[:2])
    if len(found) != 1:
        problem = ("is not the sourcedId or NCES id of an organization in Trellis" if not found
                   else "is the NCES id of more than one organization in Trellis; give its sourcedId")
        raise UserFacingError(f'"{identifier[:60]}" {problem}.')
    return found[0]


def roster_store_dir() -> Path:
    return Path(settings.TRELLIS_DATA_DIR) / "roster"


def roster_import(
    *, actor: Any, source: Path, scope: Organization | None, into: Organization | None = None,
    progress: Progress | None = None, confirm: Callable[[RosterImportResult], bool] | None = None,
) -> RosterImportResult:
    """Import a OneRoster folder or zip. ``actor=None`` is the command line (whole state).

    A person may import only inside an organization they manage (``scope``); every organization in
    the files must be that organization or lie below it. An organization whose parent is neither
    in the files nor in Trellis is placed under ``into`` (default: ``scope``), the organization the
    import is run for. Refusals raise ``UserFacingError`` naming the file, row and column, and
    change nothing.

    A bulk file replaces what Trellis holds only for the organizations it covers (those it lists,
    but not an organization it lists only as the parent of some of its children), and only roles
    at those organizations change. ``confirm``, when given, is called with what the import would
    do once everything is worked out and before anything is committed; if it returns False,
    nothing changes and ``RosterNotConfirmed`` is raised with that plan.
    """
    if actor is not None and (scope is None or not can_manage_organization(actor, scope)):
        raise PermissionDenied("You can only import a roster for an organization you manage.")
    into = into or scope
    overall = ImportProgress(progress or (lambda step, done, total: None))
    report = overall.phase(0, 60)
    key = settings.TRELLIS_PSEUDONYM_KEY.encode()
    store = roster_store_dir()
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.parent, prefix=".roster-staging-") as staging, ExitStack() as stack:
        staging_dir = Path(staging)
        writer = RosterWriter(actor=actor, scope=scope, into=into, report=overall.phase(60, 95))

        def write_people(people: RosterBundle) -> None:
            # The staff accounts are written while the reader goes on with the enrollments. The
            # transaction starts here, after the slow checks, so their progress stays visible;
            # a refusal by the enrollments then undoes what was written.
            stack.enter_context(tuning.TUNING.page_cache())
            stack.enter_context(transaction.atomic())
            writer.report("Checking organizations against your access", 0, 1)
            writer.write_people(people)

        try:
            bundle = read_roster(Path(source), pseudonym_key=key, staging_dir=staging_dir / "read", progress=report,
                                 people_ready=write_people)
        except RosterError as exc:
            raise UserFacingError(str(exc)) from exc
        if not writer.written:  # the reader hands the people over whenever it accepts a roster
            write_people(bundle)
        result = writer.result(bundle)
        merged = writer.write_student_store(store, staging_dir / "store")
        if confirm is not None and not confirm(result):
            raise RosterNotConfirmed(result)
        writer.write_enrollment_counts(merged)
        students = int(bundle.summary.get("students", 0))
        audit_record(
            actor=actor, action="roster.import", target=writer.top, organization_id=writer.top.pk,
            summary=f"Imported a OneRoster {bundle.version} roster for {writer.top.name}: {change_summary(result)}",
            details={"counts": result.counts, "created": result.created, "updated": result.updated,
                     "removed": result.removals},
        )
        access_record(
            actor=actor, dataset="student roster", purpose="Roster import (pseudonymised on arrival)",
            organization_id=writer.top.pk, rows_read=students,
        )
        transaction.on_commit(lambda: swap_store(store, staging_dir / "store"))
        figures_changed()
    result.scope_id = writer.top.pk
    overall.phase(95, 100)("Done", 1, 1)
    return result


class ImportProgress:
    """One progress bar for the whole import: the reader's steps, then the writer's, each a part
    of the bar, and the bar never going back (the reader's last step is reported after the
    writer's first ones)."""

    def __init__(self, report: Progress) -> None:
        self.report = report
        self.percent = 0

    def phase(self, start: int, end: int) -> Progress:
        def progress(step: str, done: int, total: int) -> None:
            fraction = min(done / total, 1.0) if total > 0 else 0.0
            self.percent = max(self.percent, start + round((end - start) * fraction))
            self.report(step, self.percent, 100)

        return progress



def swap_store(store: Path, merged: Path) -> None:
    """Put the merged store in place of the current one (two renames on the same disk)."""
    old = store.parent / f".roster-old-{uuid.uuid4().hex}"
    if store.exists():
        store.rename(old)
    merged.rename(store)
    shutil.rmtree(old, ignore_errors=True)


