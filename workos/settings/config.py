"""Operator configuration: defaults, then ``workos.toml``, then ``WORKOS_*`` environment variables.

The file is found through ``-c/--config``, then ``WORKOS_CONFIG``, then ``./workos.toml``. Relative paths in
the file are resolved against the file's own folder, so a production file in ``/etc/workos`` says absolute
paths and a development ``workos.toml`` in a checkout can say ``var/...``. Relative paths given through the
environment are resolved against the current directory, like any shell path.

Every key of every section can be overridden by ``WORKOS_<SECTION>_<KEY>`` (``WORKOS_DEPLOY_BRANCH=main``);
the short names of DESIGN.md §5 (``WORKOS_DB_URL``, ``WORKOS_ADDONS_PATH`` ...) are kept as aliases.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
BUNDLED_ADDONS = PROJECT_ROOT / "addons"
POSTGRESQL_IN_FLIGHT, SQLITE_IN_FLIGHT = 8, 4  # [server] requests_in_flight = 0 (the default), by database


class ConfigError(Exception):
    """A missing or invalid setting; the message names the setting and where it came from."""


# --- value kinds -----------------------------------------------------------------------------------


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


def _optional_string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected an integer, got {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"expected an integer from {low} to {high}, got {number}")
        return number

    return parse


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):  # from the environment: comma-separated, like Odoo's addons_path
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return value


def _string_list_or_empty(value: Any) -> list[str]:
    if value in ([], ""):
        return []
    return _string_list(value)


def _choice(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    return parse


def _identifier(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise ValueError(f"expected a lower-case name of letters, digits and underscores, got {value!r}")
    return value


def _database_url(value: Any) -> str:
    value = _string(value)
    if not (value.startswith("sqlite:///") or value.startswith(("postgresql://", "postgres://"))):
        raise ValueError(f"expected sqlite:///PATH or postgresql://USER@HOST:PORT/NAME, got {value!r}")
    return value


def _channel_layer(value: Any) -> str:
    value = _string(value)
    if value != "memory" and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"expected memory or a Redis URL (redis://HOST:6379/0), got {value!r}")
    return value


# section -> key -> (default, parser, is_path)
SCHEMA: dict[str, dict[str, tuple[Any, Callable[[Any], Any], bool]]] = {
    "server": {
        "host": ("127.0.0.1", _string, False),
        "port": (8069, _integer(1, 65535), False),
        "log_file": ("var/log/workos.log", _string, True),
        "log_level": ("INFO", _choice("DEBUG", "INFO", "WARNING", "ERROR"), False),
        "data_dir": ("var", _string, True),
        "secret_key": ("", _optional_string, False),
        "debug": (False, _boolean, False),
        "allowed_hosts": (["*"], _string_list, False),
        # 0: one per core when [realtime] channel_layer is Redis, else 1 (workos serve --help).
        "workers": (0, _integer(0, 64), False),
        "keep_alive_seconds": (65, _integer(1, 3600), False),
        # HTTP requests one process serves at once (each holds a thread and a database connection); more wait
        # their turn (workos/web/inflight.py). Keep workers x this under the database's max_connections. 0: 8 on
        # PostgreSQL (the most requests a second on 2 cores; more threads only share the GIL), 4 on SQLite (its
        # writers take turns, and a writer holding the turn shares the GIL with the process's other requests:
        # fewer of them, shorter turns) — benchmarks/README.md, "Throughput".
        "requests_in_flight": (0, _integer(0, 1000), False),
        "behind_https_proxy": (False, _boolean, False),
        "csrf_trusted_origins": ([], _string_list_or_empty, False),
    },
    "database": {
        "url": ("sqlite:///var/workos.sqlite3", _database_url, False),
        # Seconds a thread keeps its database connection (Django's CONN_MAX_AGE). 0: one per request (on
        # PostgreSQL borrowed from the pool) — settings/database.py.
        "conn_max_age": (0, _integer(0, 3600), False),
        # PostgreSQL: a pool of connections per server process (Django's "pool" option, psycopg_pool), shared by
        # the request threads; each request borrows one and gives it back. Off when conn_max_age > 0.
        "pool": (True, _boolean, False),
        # 0: [server] requests_in_flight + 4 (a connection at hand for every request in flight, and four for the
        # live pages' WebSocket consumers).
        "pool_max_size": (0, _integer(0, 500), False),
    },
    "login": {
        # Wrong passwords allowed per account and per client address before logins are refused (429) ...
        "failure_limit": (10, _integer(1, 10_000), False),
        # ... for this many seconds after the last counted failure; a lockout always ends by itself.
        "lockout_seconds": (900, _integer(1, 7 * 24 * 3600), False),
    },
    "addons": {
        "path": (["addons"], _string_list, True),
    },
    "email": {
        # console: printed to the server's output (nothing leaves the machine); file: one file per message in
        # file_path; smtp: sent through host:port. The password is never in the file: password_env names the
        # environment variable that holds it.
        "backend": ("console", _choice("console", "file", "smtp", "locmem"), False),
        "host": ("localhost", _string, False),
        "port": (25, _integer(1, 65535), False),
        "user": ("", _optional_string, False),
        "password_env": ("", _optional_string, False),
        "use_tls": (False, _boolean, False),
        "use_ssl": (False, _boolean, False),
        "timeout": (10, _integer(1, 600), False),
        "from": ("WorkOS <workos@localhost>", _string, False),
        "file_path": ("var/mail", _string, True),
        # links in messages point here
        "base_url": ("http://127.0.0.1:8069", _string, False),
    },
    "deploy": {
        "repo_root": (".", _string, True),
        "remote": ("origin", _string, False),
        "branch": ("main", _string, False),
        "environment": ("prod", _string, False),
        "base_url": ("http://127.0.0.1:8069", _string, False),
        "backup_dir": ("var/backups", _string, True),
        "log_dir": ("var/log", _string, True),
        "service": ("process", _choice("process", "systemd", "compose"), False),
        "umbrella": ("ipai_workos_affine", _string, False),
        "install": (["ipai_platform_permissions", "ipai_platform_audit"], _string_list, False),
        "min_installed": (11, _integer(0, 10_000), False),
        "max_log_errors": (5, _integer(0, 1_000_000), False),
        "log_tail": (200, _integer(1, 1_000_000), False),
        "startup_timeout": (60, _integer(1, 3600), False),
        # How phase 3 and rollbacks replace the server: "restart" stops it, upgrades and starts it (downtime);
        # "nginx" starts the new code beside the old one and switches nginx's upstream ([deploy.nginx]).
        "switch": ("restart", _choice("restart", "nginx"), False),
        # App servers behind nginx ("HOST:PORT"), rolled one by one; empty: one host, blue/green on two ports.
        "hosts": ([], _string_list_or_empty, False),
        # Every deploy, dry run and rollback writes DEPLOY_REPORT_<environment>_<stamp>.md here (Markdown);
        # empty: <[server] data_dir>/reports.
        "report_dir": ("", _optional_string, True),
    },
    "watch": {
        # `workos watch`: how long and how often (30s, 5m, 24h), and the thresholds a check is measured against.
        "duration": ("24h", _string, False),
        "interval": ("5m", _string, False),
        "max_response_ms": (2000, _integer(1, 600_000), False),
        "max_new_errors": (0, _integer(0, 1_000_000), False),  # new ERROR/CRITICAL/Traceback lines per check
        "max_cpu_percent": (90, _integer(1, 100_000), False),
        "max_rss_mb": (2048, _integer(1, 10_000_000), False),
        "max_db_connections": (90, _integer(1, 100_000), False),
        "min_disk_free_mb": (1024, _integer(0, 100_000_000), False),
        "journal": ("", _optional_string, True),  # JSONL of every check; empty: <data_dir>/watch.jsonl
        "webhook_url": ("", _optional_string, False),  # POSTed the check's JSON on a breach
        # Addresses mailed on a breach, through Django's email framework with the [email] settings.
        "email": ([], _string_list_or_empty, False),
    },
    "search": {
        # A PostgreSQL text search configuration (simple, english, french ...): stemming and stop words.
        # Changing it needs `workos search reindex`. SQLite's index ignores it (no stemming there).
        "language": ("simple", _identifier, False),
    },
    "realtime": {
        # How live rooms fan out between processes: "memory" for one server process, or the Redis server of
        # the Channels Redis layer ("redis://HOST:6379/0") when several workers or hosts serve the same pages.
        "channel_layer": ("memory", _channel_layer, False),
    },
}

# Sub-tables whose keys belong to one service manager or tool; validated by their owners.
FREE_FORM_SECTIONS = {"deploy.process", "deploy.systemd", "deploy.compose", "deploy.nginx", "snapshot", "crawl"}

ENVIRONMENT_ALIASES = {
    "WORKOS_DB_URL": ("database", "url"),
    "WORKOS_ADDONS_PATH": ("addons", "path"),
    "WORKOS_SECRET_KEY": ("server", "secret_key"),
    "WORKOS_LOG_FILE": ("server", "log_file"),
    "WORKOS_DATA_DIR": ("server", "data_dir"),
    "WORKOS_HTTP_HOST": ("server", "host"),
    "WORKOS_HTTP_PORT": ("server", "port"),
}


@dataclass(frozen=True)
class Config:
    """The resolved configuration. ``source`` is the file read, or None when only defaults and environment."""

    source: Path | None
    values: dict[str, dict[str, Any]]
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def section(self, name: str) -> dict[str, Any]:
        """A free-form sub-table such as ``deploy.process``; empty when absent."""
        return dict(self.extra.get(name, {}))

    # Shortcuts for the keys every process needs.
    @property
    def database_url(self) -> str:
        return self.values["database"]["url"]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["server"]["data_dir"])

    @property
    def log_file(self) -> Path:
        return Path(self.values["server"]["log_file"])

    @property
    def addons_path(self) -> list[Path]:
        """Configured folders first, then the folder of modules shipped with this checkout."""
        folders = [Path(p) for p in self.values["addons"]["path"]]
        if BUNDLED_ADDONS.resolve() not in {f.resolve() for f in folders}:
            folders.append(BUNDLED_ADDONS)
        return folders

    @property
    def sqlite_path(self) -> Path | None:
        url = self.database_url
        return Path(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else None

    @property
    def requests_in_flight(self) -> int:
        """``[server] requests_in_flight``, or its default for this database when it is 0."""
        return self.values["server"]["requests_in_flight"] or (SQLITE_IN_FLIGHT if self.sqlite_path else POSTGRESQL_IN_FLIGHT)

    def as_environment(self) -> dict[str, str]:
        """Environment variables that make a child process resolve this same configuration."""
        environment = {
            "WORKOS_DB_URL": self.database_url,
            "WORKOS_ADDONS_PATH": ",".join(str(p) for p in self.values["addons"]["path"]),
            "WORKOS_LOG_FILE": str(self.log_file),
            "WORKOS_DATA_DIR": str(self.data_dir),
        }
        if self.source:
            environment["WORKOS_CONFIG"] = str(self.source)
        return environment


def find_config_file(explicit: str | os.PathLike | None = None, environ: dict[str, str] | None = None) -> Path | None:
    environ = os.environ if environ is None else environ
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"configuration file {path} does not exist")
        return path.resolve()
    from_environment = environ.get("WORKOS_CONFIG")
    if from_environment:
        path = Path(from_environment)
        if not path.is_file():
            raise ConfigError(f"configuration file {path} (from WORKOS_CONFIG) does not exist")
        return path.resolve()
    local = Path("workos.toml")
    return local.resolve() if local.is_file() else None


def _resolve_path(value: Any, base: Path) -> Any:
    if isinstance(value, list):
        return [_resolve_path(item, base) for item in value]
    if isinstance(value, str):
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else (base / path).resolve())
    return value


def _resolve_sqlite_url(url: str, base: Path) -> str:
    if not url.startswith("sqlite:///"):
        return url
    path = url[len("sqlite:///") :]
    if path in {"", ":memory:"}:
        return url
    return "sqlite:///" + _resolve_path(path, base)


def load_config(explicit: str | os.PathLike | None = None, environ: dict[str, str] | None = None) -> Config:
    """Build the configuration from its layers; raise ConfigError naming the setting and the file."""
    environ = os.environ if environ is None else environ
    source = find_config_file(explicit, environ)
    file_values: dict[str, Any] = {}
    if source:
        try:
            file_values = tomllib.loads(source.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source}: not valid TOML: {error}") from None
    file_base = source.parent if source else Path.cwd()
    where = str(source) if source else "defaults"

    values: dict[str, dict[str, Any]] = {}
    extra: dict[str, dict[str, Any]] = {}
    for section, table in file_values.items():
        if section not in SCHEMA and section not in FREE_FORM_SECTIONS:
            raise ConfigError(f"{where}: unknown section [{section}]; known: {', '.join(sorted(SCHEMA))}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        for key, value in table.items():
            if isinstance(value, dict) and f"{section}.{key}" in FREE_FORM_SECTIONS:
                extra[f"{section}.{key}"] = copy.deepcopy(value)
            elif section in FREE_FORM_SECTIONS:
                extra.setdefault(section, {})[key] = value
            elif key not in SCHEMA[section]:
                raise ConfigError(f"{where}: unknown setting [{section}] {key}")

    for section, keys in SCHEMA.items():
        values[section] = {}
        for key, (default, parse, is_path) in keys.items():
            origin, raw, base = "default", default, file_base
            if key in file_values.get(section, {}):
                origin, raw, base = where, file_values[section][key], file_base
            environment_names = [f"WORKOS_{section.upper()}_{key.upper()}"] + [
                alias for alias, target in ENVIRONMENT_ALIASES.items() if target == (section, key)
            ]
            for name in environment_names:
                if name in environ:
                    origin, raw, base = f"environment variable {name}", environ[name], Path.cwd()
            try:
                parsed = parse(raw)
            except ValueError as error:
                raise ConfigError(f"{origin}: [{section}] {key}: {error}") from None
            if is_path and parsed != "":
                parsed = _resolve_path(parsed, base)
            if (section, key) == ("database", "url"):
                parsed = _resolve_sqlite_url(parsed, base)
            values[section][key] = parsed
    # Computed values: settings whose default follows another setting.
    if not values["deploy"]["report_dir"]:
        values["deploy"]["report_dir"] = str(Path(values["server"]["data_dir"]) / "reports")
    return Config(source=source, values=values, extra=extra)
