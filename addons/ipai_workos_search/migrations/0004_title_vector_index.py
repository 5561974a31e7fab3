"""PostgreSQL only: a GIN index on the title's part of the vector (``ts_filter(search_vector, '{a}')``), so that
ranking can start from every title match without reading each matching document's whole vector
(``services._pg_rows``), and "title only" searches use an index. Built from the stored vectors: no reindex.
SQLite's FTS5 table filters by column already (``{title} : ...``)."""

from django.db import migrations

FORWARD = ("CREATE INDEX IF NOT EXISTS ipai_workos_search_title_vector ON ipai_workos_search_document "
           "USING gin (ts_filter(search_vector, '{a}'))")
BACKWARD = "DROP INDEX IF EXISTS ipai_workos_search_title_vector"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_search", "0003_full_text"),
    ]

    operations = [migrations.RunPython(forward, backward)]
