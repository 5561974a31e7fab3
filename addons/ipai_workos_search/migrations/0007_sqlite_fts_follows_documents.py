"""SQLite only: the FTS5 table's row goes when its document goes, whoever deletes the document — a cascade from
a deleted workspace, or ``flush`` (which empties the model tables and knows nothing of the FTS5 table). The
search services delete it themselves as well; the trigger makes a missed case impossible."""

from django.db import migrations

FORWARD = ("CREATE TRIGGER IF NOT EXISTS ipai_workos_search_fts_follow AFTER DELETE ON ipai_workos_search_document "
           "BEGIN DELETE FROM ipai_workos_search_fts WHERE rowid = old.id; END")
BACKWARD = "DROP TRIGGER IF EXISTS ipai_workos_search_fts_follow"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_search", "0006_search_chunks"),
    ]

    operations = [migrations.RunPython(forward, backward)]
