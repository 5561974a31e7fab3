"""SQLite only: the FTS5 table gets prefix indexes for 2, 3 and 4 characters, so that a short prefix reads one
list instead of merging those of every word that starts with it (benchmarks/README.md, run 4). FTS5 cannot add
them to an existing table: the table is made again and filled from the old one's text (same rowids).

(PostgreSQL needs nothing here. A GIN index on (space, vector) through ``btree_gin`` was tried and is not
used: a GIN scan takes ``space_id = ANY(...)`` — the readable spaces — neither as an index condition nor in
the planner's costs, so the planner keeps the GIN index on the vector AND the btree on the space.)
"""

from django.db import migrations

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
    if schema_editor.connection.vendor == "sqlite":
        _sqlite_rebuild(schema_editor, ", prefix = '2 3 4'")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _sqlite_rebuild(schema_editor, "")


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_search", "0004_title_vector_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
