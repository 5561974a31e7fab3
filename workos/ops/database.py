"""Direct database access for the operations tools, without Django.

Verification, backups and restores must work whatever code is checked out (the old code during a rollback,
the new code after a pull), so they read the Odoo-named registry tables with plain ``sqlite3`` or
``psycopg`` connections instead of going through the ORM of one particular version.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse, urlunparse

from workos.kernel.bootstrap import database_settings


class DatabaseError(Exception):
    """The database cannot be reached or a query failed; the message says which database and why."""


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.startswith("sqlite:///") else "postgresql"

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.url[len("sqlite:///") :]) if self.kind == "sqlite" else None

    @property
    def settings(self) -> dict:
        return database_settings(self.url)

    @property
    def name(self) -> str:
        return str(self.sqlite_path) if self.kind == "sqlite" else self.settings["NAME"]

    @property
    def password(self) -> str:
        return "" if self.kind == "sqlite" else self.settings["PASSWORD"]

    def display(self) -> str:
        """The URL without its password: safe to print, to log and to write into ``.deploy_snapshot``.

        For PostgreSQL it is a libpq URI, so ``pg_restore -d "$DATABASE"`` works in the manual runbook.
        """
        if self.kind == "sqlite":
            return str(self.sqlite_path)
        parsed = urlparse(self.url)
        if parsed.password is None:
            return self.url
        netloc = parsed.hostname or ""
        if parsed.username:
            netloc = f"{parsed.username}@{netloc}"
        if parsed.port:
            netloc = f"{netloc}:{parsed.port}"
        return urlunparse(parsed._replace(netloc=netloc))

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A DB-API connection in autocommit mode; errors become DatabaseError naming the database."""
        try:
            if self.kind == "sqlite":
                path = self.sqlite_path
                if not path.exists():
                    raise DatabaseError(f"SQLite database {path} does not exist")
                connection = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            else:
                import psycopg

                settings = self.settings
                connection = psycopg.connect(
                    dbname=settings["NAME"],
                    user=settings["USER"] or None,
                    password=settings["PASSWORD"] or None,
                    host=settings["HOST"] or None,
                    port=settings["PORT"] or None,
                    connect_timeout=10,
                    autocommit=True,
                )
        except DatabaseError:
            raise
        except Exception as error:
            raise DatabaseError(f"cannot connect to {self.display()}: {_first_line(error)}") from None
        try:
            yield connection
        except DatabaseError:
            raise
        except (sqlite3.Error, _psycopg_error()) as error:
            raise DatabaseError(f"{self.display()}: {_first_line(error)}") from None
        finally:
            connection.close()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of ``sql``; placeholders are written ``%s`` and adapted for SQLite."""
        if self.kind == "sqlite":
            sql = sql.replace("%s", "?")
        with self.connect() as connection:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def has_table(self, table: str) -> bool:
        if self.kind == "sqlite":
            rows = self.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = %s", (table,))
        else:
            rows = self.query("SELECT count(*) FROM pg_class WHERE oid = to_regclass(%s)", (table,))
        return rows[0][0] > 0

    def size_bytes(self) -> int:
        """What a backup may need: PostgreSQL's own size figure, or the SQLite file with its WAL."""
        if self.kind == "sqlite":
            path = self.sqlite_path
            return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        return int(self.query("SELECT pg_database_size(current_database())")[0][0])


def _psycopg_error() -> type:
    try:
        import psycopg

        return psycopg.Error
    except ImportError:  # pragma: no cover - psycopg is a declared dependency
        return sqlite3.Error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
