"""A canvas becomes the scene of a page (title, icon, place, trash and history are the page's), and its elements
are Excalidraw elements keyed by their own id and version.

Canvases without a page are deleted: the module had no write path before this migration, so none can exist
outside a hand-made database. Going back deletes the canvases (the old tables cannot hold a page's scene; the
pages themselves stay, as plain pages) and restores the old columns.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def drop_pageless(apps, schema_editor):
    Canvas = apps.get_model("ipai_workos_canvas", "Canvas")
    Canvas.objects.filter(page__isnull=True).delete()
    apps.get_model("ipai_workos_canvas", "CanvasElement").objects.all().delete()


def forget_scenes(apps, schema_editor):
    apps.get_model("ipai_workos_canvas", "CanvasElement").objects.all().delete()
    apps.get_model("ipai_workos_canvas", "Canvas").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_canvas", "0001_initial"),
        ("ipai_workos_core", "0003_page_container"),
        ("ipai_workos_db", "0003_row_pages_in_their_database"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_pageless, migrations.RunPython.noop),
        migrations.RemoveField(model_name="canvas", name="space"),
        migrations.RemoveField(model_name="canvas", name="title"),
        migrations.AlterField(
            model_name="canvas", name="page",
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="canvas", to="ipai_workos_core.page"),
        ),
        migrations.AddField(model_name="canvas", name="sequence",
                            field=models.PositiveBigIntegerField(default=0, help_text="bumped by every element write on this canvas")),
        migrations.RemoveField(model_name="canvaselement", name="source"),
        migrations.RemoveField(model_name="canvaselement", name="target"),
        migrations.RemoveField(model_name="canvaselement", name="z_index"),
        migrations.RemoveField(model_name="canvaselement", name="page"),
        migrations.AlterField(model_name="canvaselement", name="kind", field=models.CharField(max_length=16)),
        migrations.AddField(model_name="canvaselement", name="element_id", field=models.CharField(default="", max_length=64), preserve_default=False),
        migrations.AddField(model_name="canvaselement", name="version", field=models.PositiveIntegerField(default=1), preserve_default=False),
        migrations.AddField(model_name="canvaselement", name="version_nonce", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="canvaselement", name="sequence", field=models.PositiveBigIntegerField(default=0)),
        migrations.AddField(model_name="canvaselement", name="is_deleted", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="canvaselement", name="order_key",
                            field=models.CharField(blank=True, default="", help_text="Excalidraw's fractional index (z-order)", max_length=64)),
        migrations.AddField(model_name="canvaselement", name="text", field=models.TextField(blank=True, default="", help_text="the element's text, for search")),
        migrations.AddField(model_name="canvaselement", name="card_page",
                            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="ipai_workos_core.page")),
        migrations.AddField(model_name="canvaselement", name="card_database",
                            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="ipai_workos_db.database")),
        migrations.AddField(model_name="canvaselement", name="updated_by",
                            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
        migrations.AddField(model_name="canvaselement", name="updated_at", field=models.DateTimeField(auto_now=True)),
        migrations.AlterModelOptions(name="canvaselement", options={"ordering": ["order_key", "id"]}),
        migrations.AddConstraint(model_name="canvaselement",
                                 constraint=models.UniqueConstraint(fields=("canvas", "element_id"), name="ipai_workos_canvas_element_unique")),
        migrations.AddIndex(model_name="canvaselement", index=models.Index(fields=["canvas", "sequence"], name="ipai_workos_canvas_el_seq")),
        migrations.RunPython(migrations.RunPython.noop, forget_scenes),  # runs first when going back
    ]
