"""``/api/v1/canvases`` and ``/canvases/{id}/elements``: parse, call the service, shape the answer.

A canvas is a page of the tree: ``page_id`` is that page (``side``: the canvas side of a document page, made with
``POST /api/v1/pages/{page_id}/canvas`` — "Open as canvas"), and its title, icon, place, trash, favourites,
permissions and history are the page's (``/api/v1/pages/{page_id}/...`` works on it too).

Elements are Excalidraw elements (JSON as Excalidraw keeps them). Saves are incremental: send only the elements
that changed, each with its ``id``, ``version`` and ``versionNonce``. An element is taken when its version is
higher than the stored one, or equal with a lower ``versionNonce`` (Excalidraw's own rule); otherwise it is
stale and the answer's ``rejected`` holds the stored element, which the client should take. ``sequence``
counts writes on the canvas: ``GET .../elements?since=N`` answers the elements changed after write N,
deleted ones (``isDeleted: true``) included.

What an element may be: types rectangle, ellipse, diamond, arrow, line, freedraw, text, image, frame and
embeddable; coordinates within ±1,000,000 and sizes within 0..100,000; text at most 10,000 characters
(control and bidirectional-override characters are removed); an image's ``fileId`` is ``attachment-<id>`` of a
file uploaded with ``POST /api/v1/pages/{page_id}/attachments`` that you can read; an ``embeddable`` is a card
of a page or database: ``customData.workos = {"card": "page"|"database", "id"}`` of one you can read. A bad
element answers 400 with ``error.code = "invalid_element"``, ``error.field = "elements[i]..."`` and
``error.element_id``; nothing of the request is stored.

Cards: ``cards`` maps each card element's id to what it shows *to you*: the page's icon, title and first lines
(a database: a small table of its first rows), or ``{"access": false, "title": "No access"}`` when you cannot
read it — never its title or values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema

from ipai_workos_core import services as core
from workos.api.pagination import DEFAULT_LIMIT, paginate
from workos.api.types import RecordId
from workos.kernel.errors import InvalidInput

from . import services

router = Router(tags=["canvases"])


class CanvasIn(Schema):
    space_id: RecordId | None = None
    parent_id: RecordId | None = None
    title: str = ""
    icon: str = services.DEFAULT_ICON


class CanvasPatch(Schema):
    title: str | None = None
    icon: str | None = None
    viewport: dict[str, Any] | None = None


class CanvasOut(Schema):
    id: int
    page_id: int
    side: bool
    space_id: int
    parent_id: int | None
    title: str
    icon: str
    viewport: dict[str, Any]
    sequence: int
    url: str
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CanvasPage(Schema):
    items: list[CanvasOut]
    count: int | None
    next_cursor: str | None


class CardTable(Schema):
    columns: list[str]
    rows: list[list[str]]
    more: bool


class CardOut(Schema):
    card: str
    id: int
    access: bool
    title: str
    icon: str
    lines: list[str]
    url: str | None
    archived: bool = False
    table: CardTable | None = None


class ElementsOut(Schema):
    sequence: int
    elements: list[dict[str, Any]]
    cards: dict[str, CardOut]


class ElementsIn(Schema):
    elements: list[Any]


class RejectedOut(Schema):
    id: str
    element: dict[str, Any]


class UpsertOut(Schema):
    sequence: int
    applied: list[str]
    unchanged: list[str]
    rejected: list[RejectedOut]
    missing: list[str] = []


def _out(canvas) -> dict:
    page = canvas.page
    return {"id": canvas.pk, "page_id": page.pk, "side": canvas.side, "space_id": page.space_id, "parent_id": page.parent_id, "title": page.title,
            "icon": page.icon, "viewport": canvas.viewport, "sequence": canvas.sequence, "url": f"/web/canvases/{canvas.pk}",
            "archived_at": page.archived_at, "created_at": canvas.created_at, "updated_at": page.updated_at}


@router.get("/canvases", response=CanvasPage, summary="Canvases you can see (`archived=true`: those in the trash)")
def list_canvases(request, space_id: RecordId | None = None, archived: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    result = paginate(services.canvases_for(request.user, space_id=space_id, archived=archived), limit, cursor)
    return {**result, "items": [_out(canvas) for canvas in result["items"]]}


@router.post("/canvases", response={201: CanvasOut}, summary="Create a canvas (a page of the tree) in a space or under a page")
def create_canvas(request, payload: CanvasIn):
    parent = core.get_page(request.user, payload.parent_id) if payload.parent_id is not None else None
    space = core.get_space(request.user, payload.space_id) if payload.space_id is not None and parent is None else None
    canvas = services.create_canvas(request.user, space=space, parent=parent, title=payload.title, icon=payload.icon)
    return 201, _out(canvas)


@router.post("/pages/{page_id}/canvas", response=CanvasOut,
             summary="Open a page as a canvas: its canvas side (made, empty, the first time, by someone who may edit the page)")
def open_as_canvas(request, page_id: RecordId):
    return _out(services.canvas_side(request.user, core.get_page(request.user, page_id)))


@router.get("/canvases/{canvas_id}", response=CanvasOut, summary="One canvas")
def get_canvas(request, canvas_id: RecordId):
    return _out(services.get_canvas(request.user, canvas_id))


@router.patch("/canvases/{canvas_id}", response=CanvasOut, summary="Rename a canvas, change its icon or its viewport")
def update_canvas(request, canvas_id: RecordId, payload: CanvasPatch):
    canvas = services.get_canvas(request.user, canvas_id)
    canvas = services.update_canvas(request.user, canvas, **payload.dict(exclude_unset=True))
    canvas.page.refresh_from_db()
    return _out(canvas)


@router.delete("/canvases/{canvas_id}", response=CanvasOut,
               summary="Move a canvas to the trash (`permanent=true`: delete it from the trash for good)")
def delete_canvas(request, canvas_id: RecordId, permanent: bool = False):
    canvas = services.get_canvas(request.user, canvas_id)
    out = _out(canvas)
    if permanent:
        services.delete_canvas(request.user, canvas)
        return out
    return _out(services.archive_canvas(request.user, canvas))


@router.post("/canvases/{canvas_id}/restore", response=CanvasOut, summary="Bring a canvas back from the trash")
def restore_canvas(request, canvas_id: RecordId):
    return _out(services.restore_canvas(request.user, services.get_canvas(request.user, canvas_id)))


@router.get("/canvases/{canvas_id}/preview.svg", summary="The canvas as a small SVG (the preview of a canvas embedded in a page)",
            response={200: str}, openapi_extra={"responses": {200: {"content": {"image/svg+xml": {}}}}})
def canvas_preview(request, canvas_id: RecordId):
    canvas = services.get_canvas(request.user, canvas_id)
    response = HttpResponse(services.preview_svg(canvas), content_type="image/svg+xml; charset=utf-8")
    # an SVG opened on its own is a document: it may run nothing and load nothing
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get("/canvases/{canvas_id}/elements", response=ElementsOut,
            summary="The scene: every live element, or (`since=N`) the elements changed after write N, deleted ones included")
def list_elements(request, canvas_id: RecordId, since: int | None = None):
    # The answer is ElementsOut, assembled as text by the service (the elements' JSON is not decoded and re-encoded).
    return HttpResponse(services.scene_json(request.user, services.get_canvas(request.user, canvas_id), since=since),
                        content_type="application/json")


@router.post("/canvases/{canvas_id}/elements", response=UpsertOut,
             summary="Save changed elements (incremental upsert by element id and version; stale ones come back in `rejected`)")
def upsert_elements(request, canvas_id: RecordId, payload: ElementsIn):
    return services.upsert_elements(request.user, services.get_canvas(request.user, canvas_id), payload.elements)


@router.patch("/canvases/{canvas_id}/elements", response=UpsertOut, summary="Same as POST: save changed elements")
def patch_elements(request, canvas_id: RecordId, payload: ElementsIn):
    return services.upsert_elements(request.user, services.get_canvas(request.user, canvas_id), payload.elements)


@router.delete("/canvases/{canvas_id}/elements", response=UpsertOut,
               summary="Delete elements (`ids=a,b,c`): each becomes a tombstone with the next version")
def delete_elements(request, canvas_id: RecordId, ids: str):
    element_ids = [part for part in ids.split(",") if part]
    if not element_ids:
        raise InvalidInput("ids names at least one element", field="ids")
    return services.delete_elements(request.user, services.get_canvas(request.user, canvas_id), element_ids)
