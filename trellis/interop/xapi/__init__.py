"""xAPI statements from learning systems: read a file (JSON array or JSON Lines) into a Parquet event
store with DuckDB, check every statement, and keep the store idempotent by statement id.

No Django here: the learning app decides where the store lives and matches actors to staff.
"""

from trellis.interop.xapi.statements import (
    REGISTERED_VERBS,
    VOIDED_VERB,
    XapiError,
    XapiRead,
    actor_key_for_account,
    actor_key_for_email,
    actor_key_for_sha1,
    events_for_actors,
    import_statements,
    verb_counts_by_actor,
)

__all__ = [
    "REGISTERED_VERBS",
    "VOIDED_VERB",
    "XapiError",
    "XapiRead",
    "actor_key_for_account",
    "actor_key_for_email",
    "actor_key_for_sha1",
    "events_for_actors",
    "import_statements",
    "verb_counts_by_actor",
]
