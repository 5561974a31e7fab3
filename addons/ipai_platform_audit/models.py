"""Append-only, hash-chained audit events for every change."""

from django.conf import settings
from django.db import models

class AuditEvent(models.Model):
    """One change, on record. ``hash`` covers this event and ``previous_hash``: a chain that shows tampering."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    target_model = models.CharField(max_length=128, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_name = models.CharField(max_length=512, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "ipai_audit_event"
        ordering = ["id"]
        indexes = [models.Index(fields=["target_model", "target_id"], name="ipai_audit_event_target")]
