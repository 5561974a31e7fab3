"""Relation links indexed for cells that page (O(links shown), not O(links)): one index per direction, leading
with the row whose links are read, then the property, then the link order — ``(source, property, position, id)``
and ``(target, property, source)``. They replace the foreign keys' own one-column indexes (which the planner
preferred, and then sorted every link of a row to show 25 of them) and the property-first indexes of 0002/0005.
Cascades of a deleted row use the new indexes' leading column."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ipai_workos_db", "0006_database_restricted")]

    operations = [
        migrations.AddIndex(
            model_name="rowrelation",
            index=models.Index(fields=["source", "property", "position", "id"], name="ipai_workos_relation_outgoing"),
        ),
        migrations.AddIndex(
            model_name="rowrelation",
            index=models.Index(fields=["target", "property", "source"], name="ipai_workos_relation_incoming"),
        ),
        migrations.RemoveIndex(model_name="rowrelation", name="ipai_workos_relation_forward"),
        migrations.RemoveIndex(model_name="rowrelation", name="ipai_workos_relation_reverse"),
        migrations.AlterField(
            model_name="rowrelation", name="source",
            field=models.ForeignKey(db_index=False, on_delete=models.deletion.CASCADE, related_name="+", to="ipai_workos_db.row"),
        ),
        migrations.AlterField(
            model_name="rowrelation", name="target",
            field=models.ForeignKey(db_index=False, on_delete=models.deletion.CASCADE, related_name="+", to="ipai_workos_db.row"),
        ),
    ]
