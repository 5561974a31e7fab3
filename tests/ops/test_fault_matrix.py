"""The deploy fault matrix: ``kill -9`` of ``workos deploy`` in each of its seven phases, then recovery two ways —
finishing it (``workos deploy --break-stale-lock``) and undoing it (``workos rollback --restore-db
--break-stale-lock``) — on PostgreSQL. Every cell must end "recovered, 0 rows lost": the command exits 0 and
every page written before the kill is still there (docs/DEPLOYMENT_VERIFICATION_MATRIX.md has the table).

Each phase is held where it really does its work, then the deploy process alone is killed (its children must
die with it): phase 1 in ``pg_dump`` (a WORKOS_PG_BIN wrapper), 2 in ``git pull`` (post-merge hook), 3 in a
migration, 4 in its HTTP check and 5 in ``workos snapshot``'s crawl (a proxy in front of the server holds the
request), 6 in ``git commit`` (pre-commit hook, artifacts staged, ``index.lock`` held), 7 in ``git push``
(pre-push hook, the artifact commit only local). One production clone per phase serves both recoveries.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import threading

import httpx
import pytest

from workos.testing.pgcluster import free_port

from .conftest import (add_migration_commit, arm_git_hook, git, install_git_hooks, install_slow_pg_dump, page_count,
                       seed_pages, wait_for_marker, wait_until_gone)

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}

# A migration that, when armed, holds phase 3 until the deploy (and with it the module run) is killed.
ONE_SHOT_SLOW_IMPORTS = '''import os
import time
from pathlib import Path


def hold_when_armed(apps, schema_editor):
    folder = Path(os.environ.get("WORKOS_TEST_HOOKS", "/nonexistent"))
    armed = folder / "armed-migration"
    if armed.exists():
        armed.unlink()
        # whole or not at all (the test reads it as soon as it exists: it once read it empty, before the write)
        (folder / "in-migration.tmp").write_text(f"{os.getpid()} {os.getppid()}")
        (folder / "in-migration.tmp").replace(folder / "in-migration")
        time.sleep(120)
'''


def migration_operations(table: str) -> str:
    return (f'        migrations.RunSQL("CREATE TABLE {table} (id integer PRIMARY KEY)", "DROP TABLE {table}"),\n'
            "        migrations.RunPython(hold_when_armed, migrations.RunPython.noop),")


class HoldingProxy:
    """Forwards HTTP to the server; when armed, holds one request (never answered while the test waits) so the
    deploy is caught in the phase that made it: ``hold("/web/login")`` catches phase 4's check,
    ``hold_crawler()`` the first request of ``workos snapshot``'s crawler (phase 5)."""

    def __init__(self, target_port: int):
        self.target = f"http://127.0.0.1:{target_port}"
        self.port = free_port()
        self.held = threading.Event()
        self.release = threading.Event()
        self._rule: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self.client = httpx.Client(trust_env=False, timeout=60)  # thread-safe, keeps connections to the server open
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.forward(self)

            do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def hold(self, path: str) -> None:
        self._arm(("at", path))

    def hold_crawler(self) -> None:
        self._arm(("agent", "workos-crawl"))

    def _arm(self, rule) -> None:
        self.held.clear()
        self.release.clear()
        self._rule = rule

    def _should_hold(self, path: str, agent: str) -> bool:
        with self._lock:
            if self._rule is None:
                return False
            kind, wanted = self._rule
            if (kind == "at" and path.split("?")[0] == wanted) or (kind == "agent" and agent.startswith(wanted)):
                self._rule = None
                return True
            return False

    def forward(self, handler) -> None:
        if self._should_hold(handler.path, handler.headers.get("User-Agent", "")):
            self.held.set()
            self.release.wait(120)
            handler.close_connection = True
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        headers = [(key, value) for key, value in handler.headers.items() if key.lower() not in HOP_BY_HOP - {"host"}]
        try:
            response = self.client.request(handler.command, self.target + handler.path, headers=headers, content=body)
        except httpx.HTTPError:
            handler.send_error(502)
            return
        handler.send_response(response.status_code)
        for key, value in response.headers.multi_items():
            if key.lower() not in HOP_BY_HOP:
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(response.content)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(response.content)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.client.close()


def last_deploy(deployment) -> dict:
    runs = json.loads(deployment.workos("deploy", "history", "--json").stdout)
    return [run for run in runs if run["kind"] == "deploy"][-1]


