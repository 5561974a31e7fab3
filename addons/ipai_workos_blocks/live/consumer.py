"""The WebSocket of a live page, ``/ws/pages/{page_id}``: the y-websocket protocol (Yjs sync + awareness) served
by Django Channels with pycrdt's protocol helpers.

One ``Room`` per page and process holds the page's Yjs document (loaded from the database) and the awareness
states of its clients. Every connection, in every process, joins the page's channel-layer group: updates and
awareness fan out through the layer (in memory for one process, Redis for several), never through a broker of
our own. Order for an update from a client: check it, store it (committed), apply it to the room's document,
relay it, then acknowledge it — so nothing is acknowledged that a crash could lose. Updates that arrive while
the room's previous commit runs are stored together in the next one (group commit): one commit per batch, not per
keystroke, keeps a busy room's latency flat.

Close codes (the reason says the same in words):
4400 malformed message · 1009 message too big · 4401 not logged in (or a cross-site session) · 4404 no such page
(the same for a page that exists but may not be read) · 4403 access revoked while connected · 4429 too many
live connections for this user · 1011 the server could not store an update (reconnect and the client resyncs).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from pycrdt import Awareness, Decoder, Doc, YMessageType, YSyncMessageType, create_sync_message, create_update_message
from pycrdt import write_var_uint

from ipai_workos_core.live.sockets import authenticate, leave_token_group, still_allowed
from workos.kernel.errors import NotFound

from ..services import live

logger = logging.getLogger("workos.live")

MESSAGE_AUTH = 2  # y-websocket's auth message: "permission denied" with a reason
MESSAGE_QUERY_AWARENESS = 3
MESSAGE_SAVED = 100  # WorkOS: the server's state vector once updates are stored (sent when the URL has ?ack=1)
MAX_CONNECTIONS_PER_USER = 50  # per process
DERIVE_AFTER = 2.0  # seconds of quiet before the blocks are derived from the live document

CLOSE_MALFORMED, CLOSE_TOO_BIG, CLOSE_UNAUTHENTICATED = 4400, 1009, 4401
CLOSE_NOT_FOUND, CLOSE_REVOKED, CLOSE_TOO_MANY, CLOSE_STORE_FAILED = 4404, 4403, 4429, 1011


# This process, on relayed messages: a room already holds the updates its own connections sent.
PROCESS = uuid.uuid4().hex


class Malformed(Exception):
    pass


def _read_payload(data: bytes, start: int) -> bytes:
    """The length-prefixed payload at ``start``, which must end the message."""
    length, shift, index = 0, 0, start
    while True:
        if index >= len(data) or shift > 35:
            raise Malformed("truncated length")
        byte = data[index]
        length |= (byte & 0x7F) << shift
        shift += 7
        index += 1
        if byte < 0x80:
            break
    if index + length != len(data):
        raise Malformed("the payload length does not match the message")
    return data[index:]


def _awareness_clients(payload: bytes) -> list[tuple[int, int]]:
    """(client id, clock) of each entry of an awareness update; Malformed when it does not parse."""
    decoder = Decoder(payload)
    try:
        entries = []
        for _ in range(decoder.read_var_uint()):
            client_id, clock = decoder.read_var_uint(), decoder.read_var_uint()
            decoder.read_var_string()
            entries.append((client_id, clock))
        if decoder.length != 0:
            raise Malformed("trailing bytes in an awareness update")
        return entries
    except (IndexError, RuntimeError, UnicodeDecodeError):
        raise Malformed("malformed awareness update") from None


def _awareness_message(payload: bytes) -> bytes:
    return bytes([YMessageType.AWARENESS]) + write_var_uint(len(payload)) + payload


def _saved_message(state: bytes) -> bytes:
    return bytes([MESSAGE_SAVED]) + write_var_uint(len(state)) + state


def _permission_denied(reason: str) -> bytes:
    encoded = reason.encode()
    return bytes([MESSAGE_AUTH, 0]) + write_var_uint(len(encoded)) + encoded


class Room:
    """A page's live document and awareness in this process."""

    def __init__(self, page_id: int):
        self.page_id = page_id
        self.doc: Doc | None = None
        self.awareness: Awareness | None = None
        self.connections: set = set()
        self.lock = asyncio.Lock()
        self.derive_task: asyncio.Task | None = None
        self.last_editor = None
        self.pending: list[tuple[object, bytes, asyncio.Future]] = []
        self.commit_task: asyncio.Task | None = None

    async def store(self, user, update: bytes) -> None:
        """Return once ``update`` is committed; raise what the commit raised. The room's commit task stores
        what arrived while it was busy in one transaction, in arrival order."""
        waiting = asyncio.get_running_loop().create_future()
        self.pending.append((user, update, waiting))
        if self.commit_task is None or self.commit_task.done():
            self.commit_task = asyncio.get_running_loop().create_task(self._commit_pending())
        await waiting

    async def _commit_pending(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                await database_sync_to_async(live.append_updates)(self.page_id, [(user, update) for user, update, _ in batch])
            except BaseException as error:  # every waiting sender hears of it (and closes its socket)
                for _user, _update, waiting in batch:
                    if not waiting.done():
                        waiting.set_exception(error if isinstance(error, Exception) else RuntimeError("update not stored"))
                if not isinstance(error, Exception):
                    raise
            else:
                for _user, _update, waiting in batch:
                    if not waiting.done():
                        waiting.set_result(None)

    async def ensure_loaded(self, page) -> None:
        async with self.lock:
            if self.doc is not None:
                return
            state, pending = await database_sync_to_async(live.load)(page)
            doc = Doc()
            doc.apply_update(state)
            self.doc, self.awareness = doc, Awareness(doc)
            self.awareness.set_local_state(None)
            if pending:  # edits stored before a crash that never reached the blocks
                self.schedule_derive(None)

    def schedule_derive(self, editor) -> None:
        if editor is not None:
            self.last_editor = editor
        if self.derive_task is not None and not self.derive_task.done():
            self.derive_task.cancel()
        self.derive_task = asyncio.get_running_loop().create_task(self._derive_later())

    async def _derive_later(self) -> None:
        await asyncio.sleep(DERIVE_AFTER)
        await self.flush()

    async def flush(self) -> None:
        """Derive the blocks now and fold a long log into the snapshot."""
        await database_sync_to_async(live.derive_blocks)(self.page_id, self.last_editor)
        if await database_sync_to_async(live.log_length)(self.page_id) >= live.COMPACT_AFTER:
            await database_sync_to_async(live.compact)(self.page_id)


ROOMS: dict[int, Room] = {}


class PageConsumer(AsyncWebsocketConsumer):
    """One client of one live page."""

    async def connect(self):
        self.room = None
        self.user = None
        self.writable = False
        self.client_ids: dict[int, int] = {}
        self.told_read_only = False
        self.token_group = ""
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.ack = query.get("ack", [""])[0] in ("1", "true")
        self.user = await authenticate(self, query.get("token", [""])[0])
        if self.user is None:
            return await self.close(code=CLOSE_UNAUTHENTICATED, reason="log in, or pass an API token as ?token=")
        try:
            page, self.writable = await database_sync_to_async(live.open_page)(self.user, self.scope["url_route"]["kwargs"]["page_id"])
        except NotFound:
            return await self.close(code=CLOSE_NOT_FOUND, reason="no such page")
        if sum(1 for room in ROOMS.values() for c in room.connections if c.user.pk == self.user.pk) >= MAX_CONNECTIONS_PER_USER:
            return await self.close(code=CLOSE_TOO_MANY, reason=f"at most {MAX_CONNECTIONS_PER_USER} live connections per user")
        self.room = ROOMS.setdefault(page.pk, Room(page.pk))
        self.room.connections.add(self)
        try:
            await self.room.ensure_loaded(page)
        except Exception:
            logger.exception("live page %s: could not load its document", page.pk)
            return await self.close(code=CLOSE_STORE_FAILED, reason="the page's live document could not be loaded")
        self.group = live.room_group(page.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(live.RECHECK_GROUP, self.channel_name)
        await self.send(bytes_data=create_sync_message(self.room.doc))
        if self.ack:  # all the server holds is stored: a client that has just this is saved
            await self.send(bytes_data=_saved_message(self.room.doc.get_state()))
        others = [client for client in self.room.awareness.states if client != self.room.awareness.client_id]
        if others:
            await self.send(bytes_data=_awareness_message(self.room.awareness.encode_awareness_update(others)))
        if not self.writable:
            await self._tell_read_only()

    async def _tell_read_only(self):
        if not self.told_read_only:
            self.told_read_only = True
            await self.send(bytes_data=_permission_denied("read-only: you may view this page live; your changes are not saved"))

    async def disconnect(self, code):
        await leave_token_group(self)
        room = self.room
        if room is None:
            return
        room.connections.discard(self)
        await self.channel_layer.group_discard(live.RECHECK_GROUP, self.channel_name)
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.client_ids and room.awareness is not None:
                payload = bytearray(write_var_uint(len(self.client_ids)))
                for client_id, clock in self.client_ids.items():
                    payload += write_var_uint(client_id) + write_var_uint(clock + 1) + write_var_uint(4) + b"null"
                room.awareness.apply_awareness_update(bytes(payload), self)
                await self.channel_layer.group_send(self.group, {"type": "live.awareness", "payload": bytes(payload), "sender": self.channel_name})
        if not room.connections:
            # The last one out: the blocks get every edit now, and the room leaves memory.
            if room.derive_task is not None and not room.derive_task.done():
                room.derive_task.cancel()
            ROOMS.pop(room.page_id, None)
            try:
                await room.flush()
            except Exception:
                logger.exception("live page %s: could not derive blocks on the last disconnect", room.page_id)

    async def receive(self, text_data=None, bytes_data=None):
        if self.room is None or self.room.doc is None:
            return
        if bytes_data is None:
            return await self.close(code=CLOSE_MALFORMED, reason="Yjs messages are binary")
        if len(bytes_data) > live.MAX_UPDATE_BYTES:
            logger.warning("live page %s: %s sent a message of %s bytes; closed", self.room.page_id, self.user, len(bytes_data))
            return await self.close(code=CLOSE_TOO_BIG, reason=f"a message may hold at most {live.MAX_UPDATE_BYTES} bytes")
        try:
            await self._handle(bytes_data)
        except Malformed as error:
            logger.warning("live page %s: malformed message from %s: %s", self.room.page_id, self.user, error)
            await self.close(code=CLOSE_MALFORMED, reason=f"malformed Yjs message: {error}")

    async def _handle(self, data: bytes) -> None:
        if not data:
            raise Malformed("empty message")
        kind = data[0]
        if kind == YMessageType.SYNC:
            if len(data) < 2:
                raise Malformed("sync message without a type")
            step, payload = data[1], _read_payload(data, 2)
            if step == YSyncMessageType.SYNC_STEP1:
                try:
                    update = self.room.doc.get_update(payload)
                except Exception:
                    raise Malformed("bad state vector") from None
                await self.send(bytes_data=bytes([YMessageType.SYNC, YSyncMessageType.SYNC_STEP2]) + write_var_uint(len(update)) + update)
                return
            if step not in (YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
                raise Malformed(f"unknown sync message type {step}")
            await self._receive_update(payload)
        elif kind == YMessageType.AWARENESS:
            payload = self._as_this_user(_read_payload(data, 1))
            for client_id, clock in _awareness_clients(payload):
                self.client_ids[client_id] = clock
            self.room.awareness.apply_awareness_update(payload, self)
            await self.channel_layer.group_send(self.group, {"type": "live.awareness", "payload": payload, "sender": self.channel_name})
        elif kind == MESSAGE_QUERY_AWARENESS:
            clients = [client for client in self.room.awareness.states if client != self.room.awareness.client_id]
            await self.send(bytes_data=_awareness_message(self.room.awareness.encode_awareness_update(clients)))
        elif kind == MESSAGE_AUTH:
            return
        else:
            raise Malformed(f"unknown message type {kind}")

    def _as_this_user(self, payload: bytes) -> bytes:
        """The awareness update with its ``user`` field set to who is really connected: a client cannot show its
        caret and avatar under someone else's name. The colour is the client's choice."""
        decoder = Decoder(payload)
        out = bytearray()
        try:
            count = decoder.read_var_uint()
            out += write_var_uint(count)
            for _ in range(count):
                client_id, clock, state = decoder.read_var_uint(), decoder.read_var_uint(), decoder.read_var_string()
                if state and state != "null":
                    value = json.loads(state)
                    if not isinstance(value, dict):
                        raise Malformed("an awareness state is an object")
                    chosen = value.get("user") if isinstance(value.get("user"), dict) else {}
                    value["user"] = {"id": self.user.pk, "name": self.user.get_full_name() or self.user.get_username(),
                                     **({"color": chosen["color"]} if isinstance(chosen.get("color"), str) else {})}
                    state = json.dumps(value, separators=(",", ":"))
                encoded = state.encode()
                out += write_var_uint(client_id) + write_var_uint(clock) + write_var_uint(len(encoded)) + encoded
        except (IndexError, RuntimeError, UnicodeDecodeError, ValueError):
            raise Malformed("malformed awareness update") from None
        if decoder.length != 0:
            raise Malformed("trailing bytes in an awareness update")
        return bytes(out)

    async def _receive_update(self, update: bytes) -> None:
        if update == b"\x00\x00":
            return
        if not self.writable:
            logger.warning("live page %s: dropped an update from %s, who may only view it", self.room.page_id, self.user)
            return await self._tell_read_only()
        try:
            Doc().apply_update(update)  # parses it, in a scratch document
        except Exception:
            raise Malformed("the update does not decode") from None
        try:
            await self.room.store(self.user, update)
        except Exception:
            logger.exception("live page %s: could not store an update", self.room.page_id)
            return await self.close(code=CLOSE_STORE_FAILED, reason="the update could not be stored; reconnect to resend it")
        self.room.doc.apply_update(update)
        await self.channel_layer.group_send(
            self.group, {"type": "live.update", "update": update, "sender": self.channel_name, "process": PROCESS}
        )
        self.room.schedule_derive(self.user)
        if self.ack:
            await self.send(bytes_data=_saved_message(self.room.doc.get_state()))

    # --- channel-layer events ------------------------------------------------------------------------

    async def live_update(self, event):
        if self.room is None or self.room.doc is None:
            return
        if event.get("process") != PROCESS:  # from another process or a REST write (this room has its own already)
            self.room.doc.apply_update(event["update"])
        if event["sender"] != self.channel_name:
            await self.send(bytes_data=create_update_message(event["update"]))
            if self.ack:
                await self.send(bytes_data=_saved_message(self.room.doc.get_state()))

    async def live_awareness(self, event):
        if self.room is not None and event["sender"] != self.channel_name:
            if self.room.awareness is not None:
                self.room.awareness.apply_awareness_update(event["payload"], None)
            await self.send(bytes_data=_awareness_message(event["payload"]))

    async def token_revoked(self, event):
        await self.close(code=CLOSE_REVOKED, reason="your API token was revoked")

    async def live_recheck(self, event):
        if self.room is None or self.user is None:
            return
        if not await still_allowed(self):
            return await self.close(code=CLOSE_REVOKED, reason="your API token was revoked" if self.token else "your access to this page was revoked")
        readable, writable = await database_sync_to_async(live.access)(self.user, self.room.page_id)
        if not readable:
            logger.info("live page %s: %s lost access; closing their session", self.room.page_id, self.user)
            return await self.close(code=CLOSE_REVOKED, reason="your access to this page was revoked")
        if self.writable and not writable:
            self.told_read_only = False
            self.writable = False
            await self._tell_read_only()
        self.writable = writable
