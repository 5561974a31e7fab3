# Block identity per page (issue 10): a block is identified by (page, id), so a client-chosen id taken on a
# page the user cannot read no longer answers differently from a free one. The primary key column ``id``
# becomes ``key`` (a server-chosen UUID: rows of other tables keep pointing at it, unchanged) and a new ``id``
# column holds the block's id, unique per page. Existing blocks keep their id: it is copied from their key.
#
# Backwards: the columns are renamed back and ``id`` dropped, so a block created since then is known by its
# key (a block whose id was chosen by a client and differs from its key gets a new id).

import uuid

from django.db import migrations, models


def copy_ids(apps, schema_editor):
    Block = apps.get_model("ipai_workos_blocks", "Block")
    Block.objects.using(schema_editor.connection.alias).update(id=models.F("key"))


class Migration(migrations.Migration):

    dependencies = [
        ('ipai_workos_blocks', '0003_live_document'),
    ]

    operations = [
        migrations.RenameField(model_name='block', old_name='id', new_name='key'),
        migrations.AddField(model_name='block', name='id', field=models.UUIDField(null=True)),
        migrations.RunPython(copy_ids, migrations.RunPython.noop),
        migrations.AlterField(model_name='block', name='id', field=models.UUIDField(db_index=True, default=uuid.uuid4)),
        migrations.AddConstraint(
            model_name='block',
            constraint=models.UniqueConstraint(fields=('page', 'id'), name='ipai_workos_block_page_id'),
        ),
    ]
