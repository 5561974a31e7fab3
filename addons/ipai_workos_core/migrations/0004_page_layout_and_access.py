from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ipai_workos_core', '0003_page_container'),
    ]

    operations = [
        migrations.AddField(
            model_name='page',
            name='full_width',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='page',
            name='small_text',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='page',
            name='restricted',
            field=models.BooleanField(default=False),
        ),
    ]
