"""Where snapshot data comes from: the database (raw SQL), git (subprocess), the addons path, the running
server (crawler) and the running code (a probe). Each source fails with SourceError naming itself and the
cause, and a failure is remembered, so that every artifact needing a dead source fails fast with that cause.

The database is read directly, not through Django: the snapshot records what the running system holds,
whatever code this process happens to have loaded. All reads share one read-only transaction (REPEATABLE READ
on PostgreSQL, one WAL snapshot on SQLite), so the runtime artifacts describe one consistent database state.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from workos.kernel.addons import AddonsScan, scan_addons
from workos.kernel.bootstrap import database_settings
from workos.ops.crawl import CrawlError, CrawlLimits, CrawlResult, Credentials, crawl
from workos.settings.config import Config


# An environment name becomes part of file names (GIT_STATE.<env>.txt): no slashes, no spaces.
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class SourceError(Exception):
    """A source of snapshot data cannot be read; the message says which source and why."""


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def strip_credentials(url: str) -> str:
    """A remote or database URL without secrets: http(s) user info goes entirely (a token is often the user
    name), other schemes keep the user name and lose the password. scp-like ``git@host:path`` has none."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    if parts.scheme in ("http", "https"):
        netloc = host
    else:
        netloc = f"{userinfo.split(':', 1)[0]}@{host}" if userinfo.split(":", 1)[0] else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# --- the database --------------------------------------------------------------------------------------


class Database:
    """Read-only raw SQL over a ``sqlite:///`` or ``postgresql://`` URL."""

    def __init__(self, url: str):
        self.url = url
        self.label = f"database {strip_credentials(url)}"
        self._connection = None
        self._failure: SourceError | None = None

    @property
    def vendor(self) -> str:
        return "sqlite" if self.url.startswith("sqlite:///") else "postgresql"

    def _connect(self):
        if self._failure:
            raise self._failure
        if self._connection is not None:
            return self._connection
        try:
            if self.vendor == "sqlite":
                path = self.url[len("sqlite:///") :]
                if not os.path.isfile(path):
                    raise SourceError(f"{self.label}: the database file {path} does not exist")
                connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10, isolation_level=None)
                connection.row_factory = sqlite3.Row
                connection.execute("BEGIN")  # one snapshot for every read that follows
            else:
                import psycopg
                from psycopg.rows import dict_row

                settings = database_settings(self.url)
                connection = psycopg.connect(
                    dbname=settings["NAME"], user=settings["USER"] or None, password=settings["PASSWORD"] or None,
                    host=settings["HOST"] or None, port=settings["PORT"] or None, connect_timeout=5,
                    row_factory=dict_row,
                )
                connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                connection.read_only = True
            self._connection = connection
            tables = self._tables()
        except SourceError as error:
            self._failure = error
            raise
        except Exception as error:  # sqlite3/psycopg errors: unreachable, refused, corrupt file ...
            self._failure = SourceError(f"{self.label}: cannot connect: {_first_line(error)}")
            raise self._failure from None
        if "ir_module_module" not in tables:
            self._failure = SourceError(f"{self.label}: no WorkOS registry (table ir_module_module is missing): "
                                        "nothing has been installed in this database")
            raise self._failure
        return connection

    def _tables(self) -> set[str]:
        if self.vendor == "sqlite":
            rows = self._connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            return {row[0] for row in rows}
        rows = self._connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = ANY (current_schemas(false))"
        ).fetchall()
        return {row["tablename"] for row in rows}

    def tables(self) -> set[str]:
        self._connect()
        try:
            return self._tables()
        except Exception as error:
            raise self._lost(error) from None

    def rows(self, query: str) -> list[dict[str, Any]]:
        connection = self._connect()
        try:
            return [dict(row) for row in connection.execute(query).fetchall()]
        except Exception as error:
            raise self._lost(error) from None

    def scalar(self, query: str) -> Any:
        rows = self.rows(query)
        return next(iter(rows[0].values())) if rows else None

    def _lost(self, error: Exception) -> SourceError:
        self._failure = SourceError(f"{self.label}: query failed: {_first_line(error)}")
        return self._failure

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.rollback() if self.vendor == "postgresql" else self._connection.execute("ROLLBACK")
                self._connection.close()
            except Exception:
                pass  # closing a connection to a server that went away
            self._connection = None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --- git -----------------------------------------------------------------------------------------------


