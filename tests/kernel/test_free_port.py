"""free_port: each pytest-xdist worker hands out ports from a block of its own, so two tests never start servers
on one port (the second could not listen, and its readiness check was answered by the other test's server)."""

from __future__ import annotations

import socket
from pathlib import Path

from workos.testing import pgcluster


def test_workers_take_even_ports_from_blocks_of_their_own_and_skip_a_port_in_use(monkeypatch):
    monkeypatch.setattr(pgcluster, "_handed_out", iter(range(10**6)))
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    first = pgcluster.PORTS_FROM + 3 * pgcluster.PORTS_PER_WORKER
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", first + 2))  # the second port of the block is in use
        taken.listen()
        ports = [pgcluster.free_port() for _ in range(4)]
    assert first + 2 not in ports
    assert len(set(ports)) == 4
    assert all(first <= port < first + pgcluster.PORTS_PER_WORKER and port % 2 == 0 for port in ports), ports

    monkeypatch.setattr(pgcluster, "_handed_out", iter(range(10**6)))
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw4")
    other = pgcluster.free_port()
    assert first + pgcluster.PORTS_PER_WORKER <= other < first + 2 * pgcluster.PORTS_PER_WORKER


def test_outside_pytest_xdist_the_kernel_chooses(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    port = pgcluster.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # it was free
    assert low <= port <= high  # the kernel's ephemeral range, not a worker's block
