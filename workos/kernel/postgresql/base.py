"""The PostgreSQL backend's connection: Django's, running ``before_commit`` callbacks (see __init__), reading
timestamps with psycopg's C loader."""

from __future__ import annotations

from functools import lru_cache

from django.db.backends.postgresql import base
from psycopg import _cmodule
from psycopg.adapt import AdaptersMap, Loader

from workos.kernel.transactions import BeforeCommit


@lru_cache
def timestamptz_loader(timezone):
    """A ``timestamptz`` loader giving what Django's gives — the value in ``timezone`` (None: naive) — through
    psycopg's C loader. Django's own subclasses psycopg's Python loader (the C one cannot be subclassed): ~4 µs a
    value in Python against ~1, and a page of a hundred rows reads four hundred timestamps (issue 19). None when
    psycopg runs without its C module (then Django's loader stays)."""
    if _cmodule._psycopg is None:
        return None
    c_loader = _cmodule._psycopg.TimestamptzLoader

    class TimestamptzLoader(Loader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._load = c_loader(oid, context).load

        def load(self, data):
            return self._load(data).replace(tzinfo=timezone)

    TimestamptzLoader.timezone = timezone  # what Django's create_cursor compares before registering its own
    return TimestamptzLoader


@lru_cache
def _adapters(template: AdaptersMap, timezone) -> AdaptersMap:
    loader = timestamptz_loader(timezone)
    if loader is None:
        return template
    adapters = AdaptersMap(template)
    adapters.register_loader("timestamptz", loader)
    return adapters


class DatabaseWrapper(BeforeCommit, base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if "context" in params:  # Django's adapters for this time zone (pooled connections are made with these too)
            params["context"] = _adapters(params["context"], self.timezone)
        return params
