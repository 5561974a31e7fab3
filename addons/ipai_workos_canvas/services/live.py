"""Live canvases (``/ws/canvases/{canvas_id}``): what the WebSocket consumer (``ipai_workos_canvas.live``) asks of
this module, and how accepted element writes reach the canvas's live room.

Every element write, live or through the REST API, goes through ``upsert_elements`` (permission, validation,
the merge rule, audit, history, search); once it commits, ``publish_elements`` sends the elements it changed to
the canvas's channel-layer group, so every live client of the canvas, in every process, gets them — except
the connection that sent them (``origin``), which gets its own answer instead.
"""

from __future__ import annotations

import logging

from django.db import transaction

from ipai_platform_permissions import services as permissions
from workos.kernel.errors import NotFound

from ..models import Canvas

logger = logging.getLogger("workos.live")

MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # one message of a live client: a write of 2,000 elements fits
MAX_POINTER_BYTES = 8192  # a pointer with the ids of up to 100 selected elements


def room_group(canvas_id: int) -> str:
    """The channel-layer group of a canvas's live room (every connection in every process joins it)."""
    return f"workos.live.canvas.{int(canvas_id)}"


def open_canvas(user, canvas_id) -> tuple[Canvas, bool]:
    """The canvas ``user`` may open live and whether they may change it. NotFound for a canvas that does not exist
    and for one that may not be read (the same answer for both)."""
    try:
        number = int(canvas_id)
    except (TypeError, ValueError):
        raise NotFound("no such canvas") from None
    canvas = Canvas.objects.select_related("page").filter(pk=number).first()
    if canvas is None or not permissions.can(user, "read", canvas.page):
        raise NotFound("no such canvas")
    return canvas, canvas.page.archived_at is None and permissions.can(user, "edit", canvas.page)


def access(user, canvas_id: int) -> tuple[bool, bool]:
    """(readable, writable) of a live canvas for ``user`` now: re-checked when access changes."""
    canvas = Canvas.objects.select_related("page").filter(pk=canvas_id).first()
    if canvas is None or user is None or not user.is_active:
        return False, False
    readable = permissions.can(user, "read", canvas.page)
    return readable, readable and canvas.page.archived_at is None and permissions.can(user, "edit", canvas.page)


def publish_elements(canvas_id: int, sequence: int, elements: list[dict], origin: str = "") -> None:
    """Once the write commits, send the elements it changed (as stored) to the canvas's live room. A channel
    layer that cannot be reached is logged, not raised: the write has committed, and a client that reconnects
    reads what it missed (``?since=``)."""
    if not elements:
        return
    message = {"type": "canvas.elements", "sequence": int(sequence), "elements": elements, "sender": origin}

    def send():
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(room_group(canvas_id), message)
        except Exception:
            logger.exception("live canvas %s: could not publish a write", canvas_id)

    transaction.on_commit(send)
