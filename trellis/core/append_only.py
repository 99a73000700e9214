"""Database triggers that make the log tables append-only: UPDATE and DELETE are refused.

The application never changes a log row (``AppendOnlyModel`` and its queryset refuse it); the
triggers make the database refuse it as well, whatever code or tool sends the statement.
"""

from __future__ import annotations

from trellis.core.models import APPEND_ONLY_TABLES

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION trellis_refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused.', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def create_trigger_sql(vendor: str) -> list[str]:
    """The statements that install the triggers on ``vendor`` ("postgresql" or "sqlite")."""
    if vendor == "postgresql":
        return [_POSTGRES_FUNCTION] + [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION trellis_refuse_log_change()"
            for table in APPEND_ONLY_TABLES
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} is refused.'); END"
            for table in APPEND_ONLY_TABLES
            for operation in ("UPDATE", "DELETE")
        ]
    raise NotImplementedError(f"No append-only triggers for the {vendor} database.")


def drop_trigger_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY_TABLES] + [
            "DROP FUNCTION IF EXISTS trellis_refuse_log_change()"
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_{operation.lower()}"
        for table in APPEND_ONLY_TABLES
        for operation in ("UPDATE", "DELETE")
    ]
