"""Canvases: made, renamed, trashed and restored as the pages they are (through the core services), plus the
scene's own settings (viewport)."""

from __future__ import annotations

import json

from django.db import transaction

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from ..models import Canvas

DEFAULT_ICON = "🎨"
MAX_VIEWPORT_BYTES = 1024


@transaction.atomic
def create_canvas(actor, *, space=None, parent: Page | None = None, title: str = "", icon: str = DEFAULT_ICON) -> Canvas:
    """A new canvas: a page in the tree (at the end of ``space``'s top level or of ``parent``'s sub-pages) whose
    body is a scene. Who may add a page there may add a canvas."""
    page = core.create_page(actor, space=space, parent=parent, title=title, icon=icon)
    canvas = Canvas.objects.create(page=page, created_by=page.created_by)
    record_event(actor=actor, action="canvas.create", target=canvas, target_name=page.title or "Untitled canvas",
                 changes={"page_id": page.pk, "title": {"before": None, "after": page.title}})
    return canvas


@transaction.atomic
def canvas_side(actor, page: Page) -> Canvas:
    """The canvas side of ``page`` ("Open as canvas"): its canvas when it has one (a canvas page is its own canvas),
    otherwise a new, empty one beside its document — made by someone who may edit the page."""
    permissions.require(actor, "read", page)
    canvas = Canvas.objects.select_related("page", "page__space").filter(page=page).first()
    if canvas is not None:
        return canvas
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    canvas = Canvas.objects.create(page=page, side=True, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record_event(actor=actor, action="canvas.create", target=canvas, target_name=page.title or "Untitled",
                 changes={"page_id": page.pk, "side": {"before": None, "after": True}})
    return canvas


def canvas_of_page(page: Page) -> Canvas | None:
    """The canvas whose page ``page`` is (no permission check: the caller has checked the page)."""
    return Canvas.objects.filter(page=page).first()


def get_canvas(user, canvas_id, action: str = "read") -> Canvas:
    """The canvas, if ``user`` may ``action`` its page; NotFound when they cannot view it (never revealing it)."""
    canvas = Canvas.objects.select_related("page", "page__space").filter(pk=canvas_id).first() if str(canvas_id).isdigit() else None
    if canvas is None:
        raise NotFound("no such canvas")
    permissions.require(user, action, canvas.page)
    return canvas


def canvases_for(user, *, space_id: int | None = None, archived: bool = False):
    """The canvases whose pages ``user`` may view (in the trash when ``archived``)."""
    return Canvas.objects.filter(page__in=core.pages_for(user, space_id=space_id, archived=archived)).select_related("page").order_by("-page__updated_at", "-id")


def _clean_viewport(viewport) -> dict:
    if not isinstance(viewport, dict) or len(json.dumps(viewport)) > MAX_VIEWPORT_BYTES:
        raise InvalidInput(f"viewport is an object of at most {MAX_VIEWPORT_BYTES} bytes", field="viewport")
    allowed = {"scrollX", "scrollY", "zoom", "viewBackgroundColor", "gridSize"}
    unknown = set(viewport) - allowed
    if unknown:
        raise InvalidInput(f"viewport keeps only {', '.join(sorted(allowed))}", field=f"viewport.{sorted(unknown)[0]}")
    return viewport


@transaction.atomic
def update_canvas(actor, canvas: Canvas, *, title: str | None = None, icon: str | None = None, viewport: dict | None = None) -> Canvas:
    """Rename a canvas or change its icon (a page save, in its history) or its viewport."""
    permissions.require(actor, "edit", canvas.page)
    if canvas.page.archived_at is not None:
        raise Conflict("this canvas is in the trash: restore it first")
    if title is not None or icon is not None:
        core.update_page(actor, canvas.page, title=title, icon=icon)
    if viewport is not None:
        viewport = _clean_viewport(viewport)
        before = canvas.viewport
        canvas.viewport = viewport
        canvas.save(update_fields=["viewport", "updated_at"])
        record_event(actor=actor, action="canvas.update", target=canvas, target_name=canvas.page.title or "Untitled canvas",
                     changes=diff({"viewport": before}, {"viewport": viewport}))
    return canvas


def archive_canvas(actor, canvas: Canvas) -> Canvas:
    """To the trash, as its page (with the page's sub-pages)."""
    core.archive_page(actor, canvas.page)
    return canvas


def restore_canvas(actor, canvas: Canvas) -> Canvas:
    core.restore_page(actor, canvas.page)
    return canvas


def delete_canvas(actor, canvas: Canvas) -> None:
    """For good, from the trash: deleting its page deletes the scene with it."""
    core.delete_page(actor, canvas.page)
