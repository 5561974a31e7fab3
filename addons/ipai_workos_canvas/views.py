"""The canvas page ``/web/canvases/{id}``: the Excalidraw island beside the sidebar page tree.

The server renders the shell, breadcrumbs and the page menu; the island gets the scene through a ``json_script``
block (the same answer as ``GET /api/v1/canvases/{id}/elements``, cards as this viewer may see them) and saves
through the API. ``/web/pages/{page_id}`` of a canvas's page sends here (``canvas_route``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks.views import page_breadcrumbs, page_tree
from ipai_workos_core import services as core
from workos.kernel.errors import NotFound, PermissionDenied
from workos.web.menus import menu_tree

from . import services
from .models import Canvas


def canvas_route(page) -> str | None:
    """Where a page opens when it is a canvas (registered in blocks' ``PAGE_ROUTES``)."""
    canvas_id = Canvas.objects.filter(page=page, side=False).values_list("pk", flat=True).first()  # a side canvas: the page is a document
    return f"/web/canvases/{canvas_id}" if canvas_id else None


def canvas_side_link(request, page) -> str:
    """Under the page title, for whoever may read the page: a link to its canvas side when it has one (registered in
    blocks' ``PAGE_HEADERS``). Readers reach the canvas here; the page menu's "Open as canvas", which makes the side
    the first time, is offered to people who may edit the page."""
    canvas_id = Canvas.objects.filter(page=page, side=True).values_list("pk", flat=True).first()
    if canvas_id is None or not permissions.can(request.user, "read", page):
        return ""
    return format_html('<div class="page-canvas-side"><a class="page-canvas-link" href="/web/canvases/{}" data-canvas-side>🎨 Canvas</a></div>', canvas_id)


_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _json_script(element_id: str, text: str) -> str:
    """Django's ``json_script`` for JSON that is already text: the same escapes (which only occur inside JSON
    strings, where the escaped form means the same), so that nothing in it can close the script element."""
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text.translate(_SCRIPT_ESCAPES)))


@never_cache
@login_required
@require_GET
def canvas_view(request, canvas_id: int):
    """One canvas. Canvases the user may not view do not exist for them (404)."""
    try:
        canvas = services.get_canvas(request.user, canvas_id)
    except (NotFound, PermissionDenied):
        raise Http404("no such canvas") from None
    page = canvas.page
    archived = page.archived_at is not None
    editable = not archived and permissions.can(request.user, "edit", page)
    meta = {"id": canvas.pk, "page_id": page.pk, "title": page.title, "icon": page.icon, "editable": editable, "archived": archived,
            "viewport": canvas.viewport, "workspace_id": page.space.workspace_id, "space_id": page.space_id}
    context = {
        "menus": menu_tree(request.user),
        "page": page,
        "canvas": canvas,
        "canvas_meta": meta,
        "scene": _json_script("workos-canvas-scene", services.scene_json(request.user, canvas)),
        "tree": page_tree(request.user, page.space.workspace, page.pk),
        "breadcrumbs": page_breadcrumbs(request.user, page),
        "page_menu": {
            "id": page.pk, "title": page.title, "archived": archived, "editable": editable,
            "favorite": any(favorite.page_id == page.pk for favorite in core.favorites_for(request.user)),
        },
    }
    return render(request, "ipai_workos_canvas/canvas.html", context)


def head_contribution(request) -> str:
    """Tells the sidebar island that canvases can be made here (its "New canvas" button), for people logged in."""
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated or not request.path.startswith("/web"):
        return ""
    return '<meta name="workos-canvas" content="/api/v1/canvases">'
