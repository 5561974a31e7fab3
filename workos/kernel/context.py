"""The HTTP request being served, for services that record where a change came from (IP, user agent), and how
many statements that change data it has run so far.

Services take the acting user explicitly; the request is ambient context, set once per request by the web
middleware, so that a service called from a view, an API handler or a CLI command need not thread it through.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from django.db import connection

from .statements import changes_data

_current_request: ContextVar = ContextVar("workos_current_request", default=None)


def current_request():
    """The request this thread is serving, or None (CLI, tests calling services directly)."""
    return _current_request.get()


def request_changes() -> int:
    """How many statements that change data (``statements.changes_data``: an INSERT, UPDATE, DELETE, DDL or
    rollback — not a BEGIN or a savepoint), and rollbacks, the request being served has run so far; 0 outside a
    request. What a request works out from the database (permission levels: ``ipai_platform_permissions``) holds
    while this number stays the same: whatever wrote, a model's ``save()``, a queryset's ``update()`` or raw SQL."""
    request = _current_request.get()
    return getattr(request, "_workos_changes", 0) if request is not None else 0


def note_change() -> None:
    """Count a change that runs no statement of its own: a transaction rolled back (``transactions.BeforeCommit``)
    undoes what the request wrote, which whatever it worked out since may have seen."""
    request = _current_request.get()
    if request is not None:
        request._workos_changes = getattr(request, "_workos_changes", 0) + 1


@contextmanager
def request_scope(request) -> Iterator[None]:
    token = _current_request.set(request)
    request._workos_changes = 0

    def count(execute, sql, params, many, context):
        if changes_data(sql):
            request._workos_changes += 1
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(count):
            yield
    finally:
        _current_request.reset(token)
