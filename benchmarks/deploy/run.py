"""Deploy and rollback on a database with at least 100,000 pages: wall time per phase, the unavailability
window seen by a poller on /web/login, and the phase 1 backup next to a bare ``pg_dump -Fc`` of the same
database.

    .venv/bin/python benchmarks/deploy/run.py [--pages 100000] [--no-artifacts] [--port 18069] [--pg-port 15432]
                                              [--nginx [--clients 20]]

With ``--nginx`` the deploy runs behind a real nginx (``[deploy] switch = "nginx"``: blue/green on two ports),
the poller goes through nginx, and ``--clients`` threads make real API reads and writes through nginx during
the deploy and during a code-only rollback (which switches back): failed requests, and the p99 latency over the
whole command and inside the switch window the deploy reports.

Everything runs on this machine: a throwaway PostgreSQL cluster, a bare origin built from the repository's
HEAD, a production clone, the ``process`` service manager, the real CLI. Loopback only. The JSON result goes
to benchmarks/results/deploy-<timestamp>.json (git-ignored) and a Markdown table to stdout; the load average
(``os.getloadavg``, as ``uptime`` shows it) before and after is part of the result, because the machine may be
shared. The temporary folder (clones, backups, logs) and the cluster are removed at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workos.testing.load import ApiLoad, api_space, api_token  # noqa: E402
from workos.testing.nginx import NginxServer  # noqa: E402
from workos.testing.pgcluster import free_port, start_cluster  # noqa: E402

IDENTITY = ["-c", "user.name=WorkOS bench", "-c", "user.email=bench@workos.invalid"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


class Poller:
    """GET /web/login every 50 ms (1 s timeout) until stopped; bounded to ``limit`` seconds."""

    def __init__(self, url: str, limit: float = 1800):
        self.url, self.limit = url, limit
        self.samples: list[tuple[float, bool]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while not self._stop.is_set() and time.monotonic() - started < self.limit:
                now = time.monotonic()
                try:
                    ok = client.get(self.url).status_code in (200, 303)
                except httpx.HTTPError:
                    ok = False
                self.samples.append((now, ok))
                self._stop.wait(0.05)

    def __enter__(self) -> "Poller":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def unavailability(self) -> dict:
        """Longest run of failed polls (first failure to next success) and the total failed time."""
        longest = total = 0.0
        down_since = None
        for at, ok in self.samples:
            if not ok and down_since is None:
                down_since = at
            elif ok and down_since is not None:
                total += at - down_since
                longest = max(longest, at - down_since)
                down_since = None
        if down_since is not None:  # still down at the end
            span = self.samples[-1][0] - down_since
            total += span
            longest = max(longest, span)
        return {"longest_seconds": round(longest, 2), "total_seconds": round(total, 2), "polls": len(self.samples),
                "failed_polls": sum(1 for _, ok in self.samples if not ok)}


def page_columns(url: str) -> list[tuple[str, str, bool, str | None]]:
    import psycopg

    with psycopg.connect(url) as connection:
        return [tuple(row) for row in connection.execute(
            "SELECT column_name, data_type, is_nullable = 'NO', column_default FROM information_schema.columns "
            "WHERE table_name = 'ipai_workos_page' ORDER BY ordinal_position")]


def filler(kind: str) -> str:
    if "bool" in kind:
        return "false"
    if any(word in kind for word in ("int", "numeric", "double", "real")):
        return "0"
    if "timestamp" in kind or kind == "date":
        return "now()"
    if "json" in kind:
        return "'{}'::jsonb"
    return "''"


def seed(url: str, pages: int) -> float:
    """A workspace, a space and ``pages`` pages (a tree: every 100th page is a parent), in one INSERT ... SELECT."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as connection:
        def insert(table: str, values: dict) -> int:
            columns = [tuple(row) for row in connection.execute(
                "SELECT column_name, data_type, is_nullable = 'NO', column_default FROM information_schema.columns WHERE table_name = %s", (table,))]
            row = dict(values)
            for name, kind, not_null, default in columns:
                if name not in row and name != "id" and not_null and not (default or "").startswith("nextval"):
                    row[name] = psycopg.sql.SQL(filler(kind))
            names = psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(n) for n in row)
            literals = psycopg.sql.SQL(", ").join(v if isinstance(v, psycopg.sql.Composable) else psycopg.sql.Literal(v) for v in row.values())
            query = psycopg.sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(psycopg.sql.Identifier(table), names, literals)
            return connection.execute(query).fetchone()[0]

        workspace = insert("ipai_workos_workspace", {"name": "Benchmark", "slug": "benchmark"})
        space = insert("ipai_workos_space", {"workspace_id": workspace, "name": "Everything"})
        given = {"space_id": str(space), "title": "'Page ' || n", "rank": "lpad(n::text, 8, '0')"}
        expressions = []
        names = []
        for name, kind, not_null, default in page_columns(url):
            if name == "id":
                continue
            if name in given:
                expressions.append(given[name])
            elif not_null and not (default or "").startswith("nextval"):
                expressions.append(filler(kind))
            else:
                continue
            names.append(f'"{name}"')
        connection.execute(f"INSERT INTO ipai_workos_page ({', '.join(names)}) SELECT {', '.join(expressions)} FROM generate_series(1, {pages}) AS n")
        # A tree, not a flat list: pages hang under every hundredth page.
        connection.execute("UPDATE ipai_workos_page p SET parent_id = (SELECT min(id) FROM ipai_workos_page) + ((p.id - (SELECT min(id) FROM ipai_workos_page)) / 100) * 100 "
                           "WHERE (p.id - (SELECT min(id) FROM ipai_workos_page)) % 100 <> 0")
        connection.execute("VACUUM ANALYZE ipai_workos_page")
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--no-artifacts", action="store_true", help="Skip phases 5-7 (snapshot artifacts).")
    parser.add_argument("--port", type=int, help="Port of the WorkOS server (default: a free one).")
    parser.add_argument("--pg-port", type=int, help="Port of the throwaway PostgreSQL cluster (default: a free one).")
    parser.add_argument("--nginx", action="store_true", help="Deploy behind a real nginx (blue/green) under an API load.")
    parser.add_argument("--clients", type=int, default=20, help="With --nginx: concurrent API clients (reads and writes).")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results", help="Folder for the JSON result.")
    arguments = parser.parse_args()

    load_before = os.getloadavg()
    cluster = start_cluster(arguments.pg_port)
    root = Path(tempfile.mkdtemp(prefix="workos-bench-deploy-"))
    nginx = None
    try:
        work = root / "work"
        work.mkdir()
        archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
        git(work, "init", "-q", "-b", "main")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "benchmark base")
        git(root, "clone", "-q", "--bare", str(work), str(root / "origin.git"))
        git(root, "clone", "-q", str(root / "origin.git"), str(root / "prod"))
        git(root, "clone", "-q", str(root / "origin.git"), str(root / "developer"))
        url = cluster.create_database("bench")
        port = arguments.port or free_port()
        base_url = f"http://127.0.0.1:{port}"
        behind = ""
        if arguments.nginx:
            (root / "nginx").mkdir()
            nginx = NginxServer(root / "nginx", free_port(), root / "nginx" / "upstream.conf")
            base_url = nginx.url
            behind = f'switch = "nginx"\n' + nginx.deploy_options() + f"ports = [{port}, {free_port()}]\n"
        config = root / "etc" / "workos.toml"
        config.parent.mkdir()
        config.write_text(f"""[server]
port = {port}
data_dir = "{root / 'var'}"
log_file = "{root / 'var' / 'log' / 'workos.log'}"
[database]
url = "{url}"
[deploy]
repo_root = "{root / 'prod'}"
base_url = "{base_url}"
backup_dir = "{root / 'backups'}"
log_dir = "{root / 'var' / 'log'}"
service = "process"
startup_timeout = 120
{behind}""")
        if nginx:
            nginx.start([f"127.0.0.1:{port}"])
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("WORKOS_", "DJANGO_"))}
        environment["PYTHONPATH"] = str(root / "prod")

        def workos(*args: str, allow_failed_checks: bool = False) -> tuple[dict, float]:
            began = time.monotonic()
            result = subprocess.run([sys.executable, "-m", "workos", "-c", str(config), *args, "--json"], cwd=root / "prod",
                                    env=environment, capture_output=True, text=True)
            seconds = time.monotonic() - began
            if not result.stdout.strip():
                raise SystemExit(f"workos {' '.join(args)} printed no report: {result.stderr[-3000:]}")
            report = json.loads(result.stdout)
            code = report.get("exit_code", result.returncode)
            if code != 0 and not (allow_failed_checks and 1 <= code <= 9):
                raise SystemExit(f"workos {' '.join(args)} exited {result.returncode}: {result.stderr[-3000:]}")
            return report, seconds

        artifacts = ["--no-artifacts"] if arguments.no_artifacts else []
        print("first deploy (installs the suite) ...", file=sys.stderr)
        first, first_seconds = workos("deploy", "--no-artifacts")
        print(f"seeding {arguments.pages} pages ...", file=sys.stderr)
        seed_seconds = seed(url, arguments.pages)
        pages = int(cluster.psql("bench", "SELECT count(*) FROM ipai_workos_page").strip())
        size = int(cluster.psql("bench", "SELECT pg_database_size('bench')").strip())

        print("bare pg_dump -Fc ...", file=sys.stderr)
        bare_file = root / "bare.dump"
        pg_dump = str(cluster.bin_dir / "pg_dump")
        began = time.monotonic()
        subprocess.run([pg_dump, "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", "bench", "-Fc", "-f", str(bare_file)], check=True)
        bare_seconds = time.monotonic() - began

        # The change being deployed: one module gets a new migration and version.
        developer = root / "developer"
        module = developer / "addons" / "ipai_workos_canvas"
        latest = sorted(p.stem for p in (module / "migrations").glob("[0-9][0-9][0-9][0-9]_*.py"))[-1]
        (module / "migrations" / "0900_bench_probe.py").write_text(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            f"    dependencies = [('ipai_workos_canvas', '{latest}')]\n"
            "    operations = [migrations.RunSQL('CREATE TABLE ipai_workos_bench_probe (id integer PRIMARY KEY)', 'DROP TABLE ipai_workos_bench_probe')]\n")
        manifest = module / "__manifest__.py"
        manifest.write_text(manifest.read_text().replace('"version": "', '"version": "9', 1))
        git(developer, "add", "-A")
        git(developer, "commit", "-q", "-m", "canvas: benchmark migration")
        git(developer, "push", "-q", "origin", "HEAD:main")

        loads = {}
        if nginx:
            subprocess.run([sys.executable, "-m", "workos", "-c", str(config), "user", "create", "bench", "--admin", "--password-env", "BENCH_PASSWORD"],
                           cwd=root / "prod", env={**environment, "BENCH_PASSWORD": "bench-password"}, check=True, capture_output=True)
            token = api_token(base_url, "bench", "bench-password")
            credentials = (token, api_space(base_url, token))

        def under_load(name: str, *args: str, **options) -> tuple[dict, float, Poller]:
            load = ApiLoad(base_url, *credentials, clients=arguments.clients) if nginx else None
            with Poller(f"{base_url}/web/login") as poller:
                if load:
                    load.__enter__()
                try:
                    time.sleep(1)
                    began = time.monotonic()
                    report, seconds = workos(*args, **options)
                    ended = time.monotonic()
                    time.sleep(1)
                finally:
                    if load:
                        load.__exit__(None, None, None)
            if load:
                switch = report.get("switch") or {}
                window = switch.get("monotonic_window") or [began, ended]
                during = load.between(began, ended)
                in_switch = load.between(window[0], window[-1])
                loads[name] = {"clients": arguments.clients, "requests": len(during), "failed": len(ApiLoad.failed(during)),
                               "failures": sorted({str(s.status or s.error) for s in ApiLoad.failed(during)})[:5],
                               "p99_seconds": round(ApiLoad.p99(during) or 0, 3),
                               "switch_window_seconds": round(window[-1] - window[0], 2),
                               "switch_requests": len(in_switch), "switch_failed": len(ApiLoad.failed(in_switch)),
                               "switch_p99_seconds": round(ApiLoad.p99(in_switch) or 0, 3)}
            return report, seconds, poller

        print("deploy under the poller" + (f" and {arguments.clients} API clients through nginx" if nginx else "") + " ...", file=sys.stderr)
        deploy, deploy_seconds, deploy_poller = under_load("deploy", "deploy", *artifacts)
        if nginx:
            # Code only: the previous code starts on the other port and nginx switches back (the database keeps
            # the additive migration, so verification reports the module version difference: allowed here).
            print("rollback (code only, switch back) under the same load ...", file=sys.stderr)
            rollback, rollback_seconds, rollback_poller = under_load("rollback", "rollback", allow_failed_checks=True)
        else:
            print("rollback --restore-db under the poller ...", file=sys.stderr)
            rollback, rollback_seconds, rollback_poller = under_load("rollback", "rollback", "--restore-db")
        pages_after = int(cluster.psql("bench", "SELECT count(*) FROM ipai_workos_page").strip())
        load_after = os.getloadavg()

        result = {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "ports": {"server": port, "postgresql": cluster.port, **({"nginx": nginx.port} if nginx else {})},
            "behind_nginx": bool(nginx),
            "api_load": loads,
            "folder": str(root),
            "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            "pages": pages,
            "database_bytes": size,
            "seed_seconds": round(seed_seconds, 2),
            "first_deploy_seconds": round(first_seconds, 2),
            "deploy": {"wall_seconds": round(deploy_seconds, 2),
                       "phases": {p["name"]: p["seconds"] for p in deploy["phases"]},
                       "unavailability": deploy_poller.unavailability(),
                       "switch": deploy.get("switch")},
            "rollback": {"wall_seconds": round(rollback_seconds, 2),
                         "steps": {s["step"]: s["seconds"] for s in rollback["steps"]},
                         "unavailability": rollback_poller.unavailability(),
                         "switch": rollback.get("switch"),
                         "pages_after": pages_after},
            "backup": {"phase1_seconds": deploy["backup"]["seconds"], "phase1_bytes": deploy["backup"]["size"],
                       "bare_pg_dump_seconds": round(bare_seconds, 2), "bare_pg_dump_bytes": bare_file.stat().st_size},
        }
        results = arguments.results
        results.mkdir(parents=True, exist_ok=True)
        (results / f"deploy-{time.strftime('%Y%m%d_%H%M%S')}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
        print("\n| step | seconds |\n|---|---|")
        for name, seconds in result["deploy"]["phases"].items():
            print(f"| deploy: {name} | {seconds:.2f} |")
        print(f"| **deploy total (wall)** | **{deploy_seconds:.2f}** |")
        for name, seconds in result["rollback"]["steps"].items():
            print(f"| rollback: {name} | {seconds:.2f} |")
        print(f"| **rollback total (wall)** | **{rollback_seconds:.2f}** |")
        return 0
    finally:
        if nginx:
            nginx.stop()
        for pid_file in [root / "var" / "workos.pid", *(root / "var").glob("workos-*.pid")]:
            if not pid_file.exists():
                continue
            try:
                pid = int(pid_file.read_text())
                if not os.path.exists(f"/proc/{pid}"):
                    continue
                os.killpg(pid, signal.SIGTERM)
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
                    time.sleep(0.1)
                if os.path.exists(f"/proc/{pid}"):
                    os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
