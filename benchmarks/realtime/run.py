"""Benchmark (issue 14): live pages — update relay latency, 20 clients on one page, memory per open room.

    .venv/bin/python benchmarks/realtime/run.py [--database sqlite|postgresql] [--redis] [--rooms 100] [--seconds 10]

What it does, all on this machine and over loopback only:

1. makes a site in a temporary folder (an SQLite file, or a throwaway PostgreSQL cluster), installs the suite and
   creates three users through the CLI, and starts ``workos serve`` (with ``--redis``: two ``workos serve``
   processes sharing a throwaway ``redis-server`` through the Channels Redis layer, the clients spread over both);
2. **relay latency between two clients**: two pycrdt y-websocket clients (``ipai_workos_blocks/tests/
   live_client.py``) on one page; one types a character every 20 ms (300 edits), the other notes when each edit
   arrives. Latency = arrival at the other client - the moment the edit was made, per edit (the server stores
   the update in the database before relaying it, so this includes that commit);
3. **20 clients on one page**, each typing 5 characters a second for ``--seconds``: the same latency, for every
   edit at each of the 19 other clients (waits up to 180 s for every edit to reach every client; the result says
   how many deliveries arrived);
4. **memory per open room**: the server process's resident memory (``VmRSS``) before and after ``--rooms`` pages
   of 20 paragraphs are opened live by two clients each, divided by the number of rooms; then, with all those
   rooms open and idle, the server's **CPU** over 10 s (user + system time from ``/proc/<pid>/stat``);
5. **opening a page of ``--blocks`` blocks** (default 2,000): live (connect + Yjs sync to a complete document) the
   first time (the server builds the Yjs document from the blocks) and again later (from the stored snapshot),
   against today's REST load of the same page (``GET /api/v1/pages/{id}/blocks``), 7 times each.

Edits are identified by the Yjs client id and clock of the sender: a receiver compares its state vector after each
message it applies. All clients run in this one Python process (asyncio) on the same machine as the server, so
their own work is part of the figures. Results go to ``benchmarks/results/realtime-<time>.json`` with the load
average (what ``uptime`` prints) before and after. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "addons"))

import httpx  # noqa: E402
from pycrdt import Decoder  # noqa: E402

from ipai_workos_blocks.tests.live_client import SYNC, LiveClient, wait_for  # noqa: E402
from workos.testing.fixtures import Site, start_server  # noqa: E402

PASSWORD = "bench-password-realtime"


def state_vector(client: LiveClient) -> dict[int, int]:
    decoder = Decoder(client.doc.get_state())
    return {decoder.read_var_uint(): decoder.read_var_uint() for _ in range(decoder.read_var_uint())}


class TimedClient(LiveClient):
    """A live client that notes when each of its edits was made and when each edit of the others arrived."""

    def __init__(self, *args, sent_by: dict, latencies: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent_by = sent_by  # {client id: {clock: perf_counter when made}}, shared by all clients
        self.latencies = latencies
        self.known: dict[int, int] = {}

    def edit(self, text: str) -> None:
        paragraph = random.randrange(len(self.fragment.children))
        self.type_into(paragraph, random.randint(0, 40), text)
        own = self.doc.client_id
        self.sent_by.setdefault(own, {})[state_vector(self)[own]] = time.perf_counter()

    def _handle(self, message: bytes) -> None:
        super()._handle(message)
        if message[0] != SYNC or message[1] not in (1, 2):
            return
        now = time.perf_counter()
        for client_id, clock in state_vector(self).items():
            before = self.known.get(client_id, clock if client_id not in self.sent_by else 0)
            if client_id != self.doc.client_id and clock > before:
                sent = self.sent_by.get(client_id, {})
                self.latencies.extend((now - sent[c]) * 1000 for c in range(before + 1, clock + 1) if c in sent)
            self.known[client_id] = clock


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else float("nan")


def summary(values: list[float]) -> dict:
    return {"count": len(values), "p50_ms": round(percentile(values, 0.5), 2), "p95_ms": round(percentile(values, 0.95), 2),
            "p99_ms": round(percentile(values, 0.99), 2), "max_ms": round(max(values), 2) if values else None}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, database: str, redis: bool, rooms: int):
        self.home = Path(tempfile.mkdtemp(prefix="workos-bench-realtime-"))
        self.cluster = self.redis = None
        root = self.home / "site"
        root.mkdir()
        extra = ""
        if redis:
            from workos.testing.redisserver import start_redis

            self.redis = start_redis()
            extra = f'\n[realtime]\nchannel_layer = "{self.redis.url}"\n'
        if database == "postgresql":
            from workos.testing.pgcluster import start_cluster

            self.cluster = start_cluster()
            self.site = Site(root=root, database_url=self.cluster.create_database("bench"), database_kind="postgresql",
                             cluster=self.cluster, database_name="bench", extra_config=extra)
        else:
            self.site = Site(root=root, database_url=f"sqlite:///{root / 'var' / 'workos.sqlite3'}", database_kind="sqlite", extra_config=extra)
        self.site.write_config()
        self.site.workos("module", "install", "ipai_workos_affine", check=True)
        self.site.workos("user", "create", "grace", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
        self.servers = [start_server(self.site)] + ([start_server(self.site)] if redis else [])
        base = self.servers[0].base_url
        self.token = httpx.post(base + "/api/v1/auth/token", json={"username": "grace", "password": PASSWORD, "name": "bench"}, timeout=60).json()["token"]
        self.api = httpx.Client(base_url=base, headers={"Authorization": "Bearer " + self.token}, timeout=60)
        workspace = self.api.post("/api/v1/workspaces", json={"name": "Bench"}).json()["id"]
        self.space = self.api.post("/api/v1/spaces", json={"workspace_id": workspace, "name": "Live"}).json()["id"]
        # A user may hold 50 live connections per process: the rooms are opened by members 40 connections each.
        self.tokens = []
        for number in range(-(-2 * rooms // 40)):
            name = f"member{number}"
            self.site.workos("user", "create", name, "--password-stdin", input=PASSWORD + "\n", check=True)
            token = httpx.post(base + "/api/v1/auth/token", json={"username": name, "password": PASSWORD, "name": "bench"}, timeout=60).json()["token"]
            member = httpx.get(base + "/api/v1/me", headers={"Authorization": "Bearer " + token}, timeout=60).json()["id"]
            self.api.post(f"/api/v1/workspaces/{workspace}/members", json={"user_id": member, "role": "member"}).raise_for_status()
            self.tokens.append(token)

    def page(self, paragraphs: int) -> int:
        page_id = self.api.post("/api/v1/pages", json={"space_id": self.space, "title": "Live"}).json()["id"]
        version = self.api.get(f"/api/v1/pages/{page_id}/blocks").json()["version"]
        blocks = [{"type": "paragraph", "content": {"text": [{"text": f"Paragraph {index} of a page edited live."}]}} for index in range(paragraphs)]
        self.api.put(f"/api/v1/pages/{page_id}/blocks", json={"blocks": blocks, "base_version": version}).raise_for_status()
        return page_id

    def client(self, index: int, page_id: int, sent_by: dict, latencies: list, token: str | None = None) -> TimedClient:
        server = self.servers[index % len(self.servers)]
        return TimedClient(server.base_url, page_id, token or self.token, sent_by=sent_by, latencies=latencies, ack=False)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        if self.redis is not None:
            self.redis.stop()
        if self.cluster is not None:
            self.cluster.destroy()
        shutil.rmtree(self.home, ignore_errors=True)


async def connect(client: LiveClient) -> LiveClient:
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 120)
    return client


async def relay_two(bench: Bench, edits: int = 300) -> dict:
    page_id = bench.page(20)
    sent_by, latencies = {}, []
    writer, reader = [await connect(bench.client(index, page_id, sent_by, latencies)) for index in range(2)]
    for _ in range(edits):
        writer.edit("x")
        await asyncio.sleep(0.02)
    await wait_for(lambda: len(latencies) >= edits, 300, "not every edit arrived")
    for client in (writer, reader):
        await client.close()
    return summary(latencies)


async def twenty_typists(bench: Bench, seconds: float, clients: int = 20) -> dict:
    page_id = bench.page(20)
    sent_by, latencies = {}, []
    typists = [await connect(bench.client(index, page_id, sent_by, latencies)) for index in range(clients)]

    async def type_for(client: TimedClient):
        await asyncio.sleep(random.random() * 0.2)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            client.edit("y")
            await asyncio.sleep(0.2)  # 5 characters a second

    await asyncio.gather(*(type_for(client) for client in typists))
    edits = sum(len(clocks) for clocks in sent_by.values())
    expected = edits * (clients - 1)
    # A channel-layer message waits at most 60 s (Channels' expiry): on a server that falls further behind, relayed
    # updates expire, and a client that never resyncs holds back its later edits. Counted, not hidden.
    try:
        await wait_for(lambda: len(latencies) >= expected, 180, "")
    except AssertionError:
        pass
    for client in typists:
        await client.close()
    return {"clients": clients, "edits": edits, "deliveries_expected": expected, "deliveries_arrived": len(latencies), **summary(latencies)}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def idle_cpu(bench: Bench, seconds: float = 10) -> dict:
    pids = [server.process.pid for server in bench.servers]
    before = sum(cpu_seconds(pid) for pid in pids)
    await asyncio.sleep(seconds)
    used = sum(cpu_seconds(pid) for pid in pids) - before
    return {"seconds": seconds, "cpu_seconds": round(used, 3), "cpu_percent_of_one_core": round(100 * used / seconds, 1)}


async def open_large_page(bench: Bench, blocks: int, repeat: int = 7) -> dict:
    page_id = bench.page(blocks)
    live_times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client = await connect(bench.client(0, page_id, {}, []))
        live_times.append((time.perf_counter() - started) * 1000)
        assert len(client.fragment.children) >= blocks, "the live document is not complete"
        await client.close()
        await asyncio.sleep(0.5)  # the room is dropped once its last client leaves: the next open loads it again
    rest_times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await asyncio.to_thread(bench.api.get, f"/api/v1/pages/{page_id}/blocks")
        response.raise_for_status()
        rest_times.append((time.perf_counter() - started) * 1000)
    return {"blocks": blocks, "live_first_open_ms": round(live_times[0], 1), "live_later_opens_ms": summary(live_times[1:]),
            "rest_get_blocks_ms": summary(rest_times)}


async def memory_and_cpu(bench: Bench, rooms: int) -> dict:
    pages = [bench.page(20) for _ in range(rooms)]
    pids = [server.process.pid for server in bench.servers]
    await asyncio.sleep(1)
    before = sum(rss_kib(pid) for pid in pids)
    clients = []
    for index, page_id in enumerate(pages):
        for other in range(2):
            token = bench.tokens[len(clients) // 40]
            clients.append(await connect(bench.client(index + other, page_id, {}, [], token=token)))
    await asyncio.sleep(2)
    after = sum(rss_kib(pid) for pid in pids)
    cpu = await idle_cpu(bench)
    for client in clients:
        await client.close()
    return {"rooms": rooms, "clients": len(clients), "paragraphs_per_page": 20, "rss_before_kib": before, "rss_after_kib": after,
            "kib_per_room": round((after - before) / rooms, 1), "idle_cpu_with_rooms_open": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--redis", action="store_true", help="two server processes sharing a throwaway Redis")
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--blocks", type=int, default=2000, help="blocks of the page opened live and over REST")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    options = parser.parse_args()
    random.seed(14)
    load_before = os.getloadavg()
    bench = Bench(options.database, options.redis, options.rooms)
    try:
        result = {
            "when": datetime.now().isoformat(timespec="seconds"), "machine": platform.platform(), "cpus": os.cpu_count(),
            "database": options.database, "processes": len(bench.servers), "layer": "redis" if options.redis else "memory",
            "load_before": load_before,
            "relay_two_clients": asyncio.run(relay_two(bench)),
            "twenty_clients_one_page": asyncio.run(twenty_typists(bench, options.seconds)),
            # before the rooms: closing 2 x --rooms clients keeps the server busy deriving and dropping rooms
            "open_large_page": asyncio.run(open_large_page(bench, options.blocks)),
            "memory": asyncio.run(memory_and_cpu(bench, options.rooms)),
            "load_after": os.getloadavg(),
        }
    finally:
        bench.close()
    options.results.mkdir(parents=True, exist_ok=True)
    out = options.results / f"realtime-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
