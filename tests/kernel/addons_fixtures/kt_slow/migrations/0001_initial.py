import os
import time
from pathlib import Path

from django.db import migrations, models


def wait(apps, schema_editor):
    # Tells the test it is inside the run (table created, a row written), then waits to be killed.
    apps.get_model("kt_slow", "Item").objects.create(name="inside")
    Path(os.environ["KT_SLOW_MARKER"]).write_text("inside the run")
    time.sleep(120)


class Migration(migrations.Migration):
    initial = True
    dependencies = [("kt_alpha", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=10)),
            ],
            options={"db_table": "ipai_kt_slow_item"},
        ),
        migrations.RunPython(wait, migrations.RunPython.noop),
    ]
