"""The classification of pending migrations that decides between a blue/green switch and a maintenance window."""

from __future__ import annotations

import pytest

from workos.ops.migration_risk import classify_source

from .conftest import PROBE_TABLE_MIGRATION, migration_source


def verdict(operations: str, imports: str = "", extra: str = ""):
    source = migration_source(("ipai_workos_canvas", "0001_initial"), operations, imports)
    if extra:
        source = source.replace("    operations = [", f"    {extra}\n    operations = [")
    return classify_source("ipai_workos_canvas", "0900_probe", source)


@pytest.mark.once
@pytest.mark.parametrize("operation", [
    PROBE_TABLE_MIGRATION,
    '        migrations.AddField("canvas", "note", models.CharField(max_length=20, null=True)),',
    '        migrations.AddField("canvas", "rank", models.IntegerField(db_default=0)),',
    '        migrations.RunSQL("CREATE INDEX CONCURRENTLY probe_idx ON ipai_workos_page (title)", "DROP INDEX probe_idx"),',
    '        migrations.RunSQL("ALTER TABLE ipai_workos_page ADD COLUMN probe text", "ALTER TABLE ipai_workos_page DROP COLUMN probe"),',
    '        migrations.CreateModel("Probe", [("id", models.AutoField(primary_key=True))]),',
])
def test_additive_migrations_are_compatible_with_the_running_code(operation):
    result = verdict(operation, "from django.db import models")
    assert result.compatible, result.reasons


@pytest.mark.once
@pytest.mark.parametrize("operation, reason", [
    ('        migrations.RemoveField("canvas", "title"),', "drops a column"),
    ('        migrations.RenameField("canvas", "title", "name"),', "renames a column"),
    ('        migrations.AddField("canvas", "rank", models.IntegerField(default=0)),', "NOT NULL column without a database default"),
    ('        migrations.AlterField("canvas", "title", models.TextField()),', "changes a column"),
    ('        migrations.AddIndex("canvas", models.Index(fields=["title"], name="probe_idx")),', "blocks writes"),
    ('        migrations.RunSQL("ALTER TABLE ipai_workos_page RENAME COLUMN title TO name"),', "RENAME COLUMN"),
    ('        migrations.RunSQL("ALTER TABLE ipai_workos_page ADD COLUMN probe text NOT NULL"),', "ADD COLUMN probe text NOT NULL"),
    ('        migrations.RunPython(forwards, migrations.RunPython.noop),', "cannot be checked"),
])
def test_destructive_or_unreadable_migrations_are_not(operation, reason):
    result = verdict(operation, "from django.db import models\n\ndef forwards(apps, schema_editor):\n    pass\n")
    assert not result.compatible
    assert any(reason in why for why in result.reasons), result.reasons


@pytest.mark.once
def test_an_author_may_mark_a_data_migration_compatible():
    result = verdict('        migrations.RunPython(forwards, migrations.RunPython.noop),',
                     "\ndef forwards(apps, schema_editor):\n    pass\n", extra="compatible_with_old_code = True")
    assert result.compatible and "marked" in result.reasons[0]
