"""Load benchmark (issue 19): the API's read/write mix under 20, 50 and 200 concurrent clients.

    .venv/bin/python benchmarks/load/run.py [--database postgresql|sqlite|both] [--clients 20,50,200]
                                            [--duration 60] [--floor-duration 15] [--workers N] [--label WORD]
                                            [--pool default|off|on|both] [--set SECTION.KEY=VALUE ...]

What it does, all on this machine and over loopback:

1. makes a site in a temporary folder — a throwaway PostgreSQL cluster (``workos.testing.pgcluster``, as the tests
   start it) or an SQLite file — installs the suite and the benchmark-only module ``bench_floor``
   (``benchmarks/load/addons``, on this site's addons path only) and seeds through the services: one workspace,
   space "Docs" with 50 pages (10 top-level pages with 4 sub-pages each) of 20 blocks each, a database of 1,000
   rows (8 properties) with a table view, and space "Scratch" with 10 journal pages; one user and one API token;
2. starts the server as production does: ``workos serve --workers N`` (N: ``--workers``, else the server's
   default) with its own configuration file;
3. measures the idle cost of each endpoint (one client, sequential requests: median of the client's round trip
   and of the server's own log line);
4. for each client count: a floor phase (``GET /bench/floor/pages/{id}``: the same page JSON as
   ``GET /api/v1/pages/{id}``, one SQL query, no authentication — what the server costs below the application),
   then the mix, closed loop: every client sends its next request when the previous one answered.

The mix (one bearer token, as an integration would): 70 % reads — page, page blocks, space tree, view rows
(100 rows) — 30 % writes — create page (in "Scratch"), append a block (to a journal page), edit a block (of one
of the 50 pages that are read). Reads stay the same size during a run, so runs compare.

Printed per phase: requests/s, p50/p95/p99 of the client's round trip, the same per endpoint, server-side
p50/p90 of reads and writes (from the request log), errors by kind, dropped connections (the server closed a
connection or refused one), and ``os.getloadavg()`` before and after. The machine is shared: record the load
with the figures. Results also go to ``benchmarks/results/load-*.json``; ``profile_endpoints.py`` beside this file profiles the
same endpoints in one process.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BENCH_ADDONS = Path(__file__).resolve().parent / "addons"
RESULTS = ROOT / "benchmarks" / "results"
LOG_LINE = re.compile(r" (\d+) workos\.http: (GET|POST|PATCH|PUT|DELETE) (\S+) (\d{3}) ([\d.]+)ms user=(\S+)(?: ip=\S+ waited=([\d.]+)ms)?")

MIX = [  # (name, weight in %)
    ("read_page", 17.5), ("read_blocks", 17.5), ("read_tree", 17.5), ("read_rows", 17.5),
    ("create_page", 10), ("append_block", 10), ("edit_block", 10),
]
WRITES = {"create_page", "append_block", "edit_block"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--clients", default="20,50,200", help="comma-separated client counts")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the mix per client count")
    parser.add_argument("--floor-duration", type=float, default=15, help="seconds of the floor per client count (0: skip)")
    parser.add_argument("--workers", type=int, default=None, help="server workers (default: the server's own default)")
    parser.add_argument("--idle-requests", type=int, default=40, help="sequential requests per endpoint for the idle cost")
    parser.add_argument("--label", default="", help="a word stored with the results (e.g. before, after)")
    parser.add_argument("--pool", choices=["default", "off", "on", "both"], default="default",
                        help="PostgreSQL: [database] pool of the server (default: as the site's defaults say — on; "
                             "both: off, then on, on the same seeded site)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="a setting of the site's workos.toml, as TOML (e.g. server.requests_in_flight=8); repeatable")
    args = parser.parse_args()
    if args.database == "both":
        for database in ("postgresql", "sqlite"):
            command = [sys.executable, __file__, *[a for a in sys.argv[1:]]]
            if "--database" in command:
                index = command.index("--database")
                command[index + 1] = database
            else:
                command += ["--database", database]
            subprocess.run(command, check=False)
        return
    run_one(args)


# --- site and seed --------------------------------------------------------------------------------------


def write_config(home: Path, url: str, port: int) -> Path:
    config = home / "workos.toml"
    config.write_text(
        f"""[server]
