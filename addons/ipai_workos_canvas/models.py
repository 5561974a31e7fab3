"""Edgeless canvas: elements, connectors, embedded page cards, viewport."""

from django.conf import settings
from django.db import models

class Canvas(models.Model):
    space = models.ForeignKey("ipai_workos_core.Space", on_delete=models.CASCADE, related_name="canvases")
    page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="canvases")
    title = models.CharField(max_length=512, blank=True, default="")
    viewport = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_canvas"
        verbose_name_plural = "canvases"

    def __str__(self):
        return self.title or "Untitled canvas"


class CanvasElement(models.Model):
    class Kind(models.TextChoices):
        SHAPE = "shape", "Shape"
        TEXT = "text", "Text"
        STICKY = "sticky", "Sticky note"
        IMAGE = "image", "Image"
        FRAME = "frame", "Frame"
        CONNECTOR = "connector", "Connector"
        PAGE_CARD = "page_card", "Page card"

    canvas = models.ForeignKey(Canvas, on_delete=models.CASCADE, related_name="elements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    x = models.FloatField(default=0)
    y = models.FloatField(default=0)
    width = models.FloatField(default=0)
    height = models.FloatField(default=0)
    z_index = models.IntegerField(default=0)
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "ipai_workos_canvas_element"
        ordering = ["z_index", "id"]
