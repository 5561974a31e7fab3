"""Pytest fixtures shared by every test folder: the database under test, the CLI as a subprocess, a live
``workos serve``. Loaded by the root conftest as a plugin."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from workos.settings.config import PROJECT_ROOT

from .pgcluster import Cluster, free_port, start_cluster


@pytest.fixture(scope="session")
def database_kind(request) -> str:
    return request.config.getoption("--database")


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory) -> Cluster:
    """A throwaway PostgreSQL cluster for the whole session."""
    cluster = start_cluster()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway Redis server for the whole session (the Channels Redis layer of several server processes)."""
    from .redisserver import start_redis

    server = start_redis()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, database_kind):
    if database_kind != "postgresql":
        return
    from django.conf import settings

    from django.db import connections

    cluster = request.getfixturevalue("pg_cluster")
    settings.DATABASES["default"].update(
        {"ENGINE": "workos.kernel.postgresql", "NAME": "workos", "USER": cluster.superuser, "PASSWORD": "", "HOST": "127.0.0.1", "PORT": str(cluster.port), "OPTIONS": {}}
    )
    # Django made its "default" connection object for SQLite while it defined the models; drop it so that the
    # next use connects with the settings above and the PostgreSQL pass really runs on PostgreSQL.
    connections["default"].close()
    del connections["default"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds every module's tables (pytest-django migrated them); register them like an install."""
    from workos.kernel.installer import Installer

    with django_db_blocker.unblock():
        Installer().install(["ipai_workos_affine"])
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        # a connection another thread of this process left open (a server thread's) keeps pytest-django from
        # dropping the test database at the end: end those sessions first
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _registry_present(request, django_db_blocker):
    """Tests that use the database find the suite registered. A transactional test ends with Django flushing
    every table — the kernel's registry rows and the modules' seed data too — and under xdist any test may come
    after one, so the registration is checked (one query) and redone when a flush removed it."""
    marker = request.node.get_closest_marker("django_db")
    if marker or {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("django_db_setup")
        from workos.kernel.installer import Installer
        from workos.kernel.models import Module, ModuleState

        with django_db_blocker.unblock():
            if not Module.objects.filter(name="ipai_workos_affine", state=ModuleState.INSTALLED).exists():
                Installer().install(["ipai_workos_affine"])
    yield


def postgresql_only(database_kind: str) -> None:
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL behaviour: runs in the --database=postgresql pass")


@pytest.fixture
def skip_unless_postgresql(database_kind):
    postgresql_only(database_kind)


@pytest.fixture
def skip_unless_sqlite(database_kind):
    if database_kind != "sqlite":
        pytest.skip("SQLite behaviour: runs in the --database=sqlite pass")


# --- an installation of WorkOS in a folder, driven through the real CLI --------------------------------


_INSTALLED: dict[tuple, str] = {}  # Site.install: what was installed where -> the kept database (a file or a name)


@dataclass
class Site:
    """A WorkOS installation for one test: its own folder, database and configuration file."""

    root: Path
    database_url: str
    database_kind: str
    cluster: Cluster | None = None
    database_name: str | None = None
    addons_path: list[str] = field(default_factory=list)
    extra_config: str = ""
    code_root: Path = PROJECT_ROOT

    @property
    def config_file(self) -> Path:
        return self.root / "workos.toml"

    @property
    def log_file(self) -> Path:
        return self.root / "var" / "log" / "workos.log"

    def write_config(self, port: int = 8069) -> Path:
        addons = ", ".join(json.dumps(p) for p in self.addons_path)
        self.config_file.write_text(
            f"""[server]
host = "127.0.0.1"
port = {port}
data_dir = "var"
log_file = "var/log/workos.log"

[database]
url = "{self.database_url}"

[addons]
path = [{addons}]
{self.extra_config}
"""
        )
        return self.config_file

    def environment(self) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("WORKOS_", "DJANGO_"))}
        environment["WORKOS_CONFIG"] = str(self.config_file)
        environment["PYTHONPATH"] = str(self.code_root)
        return environment

    def workos(self, *args: str, check: bool = False, timeout: float = 300, input: str | None = None) -> subprocess.CompletedProcess:
        """Run ``python -m workos ARGS`` against this site, as an operator would."""
        return subprocess.run(
            [sys.executable, "-m", "workos", *args],
            cwd=self.root,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
            input=input,
        )

    def install(self, *modules: str) -> None:
        """``workos module install MODULES`` on this new site, as the set-up of a test about something else: the
        first site of a test process that installs these modules runs the command; the later ones get a copy of
        the database it left (PostgreSQL: ``CREATE DATABASE … TEMPLATE``; SQLite: the file, through SQLite's
        backup), which is what the command would have made — the suite installed the same modules on the same
        code minutes before. A test of installing itself runs ``workos("module", "install", …)``."""
        key = (self.database_kind, self.cluster.port if self.cluster else None, str(self.code_root), tuple(self.addons_path),
               self.extra_config, modules)
        kept = _INSTALLED.get(key)
        if kept is None:
            self.workos("module", "install", *modules, check=True)
            _INSTALLED[key] = self._keep_database()
        else:
            self._database_from(kept)

    def _sqlite_path(self) -> Path:
        return Path(self.database_url[len("sqlite:///"):])

    def _keep_database(self) -> str:
        if self.database_kind == "sqlite":
            folder = tempfile.mkdtemp(prefix="workos-installed-")
            atexit.register(shutil.rmtree, folder, True)
            kept = Path(folder) / "workos.sqlite3"
            with closing(sqlite3.connect(self._sqlite_path())) as source, closing(sqlite3.connect(kept)) as target:
                source.backup(target)
            return str(kept)
        name = "installed_" + uuid.uuid4().hex[:12]
        self.cluster.psql("postgres", f'CREATE DATABASE "{name}" TEMPLATE "{self.database_name}"')
        return name

    def _database_from(self, kept: str) -> None:
        if self.database_kind == "sqlite":
            self._sqlite_path().parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(kept)) as source, closing(sqlite3.connect(self._sqlite_path())) as target:
                source.backup(target)
            return
        self.cluster.drop_database(self.database_name)
        self.cluster.psql("postgres", f'CREATE DATABASE "{self.database_name}" TEMPLATE "{kept}"')

    def sql(self, query: str) -> list[tuple]:
        """Rows of ``query`` read straight from the site's database, not through WorkOS."""
        if self.database_kind == "sqlite":
            with closing(sqlite3.connect(self._sqlite_path())) as connection:
                return [tuple(row) for row in connection.execute(query)]
        import psycopg

        with psycopg.connect(self.database_url) as connection:
            return [tuple(row) for row in connection.execute(query)]


    def dump(self) -> str:
        """Schema and every row of the site's database as text, to compare states before and after a run.

        Sequence positions are left out: PostgreSQL advances them even in a transaction that rolls back.
        """
        if self.database_kind == "sqlite":
            with closing(sqlite3.connect(self._sqlite_path())) as connection:
                return "\n".join(connection.iterdump())
        from .pgcluster import postgres_bin

        result = subprocess.run(
            [str(postgres_bin() / "pg_dump"), "--no-owner", "--no-privileges", self.database_url],
            capture_output=True, text=True, check=True,
        )
        # "\\restrict" lines carry a random key per dump (pg_dump 15.14+).
        return "\n".join(
            line for line in result.stdout.splitlines() if "pg_catalog.setval" not in line and not line.startswith(("\\restrict", "\\unrestrict"))
        )


