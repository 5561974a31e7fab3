"""Page, database and row templates: a validated JSON structure (``content.py``) that ``apply`` turns into pages,
blocks, databases, views and rows through the owning modules' services.

Who sees a template:
- a system template (``workspace`` empty, shipped as module data) — everyone;
- a workspace template — the members of its workspace who can read the space it was saved from (a template of
  a page in a private space stays as private as the page was);
- a row template (``database`` set) — whoever can read that database.
"""

from django.conf import settings
from django.db import models


class Template(models.Model):
    class Kind(models.TextChoices):
        PAGE = "page", "Page"
        DATABASE = "database", "Database"
        ROW = "row", "Database row"

    name = models.CharField(max_length=128)
    description = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PAGE)
    category = models.CharField(max_length=64, blank=True, default="", help_text="Gallery category, e.g. Projects")
    icon = models.CharField(max_length=64, blank=True, default="")
    cover_url = models.CharField(max_length=1024, blank=True, default="")
    workspace = models.ForeignKey("ipai_workos_core.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Empty for system templates")
    space = models.ForeignKey("ipai_workos_core.Space", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="The space a workspace template was saved from: its readers see the template")
    database = models.ForeignKey("ipai_workos_db.Database", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                 help_text="For a row template: the database whose rows it fills")
    is_default = models.BooleanField(default=False, help_text="Row templates: the one a database's New uses")
    content = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_template"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["database", "name"], name="ipai_workos_template_rows")]

    def __str__(self):
        return self.name

    @property
    def is_system(self) -> bool:
        return self.workspace_id is None and self.database_id is None
