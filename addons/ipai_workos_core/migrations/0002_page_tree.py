"""Page tree, trash retention, history and recently visited.

Order keys: rows made before this migration carry the placeholder key ``n``, which is no valid fractional key;
each sibling list (pages of one parent, spaces of one workspace, favourites of one user) gets valid keys in its
present order. Only the ``rank`` defaults change in the model: Django keeps defaults in Python, so those are
state-only operations (on SQLite a real AlterField would copy the whole page table).
"""

from collections import defaultdict

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from workos.kernel import ranks


def _renumber(model, group_fields: tuple[str, ...]) -> None:
    groups: dict[tuple, list] = defaultdict(list)
    for row in model.objects.order_by(*group_fields, "rank", "id").only("id", "rank", *group_fields).iterator(chunk_size=2000):
        groups[tuple(getattr(row, name) for name in group_fields)].append(row)
    changed = []
    for rows in groups.values():
        for row, key in zip(rows, ranks.keep_or_assign([row.rank for row in rows])):
            if row.rank != key:
                row.rank = key
                changed.append(row)
    model.objects.bulk_update(changed, ["rank"], batch_size=1000)


def assign_order_keys(apps, schema_editor):
    _renumber(apps.get_model("ipai_workos_core", "Page"), ("space_id", "parent_id"))
    _renumber(apps.get_model("ipai_workos_core", "Space"), ("workspace_id",))
    _renumber(apps.get_model("ipai_workos_core", "Favorite"), ("user_id",))


def keep_order_keys(apps, schema_editor):
    """Valid keys sort like the placeholders did: nothing to undo."""


def _rank_default(model_name: str):
    return migrations.AlterField(model_name=model_name, name="rank", field=models.CharField(default="i0", max_length=64))


class Migration(migrations.Migration):

    dependencies = [
        ("ipai_workos_core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CoreSetting",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("trash_retention_days", models.PositiveIntegerField(
                    default=30, help_text="Pages stay this many days in the trash before `workos pages purge-trash` deletes them; 0 keeps them")),
            ],
            options={"db_table": "ipai_workos_core_setting"},
        ),
        migrations.AddField(model_name="pageversion", name="cover_url", field=models.CharField(blank=True, default="", max_length=1024)),
        migrations.AddField(model_name="pageversion", name="icon", field=models.CharField(blank=True, default="", max_length=64)),
        migrations.AddField(model_name="pageversion", name="restored_from", field=models.PositiveIntegerField(blank=True, null=True)),
        migrations.AddField(model_name="pageversion", name="updated_at", field=models.DateTimeField(default=django.utils.timezone.now)),
        migrations.SeparateDatabaseAndState(state_operations=[_rank_default("favorite"), _rank_default("page"), _rank_default("space")]),
        migrations.AddIndex(model_name="pagevisit", index=models.Index(fields=["user", "visited_at"], name="ipai_workos_page_visit_recent")),
        migrations.RunPython(assign_order_keys, keep_order_keys),
    ]
