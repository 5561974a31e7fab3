"""Comments and threads, @mentions and the notifications inbox."""

from django.conf import settings
from django.db import models

class Comment(models.Model):
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="comments")
    block = models.ForeignKey("ipai_workos_blocks.Block", null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_comment"
        ordering = ["created_at", "id"]


class Mention(models.Model):
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="+")
    block = models.ForeignKey("ipai_workos_blocks.Block", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="mentions")
    mentioned_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    mentioned_page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_mention"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workos_notifications")
    kind = models.CharField(max_length=32)
    title = models.CharField(max_length=256)
    body = models.TextField(blank=True, default="")
    target_model = models.CharField(max_length=128, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_notification"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="ipai_workos_notification_inbox")]
