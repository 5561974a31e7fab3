"""A production host in a temporary folder: a bare ``origin``, a production clone, a configuration file
outside the clone, a database of this run's kind, and the ``process`` service manager running the real
``workos serve``. Every command is the real CLI in a subprocess; every server started is stopped after the test.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from workos.settings.config import PROJECT_ROOT
from workos.testing.pgcluster import Cluster, free_port

GIT_IDENTITY = ["-c", "user.name=WorkOS test", "-c", "user.email=test@workos.invalid"]


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} in {cwd} failed: {result.stderr}")
    return result.stdout.strip()


@pytest.fixture(scope="session")
def origin_template(tmp_path_factory) -> Path:
    """A bare repository holding this project's committed tree as one commit; cloned (cheaply) per test."""
    root = tmp_path_factory.mktemp("origin-template")
    work = root / "work"
    work.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "WorkOS as deployed by the tests")
    git(root, "clone", "-q", "--bare", str(work), str(root / "template.git"))
    return root / "template.git"


def table_names(deployment: "Deployment") -> list[str]:
    if deployment.database_kind == "sqlite":
        rows = deployment.sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = deployment.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
    return sorted(row[0] for row in rows)


def database_fingerprint(deployment: "Deployment") -> dict[str, str]:
    """A checksum of every row of every table: equal fingerprints mean equal database contents."""
    fingerprint = {}
    for table in table_names(deployment):
        rows = sorted(repr(row) for row in deployment.sql(f'SELECT * FROM "{table}"'))
        fingerprint[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16] + f":{len(rows)}"
    return fingerprint


