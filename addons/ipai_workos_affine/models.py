"""Installs the whole WorkOS suite; cross-module glue such as page publish approval."""

from django.conf import settings
from django.db import models

class PagePublication(models.Model):
    """A page's publication, approved through an approval request when the workspace requires it."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Waiting for approval"
        PUBLISHED = "published", "Published"

    page = models.OneToOneField("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="publication")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    approval = models.ForeignKey("ipai_platform_approvals.ApprovalRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "ipai_workos_page_publication"
