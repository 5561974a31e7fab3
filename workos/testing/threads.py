"""A test's concurrent writers: work run in a thread of its own, with database connections of its own."""

from __future__ import annotations

import threading

from django.db import connections


def in_thread(work, errors: list, name: str | None = None) -> threading.Thread:
    """Start ``work()`` in a new thread; what it raises is appended to ``errors`` (for the test to assert on), and
    the thread's database connections are closed when it ends."""

    def run():
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread
