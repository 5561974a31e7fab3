"""Everything the kernel knows before Django starts: which modules to activate, and how to reach the database.

A server activates only the modules the database records as installed (Odoo's behaviour: a change to the
installed set takes effect at the next start). That set is read with one raw query, because Django's ORM
cannot run before INSTALLED_APPS is known.

The kernel is handed the resolved configuration (a database URL, the scanned addons path) by its callers; it
never reads the settings itself, so the dependency runs one way: settings and CLI -> kernel.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from urllib.parse import unquote, urlparse

from .addons import AddonsScan
from .graph import DependencyError, topological_order

# How a process chooses its modules: "installed" for servers, "all" for the installer and the tests.
LOAD_MODES = ("installed", "all")


def database_settings(url: str) -> dict:
    """Django's DATABASES["default"] for a ``sqlite:///`` or ``postgresql://`` URL."""
    if url.startswith("sqlite:///"):
        return {
            "ENGINE": "workos.kernel.sqlite",  # Django's, with writers taking turns (workos/kernel/sqlite)
            "NAME": url[len("sqlite:///") :],
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    parsed = urlparse(url)
    return {
        "ENGINE": "workos.kernel.postgresql",  # Django's, with before_commit callbacks (workos/kernel/postgresql)
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": unquote(parsed.hostname or "") if parsed.hostname else _query_host(parsed.query),
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 0,
    }


def _query_host(query: str) -> str:
    # postgresql:///name?host=/run/postgresql is how libpq spells a Unix socket folder.
    for part in query.split("&"):
        if part.startswith("host="):
            return unquote(part[len("host=") :])
    return ""


def installed_module_names(url: str) -> list[str]:
    """Names of installed modules, read straight from ``ir_module_module``; empty before the first install."""
    query = "SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')"
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not os.path.exists(path):
            return []
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return [row[0] for row in connection.execute(query)]
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise
        finally:
            connection.close()
    import psycopg

    settings = database_settings(url)
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        connect_timeout=10,
    ) as connection:
        exists = connection.execute("SELECT to_regclass('ir_module_module')").fetchone()[0]
        if exists is None:
            return []
        return [row[0] for row in connection.execute(query)]


def active_module_names(addons: AddonsScan, database_url: str, load: str = "installed") -> list[str]:
    """The modules a process activates, dependencies first: every module on the addons path (``load="all"``) or
    the ones the database records as installed (``load="installed"``, the one raw query).

    An installed module missing from the addons path is left out and logged, so a server still starts.
    """
    if load not in LOAD_MODES:
        raise ValueError(f"load mode must be one of {LOAD_MODES}, got {load!r}")
    if load == "all":
        names = set(addons.modules)
    else:
        installed = set(installed_module_names(database_url))
        missing = installed - set(addons.modules)
        if missing:
            logging.getLogger("workos.kernel").error(
                "installed modules not found on the addons path, not activated: %s", ", ".join(sorted(missing))
            )
        names = installed - missing
    try:
        return topological_order(names, addons.modules)
    except DependencyError:
        return sorted(names)  # the installer refuses such sets; listing them must still work


def freeze_registries() -> None:
    """Every app has registered its entries in ready(); from here on a registry refuses new keys."""
    from workos.kernel.registry import freeze_all

    freeze_all()
