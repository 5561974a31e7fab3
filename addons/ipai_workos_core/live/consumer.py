"""``/ws/events``: live notices for one user (see the package docstring). The server only sends; what a client
sends is ignored."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from ipai_platform_permissions import services as permissions
from workos.kernel.errors import ServiceError

from .events import EVENTS_GROUP, user_group
from .sockets import authenticate, leave_token_group, still_allowed

logger = logging.getLogger("workos.live")

CLOSE_UNAUTHENTICATED, CLOSE_REVOKED = 4401, 4403
MAX_FINGERPRINTS = 5000


def readable(user, items: list[dict]) -> list[bool]:
    """For each item, whether ``user`` may read its object now (an object that is gone: no)."""
    answers = []
    for item in items:
        model, object_id = item["about"]
        try:
            obj = permissions.object_for(model, object_id)
        except ServiceError:
            answers.append(False)
            continue
        answers.append(permissions.can(user, "read", obj))
    return answers


class EventsConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = None
        self.token_group = ""
        self.fingerprints: dict[tuple, str] = {}
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.user = await authenticate(self, query.get("token", [""])[0])
        if self.user is None:
            return await self.close(code=CLOSE_UNAUTHENTICATED, reason="log in, or pass an API token as ?token=")
        await self.channel_layer.group_add(EVENTS_GROUP, self.channel_name)
        await self.channel_layer.group_add(user_group(self.user.pk), self.channel_name)
        await self.send(text_data=json.dumps({"kind": "hello"}))

    async def disconnect(self, code):
        await leave_token_group(self)
        if self.user is not None:
            await self.channel_layer.group_discard(EVENTS_GROUP, self.channel_name)
            await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        return  # a client's keep-alive or anything else: nothing to do

    async def events_notice(self, event):
        if self.user is None:
            return
        fresh = []
        for item in event["items"]:
            key = tuple(item["about"])
            if item.get("fingerprint"):
                if self.fingerprints.get(key) == item["fingerprint"]:
                    continue
                if len(self.fingerprints) >= MAX_FINGERPRINTS:
                    self.fingerprints.clear()
                self.fingerprints[key] = item["fingerprint"]
            fresh.append(item)
        if not fresh:
            return
        allowed = await database_sync_to_async(readable)(self.user, fresh)
        for item, may_read in zip(fresh, allowed):
            if may_read:
                await self.send(text_data=json.dumps(item["notice"]))

    async def events_user(self, event):
        if self.user is not None:
            await self.send(text_data=json.dumps(event["notice"]))

    async def events_recheck(self, event):
        if self.user is not None and not await still_allowed(self):
            await self.close(code=CLOSE_REVOKED, reason="your access was revoked")

    async def token_revoked(self, event):
        await self.close(code=CLOSE_REVOKED, reason="your API token was revoked")
