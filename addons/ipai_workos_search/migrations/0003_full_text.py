"""The full-text part of the index, different on each database (hence guarded by the connection's vendor):

- PostgreSQL: the ``unaccent`` and ``pg_trgm`` extensions, a ``search_vector`` tsvector column with a GIN index,
  a trigram index on titles (the typo-tolerant fallback) and the text search configuration of ``[search]
  language`` with accents folded (``workos_search_<language>``; others are made when the setting changes).
- SQLite: an FTS5 table whose rowid is the document id (title, headings, body; accents folded by the tokenizer).

Reversing drops the column, indexes, configurations and table; the extensions stay (others may use them).
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE ipai_workos_search_document ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX ipai_workos_search_vector ON ipai_workos_search_document USING gin (search_vector)",
    "CREATE INDEX ipai_workos_search_title_trgm ON ipai_workos_search_document USING gin (title gin_trgm_ops)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS ipai_workos_search_title_trgm",
    "DROP INDEX IF EXISTS ipai_workos_search_vector",
    "ALTER TABLE ipai_workos_search_document DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE ipai_workos_search_fts USING fts5(title, headings, body, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS ipai_workos_search_fts"]


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRESQL_FORWARD:
            schema_editor.execute(statement)
        from ipai_workos_search.backends import ensure_configuration

        ensure_configuration(connection)
    elif connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)
        from ipai_workos_search.backends import drop_configurations

        drop_configurations(connection)
    elif connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_search", "0002_document_fields"),
    ]

    operations = [migrations.RunPython(forward, backward)]
