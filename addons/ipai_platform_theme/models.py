"""White-label themes: design tokens, light and dark variants, per workspace."""

from django.db import models


class Density(models.TextChoices):
    COMPACT = "compact", "Compact"
    COMFORTABLE = "comfortable", "Comfortable"
    SPACIOUS = "spacious", "Spacious"


class Theme(models.Model):
    """A set of design tokens served as CSS custom properties; ``dark_tokens`` override them in dark mode.

    Every value here has been validated by the services (colours are hex, the font family a plain list of
    names, the logo a sanitised SVG or a raster image), because it ends up in every page's CSS."""

    name = models.CharField(max_length=128, unique=True)
    # The workspace that owns the theme (only its members see it), or blank: a system theme, seen by everyone.
    owner_model = models.CharField(max_length=128, blank=True, default="")
    owner_id = models.CharField(max_length=64, blank=True, default="")
    is_default = models.BooleanField(default=False)
    primary_color = models.CharField(max_length=16, default="#2f6fed")
    neutral_color = models.CharField(max_length=16, default="#37352f")
    accent_color = models.CharField(max_length=16, default="#e16259")
    font_family = models.CharField(max_length=256, default="Inter, system-ui, sans-serif")
    radius = models.PositiveSmallIntegerField(default=6, help_text="Corner radius in pixels")
    density = models.CharField(max_length=16, choices=Density.choices, default=Density.COMFORTABLE)
    logo = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=64, blank=True, default="")
    favicon = models.BinaryField(blank=True, default=b"", editable=False)
    favicon_type = models.CharField(max_length=64, blank=True, default="")
    dark_tokens = models.JSONField(default=dict, blank=True, help_text="Overrides for the dark variant")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_theme"
        ordering = ["name"]
        indexes = [models.Index(fields=["owner_model", "owner_id"], name="ipai_theme_owner")]

    def __str__(self):
        return self.name


class ThemeAssignment(models.Model):
    """Which theme an object (a workspace) uses; without one, the default theme applies."""

    scope_model = models.CharField(max_length=128)
    scope_id = models.CharField(max_length=64)
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="assignments")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_theme_assignment"
        constraints = [models.UniqueConstraint(fields=["scope_model", "scope_id"], name="ipai_theme_assignment_unique")]
