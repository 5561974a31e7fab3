"""Saved views: table, kanban, calendar, list, gallery; filters, sorts, grouping."""

from django.conf import settings
from django.db import models


def view_type_choices() -> list[tuple[str, str]]:
    """The registered view types (``registry.py``), read when asked: a new type is a registry entry, not a migration."""
    from .registry import view_types

    return [(entry.type, entry.label) for entry in view_types()]


class View(models.Model):
    """A saved view of a database; personal when ``owner`` is set, shared otherwise."""

    database = models.ForeignKey("ipai_workos_db.Database", on_delete=models.CASCADE, related_name="views")
    name = models.CharField(max_length=128)
    type = models.CharField(max_length=16, choices=view_type_choices, default="table")
    config = models.JSONField(default=dict, blank=True, help_text="filters, sorts, group_by, hidden, widths")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    rank = models.CharField(max_length=64, default="n")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_view"
        ordering = ["rank", "id"]
