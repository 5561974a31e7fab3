"""A throwaway Redis server for the tests of the scale-out path (the Channels Redis layer): ``redis-server`` on a
free port, no persistence, its folder removed on stop. The binary comes from WORKOS_REDIS_SERVER or the PATH
(Debian package ``redis-server``, installed by ``make test-deps``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .pgcluster import free_port


class RedisError(Exception):
    pass


def redis_binary() -> str:
    configured = os.environ.get("WORKOS_REDIS_SERVER") or shutil.which("redis-server")
    if not configured:
        raise RedisError("redis-server not found: run `make test-deps` (apt-get install redis-server) or set WORKOS_REDIS_SERVER")
    return configured


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int
    root: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start_redis(timeout: float = 20) -> RedisServer:
    """Start a Redis server that keeps nothing on disk and answers only on 127.0.0.1."""
    root = Path(tempfile.mkdtemp(prefix="workos-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(root), "--daemonize", "no", "--protected-mode", "yes"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    server = RedisServer(process=process, port=port, root=root)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisError(f"redis-server exited with {process.returncode}: {process.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                if connection.recv(16).startswith(b"+PONG"):
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RedisError(f"redis-server did not answer within {timeout}s")
