"""Permission-filtered full-text search over titles, blocks and rows."""

from django.db import models

class SearchDocument(models.Model):
    """The searchable text of one page, block or row, kept up to date by the search service."""

    workspace = models.ForeignKey("ipai_workos_core.Workspace", on_delete=models.CASCADE, related_name="+")
    space = models.ForeignKey("ipai_workos_core.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    source_model = models.CharField(max_length=128)
    source_id = models.CharField(max_length=64)
    title = models.CharField(max_length=512, blank=True, default="")
    body = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_search_document"
        constraints = [models.UniqueConstraint(fields=["source_model", "source_id"], name="ipai_workos_search_source_unique")]
