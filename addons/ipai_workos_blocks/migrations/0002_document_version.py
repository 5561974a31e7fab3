# A page's document version: the number a whole-document save must be based on (issue 10 item 7).
# A new, empty table: pages without a row are at version 0, so nothing is backfilled.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ipai_workos_blocks', '0001_initial'),
        ('ipai_workos_core', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='DocumentVersion',
            fields=[
                ('page', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='ipai_workos_core.page')),
                ('number', models.PositiveBigIntegerField(default=0)),
            ],
            options={
                'db_table': 'ipai_workos_block_document',
            },
        ),
    ]
