"""Django's ``DATABASES["default"]`` from ``[database]`` of workos.toml (used by the site's settings, ``base.py``)."""

from __future__ import annotations

import os

from workos.kernel.bootstrap import database_settings

from .config import Config

# Set by ``workos serve`` and ``workos.asgi`` (gunicorn): this process serves HTTP requests.
SERVER_PROCESS = "WORKOS_SERVER_PROCESS"
POOL_TIMEOUT = 3  # seconds a request waits for a pooled connection
LIVE_CONNECTIONS = 4  # pooled connections beyond the requests in flight: WebSocket consumers' short database steps


def default_database(config: Config, *, serving: bool | None = None) -> dict:
    """The URL's connection settings, ``conn_max_age`` and, in a server process on PostgreSQL, the pool.

    A connection belongs to its thread. A server process serves its requests on ``[server] requests_in_flight``
    long-lived threads (workos/web/inflight.py), but its WebSocket consumers run their database steps on threads
    of their own, and with CONN_MAX_AGE > 0 each of those keeps a connection too. Measured (issue 19, when each
    request still had a thread of its own): with CONN_MAX_AGE = 60, 200 concurrent clients exhausted PostgreSQL's
    connections and requests failed with 500. Django's connection pool
    (psycopg_pool) is one per process, whatever thread asks: a request borrows a connection and gives it back
    when it ends. So a server process on PostgreSQL pools (``pool = true``, the default) at most
    ``pool_max_size`` connections (0: ``[server] requests_in_flight`` + 4 — one for each request it serves at
    once, and four for its WebSocket consumers — so no request waits for a connection); opening a connection per
    request cost ~5 ms of a 10 ms read (measured in benchmarks/README.md, "Throughput"). Commands (deploy, backup, migrate ...) open a connection when they need
    one and close it, as before: a pool would keep connections open across a restore. ``conn_max_age > 0``
    keeps connections per thread instead of pooling (the pool needs Django's CONN_MAX_AGE = 0). SQLite has no
    pool: opening its file is cheap.
    """
    database = database_settings(config.database_url)
    database["CONN_MAX_AGE"] = config.get("database", "conn_max_age")
    database["CONN_HEALTH_CHECKS"] = True  # a pooled connection is checked as it is borrowed
    serving = os.environ.get(SERVER_PROCESS) == "1" if serving is None else serving
    if serving and config.get("database", "pool") and config.sqlite_path is None and not database["CONN_MAX_AGE"]:
        size = config.get("database", "pool_max_size") or config.requests_in_flight + LIVE_CONNECTIONS
        # A request never waits for a busy connection (there is one for each request in flight and a few for the
        # live pages' consumers, which are not counted in flight, unless set lower); ``timeout`` bounds the wait
        # when the database cannot be reached: /web/health answers 503 within seconds, not psycopg_pool's 30 s.
        database.setdefault("OPTIONS", {})["pool"] = {"min_size": min(2, size), "max_size": size, "timeout": POOL_TIMEOUT}
    return database
