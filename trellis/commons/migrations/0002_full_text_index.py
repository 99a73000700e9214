"""The full-text index of published commons items: an FTS5 table on SQLite, a GIN index on
PostgreSQL. Both index the same terms (trellis.commons.text), split at spaces only."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("CREATE VIRTUAL TABLE commons_fts USING fts5(search_text, tokenize = 'unicode61')")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX commons_item_search ON commons_commonsitem "
            "USING gin ((search_text::tsvector)) WHERE status = 'published'"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS commons_fts")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS commons_item_search")


class Migration(migrations.Migration):
    dependencies = [("commons", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
