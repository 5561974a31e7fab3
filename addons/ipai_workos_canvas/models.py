"""Edgeless canvas: a canvas is a page of the tree with a scene of elements instead of (or beside) blocks.

The page (``Canvas.page``) carries what every page has — title, icon, place in the tree, permissions, trash,
favourites and history — through the core services. This module keeps the scene: one row per Excalidraw
element, keyed by the element's own id, with Excalidraw's ``version`` / ``versionNonce`` so that saves are
incremental (only changed elements travel and are written) and concurrent saves merge element by element with
Excalidraw's own rule (see ``services.elements``).

``Canvas.sequence`` counts element writes on the canvas; each element remembers the sequence of its last change,
so a client (or the realtime layer) asks for "what changed since N" and gets tombstones of deleted elements too.
A canvas is either a page of its own kind (the page opens as the canvas) or the canvas *side* of a document
page ("Open as canvas" on any page; ``side``): the page opens as its document, the canvas beside it.

A Yjs document can later become the live copy of the scene and write through the same upsert service: the
element id + version pair is what both sides agree on.
"""

from django.conf import settings
from django.db import models


class Canvas(models.Model):
    page = models.OneToOneField("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="canvas")
    sequence = models.PositiveBigIntegerField(default=0, help_text="bumped by every element write on this canvas")
    viewport = models.JSONField(default=dict, blank=True)
    side = models.BooleanField(default=False, help_text="the canvas side of a document page (the page opens as its document)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_canvas"
        verbose_name_plural = "canvases"

    def __str__(self):
        return self.page.title or "Untitled canvas" if self.page_id else "Untitled canvas"


class CanvasElement(models.Model):
    """One Excalidraw element. ``data`` is the element's JSON as validated (``registry.ELEMENT_TYPES``); the
    columns beside it are what queries need without reading JSON. Deleted elements stay as tombstones
    (``is_deleted``), as in Excalidraw, so that a deletion reaches clients that sync by sequence."""

    canvas = models.ForeignKey(Canvas, on_delete=models.CASCADE, related_name="elements")
    element_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
    version = models.PositiveIntegerField()
    version_nonce = models.BigIntegerField(default=0)
    sequence = models.PositiveBigIntegerField(default=0)
    is_deleted = models.BooleanField(default=False)
    order_key = models.CharField(max_length=64, blank=True, default="", help_text="Excalidraw's fractional index (z-order)")
    data = models.JSONField(default=dict, blank=True)
    x = models.FloatField(default=0)
    y = models.FloatField(default=0)
    width = models.FloatField(default=0)
    height = models.FloatField(default=0)
    text = models.TextField(blank=True, default="", help_text="the element's text, for search")
    card_page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    card_database = models.ForeignKey("ipai_workos_db.Database", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_canvas_element"
        ordering = ["order_key", "id"]
        constraints = [models.UniqueConstraint(fields=["canvas", "element_id"], name="ipai_workos_canvas_element_unique")]
        indexes = [models.Index(fields=["canvas", "sequence"], name="ipai_workos_canvas_el_seq")]
