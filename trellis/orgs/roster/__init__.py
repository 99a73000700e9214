"""The roster import: ``services.roster_import`` reads a OneRoster export with
``trellis.interop.oneroster`` and hands it to ``writer.RosterWriter``, which writes its rows
through ``bulk``; ``results`` says what it did."""

from trellis.orgs.roster.results import (
    REMOVAL_KINDS,
    RosterImportResult,
    RosterNotConfirmed,
    change_summary,
    plain_counts,
)
from trellis.orgs.roster.services import organization_for_import, roster_import, roster_store_dir

__all__ = [
    "REMOVAL_KINDS",
    "RosterImportResult",
    "RosterNotConfirmed",
    "change_summary",
    "organization_for_import",
    "plain_counts",
    "roster_import",
    "roster_store_dir",
]
