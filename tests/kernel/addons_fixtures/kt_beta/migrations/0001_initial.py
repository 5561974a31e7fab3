import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("kt_alpha", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Comment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField()),
                ("note", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="kt_alpha.note")),
            ],
            options={"db_table": "ipai_kt_beta_comment"},
        ),
    ]
