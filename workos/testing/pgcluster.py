"""A throwaway PostgreSQL cluster: initdb into a temporary folder, start on a free port, remove on stop.

PostgreSQL refuses to run as root, so as root every server command runs as the ``postgres`` user through
``runuser`` and the cluster's folder belongs to that user. Binaries come from WORKOS_PG_BIN or the newest
``/usr/lib/postgresql/*/bin``.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class ClusterError(Exception):
    pass


def postgres_bin() -> Path:
    configured = os.environ.get("WORKOS_PG_BIN")
    if configured:
        return Path(configured)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    if not candidates:
        raise ClusterError("PostgreSQL server binaries not found: install the 'postgresql' package or set WORKOS_PG_BIN")
    return Path(candidates[-1])


PORTS_FROM = 20000  # below the kernel's ephemeral ports (32768–60999 by default), which outgoing connections take
PORTS_PER_WORKER = 500
_handed_out = itertools.count()


def free_port() -> int:
    """A port nothing listens on, for a server a test starts.

    Under pytest-xdist each test process takes its ports from a block of its own (gw0: 20000–20499, gw1:
    20500–20999, …), even ones only, so that a blue/green pair's port + 1 is never handed to another server. Ports
    the kernel chose (bind to port 0) are chosen for all processes at once: two workers were handed the same
    one, the second test's server could not listen, and that test, waiting for an answer on the port, was
    answered by the other test's server (CI of session 13: "wrong login or password" for a user it had made).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit():
        first = PORTS_FROM + int(worker[2:]) * PORTS_PER_WORKER
        if first + PORTS_PER_WORKER <= 32768:
            for _ in range(PORTS_PER_WORKER // 2):
                port = first + (2 * next(_handed_out)) % PORTS_PER_WORKER
                with socket.socket() as sock:
                    try:
                        sock.bind(("127.0.0.1", port))
                    except OSError:
                        continue  # in use, or its last connections are still closing (TIME_WAIT)
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    root: Path
    port: int
    bin_dir: Path
    as_postgres: bool
    superuser: str = "postgres"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def _command(self, *args: str) -> list[str]:
        if self.as_postgres:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def run(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(self._command(*args), check=check, capture_output=True, text=True, **kwargs)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database}"

    @property
    def server_options(self) -> str:
        # Durability settings are off: a throwaway cluster trades crash safety for speed.
        return (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        )

    def start(self) -> "Cluster":
        self.run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", self.superuser, "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")
        return self.restart()

    def restart(self) -> "Cluster":
        """Start the server of an initialised cluster (again, after ``stop``)."""
        result = self.run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", self.server_options, "-l", str(self.root / "server.log"), "-w", "-t", "60", "start", check=False)
        if result.returncode != 0:
            log = (self.root / "server.log").read_text() if (self.root / "server.log").exists() else ""
            raise ClusterError(f"PostgreSQL did not start: {result.stderr.strip()} {log[-2000:]}")
        return self

    def stop(self, mode: str = "fast") -> None:
        self.run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop", check=False)

    def is_running(self) -> bool:
        return self.run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "status", check=False).returncode == 0

    def create_database(self, name: str) -> str:
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def psql(self, database: str, sql: str) -> str:
        result = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.superuser, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise ClusterError(f"psql failed: {result.stderr.strip()}")
        return result.stdout

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(port: int | None = None) -> Cluster:
    """Start a new cluster in a fresh temporary folder; the caller stops it with ``destroy()``."""
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="workos-pg-"))
    (root / "socket").mkdir()
    if as_postgres:
        # The cluster's folders must belong to the user the server runs as.
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "socket", "postgres", "postgres")
        os.chmod(root, 0o755)
    cluster = Cluster(root=root, port=port or free_port(), bin_dir=postgres_bin(), as_postgres=as_postgres)
    try:
        return cluster.start()
    except Exception:
        shutil.rmtree(root, ignore_errors=True)
        raise


def wait_for_port(host: str, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise ClusterError(f"nothing listens on {host}:{port} after {timeout}s")
