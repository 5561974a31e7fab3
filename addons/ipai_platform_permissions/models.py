"""Scope grants and share links; the checks themselves live in services (can, require, visible_to)."""

from django.conf import settings
from django.db import models


class Level(models.TextChoices):
    MANAGE = "manage", "Full access"
    EDIT = "edit", "Can edit"
    COMMENT = "comment", "Can comment"
    VIEW = "view", "Can view"
    NONE = "none", "No access"


class Permission(models.Model):
    """A grant of ``level`` on one object (workspace, space, page, database) to a user or a group.

    It applies to the object and everything below it, until a grant lower down says otherwise; ``none`` is an
    explicit deny."""

    scope_model = models.CharField(max_length=128)
    scope_id = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_permission"
        ordering = ["id"]
        indexes = [models.Index(fields=["scope_model", "scope_id"], name="ipai_permission_scope")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(group__isnull=True)) | (models.Q(user__isnull=True) & models.Q(group__isnull=False)),
                name="ipai_permission_one_grantee",
            ),
            models.UniqueConstraint(fields=["scope_model", "scope_id", "user"], condition=models.Q(user__isnull=False), name="ipai_permission_user_unique"),
            models.UniqueConstraint(fields=["scope_model", "scope_id", "group"], condition=models.Q(group__isnull=False), name="ipai_permission_group_unique"),
        ]

    def __str__(self):
        grantee = f"user {self.user_id}" if self.user_id else f"group {self.group_id}"
        return f"{grantee}: {self.level} on {self.scope_model} {self.scope_id}"


class ShareToken(models.Model):
    """A share link. Only the token's sha256 is stored; an unknown, expired or revoked token answers 404."""

    class Audience(models.TextChoices):
        PUBLIC = "public", "Anyone with the link"
        MEMBERS = "members", "Workspace members with the link"

    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    scope_model = models.CharField(max_length=128)
    scope_id = models.CharField(max_length=64)
    level = models.CharField(max_length=16, choices=[(lvl.value, lvl.label) for lvl in (Level.VIEW, Level.COMMENT, Level.EDIT)])
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.MEMBERS)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_share_token"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scope_model", "scope_id"], name="ipai_share_token_scope")]

    def __str__(self):
        return f"{self.prefix}… ({self.level}, {self.audience})"
