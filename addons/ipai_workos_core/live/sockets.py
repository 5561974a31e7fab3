"""What every live WebSocket of WorkOS shares (``/ws/pages/{id}``, ``/ws/events``): who is connecting."""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.db import database_sync_to_async


async def authenticate(consumer, token: str):
    """The user of ``consumer``'s connection, or None: an API token (``?token=``), or the session cookie of a page
    of this site — a session cookie rides along on any site's WebSocket, so another origin may not use it. A
    connection opened with a token joins the token's group: revoking the token closes it (``token_revoked``), in
    whichever process serves it. Sets ``consumer.token`` (the raw token, to re-check) and ``consumer.token_group``."""
    consumer.token, consumer.token_group = token, ""
    if token:
        from workos.api.services import token_sockets_group, user_for_token

        api_token, user = await database_sync_to_async(user_for_token)(token)
        if api_token is not None:
            consumer.token_group = token_sockets_group(api_token.pk)
            await consumer.channel_layer.group_add(consumer.token_group, consumer.channel_name)
        return user
    user = consumer.scope.get("user")
    if user is None or not await database_sync_to_async(lambda: user.is_authenticated and user.is_active)():
        return None
    headers = dict(consumer.scope.get("headers") or [])
    origin, host = headers.get(b"origin", b"").decode("latin-1"), headers.get(b"host", b"").decode("latin-1")
    if origin and urlsplit(origin).netloc != host:
        return None
    return user


async def still_allowed(consumer) -> bool:
    """Whether the connection's user may still be connected: an active user, and the token (if any) not revoked."""
    if consumer.token:
        from workos.api.services import user_for_token

        _api_token, user = await database_sync_to_async(user_for_token)(consumer.token)
        return user is not None
    await database_sync_to_async(consumer.user.refresh_from_db)()
    return consumer.user.is_active


async def leave_token_group(consumer) -> None:
    if getattr(consumer, "token_group", ""):
        await consumer.channel_layer.group_discard(consumer.token_group, consumer.channel_name)
