# Live co-editing (issue 14): a page's Yjs document (snapshot) and its update log. Two new, empty tables;
# nothing is backfilled: a page gets its live document from its blocks the first time it is opened live.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ipai_workos_blocks', '0002_document_version'),
        ('ipai_workos_core', '0003_page_container'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LiveDocument',
            fields=[
                ('page', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='ipai_workos_core.page')),
                ('snapshot', models.BinaryField(default=bytes)),
                ('appended', models.PositiveBigIntegerField(default=0)),
                ('derived', models.PositiveBigIntegerField(default=0)),
                ('derived_version', models.PositiveBigIntegerField(default=0)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('compacted_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'db_table': 'ipai_workos_block_live_document',
            },
        ),
        migrations.CreateModel(
            name='LiveUpdate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('data', models.BinaryField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='ipai_workos_core.page')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'ipai_workos_block_live_update',
                'indexes': [models.Index(fields=['page', 'id'], name='ipai_workos_liveupdate_page')],
            },
        ),
    ]
