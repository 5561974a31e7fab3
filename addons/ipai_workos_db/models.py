"""Databases with typed properties; every row is also a page.

Storage (see ``properties.py`` for each type's value shape):

- ``Row.values`` is a JSON object keyed by ``Property.key`` (``"p"`` + the property's id: a key of digits only
  would be read as an array index by JSON paths). Empty values are never stored: a key is absent or holds a
  non-empty value, so "is empty" is "key absent" on both databases.
- The title is the row's page title (``Row.page.title``): renaming the page in the editor renames the row.
- created/last edited time and by, and the unique id (``Row.number``), are columns of the row.
- Relations live in ``RowRelation`` (one row per link, stored once under the property that owns the link; a
  two-way relation's paired property reads the same links backwards).
- Formula and rollup values are computed, never stored.
"""

from django.conf import settings
from django.db import models


class Database(models.Model):
    space = models.ForeignKey("ipai_workos_core.Space", on_delete=models.CASCADE, related_name="databases")
    parent_page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="inline_databases")
    title = models.CharField(max_length=512, blank=True, default="")
    icon = models.CharField(max_length=64, blank=True, default="")
    description = models.TextField(blank=True, default="")
    next_unique_id = models.PositiveIntegerField(default=1)
    # "General access: only people invited": like a restricted page, only administrators and those granted access on
    # the database itself (and so on its rows) open it
    restricted = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_database"
        verbose_name = "database"

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
        verbose_name = "property"
        verbose_name_plural = "properties"
        ordering = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["database", "name"], name="ipai_workos_property_unique")]

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        """The key of this property's value in ``Row.values``. Ids are never reused (AUTOINCREMENT/sequence)."""
        return f"p{self.pk}"


class Row(models.Model):
    """A database row; ``page`` is the page it opens as. ``values`` maps property key to stored value."""

    database = models.ForeignKey(Database, on_delete=models.CASCADE, related_name="rows")
    page = models.OneToOneField("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="database_row")
    number = models.PositiveIntegerField(default=0, help_text="per-database sequence: the unique id property")
    values = models.JSONField(default=dict, blank=True)
    rank = models.CharField(max_length=64, default="n")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "ipai_workos_row"
        verbose_name = "row"
        ordering = ["rank", "id"]
        indexes = [
            models.Index(fields=["database", "rank"], name="ipai_workos_row_order"),
            models.Index(fields=["database", "number"], name="ipai_workos_row_number"),
            # the rows in the trash (few): a relation cell's total skips links to them by an anti-join on this
            # index (cells.first_links_sql) instead of joining every link to the row table
            models.Index(fields=["id"], condition=models.Q(archived_at__isnull=False), name="ipai_workos_row_trashed_id"),
        ]


class RowRelation(models.Model):
    """One link of a relation property: ``source`` (a row of the property's database) -> ``target``."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="links")
    # no index of their own: the two indexes below lead with them (and serve the cascades of a deleted row too)
    source = models.ForeignKey(Row, on_delete=models.CASCADE, related_name="+", db_index=False)
    target = models.ForeignKey(Row, on_delete=models.CASCADE, related_name="+", db_index=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "ipai_workos_row_relation"
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["property", "source", "target"], name="ipai_workos_row_relation_unique")]
        # outgoing: a cell's first linked rows in their order, an index range per row; incoming: the paired
        # property's cells in their order (by source) and "contains" filters. Each leads with its row column: a
        # second index on that column alone (the foreign key's) would be all the planner sees of a row's links —
        # it estimates a few links per row — and it would read and sort all 10,000 links of a row linked to
        # 10,000 rows to show 25 (``cells.first_links_sql``)
        indexes = [models.Index(fields=["source", "property", "position", "id"], name="ipai_workos_relation_outgoing"),
                   models.Index(fields=["target", "property", "source"], name="ipai_workos_relation_incoming")]


class RowCount(models.Model):
    """A maintained count of a database's live rows, kept by the row services in the write's transaction
    (``counts.py``): ``property_id`` 0 counts every live row; a select or status property's id counts the live
    rows per stored ``value`` (an option id, "" for no value). Views read their totals, kanban columns and
    single-option filter counts here instead of counting rows."""

    database = models.ForeignKey(Database, on_delete=models.CASCADE, related_name="+")
    property_id = models.BigIntegerField(default=0)
    value = models.CharField(max_length=255, blank=True, default="")
    count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "ipai_workos_row_count"
        verbose_name = "row count"
        constraints = [models.UniqueConstraint(fields=["database", "property_id", "value"], name="ipai_workos_row_count_unique")]
