"""Deploys behind a real nginx ([deploy] switch = "nginx"): Debian's nginx started by the test on loopback with
the project's deploy/nginx-workos-proxy.conf, real ``workos serve`` processes, the real CLI, and a load of API
reads and writes through nginx counting every request that did not succeed.

PostgreSQL only: the old and the new server write to the database while the migrations run, which is what a
production host does (SQLite is the single-process embedded default).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from workos.ops import exit_codes
from workos.ops.traffic import parse_upstream
from workos.testing.load import ApiLoad, api_space, api_token
from workos.testing.nginx import NginxServer
from workos.testing.pgcluster import free_port

from .conftest import PROBE_TABLE_MIGRATION, add_migration_commit

pytestmark = pytest.mark.postgresql_only

PASSWORD = "zero-downtime-test"

RENAME_MIGRATION = (
    '        migrations.RunSQL("CREATE TABLE ipai_workos_rename_probe (id integer PRIMARY KEY, note varchar(32))",\n'
    '                          "DROP TABLE ipai_workos_rename_probe"),\n'
    '        migrations.RunSQL("ALTER TABLE ipai_workos_rename_probe RENAME COLUMN note TO remark",\n'
    '                          "ALTER TABLE ipai_workos_rename_probe RENAME COLUMN remark TO note"),'
)

# Committed upstream by the host-by-host test: the new code cannot start on one port (its "host" is broken).
BROKEN_HOST_SITECUSTOMIZE = '''import os
import sys
from pathlib import Path

try:
    _words = Path("/proc/self/cmdline").read_bytes().decode(errors="replace").split("\\0")
except OSError:
    _words = []
if "serve" in _words and "--port" in _words and _words[_words.index("--port") + 1] == "{port}":
    sys.stderr.write("this host cannot run the new code (test fault)\\n")
    os._exit(3)
'''


class BehindNginx:
    def __init__(self, deployment, nginx: NginxServer, ports: list[int]):
        self.deployment, self.nginx, self.ports = deployment, nginx, ports

    @property
    def url(self) -> str:
        return self.nginx.url

    def upstream(self):
        return parse_upstream(self.nginx.upstream_file.read_text())

    def revision(self, port: int) -> str | None:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/web/health", timeout=30, trust_env=False).json()["code"]["revision"]
        except (httpx.HTTPError, ValueError, KeyError):
            return None

    def first_deploy(self) -> dict:
        result = self.deployment.deploy("--no-artifacts", "--json")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        created = self.deployment.workos("user", "create", "loader", "--admin", "--password-env", "LOADER_PASSWORD", LOADER_PASSWORD=PASSWORD)
        assert created.returncode == 0, created.stderr
        token = api_token(self.url, "loader", PASSWORD)
        self.credentials = (token, api_space(self.url, token))
        return json.loads(result.stdout)

    def load(self, clients: int = 3) -> ApiLoad:
        # The token and space of the first deploy: a rollback that restores the database keeps them.
        return ApiLoad(self.url, *self.credentials, clients=clients, pause=0.02)


def server_pidfiles(deployment) -> list[Path]:
    return sorted((deployment.root / "var").glob("workos-*.pid"))


def stop_servers(deployment) -> None:
    for pidfile in server_pidfiles(deployment):
        try:
            os.killpg(int(pidfile.read_text().split()[0]), signal.SIGKILL)
        except (ProcessLookupError, ValueError, OSError):
            pass


def behind_nginx(deployment, hosts: int = 0) -> BehindNginx:
    nginx = NginxServer(deployment.root / "nginx", free_port(), deployment.root / "nginx" / "upstream.conf")
    nginx.folder.mkdir()
    ports = [deployment.port] + [free_port() for _ in range(max(hosts, 2) - 1)]
    options = nginx.deploy_options() + f"drain_timeout = 30\nports = [{ports[0]}, {ports[1]}]\n"
    deployment.extra_config = "\n" + options
    overrides = {"base_url": f'"{nginx.url}"', "switch": '"nginx"', "startup_timeout": "120"}
    if hosts:
        overrides["hosts"] = "[" + ", ".join(f'"127.0.0.1:{port}"' for port in ports) + "]"
    deployment.write_config(**overrides)
    nginx.start([f"127.0.0.1:{port}" for port in (ports if hosts else ports[:1])])
    return BehindNginx(deployment, nginx, ports)


@pytest.fixture
def site(deployment):
    made = []

    def make(hosts: int = 0) -> BehindNginx:
        made.append(behind_nginx(deployment, hosts))
        return made[-1]

    yield make
    for behind in made:
        stop_servers(deployment)
        behind.nginx.stop()


def test_additive_migration_deploys_and_rolls_back_without_a_failed_request(deployment, site):
    # given WorkOS behind nginx on one host, serving the first deploy on the first port
    behind = site()
    behind.first_deploy()
    old_sha = deployment.head()
    assert behind.upstream().live == [f"127.0.0.1:{behind.ports[0]}"]
    new_sha = add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)

    # when it deploys an additive migration while clients read and write through nginx
    with behind.load() as load:
        result = deployment.deploy("--no-artifacts", "--no-downtime", "--json")
        during_deploy = len(load.samples)
        time.sleep(0.5)

    # then the deploy switched to the other port, and not one request failed
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["migrations"]["compatible"] is True and report["migrations"]["pending"] == 1
    assert report["switch"]["shape"] == "blue/green" and report["switch"]["live"] == [f"127.0.0.1:{behind.ports[1]}"]
    assert during_deploy > 20, "the load ran during the deploy"
    assert ApiLoad.failed(load.samples) == []
    assert report["switch"]["unavailability"]["failed"] == 0
    assert behind.upstream().live == [f"127.0.0.1:{behind.ports[1]}"]
    assert behind.revision(behind.ports[1]) == new_sha and behind.revision(behind.ports[0]) is None
    assert deployment.sql("SELECT count(*) FROM ipai_workos_deploy_probe") == [(0,)]

    # when it rolls back with the database (restored behind the maintenance page) under the same load
    with behind.load() as load:
        rolled = deployment.workos("rollback", "--restore-db", "--json")
        time.sleep(0.5)

    # then nginx is back on the first port with the old code and database; users saw 503 + Retry-After, never
    # a connection error
    assert rolled.returncode == 0, rolled.stdout[-3000:] + rolled.stderr[-3000:]
    rollback = json.loads(rolled.stdout)
    assert rollback["switch"]["live"] == [f"127.0.0.1:{behind.ports[0]}"]
    assert_only_maintenance_answers(load, lost_pages=True)
    assert behind.revision(behind.ports[0]) == old_sha and behind.revision(behind.ports[1]) is None
    assert deployment.sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'ipai_workos_deploy_probe'") == [(0,)]


def assert_only_maintenance_answers(load: ApiLoad, lost_pages: bool = False) -> None:
    """No connection error and no server error: only the maintenance 503 with Retry-After and its page.
    ``lost_pages``: the database was restored, so a page the load created after the backup may answer 404."""
    assert len(load.samples) > 20
    assert [s for s in load.samples if s.status is None] == [], "no connection error, ever"
    if lost_pages:
        assert {s.status for s in load.samples if 400 <= s.status < 500} <= {404}
    unavailable = [s for s in load.samples if s.status >= 500 or (400 <= s.status < 500 and not lost_pages)]
    assert {s.status for s in unavailable} <= {503}
    assert {s.retry_after for s in unavailable} <= {"30"}
    assert all("being updated" in (s.body or "") for s in unavailable)


def test_code_only_deploy_and_rollback_switch_without_a_failed_request(deployment, site):
    # given WorkOS behind nginx on one host and a commit that changes code but no module
    behind = site()
    behind.first_deploy()
    old_sha = deployment.head()
    new_sha = deployment.upstream_commit({"docs/ZERO_DOWNTIME_PROBE.md": "A code-only change.\n"}, "A code-only change")

    # when it deploys, then rolls back (code only), under load
    with behind.load() as deploy_load:
        deployed = deployment.deploy("--no-artifacts", "--no-downtime", "--json")
        time.sleep(0.5)
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    assert behind.revision(behind.ports[1]) == new_sha
    with behind.load() as rollback_load:
        rolled = deployment.workos("rollback", "--json")
        time.sleep(0.5)

    # then each switched nginx to the other port and not one request failed
    assert rolled.returncode == 0, rolled.stdout[-3000:] + rolled.stderr[-3000:]
    assert json.loads(deployed.stdout)["switch"]["live"] == [f"127.0.0.1:{behind.ports[1]}"]
    assert json.loads(rolled.stdout)["switch"]["live"] == [f"127.0.0.1:{behind.ports[0]}"]
    for load in (deploy_load, rollback_load):
        assert len(load.samples) > 20 and ApiLoad.failed(load.samples) == []
    assert behind.revision(behind.ports[0]) == old_sha and behind.revision(behind.ports[1]) is None


def test_incompatible_migration_is_refused_with_no_downtime_and_otherwise_gets_the_maintenance_page(deployment, site):
    # given WorkOS behind nginx and a commit that renames a column the running code could use
    behind = site()
    behind.first_deploy()
    old_sha = deployment.head()
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_rename_probe", RENAME_MIGRATION)

    # when the operator asks for no downtime, the deploy refuses before anything changes
    refused = deployment.deploy("--no-artifacts", "--no-downtime")
    assert refused.returncode == exit_codes.REFUSED, refused.stdout[-3000:]
    assert "0900_rename_probe" in refused.stdout and "maintenance window" in refused.stdout
    assert deployment.head() == old_sha and behind.revision(behind.ports[0]) == old_sha

    # when it deploys anyway, under load
    with behind.load() as load:
        result = deployment.deploy("--no-artifacts", "--json")
        time.sleep(0.5)

    # then users got the 503 maintenance page with Retry-After during the window, never a connection error
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["switch"]["shape"] == "maintenance window"
    assert "MAINTENANCE WINDOW" in result.stderr
    assert_only_maintenance_answers(load)
    assert [s for s in load.samples if s.status == 503], "the load saw the maintenance window"
    assert load.samples[-1].status in (200, 201)
    assert behind.upstream().maintenance is False


def test_host_by_host_roll_stops_at_the_first_unhealthy_host(deployment, site):
    # given three app servers behind one nginx, all on the first deploy's code
    behind = site(hosts=3)
    behind.first_deploy()
    old_sha = deployment.head()
    first, second, third = behind.ports
    assert all(behind.revision(port) == old_sha for port in behind.ports)

    # when a deploy's new code cannot start on the second host
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    deployment.upstream_commit({"sitecustomize.py": BROKEN_HOST_SITECUSTOMIZE.replace("{port}", str(second))}, "A host-specific fault")
    with behind.load() as load:
        result = deployment.deploy("--no-artifacts", "--json")
        time.sleep(0.5)

    # then the roll stopped there: the first host runs the new code, the second is out of the upstream,
    # the third still serves the old code, and the clients never saw a failure
    report = json.loads(result.stdout)
    assert result.returncode != 0, result.stdout[-3000:]
    assert report["switch"]["shape"] == "host by host"
    assert report["switch"]["failed"] == f"127.0.0.1:{second}"
    assert report["switch"]["switched"] == [f"127.0.0.1:{first}"]
    assert behind.revision(first) == deployment.head() != old_sha
    assert behind.revision(second) is None
    assert behind.revision(third) == old_sha
    assert behind.upstream().servers == {f"127.0.0.1:{first}": False, f"127.0.0.1:{second}": True, f"127.0.0.1:{third}": False}
    assert ApiLoad.failed(load.samples) == [] and len(load.samples) > 20
