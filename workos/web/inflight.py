"""A bound on the HTTP requests one server process runs at once (``[server] requests_in_flight``).

Django serves an ASGI request's synchronous code in a thread of its own, and each such thread opens a database
connection of its own. Without a bound, N concurrent clients open N connections: past the database's
``max_connections`` (PostgreSQL's default is 100) every request fails with 500 "too many clients" — 200 clients
did that in the load benchmark (issue 19). Requests over the bound wait their turn in the event loop (a
coroutine each, no thread and no connection), in order of arrival, and are served as others finish; WebSockets
are not counted (their consumers use the database for short steps, not for their whole life). How long a
request waited for its turn is left in its ASGI scope (``workos.waited``, seconds): the request log prints it.
"""

from __future__ import annotations

import asyncio
import time


class RequestsInFlight:
    """ASGI middleware: at most ``limit`` HTTP requests of this process inside ``app`` at a time."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self._slots is None:  # made in the server's loop, on its first request
            self._slots = asyncio.Semaphore(self.limit)
        arrived = time.monotonic()
        async with self._slots:
            scope["workos.waited"] = time.monotonic() - arrived
            return await self.app(scope, receive, send)