@dataclass
class Deployment:
    root: Path
    origin: Path
    clone: Path
    database_kind: str
    database_url: str
    port: int
    cluster: Cluster | None = None
    database_name: str | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)
    extra_config: str = ""

    @property
    def config_file(self) -> Path:
        return self.root / "etc" / "workos.toml"

    @property
    def backup_dir(self) -> Path:
        return self.root / "backups"

    @property
    def log_dir(self) -> Path:
        return self.root / "var" / "log"

    @property
    def server_log(self) -> Path:
        return self.log_dir / "workos.log"

    @property
    def pidfile(self) -> Path:
        return self.root / "var" / "workos.pid"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self, **deploy_overrides) -> Path:
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        deploy = {
            "repo_root": f'"{self.clone}"',
            "base_url": f'"{self.base_url}"',
            "backup_dir": f'"{self.backup_dir}"',
            "log_dir": f'"{self.log_dir}"',
            "service": '"process"',
            "startup_timeout": "30",
        }
        deploy.update({key: str(value) for key, value in deploy_overrides.items()})
        self.config_file.write_text(
            f"""[server]
host = "127.0.0.1"
port = {self.port}
data_dir = "{self.root / 'var'}"
log_file = "{self.server_log}"

[database]
url = "{self.database_url}"

[deploy]
{chr(10).join(f'{key} = {value}' for key, value in deploy.items())}

[deploy.process]
stop_timeout = 10
{self.extra_config}
"""
        )
        return self.config_file

    def environment(self, **extra: str) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("WORKOS_", "DJANGO_"))}
        environment["PYTHONPATH"] = str(self.clone)
        environment.update(extra)
        return environment

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "workos", "-c", str(self.config_file), *args]

    def workos(self, *args: str, timeout: float = 240, **environment: str) -> subprocess.CompletedProcess:
        """``python -m workos -c CONFIG ARGS`` from the production clone, as the operator runs it."""
        return subprocess.run(self.command(*args), cwd=self.clone, env=self.environment(**environment),
                              capture_output=True, text=True, timeout=timeout)

    def deploy(self, *args: str, **environment: str) -> subprocess.CompletedProcess:
        return self.workos("deploy", *args, **environment)

    def start_deploy(self, *args: str, **environment: str) -> subprocess.Popen:
        """A deploy running in the background (its own process group, so a test can kill all of it)."""
        process = subprocess.Popen(self.command("deploy", *args), cwd=self.clone, env=self.environment(**environment),
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.processes.append(process)
        return process

    def head(self) -> str:
        return git(self.clone, "rev-parse", "HEAD")

    def server_pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def sql(self, query: str) -> list[tuple]:
        if self.database_kind == "sqlite":
            import sqlite3

            connection = sqlite3.connect(self.database_url[len("sqlite:///"):], timeout=30)
            try:
                rows = [tuple(row) for row in connection.execute(query)]
                connection.commit()
                return rows
            finally:
                connection.close()
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            cursor = connection.execute(query)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

    def upstream_commit(self, files: dict[str, str | None], message: str) -> str:
        """A developer commits ``files`` (None deletes) and pushes them to origin; returns the new SHA."""
        developer = self.root / "developer"
        if not developer.exists():
            git(self.root, "clone", "-q", str(self.origin), str(developer))
        git(developer, "pull", "-q", "--ff-only")
        for relative, content in files.items():
            path = developer / relative
            if content is None:
                subprocess.run(["git", "rm", "-rq", relative], cwd=developer, check=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
                git(developer, "add", relative)
        git(developer, "commit", "-q", "-m", message)
        git(developer, "push", "-q", "origin", "HEAD:main")
        return git(developer, "rev-parse", "HEAD")

    def developer_file(self, relative: str) -> str:
        developer = self.root / "developer"
        if not developer.exists():
            git(self.root, "clone", "-q", str(self.origin), str(developer))
        git(developer, "pull", "-q", "--ff-only")
        return (developer / relative).read_text()

    def stop_everything(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait(timeout=30)
        pid = self.server_pid()
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.killpg(pid, signal.SIGKILL)


@pytest.fixture
def deployment(tmp_path, origin_template, database_kind, request) -> Deployment:
    """A production host that has never been deployed: clone at origin's tip, empty database, no server."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin_template), str(origin))
    clone = tmp_path / "prod"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    if database_kind == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        name = "deploy_" + uuid.uuid4().hex[:12]
        url = cluster.create_database(name)
        deployment = Deployment(tmp_path, origin, clone, "postgresql", url, free_port(), cluster, name)
    else:
        url = f"sqlite:///{tmp_path / 'var' / 'workos.sqlite3'}"
        deployment = Deployment(tmp_path, origin, clone, "sqlite", url, free_port())
    deployment.write_config()
    yield deployment
    deployment.stop_everything()
    if deployment.cluster and deployment.database_name:
        deployment.cluster.drop_database(deployment.database_name)


# --- content written the way a developer would ------------------------------------------------------------


def latest_migration(deployment: Deployment, module: str) -> str:
    folder = deployment.clone / "addons" / module / "migrations"
    names = sorted(p.stem for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1]


def bump_version(manifest_source: str) -> str:
    import re

    def bump(match):
        parts = match.group(2).split(".")
        parts[-1] = str(int(parts[-1]) + 1)
        return f'{match.group(1)}{".".join(parts)}"'

    return re.sub(r'("version":\s*")([0-9.]+)"', bump, manifest_source, count=1)


def migration_source(dependency: tuple[str, str], operations: str, imports: str = "") -> str:
    return f'''from django.db import migrations
{imports}

class Migration(migrations.Migration):
    dependencies = [{dependency!r}]
    operations = [
{operations}
    ]
'''


def add_migration_commit(deployment: Deployment, module: str, name: str, operations: str, imports: str = "", message: str = "") -> str:
    """Commit upstream a new migration for ``module`` and bump its version, like a developer's upgrade."""
    manifest = f"addons/{module}/__manifest__.py"
    previous = latest_migration(deployment, module)
    return deployment.upstream_commit(
        {
            f"addons/{module}/migrations/{name}.py": migration_source((module, previous), operations, imports),
            manifest: bump_version(deployment.developer_file(manifest)),
        },
        message or f"{module}: migration {name}",
    )


PROBE_TABLE_MIGRATION = (
    '        migrations.RunSQL("CREATE TABLE ipai_workos_deploy_probe (id integer PRIMARY KEY, note varchar(32))",\n'
    '                          "DROP TABLE ipai_workos_deploy_probe"),'
)
FAILING_MIGRATION = "        migrations.RunPython(fail, migrations.RunPython.noop),"
FAILING_IMPORTS = '''

def fail(apps, schema_editor):
    raise RuntimeError("this migration fails on purpose (deploy test)")
'''
SLOW_MIGRATION = "        migrations.RunPython(wait_for_the_test, migrations.RunPython.noop),"
SLOW_IMPORTS = '''import os
import time
from pathlib import Path


def wait_for_the_test(apps, schema_editor):
    # Tells the test it is in phase 3, then waits to be killed (bounded, so nothing hangs forever).
    Path(os.environ["WORKOS_TEST_MARKER"]).write_text(str(os.getpid()))
    time.sleep(120)
'''


# --- rows ---------------------------------------------------------------------------------------------------


def insert_row(deployment: Deployment, table: str, values: dict) -> int:
    """Insert a row giving ``values`` and a plain value for every other NOT NULL column (Django sets no
    database defaults); returns its id. Lets the tests seed data whatever columns the modules add."""
    if deployment.database_kind == "sqlite":
        columns = [(row[1], row[2].lower(), bool(row[3]), row[5]) for row in deployment.sql(f'PRAGMA table_info("{table}")')]
    else:
        columns = [
            (name, kind.lower(), nullable == "NO", 1 if default and default.startswith("nextval") else 0)
            for name, kind, nullable, default in deployment.sql(
                f"SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_name = '{table}'"
            )
        ]
    row = dict(values)
    for name, kind, not_null, primary_or_serial in columns:
        if name in row or name == "id" or not not_null or primary_or_serial:
            continue
        if "bool" in kind:
            row[name] = False
        elif "int" in kind or "numeric" in kind or "decimal" in kind or "real" in kind or "double" in kind:
            row[name] = 0
        elif "timestamp" in kind or "datetime" in kind or kind == "date":
            row[name] = "2026-01-01 00:00:00+00:00" if kind != "date" else "2026-01-01"
        elif "json" in kind:
            row[name] = "{}"
        else:
            row[name] = ""
    names = ", ".join(f'"{name}"' for name in row)
    literals = ", ".join("NULL" if value is None else str(int(value)) if isinstance(value, bool) and deployment.database_kind == "sqlite"
                         else ("TRUE" if value else "FALSE") if isinstance(value, bool)
                         else str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'" for value in row.values())
    deployment.sql(f'INSERT INTO "{table}" ({names}) VALUES ({literals})')
    return deployment.sql(f'SELECT max(id) FROM "{table}"')[0][0]


def seed_pages(deployment: Deployment, count: int = 20) -> None:
    """A workspace, a space and ``count`` pages, written straight into the tables."""
    workspace = insert_row(deployment, "ipai_workos_workspace", {"name": "Ops", "slug": f"ops-{uuid.uuid4().hex[:6]}"})
    space = insert_row(deployment, "ipai_workos_space", {"workspace_id": workspace, "name": "Runbooks"})
    for number in range(count):
        insert_row(deployment, "ipai_workos_page", {"space_id": space, "title": f"Page {number}", "rank": f"n{number:04d}"})


def page_count(deployment: Deployment) -> int:
    return deployment.sql("SELECT count(*) FROM ipai_workos_page")[0][0]


# --- fault injection: git hooks that stop a deploy inside a phase ------------------------------------------

GIT_HOOK = '''#!/bin/sh
# Test fault injection: when armed, say where we are, then wait until the git command running us is gone.
armed="$WORKOS_TEST_HOOKS/armed-{name}"
[ -n "$WORKOS_TEST_HOOKS" ] && [ -e "$armed" ] || exit 0
rm -f "$armed"
parent=$PPID
grandparent=$(ps -o ppid= -p $parent | tr -d ' ')
echo "$parent $grandparent" > "$WORKOS_TEST_HOOKS/in-{name}.tmp" && mv "$WORKOS_TEST_HOOKS/in-{name}.tmp" "$WORKOS_TEST_HOOKS/in-{name}"
n=0
while kill -0 $parent 2>/dev/null && [ "$(ps -o ppid= -p $parent | tr -d ' ')" = "$grandparent" ] && [ $n -lt 1200 ]; do
    sleep 0.05
    n=$((n + 1))
done
exit 1
'''


def install_git_hooks(deployment: Deployment, *names: str) -> Path:
    """Hooks in the production clone that, once armed (``arm_git_hook``), hold the git command that runs them
    — ``post-merge`` (phase 2's pull), ``pre-commit`` (phase 6), ``pre-push`` (phase 7). Returns the folder
    to pass to the deploy as ``WORKOS_TEST_HOOKS``."""
    folder = deployment.root / "hooks-state"
    folder.mkdir(exist_ok=True)
    for name in names:
        hook = deployment.clone / ".git" / "hooks" / name
        hook.write_text(GIT_HOOK.format(name=name))
        hook.chmod(0o755)
    return folder


def arm_git_hook(folder: Path, name: str) -> Path:
    """Arm one hook for its next run; returns the file it writes ("<git pid> <its parent pid>") when it runs."""
    (folder / f"in-{name}").unlink(missing_ok=True)
    (folder / f"armed-{name}").write_text("")
    return folder / f"in-{name}"


def wait_for_marker(path: Path, process: subprocess.Popen, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        if process.poll() is not None:
            raise AssertionError(f"the deploy ended before reaching {path.name}: {process.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {timeout}s")


def wait_until_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


SLOW_PG_DUMP = '''#!{python}
# Test fault injection: when armed, start a dump, say so, then wait until the deploy running us is gone.
import os
import sys
import time
from pathlib import Path

folder = Path(os.environ["WORKOS_TEST_HOOKS"])
armed = folder / "armed-pg_dump"
if not armed.exists():
    os.execv("{real}", ["{real}", *sys.argv[1:]])
armed.unlink()
sys.stdout.buffer.write(b"PGDMP the first bytes of a dump")
sys.stdout.flush()
parent = os.getppid()
(folder / "in-pg_dump.tmp").write_text(f"{{os.getpid()}} {{parent}}")
os.replace(folder / "in-pg_dump.tmp", folder / "in-pg_dump")
deadline = time.monotonic() + 60
while os.getppid() == parent and time.monotonic() < deadline:
    time.sleep(0.05)
sys.exit(1)
'''


def install_slow_pg_dump(deployment: Deployment, folder: Path) -> Path:
    """A WORKOS_PG_BIN folder whose ``pg_dump``, once armed (``arm_git_hook(folder, "pg_dump")``), holds
    phase 1 mid-dump; the other tools are the cluster's own. Returns the folder for WORKOS_PG_BIN."""
    bin_dir = deployment.root / "pg-bin"
    bin_dir.mkdir(exist_ok=True)
    real = deployment.cluster.bin_dir
    for tool in ("pg_restore", "psql"):
        (bin_dir / tool).unlink(missing_ok=True)
        (bin_dir / tool).symlink_to(real / tool)
    wrapper = bin_dir / "pg_dump"
    wrapper.write_text(SLOW_PG_DUMP.format(python=sys.executable, real=real / "pg_dump"))
    wrapper.chmod(0o755)
    return bin_dir
