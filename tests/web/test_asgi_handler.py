"""The server's HTTP handler (workos.web.handler): Django's ASGI handler with the middleware chain loaded
synchronously, so a request enters its thread once for the whole chain and its view, and never crosses back to
the event loop in between (Django's own handler adapts each middleware to its neighbours' mode: four crossings
more a request with WorkOS's middleware — issue 19). Answers are those of Django's handler."""

from __future__ import annotations

import asyncio
import threading
from unittest import mock

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler

from workos.web.handler import ASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def _serve(handler, path: str, headers=()) -> tuple[dict, list[str], int]:
    """One GET through ``handler``, as a server sends it: (the answer's start and body, thread names of the
    crossings from the loop to a thread, crossings from a thread back to the loop)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    answer: dict = {"body": b""}
    into_threads: list[str] = []
    back_to_loop = 0
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def counted_to_thread(self, *args, **kwargs):
        into_threads.append(threading.current_thread().name)
        return await to_thread(self, *args, **kwargs)

    def counted_to_loop(self, *args, **kwargs):
        nonlocal back_to_loop
        back_to_loop += 1
        return to_loop(self, *args, **kwargs)

    async def run():
        received = False

        async def receive():
            nonlocal received
            if received:
                await asyncio.sleep(3600)  # the client stays: no disconnect
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["headers"] = {key.lower(): value for key, value in message["headers"]}
            else:
                answer["body"] += message.get("body", b"")

        await handler(scope, receive, send)

    with mock.patch.object(SyncToAsync, "__call__", counted_to_thread), mock.patch.object(AsyncToSync, "__call__", counted_to_loop):
        asyncio.run(run())
    return answer, into_threads, back_to_loop


def test_the_middleware_chain_is_synchronous():
    handler = ASGIHandler()
    assert not iscoroutinefunction(handler._middleware_chain)
    assert iscoroutinefunction(DjangoASGIHandler()._middleware_chain)


def test_a_request_enters_its_thread_once_for_the_chain_and_the_view():
    answer, into_threads, back_to_loop = _serve(ASGIHandler(), "/web/health")
    assert answer["status"] == 200 and b"ok" in answer["body"].lower()
    # the request_started signal, the chain with its view, the answer's close: never back to the loop between
    assert len(into_threads) == 3 and back_to_loop == 0
    django_answer, django_into_threads, django_back_to_loop = _serve(DjangoASGIHandler(), "/web/health")
    assert (django_answer["status"], django_answer["body"]) == (answer["status"], answer["body"])
    assert len(django_into_threads) + django_back_to_loop > len(into_threads)


def test_answers_keep_their_headers_and_refusals():
    answer, _, _ = _serve(ASGIHandler(), "/api/v1/me")
    django_answer, _, _ = _serve(DjangoASGIHandler(), "/api/v1/me")
    assert answer["status"] == django_answer["status"] == 401
    assert answer["body"] == django_answer["body"]
    same = {b"content-type", b"content-security-policy", b"x-frame-options", b"x-content-type-options"}
    assert {key: value for key, value in answer["headers"].items() if key in same} == \
        {key: value for key, value in django_answer["headers"].items() if key in same}
    assert b"content-security-policy" in answer["headers"]
