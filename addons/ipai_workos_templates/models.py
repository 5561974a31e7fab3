"""Page and database templates, apply, system templates."""

from django.conf import settings
from django.db import models

class Template(models.Model):
    class Kind(models.TextChoices):
        PAGE = "page", "Page"
        DATABASE = "database", "Database"

    name = models.CharField(max_length=128)
    description = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PAGE)
    icon = models.CharField(max_length=64, blank=True, default="")
    workspace = models.ForeignKey("ipai_workos_core.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Empty for system templates")
    content = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_template"
        ordering = ["name"]

    def __str__(self):
        return self.name
