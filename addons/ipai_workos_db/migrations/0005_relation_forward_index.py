"""The links of a relation cell in their order, an index range per row (``Cells.shown``, ``related_rows``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ipai_workos_db", "0004_row_count")]

    operations = [
        migrations.AddIndex(
            model_name="rowrelation",
            index=models.Index(fields=["property", "source", "position", "id"], name="ipai_workos_relation_forward"),
        ),
    ]
