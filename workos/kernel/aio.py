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
