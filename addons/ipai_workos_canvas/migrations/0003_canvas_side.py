"""A canvas can be the canvas side of a document page ("Open as canvas"): ``side`` says so. Existing canvases are
pages of their own kind (``side`` false). Reversible: going back drops the column (side canvases then open as
canvas pages)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_canvas", "0002_page_backed_scene"),
    ]

    operations = [
        migrations.AddField(
            model_name="canvas",
            name="side",
            field=models.BooleanField(default=False, help_text="the canvas side of a document page (the page opens as its document)"),
        ),
    ]
