"""Databases with typed properties; every row is also a page."""

from django.conf import settings
from django.db import models

class Database(models.Model):
    space = models.ForeignKey("ipai_workos_core.Space", on_delete=models.CASCADE, related_name="databases")
    parent_page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="inline_databases")
    title = models.CharField(max_length=512, blank=True, default="")
    icon = models.CharField(max_length=64, blank=True, default="")
    next_unique_id = models.PositiveIntegerField(default=1)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_database"

    def __str__(self):
        return self.title or "Untitled database"


class Property(models.Model):
    database = models.ForeignKey(Database, on_delete=models.CASCADE, related_name="properties")
    name = models.CharField(max_length=128)
    type = models.CharField(max_length=32)
    config = models.JSONField(default=dict, blank=True)
    rank = models.CharField(max_length=64, default="n")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_property"
        ordering = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["database", "name"], name="ipai_workos_property_unique")]


class Row(models.Model):
    """A database row; ``page`` is the page it opens as. ``values`` maps property id to stored value."""

    database = models.ForeignKey(Database, on_delete=models.CASCADE, related_name="rows")
    page = models.OneToOneField("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="database_row")
    values = models.JSONField(default=dict, blank=True)
    rank = models.CharField(max_length=64, default="n")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "ipai_workos_row"
        ordering = ["rank", "id"]
        indexes = [models.Index(fields=["database", "rank"], name="ipai_workos_row_order")]
