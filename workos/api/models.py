from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A personal token for scripts. Only its sha256 is stored; the secret is shown once, at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=128, default="token")
    prefix = models.CharField(max_length=16, db_index=True, help_text="First characters, to recognise a token")
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    technical_name = "workos.api.token"

    class Meta:
        db_table = "workos_api_token"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
