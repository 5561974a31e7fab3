from django.db import migrations, models


def fail(apps, schema_editor):
    # Runs after the table was created and a row written: the whole run must still leave no trace.
    Thing = apps.get_model("kt_failing", "Thing")
    Thing.objects.create(name="half")
    raise RuntimeError("deliberate failure in kt_failing 0001")


class Migration(migrations.Migration):
    initial = True
    dependencies = [("kt_alpha", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Thing",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=10)),
            ],
            options={"db_table": "ipai_kt_failing_thing"},
        ),
        migrations.RunPython(fail, migrations.RunPython.noop),
    ]
