"""A bound on the HTTP requests one server process runs at once (``[server] requests_in_flight``), each on a
thread of its own that lives as long as the process.

Django serves an ASGI request's synchronous code (middleware, view, signals) on one thread per request, so
that the request's thread-sensitive calls share a thread and its database connection. It makes that thread
for the request and joins it after, from one more thread: two threads started per request, a tenth of the
CPU of a small request (issue 19). Here each slot of the bound is a single-thread executor that serves one
request after another (asgiref's ``ThreadSensitiveContext(executor=...)``; Django's own context inside
defers to it), so a request's code still runs on one thread and no thread is started per request.

Without a bound, N concurrent clients would take N threads and N database connections: past the database's
``max_connections`` (PostgreSQL's default is 100) every request fails with 500 "too many clients" — 200
clients did that in the load benchmark. Requests over the bound wait their turn in the event loop (a
coroutine each, no thread and no connection), in order of arrival, and are served as others finish; WebSockets
are not counted (their consumers use the database for short steps, not for their whole life). How long a
request waited for its turn is left in its ASGI scope (``workos.waited``, seconds): the request log prints it.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext


class RequestsInFlight:
    """ASGI middleware: at most ``limit`` HTTP requests of this process inside ``app`` at a time, each served
    on one of ``limit`` long-lived threads."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit
        self._threads: asyncio.Queue | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self._threads is None:  # made in the server's loop, on its first request
            self._threads = asyncio.Queue()
            for number in range(self.limit):
                self._threads.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"workos-request-{number}"))
        arrived = time.monotonic()
        thread = await self._threads.get()  # waiters are served in order of arrival
        try:
            scope["workos.waited"] = time.monotonic() - arrived
            async with ThreadSensitiveContext(executor=thread):
                return await self.app(scope, receive, send)
        finally:
            self._threads.put_nowait(thread)
