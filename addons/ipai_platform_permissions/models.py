"""Roles, scope grants, share links and the can()/visible_to() checks."""

from django.conf import settings
from django.db import models

class Level(models.TextChoices):
    MANAGE = "manage", "Full access"
    EDIT = "edit", "Can edit"
    COMMENT = "comment", "Can comment"
    VIEW = "view", "Can view"
    NONE = "none", "No access"


class Permission(models.Model):
    """A grant of ``level`` on one object (workspace, space, page, database) to a user or a group."""

    scope_model = models.CharField(max_length=128)
    scope_id = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("auth.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_permission"
        indexes = [models.Index(fields=["scope_model", "scope_id"], name="ipai_permission_scope")]
        constraints = [
            models.CheckConstraint(condition=models.Q(user__isnull=False) | models.Q(group__isnull=False), name="ipai_permission_has_grantee"),
        ]


class ShareToken(models.Model):
    """A share link. Only the token's hash is stored; expired or revoked tokens answer 404."""

    class Audience(models.TextChoices):
        PUBLIC = "public", "Anyone with the link"
        MEMBERS = "members", "Workspace members with the link"

    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    scope_model = models.CharField(max_length=128)
    scope_id = models.CharField(max_length=64)
    level = models.CharField(max_length=16, choices=[(l.value, l.label) for l in (Level.VIEW, Level.COMMENT, Level.EDIT)])
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.MEMBERS)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_share_token"
        indexes = [models.Index(fields=["scope_model", "scope_id"], name="ipai_share_token_scope")]
