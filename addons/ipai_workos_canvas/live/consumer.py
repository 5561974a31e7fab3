"""The WebSocket of a live canvas, ``/ws/canvases/{canvas_id}``: element-level merge, pointers, presence.

Messages are JSON text. The scene is merged element by element with the canvas services' rule (higher
``version`` wins; equal versions: the lower ``versionNonce``), so every client and the server settle on the
same scene whatever order writes arrive in — never "last save wins" over a whole scene.

Server → client
``{"type": "hello", "sequence", "writable", "client", "user": {"id", "name"}}``
    once connected; ``client`` is this connection's id, as others see it in ``pointer`` and ``left``.
``{"type": "elements", "sequence", "elements": [...], "cards": {...}}``
    elements changed by someone else (live or through the API), as stored; ``cards`` says what each card
    among them shows to *this* viewer. Sent first after ``hello`` with the elements changed after ``?since=N``
    (without ``since``: the whole scene).
``{"type": "saved", "ref", "sequence", "applied", "unchanged", "rejected": [{"id", "element"}]}``
    the answer to this client's write; ``rejected`` holds the stored elements that won over stale ones.
``{"type": "error", "ref", "code", "message", "field", "element_id"}``
    a write refused (``read_only`` for a viewer, ``invalid_element`` naming the bad element, ...): nothing of
    it was stored.
``{"type": "pointer", "client", "user", "pointer": {"x", "y", "tool"}, "button", "selectedElementIds"}``
    another client's pointer (ephemeral: never stored).
``{"type": "left", "client"}``
    another client went away.
``{"type": "access", "writable"}``
    this user's right to change the canvas changed while connected (a grant given or taken back).

Client → server
``{"type": "elements", "ref", "elements": [...]}``  changed elements (Excalidraw JSON with id, version,
versionNonce); ``{"type": "pointer", "pointer": {"x", "y", "tool"}, "button", "selectedElementIds"}``.

Authenticated like live pages (session cookie of this site or ``?token=``). Close codes: 4400 malformed
message · 1009 message too big · 4401 not logged in · 4404 no such canvas (the same for one that may not be
read) · 4403 access revoked while connected.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ipai_workos_blocks.services.live import RECHECK_GROUP
from ipai_workos_core.live.sockets import authenticate, leave_token_group, still_allowed
from workos.kernel.errors import NotFound, ServiceError

from .. import services
from ..services import live

logger = logging.getLogger("workos.live")

CLOSE_MALFORMED, CLOSE_TOO_BIG, CLOSE_UNAUTHENTICATED, CLOSE_NOT_FOUND, CLOSE_REVOKED = 4400, 1009, 4401, 4404, 4403
POINTER_TOOLS = ("pointer", "laser")


def _scene(user, canvas_id: int, since: int | None) -> dict:
    canvas = services.get_canvas(user, canvas_id)
    return json.loads(services.scene_json(user, canvas, since=since))


def _write(user, canvas_id: int, elements, origin: str) -> dict:
    canvas = services.get_canvas(user, canvas_id)
    return services.upsert_elements(user, canvas, elements, origin=origin)


def _cards(user, elements: list[dict]) -> dict:
    return services.cards_for(user, [(element["id"], element) for element in elements])


def _pointer(message: dict) -> dict | None:
    """The pointer part of a client's message, kept to what Excalidraw's collaborators show; None when malformed."""
    pointer = message.get("pointer")
    if not isinstance(pointer, dict):
        return None
    x, y = pointer.get("x"), pointer.get("y")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
        return None
    selected = message.get("selectedElementIds")
    selected = {str(key)[:64]: True for key in list(selected)[:200]} if isinstance(selected, dict) else {}
    return {"pointer": {"x": x, "y": y, "tool": pointer.get("tool") if pointer.get("tool") in POINTER_TOOLS else "pointer"},
            "button": "down" if message.get("button") == "down" else "up", "selectedElementIds": selected}


class CanvasConsumer(AsyncWebsocketConsumer):
    """One client of one live canvas."""

    async def connect(self):
        self.canvas_id = None
        self.user = None
        self.writable = False
        self.group = ""
        self.token_group = ""
        self.client_id = uuid.uuid4().hex[:16]
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.user = await authenticate(self, query.get("token", [""])[0])
        if self.user is None:
            return await self.close(code=CLOSE_UNAUTHENTICATED, reason="log in, or pass an API token as ?token=")
        try:
            canvas, self.writable = await database_sync_to_async(live.open_canvas)(self.user, self.scope["url_route"]["kwargs"]["canvas_id"])
        except NotFound:
            return await self.close(code=CLOSE_NOT_FOUND, reason="no such canvas")
        since_text = query.get("since", [""])[0]
        since = int(since_text) if since_text.isdigit() else None
        self.canvas_id = canvas.pk
        self.group = live.room_group(canvas.pk)
        # join the room before reading the scene: a write committed in between is sent twice, never missed
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(RECHECK_GROUP, self.channel_name)
        self.name = await database_sync_to_async(lambda: self.user.get_full_name() or self.user.get_username())()
        scene = await database_sync_to_async(_scene)(self.user, canvas.pk, since)
        await self._send({"type": "hello", "sequence": scene["sequence"], "writable": self.writable, "client": self.client_id,
                          "user": {"id": self.user.pk, "name": self.name}})
        await self._send({"type": "elements", **scene})

    async def disconnect(self, code):
        await leave_token_group(self)
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(RECHECK_GROUP, self.channel_name)
            await self.channel_layer.group_send(self.group, {"type": "canvas.left", "client": self.client_id, "sender": self.channel_name})

    async def _send(self, message: dict) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False, separators=(",", ":")))

    async def receive(self, text_data=None, bytes_data=None):
        if not self.group:
            return
        if text_data is None:
            return await self.close(code=CLOSE_MALFORMED, reason="messages are JSON text")
        if len(text_data) > live.MAX_MESSAGE_BYTES:
            return await self.close(code=CLOSE_TOO_BIG, reason=f"a message may hold at most {live.MAX_MESSAGE_BYTES} bytes")
        try:
            message = json.loads(text_data)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            return await self.close(code=CLOSE_MALFORMED, reason="a message is a JSON object")
        kind = message.get("type")
        if kind == "elements":
            await self._receive_elements(message)
        elif kind == "pointer":
            pointer = _pointer(message) if len(text_data) <= live.MAX_POINTER_BYTES else None
            if pointer is None:
                return await self.close(code=CLOSE_MALFORMED, reason="a pointer is {pointer: {x, y}} with finite numbers")
            await self.channel_layer.group_send(self.group, {
                "type": "canvas.pointer", "sender": self.channel_name,
                "message": {"type": "pointer", "client": self.client_id, "user": {"id": self.user.pk, "name": self.name}, **pointer}})
        else:
            return await self.close(code=CLOSE_MALFORMED, reason=f"unknown message type {kind!r}")

    async def _receive_elements(self, message: dict) -> None:
        ref = message.get("ref")
        ref = ref if isinstance(ref, (int, str)) and not isinstance(ref, bool) else None
        if not self.writable:
            logger.warning("live canvas %s: refused a write from %s, who may only view it", self.canvas_id, self.user)
            return await self._send({"type": "error", "ref": ref, "code": "read_only",
                                     "message": "read-only: you may view this canvas live; your changes are not saved"})
        try:
            answer = await database_sync_to_async(_write)(self.user, self.canvas_id, message.get("elements"), self.channel_name)
        except ServiceError as error:
            return await self._send({"type": "error", "ref": ref, "code": error.code, "message": error.message, "field": error.field,
                                     "element_id": error.details.get("element_id")})
        await self._send({"type": "saved", "ref": ref, **answer})

    # --- channel-layer events ------------------------------------------------------------------------

    async def canvas_elements(self, event):
        if event["sender"] == self.channel_name or self.user is None:
            return
        elements = event["elements"]
        cards = await database_sync_to_async(_cards)(self.user, elements) if any(e.get("type") == "embeddable" for e in elements) else {}
        await self._send({"type": "elements", "sequence": event["sequence"], "elements": elements, "cards": cards})

    async def canvas_pointer(self, event):
        if event["sender"] != self.channel_name:
            await self._send(event["message"])

    async def canvas_left(self, event):
        if event["sender"] != self.channel_name:
            await self._send({"type": "left", "client": event["client"]})

    async def token_revoked(self, event):
        await self.close(code=CLOSE_REVOKED, reason="your API token was revoked")

    async def live_recheck(self, event):
        if self.canvas_id is None or self.user is None:
            return
        if not await still_allowed(self):
            return await self.close(code=CLOSE_REVOKED, reason="your API token was revoked" if self.token else "your access to this canvas was revoked")
        readable, writable = await database_sync_to_async(live.access)(self.user, self.canvas_id)
        if not readable:
            logger.info("live canvas %s: %s lost access; closing their session", self.canvas_id, self.user)
            return await self.close(code=CLOSE_REVOKED, reason="your access to this canvas was revoked")
        if writable != self.writable:
            self.writable = writable
            await self._send({"type": "access", "writable": writable})