def kill_in_phase(deployment, phase: int, hooks, proxy, environment) -> dict:
    """Start a deploy, catch it in ``phase``, ``kill -9`` the deploy process alone; returns its history record."""
    markers = {1: "pg_dump", 2: "post-merge", 3: "migration", 6: "pre-commit", 7: "pre-push"}
    marker = arm_git_hook(hooks, markers[phase]) if phase in markers else None
    if phase == 4:
        proxy.hold("/web/login")
    elif phase == 5:
        proxy.hold_crawler()
    deploy = deployment.start_deploy(**environment)
    if marker is not None:
        child = int(wait_for_marker(marker, deploy).split()[0])
    else:
        assert proxy.held.wait(180), f"phase {phase} never sent the request to hold"
        child = None
    if phase in (1, 2):
        # The old server still serves in phases 1 and 2: users keep writing until the moment of the kill.
        seed_pages(deployment, 3)
    os.kill(deploy.pid, signal.SIGKILL)
    deploy.wait(timeout=30)
    proxy.release.set()
    if child is not None and phase != 2:  # phase 2's hook runs under `git merge`, a child of the killed `git pull`
        assert wait_until_gone(child), f"phase {phase}: the deploy's child {child} outlived it"
    run = last_deploy(deployment)
    assert (run["result"], run.get("phase")) == ("interrupted", phase), run
    return run


@pytest.fixture
def proxy(deployment):
    proxy = HoldingProxy(deployment.port)
    yield proxy
    proxy.close()


@pytest.mark.parametrize("phase", [1, 2, 3, 4, 5, 6, 7])
def test_deploy_killed_in_each_phase_is_recovered_by_redeploy_and_by_rollback_without_losing_rows(
        deployment, proxy, phase, skip_unless_postgresql):
    # given a deployed site (the server behind the holding proxy) with pages
    deployment.write_config(base_url=f'"http://127.0.0.1:{proxy.port}"')
    hooks = install_git_hooks(deployment, "post-merge", "pre-commit", "pre-push")
    environment = {"WORKOS_TEST_HOOKS": str(hooks), "WORKOS_PG_BIN": str(install_slow_pg_dump(deployment, hooks))}
    first = deployment.deploy("--no-artifacts", **environment)
    assert first.returncode == 0, first.stdout + first.stderr
    seed_pages(deployment, 5)

    # when a deploy of new upstream work is killed in this phase, then `workos deploy --break-stale-lock` finishes it
    target = add_migration_commit(deployment, "ipai_workos_canvas", "0900_fault_one", migration_operations("ipai_fault_one"),
                                  ONE_SHOT_SLOW_IMPORTS)
    kill_in_phase(deployment, phase, hooks, proxy, environment)
    rows = page_count(deployment)
    result = deployment.deploy("--break-stale-lock", "--json", **environment)
    assert result.returncode == 0, f"re-deploy after a kill in phase {phase}: {result.stdout[-3000:]} {result.stderr[-3000:]}"
    assert page_count(deployment) == rows, "rows lost by the re-deploy"
    assert git(deployment.clone, "merge-base", "--is-ancestor", target, "HEAD") == "" and git(deployment.clone, "status", "--porcelain") == ""
    assert git(deployment.clone, "rev-parse", "HEAD") == git(deployment.origin, "rev-parse", "main")  # artifacts pushed
    assert not list(deployment.backup_dir.glob("*.partial"))

    # when the next deploy is killed in the same phase, then `workos rollback --restore-db --break-stale-lock` undoes it
    seed_pages(deployment, 4)
    add_migration_commit(deployment, "ipai_workos_canvas", "0901_fault_two", migration_operations("ipai_fault_two"), ONE_SHOT_SLOW_IMPORTS)
    killed = kill_in_phase(deployment, phase, hooks, proxy, environment)
    rows = page_count(deployment)
    result = deployment.workos("rollback", "--restore-db", "--break-stale-lock", "--json", **environment)
    assert result.returncode == 0, f"rollback after a kill in phase {phase}: {result.stdout[-3000:]} {result.stderr[-3000:]}"
    assert page_count(deployment) == rows, "rows lost by the rollback"
    assert deployment.head() == killed["from_sha"]
    assert git(deployment.clone, "status", "--porcelain") == ""
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200
    tables = {row[0] for row in deployment.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert "ipai_fault_two" not in tables  # what the killed run's upgrade created is gone with it
