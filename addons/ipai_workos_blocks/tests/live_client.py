"""A small y-websocket client on pycrdt for the live tests: a Yjs document synced with ``/ws/pages/{id}``.

It speaks the protocol as y-websocket's provider does (sync step 1 on open, step 2 in reply, updates both ways,
awareness) and reads the server's ``saved`` acknowledgement (``?ack=1``): ``saved()`` is true once the server
said it stored everything this document holds.
"""

from __future__ import annotations

import asyncio
import json

import websockets
from pycrdt import Decoder, Doc, XmlElement, XmlFragment, XmlText, write_var_uint

SYNC, AWARENESS, AUTH, SAVED = 0, 1, 2, 100


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + write_var_uint(len(payload)) + payload


def _state_vector(data: bytes) -> dict[int, int]:
    decoder = Decoder(data)
    return {decoder.read_var_uint(): decoder.read_var_uint() for _ in range(decoder.read_var_uint())}


class LiveClient:
    def __init__(self, base_url: str, page_id: int, token: str, doc: Doc | None = None, ack: bool = True):
        self.url = base_url.replace("http://", "ws://") + f"/ws/pages/{page_id}?token={token}" + ("&ack=1" if ack else "")
        self.doc = doc or Doc()
        self.ws = None
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.denied: list[str] = []
        self.awareness: dict[int, dict] = {}
        self.server_state: dict[int, int] = {}
        self._applying = False
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._sending = asyncio.Event()
        self._sending.set()
        self._subscription = self.doc.observe(self._on_transaction)
        self.online = False

    @property
    def fragment(self) -> XmlFragment:
        return self.doc.get("default", type=XmlFragment)

    def _on_transaction(self, event) -> None:
        if not self._applying and event.update != b"\x00\x00":
            self._outbox.put_nowait(_frame(bytes([SYNC, 2]), event.update))

    async def connect(self) -> "LiveClient":
        self.synced.clear()
        self.closed.clear()
        self.ws = await websockets.connect(self.url, max_size=None)
        self.online = True
        self._outbox = asyncio.Queue()  # what was queued while offline reaches the server through sync step 2
        self._outbox.put_nowait(_frame(bytes([SYNC, 0]), self.doc.get_state()))
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._write())]
        return self

    async def _write(self) -> None:
        while True:
            message = await self._outbox.get()
            await self._sending.wait()
            try:
                await self.ws.send(message)
            except websockets.ConnectionClosed:
                # keep it: y-websocket resends what the server lacks through sync step 1/2 on reconnect
                return

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                self._handle(message)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.online = False
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason or ""
            self.closed.set()

    def _handle(self, message: bytes) -> None:
        kind = message[0]
        if kind == SYNC:
            step = message[1]
            payload = Decoder(message[2:]).read_message()
            if step == 0:
                self.ws_send(_frame(bytes([SYNC, 1]), self.doc.get_update(payload)))
            else:
                self._applying = True
                try:
                    self.doc.apply_update(payload)
                finally:
                    self._applying = False
                if step == 1:
                    self.synced.set()
        elif kind == AWARENESS:
            decoder = Decoder(Decoder(message[1:]).read_message())
            for _ in range(decoder.read_var_uint()):
                client, _clock, state = decoder.read_var_uint(), decoder.read_var_uint(), decoder.read_var_string()
                if state == "null":
                    self.awareness.pop(client, None)
                else:
                    self.awareness[client] = json.loads(state)
        elif kind == AUTH:
            self.denied.append(Decoder(message[2:]).read_var_string())
        elif kind == SAVED:
            self.server_state = _state_vector(Decoder(message[1:]).read_message())

    def hold_sending(self) -> None:
        """Keep local edits from the server (a slow network) until ``release_sending``; what the server sends still
        arrives."""
        self._sending.clear()

    def release_sending(self) -> None:
        self._sending.set()

    def ws_send(self, message: bytes) -> None:
        self._outbox.put_nowait(message)

    async def send_raw(self, message: bytes) -> None:
        await self.ws.send(message)

    async def set_awareness(self, state: dict, clock: int = 1) -> None:
        encoded = json.dumps(state).encode()
        payload = write_var_uint(1) + write_var_uint(self.doc.client_id) + write_var_uint(clock) + write_var_uint(len(encoded)) + encoded
        await self.ws.send(_frame(bytes([AWARENESS]), payload))

    def saved(self) -> bool:
        local = _state_vector(self.doc.get_state())
        return all(self.server_state.get(client, 0) >= clock for client, clock in local.items())

    async def wait_saved(self, timeout: float = 15) -> None:
        await wait_for(self.saved, timeout, "the server never acknowledged every local edit")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        for task in self._tasks:
            task.cancel()
        self.online = False

    # --- editing the document as y-prosemirror does -------------------------------------------------

    def paragraphs(self) -> list[str]:
        out = []
        for element in self.fragment.children:
            if isinstance(element, XmlElement):
                out.append("".join(str(child) for child in element.children if isinstance(child, XmlText)))
        return out

    def add_paragraph(self, text: str, index: int | None = None) -> None:
        with self.doc.transaction():
            at = len(self.fragment.children) if index is None else index
            element = self.fragment.children.insert(at, XmlElement("paragraph"))
            element.children.append(XmlText(text))

    def type_into(self, paragraph: int, offset: int, text: str) -> None:
        element = self.fragment.children[paragraph]
        with self.doc.transaction():
            if not len(element.children):
                element.children.append(XmlText(text))
                return
            run = element.children[0]
            run.insert(min(offset, len(run)), text)

    def delete_in(self, paragraph: int, offset: int, length: int) -> None:
        element = self.fragment.children[paragraph]
        if len(element.children):
            run = element.children[0]
            start = min(offset, len(run))
            stop = min(start + length, len(run))
            if stop > start:
                del run[start:stop]


async def wait_for(condition, timeout: float = 15, message: str = "condition not met in time") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.05)
