"""Django's ``DATABASES["default"]`` from ``[database]`` of workos.toml (used by the site's settings, ``base.py``)."""

from __future__ import annotations

from workos.kernel.bootstrap import database_settings

from .config import Config, ConfigError


def default_database(config: Config) -> dict:
    """The URL's connection settings, ``conn_max_age`` and, on PostgreSQL with ``pool = true``, the pool.

    Under ASGI Django runs each request's synchronous code on a thread of its own (one ThreadSensitiveContext per
    request), and a connection belongs to its thread: a kept connection (CONN_MAX_AGE > 0) is never reused by the
    next request, it stays open until its thread is collected. Measured (issue 19): with CONN_MAX_AGE = 60, 200
    concurrent clients exhausted PostgreSQL's connections and requests failed with 500. So ``conn_max_age`` is 0
    by default (a connection per request). Django's connection pool (psycopg_pool) is one per process, whatever
    thread asks: a request borrows a connection and gives it back when it ends, so at most ``pool_max_size``
    connections per process (measured in benchmarks/README.md, "Throughput"). SQLite has no pool: opening its
    file is cheap.
    """
    database = database_settings(config.database_url)
    database["CONN_MAX_AGE"] = config.get("database", "conn_max_age")
    database["CONN_HEALTH_CHECKS"] = True
    if config.get("database", "pool") and config.sqlite_path is None:
        if database["CONN_MAX_AGE"]:
            raise ConfigError("[database] pool = true needs conn_max_age = 0: the pool keeps the connections")
        database.setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": config.get("database", "pool_max_size")}
    return database
