"""``[server] requests_in_flight``: one process runs at most that many HTTP requests at once (each would hold a
thread and a database connection); the others wait in the event loop and are all served, in order of arrival;
WebSockets are not counted. The ASGI app the server runs (workos.asgi) is wrapped in it."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading

import httpx
from asgiref.sync import ThreadSensitiveContext, sync_to_async

from workos.kernel.aio import run_to_end
from workos.testing.fixtures import start_server
from workos.web.inflight import RequestsInFlight


class SlowApp:
    """An ASGI app that records how many requests are inside it at once."""

    def __init__(self):
        self.inside = self.most = 0
        self.order: list[int] = []
        self.waited: list[float] = []

    async def __call__(self, scope, receive, send):
        self.inside += 1
        self.most = max(self.most, self.inside)
        self.order.append(scope.get("n"))
        self.waited.append(scope.get("workos.waited"))
        await asyncio.sleep(0.01)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        self.inside -= 1


async def _serve(app, scopes) -> list[int]:
    statuses: list[int] = []

    async def one(scope):
        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)

    await asyncio.gather(*(one(scope) for scope in scopes))
    return statuses


def test_at_most_the_limit_run_at_once_and_every_request_is_served_in_order():
    inner = SlowApp()
    statuses = run_to_end(_serve(RequestsInFlight(inner, 4), [{"type": "http", "n": n} for n in range(40)]), timeout=30)
    assert statuses == [200] * 40
    assert inner.most == 4
    assert inner.order == list(range(40))


def test_each_request_carries_how_long_it_waited_for_its_turn():
    inner = SlowApp()
    run_to_end(_serve(RequestsInFlight(inner, 1), [{"type": "http", "n": n} for n in range(5)]), timeout=30)
    # served in order of arrival, one at a time: each waited for the 10 ms (at least) of every one before it
    assert inner.waited == sorted(inner.waited)
    assert all(waited >= 0.01 * n for n, waited in enumerate(inner.waited))


def test_the_request_log_says_how_long_a_request_waited(site):
    site.install("ipai_platform_audit")
    server = start_server(site)
    try:
        assert httpx.get(server.base_url + "/web/health").status_code == 200
    finally:
        server.stop()
    lines = [line for line in site.log_file.read_text().splitlines() if "GET /web/health 200" in line]
    assert lines and all(re.search(r" waited=\d+\.\dms$", line) for line in lines), lines


class ThreadedApp:
    """An ASGI app that, like Django's, enters a thread-sensitive context and runs synchronous code twice in it."""

    def __init__(self):
        self.threads: list[tuple[str, str]] = []

    async def __call__(self, scope, receive, send):
        async with ThreadSensitiveContext():  # as django.core.handlers.asgi.ASGIHandler does
            first = await sync_to_async(lambda: threading.current_thread().name)()
            await asyncio.sleep(0.005)
            second = await sync_to_async(lambda: threading.current_thread().name)()
        self.threads.append((first, second))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_requests_run_on_the_same_few_threads_one_thread_a_request():
    inner = ThreadedApp()
    statuses = run_to_end(_serve(RequestsInFlight(inner, 4), [{"type": "http", "n": n} for n in range(40)]), timeout=30)
    assert statuses == [200] * 40
    # a request's synchronous calls share its thread; no thread is made for a request (Django's own context would
    # start one a request: forty names)
    assert all(first == second for first, second in inner.threads)
    assert {first for first, _ in inner.threads} == {f"workos-request-{n}_0" for n in range(4)}


def test_websockets_are_not_counted():
    inner = SlowApp()
    run_to_end(_serve(RequestsInFlight(inner, 1), [{"type": "websocket", "n": n} for n in range(5)]), timeout=30)
    assert inner.most == 5


def test_the_server_application_is_bounded_by_the_setting(tmp_path):
    """The application ``workos serve`` runs (Django behind WorkOS's handler: tests/web/test_asgi_handler.py), loaded in a process of its own (loading it freezes the registries)."""
    config = tmp_path / "workos.toml"
    config.write_text(f'[server]\nrequests_in_flight = 7\ndata_dir = "{tmp_path}"\n'
                      f'[database]\nurl = "sqlite:///{tmp_path}/site.sqlite3"\n')
    probe = ("from workos import asgi; http = asgi.application.application_mapping['http']; "
             "print(type(http).__name__, http.limit, type(http.app).__module__ + '.' + type(http.app).__name__)")
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "WORKOS_CONFIG": str(config), "DJANGO_SETTINGS_MODULE": "workos.settings.base"})
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split() == ["RequestsInFlight", "7", "workos.web.handler.ASGIHandler"]  # the synchronous chain
