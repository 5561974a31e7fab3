"""The HTTP request being served, for services that record where a change came from (IP, user agent).

Services take the acting user explicitly; the request is ambient context, set once per request by the web
middleware, so that a service called from a view, an API handler or a CLI command need not thread it through.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

_current_request: ContextVar = ContextVar("workos_current_request", default=None)


def current_request():
    """The request this thread is serving, or None (CLI, tests calling services directly)."""
    return _current_request.get()


@contextmanager
def request_scope(request) -> Iterator[None]:
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)
