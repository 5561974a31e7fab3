"""White-label themes: design tokens, light and dark variants, per workspace."""

from django.db import models

class Density(models.TextChoices):
    COMPACT = "compact", "Compact"
    COMFORTABLE = "comfortable", "Comfortable"
    SPACIOUS = "spacious", "Spacious"


class Theme(models.Model):
    """A set of design tokens served as CSS custom properties; light and dark variants."""

    name = models.CharField(max_length=128, unique=True)
    is_default = models.BooleanField(default=False)
    primary_color = models.CharField(max_length=16, default="#2f6fed")
    neutral_color = models.CharField(max_length=16, default="#37352f")
    accent_color = models.CharField(max_length=16, default="#e16259")
    font_family = models.CharField(max_length=256, default="Inter, system-ui, sans-serif")
    radius = models.PositiveSmallIntegerField(default=6, help_text="Corner radius in pixels")
    density = models.CharField(max_length=16, choices=Density.choices, default=Density.COMFORTABLE)
    logo = models.CharField(max_length=512, blank=True, default="")
    favicon = models.CharField(max_length=512, blank=True, default="")
    dark_tokens = models.JSONField(default=dict, blank=True, help_text="Overrides for the dark variant")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_theme"
        ordering = ["name"]

    def __str__(self):
        return self.name
