"""Blocks: 14 types, nesting, order, attachments, sanitised rendering."""

import uuid

from django.conf import settings
from django.db import models

class Block(models.Model):
    """One block of a page. Its id is a UUID so that clients can create blocks and keep their ids."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="blocks")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    type = models.CharField(max_length=32)
    content = models.JSONField(default=dict, blank=True)
    rank = models.CharField(max_length=64, default="n")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_block"
        ordering = ["rank", "created_at"]
        indexes = [models.Index(fields=["page", "parent", "rank"], name="ipai_workos_block_order")]


class Attachment(models.Model):
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_attachment"
