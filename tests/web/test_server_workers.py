"""``workos serve --workers N``: each process listens on a socket of its own (SO_REUSEPORT), so clients that
connect together are spread over the processes (with one shared socket the first process to wake accepted them
all — issue 19); the parent claims the port, SIGTERM stops every process, and a restart takes the port again at
once."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from workos.testing.fixtures import start_server

CLIENTS = 32


def _connect_together(port: int) -> list[socket.socket]:
    """CLIENTS connections opened at once (as a client's connection pool opens them), before any is used."""
    connections = []
    for _ in range(CLIENTS):
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        connection.setblocking(False)
        connection.connect_ex(("127.0.0.1", port))
        connections.append(connection)
    _, writable, _ = select.select([], connections, [], 30)
    assert len(writable) == CLIENTS
    for connection in connections:
        connection.setblocking(True)
        connection.settimeout(30)
    return connections


def _health_over(connections: list[socket.socket]) -> None:
    for connection in connections:
        connection.sendall(b"GET /web/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    for connection in connections:
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            assert chunk, "the server closed a kept-alive connection"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_clients_that_connect_together_are_spread_over_the_processes(site):
    site.workos("module", "install", "ipai_platform_audit", check=True)
    server = start_server(site, args=("--workers", "2"))
    try:
        offset = site.log_file.stat().st_size
        # The processes paused while the clients connect: the connections wait in the kernel's queues, as when
        # they arrive faster than the processes come round to accepting (with one shared queue, the first
        # process to resume took them all).
        children = _children(server.process.pid)
        for pid in children:
            os.kill(pid, signal.SIGSTOP)
        try:
            connections = _connect_together(server.port)
        finally:
            for pid in children:
                os.kill(pid, signal.SIGCONT)
        try:
            for _ in range(3):  # each kept-alive connection stays with the process that accepted it
                _health_over(connections)
        finally:
            for connection in connections:
                connection.close()
        time.sleep(0.5)  # the log line is written after the response
        lines = site.log_file.read_text(encoding="utf-8", errors="replace")[offset:]
        served = Counter(re.findall(r" (\d+) workos\.http: GET /web/health 200", lines))
        assert sum(served.values()) == 3 * CLIENTS
        assert len(served) == 2, served
        assert min(served.values()) >= 3 * 4, served  # each process holds at least 4 of the 32 connections
        workers = set(served)

        taken = subprocess.run([sys.executable, "-m", "workos", "serve", "--port", str(server.port), "--workers", "2"],
                               cwd=site.root, env=site.environment(), capture_output=True, text=True, timeout=120)
        assert taken.returncode == 1
        assert f"cannot listen on 127.0.0.1:{server.port}" in taken.stderr
        assert "Traceback" not in taken.stderr

        closing = socket.create_connection(("127.0.0.1", server.port), timeout=30)  # the server closes it first:
        closing.sendall(b"GET /web/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        while closing.recv(65536):  # its side of the connection then waits in TIME_WAIT for a minute
            pass
        closing.close()
    finally:
        server.stop()
    assert server.process.returncode == 0
    for pid in workers:  # SIGTERM to the parent stopped its processes too
        assert not _alive(int(pid)), f"server process {pid} still runs"
    again = start_server(site, args=("--workers", "2"), port=server.port)  # a restart takes the same port at once
    again.stop()
    assert again.process.returncode == 0


def _children(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
