"""Append-only, hash-chained audit events for every change."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One change, on record. ``hash`` covers this event's content and ``previous_hash``: a chain that shows
    any row altered or removed. Rows are never updated or deleted, except by the retention archive, which moves
    a prefix of the chain to a file and keeps the link to it (``AuditArchive``)."""

    created_at = models.DateTimeField(db_index=True)
    # No database constraint and no cascade: deleting a user must neither touch audit rows nor be refused.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    target_model = models.CharField(max_length=128, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    target_name = models.CharField(max_length=512, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    # Kept as text exactly as hashed: an inet column would re-format IPv6 addresses and break the hash.
    ip_address = models.CharField(max_length=45, blank=True, default="")
    user_agent = models.CharField(max_length=512, blank=True, default="")
    # Unique: two events can never follow the same one, so the chain cannot fork.
    previous_hash = models.CharField(max_length=64, blank=True, default="", unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "ipai_audit_event"
        ordering = ["id"]
        indexes = [models.Index(fields=["target_model", "target_id"], name="ipai_audit_event_target")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.target_model}:{self.target_id}"


class AuditArchive(models.Model):
    """A prefix of the chain moved to a compressed file by the retention run; links the chain across it."""

    created_at = models.DateTimeField()
    file_name = models.CharField(max_length=256, unique=True)
    sha256 = models.CharField(max_length=64)
    event_count = models.PositiveIntegerField()
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    first_previous_hash = models.CharField(max_length=64, blank=True, default="")
    last_hash = models.CharField(max_length=64)
    cutoff = models.DateTimeField(help_text="Events created before this moment were archived")

    class Meta:
        db_table = "ipai_audit_archive"
        ordering = ["last_event_id"]

    def __str__(self):
        return self.file_name


class AuditSetting(models.Model):
    """The audit settings of this installation (one row): how long events stay in the database."""

    retention_days = models.PositiveIntegerField(default=0, help_text="Archive events older than this; 0 keeps them forever")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_audit_setting"
