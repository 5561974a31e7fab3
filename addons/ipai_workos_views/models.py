"""Saved views: table, kanban, calendar, list, gallery; filters, sorts, grouping."""

from django.conf import settings
from django.db import models

class ViewType(models.TextChoices):
    TABLE = "table", "Table"
    KANBAN = "kanban", "Kanban"
    CALENDAR = "calendar", "Calendar"
    LIST = "list", "List"
    GALLERY = "gallery", "Gallery"


class View(models.Model):
    """A saved view of a database; personal when ``owner`` is set, shared otherwise."""

    database = models.ForeignKey("ipai_workos_db.Database", on_delete=models.CASCADE, related_name="views")
    name = models.CharField(max_length=128)
    type = models.CharField(max_length=16, choices=ViewType.choices, default=ViewType.TABLE)
    config = models.JSONField(default=dict, blank=True, help_text="filters, sorts, group_by, hidden, widths")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    rank = models.CharField(max_length=64, default="n")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_view"
        ordering = ["rank", "id"]