class Git:
    def __init__(self, root: Path):
        self.root = root
        self._failure: SourceError | None = None

    def run(self, *args: str, check: bool = True) -> str:
        if self._failure:
            raise self._failure
        try:
            result = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True, timeout=60,
                                    env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        except FileNotFoundError:
            self._failure = SourceError("git: the git command is not installed")
            raise self._failure from None
        except subprocess.TimeoutExpired:
            raise SourceError(f"git {' '.join(args)} in {self.root}: no answer within 60s") from None
        if check and result.returncode != 0:
            message = _first_line(Exception(result.stderr)) if result.stderr.strip() else f"exit code {result.returncode}"
            if "not a git repository" in result.stderr:
                self._failure = SourceError(f"git: {self.root} is not a git repository")
                raise self._failure
            raise SourceError(f"git {' '.join(args)} in {self.root}: {message}")
        return result.stdout

    def ok(self, *args: str) -> bool:
        try:
            return subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def tracked_files(self) -> list[str]:
        output = self.run("ls-files", "-z", "--cached")
        return sorted(name for name in output.split("\0") if name)


# --- everything a snapshot reads ------------------------------------------------------------------------


@dataclass
class SnapshotSettings:
    """What one ``workos snapshot`` run needs; built by the CLI from options and configuration."""

    config: Config
    environment: str
    out_dir: Path
    repo_root: Path
    base_url: str
    credentials: Credentials = field(default_factory=Credentials)
    crawl_limits: CrawlLimits = field(default_factory=CrawlLimits)
    crawl_exclude: tuple[str, ...] = ()
    tree_depth: int = 2

    @property
    def artifact_prefix(self) -> str | None:
        """The output folder relative to the repository (``docs``), or None when it lies outside."""
        try:
            return self.out_dir.resolve().relative_to(self.repo_root.resolve()).as_posix()
        except ValueError:
            return None


class Sources:
    """Lazily opened, cached sources for one run (generation or check)."""

    def __init__(self, settings: SnapshotSettings):
        self.settings = settings
        self.db = Database(settings.config.database_url)
        self.git = Git(settings.repo_root)
        self._crawl: CrawlResult | None = None
        self._crawl_failure: SourceError | None = None
        self.output_paths: set[str] = set()  # repo-relative paths the snapshot writes: not repository content

    @cached_property
    def scan(self) -> AddonsScan:
        return scan_addons(self.settings.config.addons_path)

    def repository_files(self) -> list[str]:
        """Tracked files, minus the snapshot's own outputs (they describe the repository; they are not it)."""
        return [name for name in self.git.tracked_files() if name not in self.output_paths]

    def menu_urls(self) -> dict[str, str]:
        return menu_urls(self.db)

    def crawl(self) -> CrawlResult:
        if self._crawl_failure:
            raise self._crawl_failure
        if self._crawl is None:
            settings = self.settings
            try:
                seeds = self.menu_urls()
            except SourceError as error:
                self._crawl_failure = SourceError(f"menu entries to seed the crawl: {error}")
                raise self._crawl_failure from None
            try:
                self._crawl = crawl(settings.base_url, settings.credentials, settings.crawl_limits, seeds,
                                    settings.crawl_exclude)
            except CrawlError as error:
                self._crawl_failure = SourceError(f"server {settings.base_url}: {error}")
                raise self._crawl_failure from None
        return self._crawl

    def close(self) -> None:
        self.db.close()


def menu_urls(db: Database) -> dict[str, str]:
    """URL -> "menu: Root / Child" for every menu that opens an action (the crawler's extra seeds)."""
    menus = db.rows("SELECT id, name, parent_id, action_id FROM ir_ui_menu")
    actions = {row["id"]: row for row in db.rows("SELECT id, path FROM ir_act_window")}
    by_id = {row["id"]: row for row in menus}
    seeds: dict[str, str] = {}
    for menu in sorted(menus, key=lambda row: row["id"]):
        action = actions.get(menu["action_id"])
        if action is not None:
            seeds.setdefault(action_url(action), "menu: " + menu_path(menu, by_id))
    return seeds


def action_url(action: dict) -> str:
    """The page a window action opens, as the web client links it (workos.web.menus.action_url)."""
    return action["path"] or f"/web/action/{action['id']}"


def menu_path(menu: dict, by_id: dict[int, dict]) -> str:
    names, seen, current = [], set(), menu
    while current is not None and current["id"] not in seen:
        seen.add(current["id"])
        names.append(current["name"])
        current = by_id.get(current["parent_id"])
    return " / ".join(reversed(names))