def new_site(root: Path, database_kind: str, request) -> Site:
    """An empty WorkOS site in the folder ``root`` (made here) on the database of this run, its config written."""
    root.mkdir()
    if database_kind == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        name = "site_" + uuid.uuid4().hex[:12]
        url = cluster.create_database(name)
        site = Site(root=root, database_url=url, database_kind="postgresql", cluster=cluster, database_name=name)
    else:
        site = Site(root=root, database_url=f"sqlite:///{root / 'var' / 'workos.sqlite3'}", database_kind="sqlite")
    site.write_config()
    return site


def site_with_people(root: Path, database_kind: str, request, module: str, password: str, members=("ada", "victor")) -> Site:
    """A new site (``new_site``) with ``module`` installed, the administrator grace and ``members`` as users, all
    with ``password`` — what the live-server tests (pages, canvases, events) start from."""
    site = new_site(root, database_kind, request)
    site.install(module)
    site.workos("user", "create", "grace", "--admin", "--password-stdin", input=password + "\n", check=True)
    for name in members:
        site.workos("user", "create", name, "--password-stdin", input=password + "\n", check=True)
    return site


class PeopleOnAServer:
    """A started server on a ``site_with_people`` site, with an API token for grace, ada and victor, a workspace
    grace owns with ada and victor as members, its "Team" space and grace's private space "Mine" — what the
    live-server tests (pages, canvases, events) build their own helpers on."""

    def __init__(self, site: Site, password: str):
        self.site = site
        self.server = start_server(site)
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        for name in ("grace", "ada", "victor"):
            response = httpx.post(self.base_url + "/api/v1/auth/token", json={"username": name, "password": password, "name": "tests"})
            assert response.status_code == 201, response.text
            self.tokens[name] = response.json()["token"]
            self.ids[name] = self.api(name).get("/api/v1/me").json()["id"]
        grace = self.api("grace")
        self.workspace_id = grace.post("/api/v1/workspaces", json={"name": "Acme"}).json()["id"]
        for name in ("ada", "victor"):
            added = grace.post(f"/api/v1/workspaces/{self.workspace_id}/members", json={"user_id": self.ids[name], "role": "member"})
            assert added.status_code == 201, added.text
        self.space_id = grace.post("/api/v1/spaces", json={"workspace_id": self.workspace_id, "name": "Team"}).json()["id"]
        self.private_space_id = grace.post(
            "/api/v1/spaces", json={"workspace_id": self.workspace_id, "name": "Mine", "visibility": "private"}).json()["id"]

    @property
    def base_url(self) -> str:
        return self.server.base_url  # a restarted server may listen elsewhere

    def api(self, name: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": "Bearer " + self.tokens[name]}, timeout=30)


@pytest.fixture
def site(tmp_path, database_kind, request) -> Site:
    """A fresh, empty WorkOS site on the database of this run."""
    site = new_site(tmp_path / "site", database_kind, request)
    yield site
    if site.cluster and site.database_name:
        site.cluster.drop_database(site.database_name)


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    port: int

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(site: Site, timeout: float = 60, args: tuple[str, ...] = (), port: int | None = None) -> Server:
    """Start ``workos serve [args]`` for ``site`` on ``port`` (a free one) and wait until /web/health answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "workos", "serve", "--port", str(port), *args],
        cwd=site.root,
        env=site.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"workos serve exited with {process.returncode}: {process.stdout.read()}")
        try:
            if httpx.get(base_url + "/web/health", timeout=2).status_code in (200, 503):
                return Server(process=process, base_url=base_url, port=port)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"workos serve did not answer within {timeout}s")


@pytest.fixture
def serve():
    """``serve(site)`` starts a live server for the site; every server is stopped after the test."""
    servers: list[Server] = []

    def _serve(site: Site) -> Server:
        server = start_server(site)
        servers.append(server)
        return server

    yield _serve
    for server in servers:
        server.stop()


# --- a real browser -----------------------------------------------------------------------------------

CHROMIUM = os.environ.get("WORKOS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
