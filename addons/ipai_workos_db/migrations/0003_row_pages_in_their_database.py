"""Rows made before pages could belong to a database: their pages now belong to it (access, sidebar)."""

from django.db import migrations


def contain(apps, schema_editor):
    Row = apps.get_model("ipai_workos_db", "Row")
    Page = apps.get_model("ipai_workos_core", "Page")
    for database_id, page_id in Row.objects.values_list("database_id", "page_id"):
        Page.objects.filter(pk=page_id).update(container_model="ipai.workos.database", container_id=str(database_id))


def release(apps, schema_editor):
    Page = apps.get_model("ipai_workos_core", "Page")
    Page.objects.filter(container_model="ipai.workos.database").update(container_model="", container_id="")


class Migration(migrations.Migration):
    dependencies = [
        ("ipai_workos_db", "0002_postgresql_indexes"),
        ("ipai_workos_core", "0003_page_container"),
    ]
    operations = [migrations.RunPython(contain, release)]
