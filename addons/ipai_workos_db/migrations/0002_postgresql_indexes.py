"""PostgreSQL-only indexes on row values (SQLite's migrate skips them: it has no GIN).

- a GIN index with ``jsonb_path_ops`` on ``values``: containment filters (``values @> '{"p12": "o1"}'``,
  multi-select/person "contains" as ``values -> 'p12' @> '["o1"]'``) can use it;
- a partial index on live rows of a database in row order: the default order of a view, and the scan that
  narrows a database's rows before the JSON filters and sorts apply.
"""

from django.db import migrations

INDEXES = [
    ("ipai_workos_row_values_gin", 'CREATE INDEX IF NOT EXISTS ipai_workos_row_values_gin ON ipai_workos_row USING gin ("values" jsonb_path_ops)'),
    ("ipai_workos_row_live", "CREATE INDEX IF NOT EXISTS ipai_workos_row_live ON ipai_workos_row (database_id, rank, id) WHERE archived_at IS NULL"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, statement in INDEXES:
        schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _statement in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("ipai_workos_db", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
