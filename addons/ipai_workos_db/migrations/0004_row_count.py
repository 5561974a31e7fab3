"""Maintained row counts (``RowCount``): the table, and the counts of the rows that exist already."""

import django.db.models.deletion
from django.db import migrations, models


def count_existing(apps, schema_editor):
    Database = apps.get_model("ipai_workos_db", "Database")
    Property = apps.get_model("ipai_workos_db", "Property")
    Row = apps.get_model("ipai_workos_db", "Row")
    RowCount = apps.get_model("ipai_workos_db", "RowCount")
    for database_id in Database.objects.values_list("pk", flat=True):
        live = Row.objects.filter(database_id=database_id, archived_at__isnull=True)
        made = [RowCount(database_id=database_id, property_id=0, value="", count=live.count())]
        for prop in Property.objects.filter(database_id=database_id, type__in=("select", "status")):
            tally = {}
            for values in live.values_list("values", flat=True).iterator():
                value = (values or {}).get(f"p{prop.pk}")
                key = value if isinstance(value, str) else ""
                tally[key] = tally.get(key, 0) + 1
            made.extend(RowCount(database_id=database_id, property_id=prop.pk, value=key, count=n) for key, n in tally.items())
        RowCount.objects.bulk_create(made, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("ipai_workos_db", "0003_row_pages_in_their_database")]

    operations = [
        migrations.CreateModel(
            name="RowCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("property_id", models.BigIntegerField(default=0)),
                ("value", models.CharField(blank=True, default="", max_length=255)),
                ("count", models.BigIntegerField(default=0)),
                ("database", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="ipai_workos_db.database")),
            ],
            options={"verbose_name": "row count", "db_table": "ipai_workos_row_count"},
        ),
        migrations.AddConstraint(
            model_name="rowcount",
            constraint=models.UniqueConstraint(fields=("database", "property_id", "value"), name="ipai_workos_row_count_unique"),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