host = "127.0.0.1"
port = {port}
data_dir = "{home}"
log_file = "{home}/workos.log"
log_level = "INFO"

[database]
url = "{url}"

[addons]
path = [{json.dumps(str(ROOT / 'addons'))}, {json.dumps(str(BENCH_ADDONS))}]
"""
    )
    return config


def seed() -> dict:
    """The workspace of the benchmark, through the services (the real write paths)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from ipai_platform_permissions.services import memoised_levels
    from ipai_workos_blocks import services as blocks
    from ipai_workos_blocks.models import Block
    from ipai_workos_core import services as core
    from ipai_workos_db import services as db
    from ipai_workos_views import services as views
    from workos.api.services import create_token

    started = time.perf_counter()
    user = get_user_model().objects.create_user("bench", "bench@example.com", "bench-password-2000", is_staff=True)
    workspace = core.create_workspace(user, "Team")
    docs = core.create_space(user, workspace, "Docs")
    scratch = core.create_space(user, workspace, "Scratch")
    pages = []
    for top in range(10):
        parent = core.create_page(user, space=docs, title=f"Guide {top + 1}")
        pages.append(parent)
        for sub in range(4):
            pages.append(core.create_page(user, parent=parent, title=f"Guide {top + 1}.{sub + 1}"))
    kinds = ["paragraph", "paragraph", "heading_2", "bulleted_list", "todo", "paragraph", "quote", "code"]
    for page in pages:
        trees = []
        for n in range(20):
            kind = kinds[n % len(kinds)]
            text = f"{page.title}, block {n + 1}: " + "lorem ipsum dolor sit amet " * 3
            content = {"code": text, "language": "python"} if kind == "code" else {"text": [{"text": text}]}
            trees.append({"type": kind, "content": content, "children": []})
        blocks.replace_document(user, page, trees, base_version=blocks.document_version(page))
    journals = [core.create_page(user, space=scratch, title=f"Journal {n + 1}") for n in range(10)]
    database = db.create_database(user, space=docs, title="Tasks", properties=[
        {"name": "Points", "type": "number"},
        {"name": "Tag", "type": "select", "config": {"options": ["bug", "feature", "chore", "docs"]}},
        {"name": "Status", "type": "status"},
        {"name": "Due", "type": "date"},
        {"name": "Done", "type": "checkbox"},
        {"name": "Notes", "type": "text"},
        {"name": "Owner", "type": "person"},
    ])
    rng = random.Random(19)
    # One transaction and one user's levels worked out once: the services' checks and audit events as in
    # production, without 1,000 commits (seeding is not what is measured).
    with transaction.atomic(), memoised_levels(user):
        for n in range(1000):
                db.create_row(user, database, {"Name": f"Task {n + 1}", "Points": rng.randrange(100), "Tag": rng.choice(["bug", "feature", "chore", "docs"]),
                                           "Due": {"start": f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"},
                                           "Done": rng.random() < 0.5, "Notes": f"note {n}", "Owner": [user.pk]})
    view = views.create_view(user, database, name="All tasks", config={"sorts": [{"property": "Points", "direction": "descending"}]})
    _, token = create_token(user, name="bench")
    block_ids = list(Block.objects.filter(page__in=pages).exclude(type="code").values_list("id", flat=True))  # edits send text
    print(f"seeded in {time.perf_counter() - started:.1f}s: {len(pages)} pages x 20 blocks, 1,000 rows, view {view.pk}", flush=True)
    return {"token": token, "space": docs.pk, "scratch": scratch.pk, "pages": [p.pk for p in pages],
            "journals": [p.pk for p in journals], "blocks": [str(b) for b in block_ids], "view": view.pk}


def prepare_site(database: str, home: Path, port: int):
    cluster = None
    if database == "postgresql":
        from workos.testing.pgcluster import start_cluster

        cluster = start_cluster()
        url = cluster.create_database("bench")
    else:
        url = f"sqlite:///{home}/workos.sqlite3"
    config = write_config(home, url, port)
    os.environ.update({"WORKOS_CONFIG": str(config), "DJANGO_SETTINGS_MODULE": "workos.settings.test"})
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from workos.kernel.installer import Installer

    call_command("migrate", verbosity=0)
    Installer().install(["ipai_workos_affine", "bench_floor"])
    fixture = seed()
    connections.close_all()
    return cluster, config, fixture


# --- server ---------------------------------------------------------------------------------------------


def set_pool(config: Path, pool: bool) -> None:
    """``[database] pool`` of the site's configuration file (PostgreSQL: Django's connection pool)."""
    text = re.sub(r"\npool = (true|false)", "", config.read_text())
    config.write_text(text.replace("[database]\n", f"[database]\npool = {'true' if pool else 'false'}\n", 1))


def apply_settings(config: Path, settings: list[str]) -> None:
    """``--set server.requests_in_flight=8``: each setting into its section of the site's configuration file."""
    text = config.read_text()
    for setting in settings:
        name, _, value = setting.partition("=")
        section, _, key = name.partition(".")
        if not (section and key and value):
            raise SystemExit(f"--set {setting!r}: SECTION.KEY=VALUE")
        text = re.sub(rf"\n{re.escape(key)} = [^\n]*", "", text) if f"[{section}]" in text else text + f"\n[{section}]\n"
        text = text.replace(f"[{section}]\n", f"[{section}]\n{key} = {value}\n", 1)
    config.write_text(text)


def cluster_connections(cluster) -> int | None:
    """Client connections open on the cluster now (the server's, after a phase: kept ones show here)."""
    import psycopg

    try:
        with psycopg.connect(cluster.url("postgres"), connect_timeout=10) as connection:
            return connection.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'").fetchone()[0] - 1
    except psycopg.Error:
        return None


# --- where the CPU goes ----------------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float]]:
    """Every process: pid -> (parent pid, CPU seconds used so far, user + system)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (name) ": state, ppid, ... utime is field 14 of the whole line
        found[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def _tree_seconds(processes: dict, root: int | None) -> float:
    if root is None:
        return 0.0
    children = defaultdict(list)
    for pid, (parent, _seconds) in processes.items():
        children[parent].append(pid)
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += processes.get(pid, (0, 0.0))[1]
        stack.extend(children.get(pid, ()))
    return total


def _machine_seconds() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting for disk) since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS


def cpu_snapshot(server_pid: int | None, database_pid: int | None) -> dict:
    processes = _processes()
    times = os.times()
    return {"server": _tree_seconds(processes, server_pid), "database": _tree_seconds(processes, database_pid),
            "load generator": times.user + times.system, "machine": _machine_seconds()}


def cpu_per_request(before: dict, after: dict, requests: int) -> dict:
    """CPU milliseconds per answered request: the server's processes, the database's, the load generator's, and
    the rest of the machine (anything else running)."""
    spent = {name: after[name] - before[name] for name in before}
    spent["other"] = spent.pop("machine") - spent["server"] - spent["database"] - spent["load generator"]
    return {name: round(seconds * 1000 / max(requests, 1), 2) for name, seconds in spent.items()}


def postmaster_pid(cluster) -> int | None:
    try:
        return int((cluster.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def start_server(home: Path, config: Path, port: int, workers: int | None) -> subprocess.Popen:
    import httpx

    environment = {key: value for key, value in os.environ.items() if not key.startswith(("WORKOS_", "DJANGO_"))}
    environment["WORKOS_CONFIG"] = str(config)
    environment["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "workos", "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=home, env=environment, stdout=open(home / "serve.out", "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"workos serve exited: {(home / 'serve.out').read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/web/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("workos serve did not answer in 90 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- load -----------------------------------------------------------------------------------------------


class Requests:
    """The requests of the mix, with the seeded ids."""

    def __init__(self, fixture: dict, seed: int):
        self.fixture = fixture
        self.random = random.Random(seed)
        self.names = [name for name, _ in MIX]
        self.weights = [weight for _, weight in MIX]

    def pick(self) -> tuple[str, str, str, dict | None]:
        name = self.random.choices(self.names, self.weights)[0]
        return (name, *self.request(name))

    def request(self, name: str) -> tuple[str, str, dict | None]:
        f, r = self.fixture, self.random
        if name == "read_page":
            return "GET", f"/api/v1/pages/{r.choice(f['pages'])}", None
        if name == "read_blocks":
            return "GET", f"/api/v1/pages/{r.choice(f['pages'])}/blocks", None
        if name == "read_tree":
            return "GET", f"/api/v1/spaces/{f['space']}/tree", None
        if name == "read_rows":
            return "GET", f"/api/v1/views/{f['view']}/rows?limit=100", None
        if name == "create_page":
            return "POST", "/api/v1/pages", {"space_id": f["scratch"], "title": f"Note {r.randrange(10**6)}"}
        if name == "append_block":
            return "POST", f"/api/v1/pages/{r.choice(f['journals'])}/blocks", {"type": "paragraph", "content": {"text": [{"text": f"entry {r.randrange(10**6)}"}]}}
        if name == "edit_block":
            return "PATCH", f"/api/v1/blocks/{r.choice(f['blocks'])}", {"content": {"text": [{"text": f"edited {r.randrange(10**6)}"}]}}
        if name == "floor":
            return "GET", f"/bench/floor/pages/{r.choice(f['pages'])}", None
        raise ValueError(name)


# aiohttp's names for a connection the server closed, reset or refused; a timeout is counted as an error only
DROPPED = ("ServerDisconnectedError", "ClientOSError", "ClientConnectorError", "ClientConnectionResetError", "ClientPayloadError")


async def run_phase(base_url: str, token: str, fixture: dict, clients: int, duration: float, floor: bool) -> dict:
    """The closed loop: ``clients`` clients, each sending its next request when the previous one answered, over a
    kept-alive connection of its own. aiohttp, not httpx: httpx's async pool cost ~5 ms of CPU a request with 50
    connections (against ~0.2 ms for aiohttp; on the same two cores as the server, a tenth of the machine) and
    served at most ~95 requests/s from a server answering ~1,600 (measured with a bare ASGI app, 2026-12-07)."""
    import aiohttp

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    samples: dict[str, str] = {}  # the first answer of each kind of error, to say what it was
    dropped = 0
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base_url=base_url, connector=connector, timeout=timeout, headers=headers) as session:
        stop_at = time.perf_counter() + duration

        async def one_client(number: int) -> None:
            nonlocal dropped
            requests = Requests(fixture, seed=number * 7919 + int(time.time()))
            while time.perf_counter() < stop_at:
                if floor:
                    name, (method, url, body) = "floor", requests.request("floor")
                else:
                    name, method, url, body = requests.pick()
                started = time.perf_counter()
                try:
                    async with session.request(method, url, json=body) as response:
                        text = await response.text()
                        status = response.status
                except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                    kind = type(error).__name__
                    errors[kind] += 1
                    if kind in DROPPED:
                        dropped += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                if status >= 400:
                    kind = f"HTTP {status} {name}"
                    errors[kind] += 1
                    samples.setdefault(kind, text[:200])
                    continue
                latencies[name].append(elapsed)

        started = time.perf_counter()
        await asyncio.gather(*(one_client(n) for n in range(clients)))
        wall = time.perf_counter() - started
    every = [value for values in latencies.values() for value in values]
    return {"clients": clients, "seconds": round(wall, 1), "requests": len(every), "rps": round(len(every) / wall, 1),
            "all": percentiles(every), "by_endpoint": {name: percentiles(values) for name, values in sorted(latencies.items())},
            "writes": percentiles([v for name, values in latencies.items() if name in WRITES for v in values]),
            "reads": percentiles([v for name, values in latencies.items() if name not in WRITES for v in values]),
            "errors": dict(errors), "error_samples": samples, "dropped_connections": dropped}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    return {"n": len(ordered), "p50": at(0.50), "p90": at(0.90), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 1)}


def server_side(log_file: Path, offset: int) -> dict:
    """Durations the server's request log recorded after ``offset``: reads and writes of the API, the floor,
    and the user named on the lines (a token request must name its user)."""
    reads, writes, floor, waited, users, processes = [], [], [], [], Counter(), Counter()
    with open(log_file, encoding="utf-8", errors="replace") as handle:
        handle.seek(offset)
        for line in handle:
            match = LOG_LINE.search(line)
            if not match:
                continue
            process, method, path, _, ms, user, queued = match.groups()
            processes[process] += 1
            if queued is not None and path.startswith(("/api/", "/bench/floor/")):
                waited.append(float(queued))
            if path.startswith("/bench/floor/"):
                floor.append(float(ms))
            elif path.startswith("/api/"):
                (reads if method == "GET" else writes).append(float(ms))
                users[user] += 1
    return {"reads": percentiles(reads), "writes": percentiles(writes), "floor": percentiles(floor), "users": dict(users),
            "waited": percentiles(waited),
            "per_process": sorted(processes.values(), reverse=True)}


def idle_costs(base_url: str, token: str, fixture: dict, log_file: Path, repeat: int) -> dict:
    """One client, sequential: the cost of each endpoint when the server has nothing else to do."""
    import httpx

    requests = Requests(fixture, seed=1)
    result = {}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for name in [n for n, _ in MIX] + ["floor"]:
            for _ in range(3):  # warm-up
                method, url, body = requests.request(name)
                client.request(method, url, json=body)
            offset = log_file.stat().st_size
            times = []
            for _ in range(repeat):
                method, url, body = requests.request(name)
                started = time.perf_counter()
                response = client.request(method, url, json=body)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code >= 400:
                    raise RuntimeError(f"{name}: {method} {url} answered {response.status_code}: {response.text[:300]}")
            time.sleep(0.3)  # the log line is written after the response
            server = server_side(log_file, offset)
            side = server["floor"] if name == "floor" else (server["writes"] if name in WRITES else server["reads"])
            result[name] = {"client_p50": round(statistics.median(times), 1), "server_p50": side.get("p50")}
    return result


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def run_one(args) -> None:
    from workos.testing.pgcluster import free_port

    home = Path(tempfile.mkdtemp(prefix="workos-load-"))
    port = free_port()
    cluster = None
    server = None
    results = {"database": args.database, "label": args.label, "started": datetime.now().isoformat(timespec="seconds"),
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
               "workers": args.workers, "phases": []}
    try:
        cluster, config, fixture = prepare_site(args.database, home, port)
        log_file = home / "workos.log"
        apply_settings(config, args.set)
        results["settings"] = args.set
        pools = {"default": [None], "off": [False], "on": [True], "both": [False, True]}[args.pool] if args.database == "postgresql" else [None]
        for pool in pools:
            if pool is not None:
                set_pool(config, pool)
            server = start_server(home, config, port, args.workers)
            base_url = f"http://127.0.0.1:{port}"
            print(f"\n== {args.database}: workos serve{' --workers ' + str(args.workers) if args.workers else ''}"
                  f"{'' if pool is None else ', [database] pool = ' + str(pool).lower()}{', ' + ', '.join(args.set) if args.set else ''} (log {log_file}); load before: {load()}", flush=True)
            idle = results["idle_pool" if pool else "idle"] = idle_costs(base_url, fixture["token"], fixture, log_file, args.idle_requests)
            print(f"idle cost, ms (median of {args.idle_requests}; client round trip / server log):")
            for name, costs in idle.items():
                print(f"  {name:<13} {costs['client_p50']:>7} / {costs['server_p50']}")
            for clients in [int(c) for c in args.clients.split(",") if c.strip()]:
                for floor in ([True] if args.floor_duration > 0 else []) + [False]:
                    duration = args.floor_duration if floor else args.duration
                    before = load()
                    offset = log_file.stat().st_size
                    database_pid = postmaster_pid(cluster) if cluster is not None else None
                    cpu_before = cpu_snapshot(server.pid, database_pid)
                    phase = asyncio.run(run_phase(base_url, fixture["token"], fixture, clients, duration, floor))
                    phase["cpu_ms_per_request"] = cpu_per_request(cpu_before, cpu_snapshot(server.pid, database_pid), phase["requests"])
                    time.sleep(0.5)
                    phase.update({"phase": "floor" if floor else "mix", "pool": pool, "load_before": before,
                                  "load_after": load(), "server": server_side(log_file, offset)})
                    if args.database == "postgresql":
                        phase["server_connections"] = cluster_connections(cluster)
                    results["phases"].append(phase)
                    report(args.database + (" pool" if pool else ""), phase)
            stop_server(server)
            server = None
    finally:
        if server is not None:
            stop_server(server)
        if cluster is not None:
            deadlocks(cluster.root / "server.log")
            cluster.destroy()
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"load-{datetime.now():%Y%m%d-%H%M%S}-{args.database}{'-' + args.label if args.label else ''}.json"
        out.write_text(json.dumps(results, indent=1))
        print(f"results: {out}")
        shutil.rmtree(home, ignore_errors=True)


def deadlocks(server_log: Path, shown: int = 3) -> None:
    """Print how many ``deadlock detected`` errors PostgreSQL logged during the run, and the first ``shown`` reports
    (each names both processes' statements and the locks they waited for): a deadlock is a 409 for a user."""
    try:
        lines = server_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    starts = [index for index, line in enumerate(lines) if "deadlock detected" in line]
    print(f"\nPostgreSQL log: {len(starts)} x deadlock detected", flush=True)
    for start in starts[:shown]:
        end = start + 1
        while end < len(lines) and end - start < 16 and (lines[end].startswith("\t") or any(
                word in lines[end] for word in ("DETAIL:", "HINT:", "CONTEXT:", "STATEMENT:"))):
            end += 1
        print("\n".join("  " + line[:600] for line in lines[start:end]), flush=True)


def report(database: str, phase: dict) -> None:
    every, server = phase["all"], phase["server"]
    print(f"\n[{database}] {phase['phase']}, {phase['clients']} clients, {phase['seconds']} s, load {phase['load_before']} -> {phase['load_after']}")
    print(f"  {phase['rps']} requests/s ({phase['requests']} ok); p50 {every.get('p50')} p95 {every.get('p95')} p99 {every.get('p99')} max {every.get('max')} ms")
    if phase["phase"] == "mix":
        print(f"  reads  p50 {phase['reads'].get('p50')} p95 {phase['reads'].get('p95')} p99 {phase['reads'].get('p99')} ms; "
              f"writes p50 {phase['writes'].get('p50')} p95 {phase['writes'].get('p95')} p99 {phase['writes'].get('p99')} ms")
        for name, values in phase["by_endpoint"].items():
            print(f"    {name:<13} n={values['n']:<6} p50 {values.get('p50')} p95 {values.get('p95')} p99 {values.get('p99')}")
        print(f"  server log: reads p50 {server['reads'].get('p50')} p90 {server['reads'].get('p90')}; "
              f"writes p50 {server['writes'].get('p50')} p90 {server['writes'].get('p90')} ms; users {server['users']}; "
              f"requests per server process {server['per_process']}")
        print(f"  waited for a request slot (server log): p50 {server['waited'].get('p50')} p90 {server['waited'].get('p90')} "
              f"p99 {server['waited'].get('p99')} max {server['waited'].get('max')} ms")
    else:
        print(f"  server log: floor p50 {server['floor'].get('p50')} p90 {server['floor'].get('p90')} ms; "
              f"requests per server process {server['per_process']}")
    print("  CPU ms per request: " + ", ".join(f"{name} {value}" for name, value in phase["cpu_ms_per_request"].items()))
    print(f"  errors {phase['errors'] or 0}; dropped connections {phase['dropped_connections']}", flush=True)
    for kind, sample in phase.get("error_samples", {}).items():
        print(f"    {kind}: {sample}")


if __name__ == "__main__":
    main()
