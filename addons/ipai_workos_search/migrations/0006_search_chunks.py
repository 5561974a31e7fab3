"""Chunks of a document's text with their own vectors (PostgreSQL), so that saving a long page re-tokenises the
chunks that changed instead of the whole page (``backends.write_text``; benchmarks/README.md, run 4).

The table is a model (so that deleting a document deletes its chunks, and a test flush empties it); its
``vector`` column and ``workos_tsvector_agg`` — joining vectors in order the way ``tsvector || tsvector``
does — exist on PostgreSQL only. Documents indexed before have no chunks: their next save tokenises them all
once; ``workos search reindex`` rebuilds every vector this way (``reindex --check`` compares with it).
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL_FORWARD = [
    "ALTER TABLE ipai_workos_search_chunk ADD COLUMN vector tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE AGGREGATE workos_tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')",
]
POSTGRESQL_BACKWARD = ["DROP AGGREGATE IF EXISTS workos_tsvector_agg(tsvector)"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_search", "0005_faster_matching"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("part", models.CharField(max_length=1)),
                ("digest", models.CharField(max_length=32)),
                ("document", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="chunks",
                                               to="ipai_workos_search.searchdocument")),
            ],
            options={
                "db_table": "ipai_workos_search_chunk",
                "constraints": [models.UniqueConstraint(fields=("document", "part", "digest"), name="ipai_workos_search_chunk_unique")],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
