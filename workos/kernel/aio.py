"""Running a coroutine to its end from synchronous code.

``asyncio.run`` refuses to start when the calling thread already runs an event loop — as it does
in a process where Playwright's synchronous API is open (the browser tests) or inside a Channels
consumer. ``run_to_end`` then runs the coroutine on an event loop of its own, in a thread of its
own, and waits for it; otherwise it is ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_to_end(coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """The coroutine's result (or its exception), after at most ``timeout`` seconds when given."""
    if timeout is not None:
        coroutine = asyncio.wait_for(coroutine, timeout)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = asyncio.run(coroutine)
        except BaseException as error:  # handed back to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=work, name="run-to-end", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def group_send(group: str, message: dict) -> None:
    """Send ``message`` to a channel-layer group from synchronous code (a service after its commit).

    Under the ASGI server a synchronous view runs in a worker thread and ``async_to_sync`` hands the send to the
    server's event loop, where the layer's connections live; a thread that runs a loop itself (a test process
    with Playwright's sync API open) sends from a thread of its own instead of failing."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(layer.group_send)(group, message)
        return
    run_to_end(layer.group_send(group, message))
