"""Indexes for the queries whose cost grew with the number of readable matches (benchmarks/README.md, run 4):

- PostgreSQL: the GIN index on the vector becomes a GIN index on (space, vector) (``btree_gin`` gives the
  space column GIN operators), so one index scan answers "matches, in these readable spaces" for a frequent
  word without reading each readable document's vector. A query without a space condition uses the same index
  on its second column alone, as well as it used the old one. Built from the stored vectors: no reindex.
- SQLite: the FTS5 table gets prefix indexes for 2, 3 and 4 characters, so a short prefix reads one list
  instead of merging those of every word that starts with it. FTS5 cannot add them to an existing table: the
  table is made again and filled from the old one's text (same rowids).

Reversing puts the previous indexes and table back; the extension stays (others may use it).
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "DROP INDEX IF EXISTS ipai_workos_search_vector",
    "CREATE INDEX ipai_workos_search_vector ON ipai_workos_search_document USING gin (space_id, search_vector)",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS ipai_workos_search_vector",
    "CREATE INDEX ipai_workos_search_vector ON ipai_workos_search_document USING gin (search_vector)",
]
FTS_COLUMNS = "title, headings, body, tokenize = 'unicode61 remove_diacritics 2'"


def _sqlite_rebuild(schema_editor, options: str) -> None:
    for statement in (
        f"CREATE VIRTUAL TABLE ipai_workos_search_fts_new USING fts5({FTS_COLUMNS}{options})",
        "INSERT INTO ipai_workos_search_fts_new (rowid, title, headings, body) SELECT rowid, title, headings, body FROM ipai_workos_search_fts",
        "DROP TABLE ipai_workos_search_fts",
        "ALTER TABLE ipai_workos_search_fts_new RENAME TO ipai_workos_search_fts",
    ):
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRESQL_FORWARD:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        _sqlite_rebuild(schema_editor, ", prefix = '2 3 4'")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        _sqlite_rebuild(schema_editor, "")


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_search", "0004_title_vector_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
