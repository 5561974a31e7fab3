"""Replacing the server without failed requests: nginx in front, the new code started beside the old.

With ``[deploy] switch = "nginx"`` a deploy (phase 3) and a rollback do not stop the server and start it again.
They start the new code as another server, wait until it is healthy, rewrite the upstream file that nginx's
site includes, ``nginx -s reload``, wait until nginx's old workers (which still hold connections to the old
server) have finished, and only then stop the old server with SIGTERM: it finishes the requests in flight and
is killed after ``drain_timeout`` at the latest. Two shapes:

- one host (``[deploy] hosts`` empty): blue/green on two ports of this host (``[deploy.nginx] ports``, default
  ``[server] port`` and the one after it). The upstream file says which port is live; the next deploy takes the
  other one.
- several app servers (``[deploy] hosts = ["10.0.0.5:8069", ...]``): rolled one at a time. Each is marked
  ``down`` in the upstream, drained, stopped, started with the new code, checked on its own address, and put
  back. The first one that is not healthy stays out of the upstream and the roll stops there: the servers not
  yet rolled keep serving the old code.

When a migration is not compatible with the old code (``migration_risk``), the deploy takes a maintenance
window instead: the upstream file sets ``$workos_maintenance`` and nginx answers every request with the 503
maintenance page and ``Retry-After`` (never a connection error) until the new server is live.

The servers are the ``process`` or ``systemd`` service manager bound to one address each (``workos-<port>.pid``,
or the template unit ``workos@{port}.service``). The upstream file, rewritten atomically, is the state: nothing
else records which server is live.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .services import HealthResult, ProcessService, ServiceError, ServiceManager, ServiceStatus, SystemdService, wait_for_health
from .settings import DeploySettings

UPSTREAM_NAME = "workos"
SERVER_LINE = re.compile(r"^\s*server\s+(\S+?)(\s+down)?\s*;", re.MULTILINE)
MAINTENANCE_LINE = re.compile(r"default\s+(\d)\s*;\s*}\s*#\s*maintenance")


class SwitchError(ServiceError):
    """nginx refused the new upstream, or a server could not be replaced; the message says which and why."""


def parse_address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def format_address(address: tuple[str, int]) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class Upstream:
    """What the upstream file says: the servers (address -> down?) and whether maintenance is on."""

    servers: dict[str, bool] = field(default_factory=dict)
    maintenance: bool = False

    @property
    def live(self) -> list[str]:
        return [address for address, down in self.servers.items() if not down]


def render_upstream(upstream: Upstream, retry_after: int, keepalive: int) -> str:
    lines = [
        "# Written by `workos deploy` and `workos rollback` ([deploy] switch = \"nginx\"): every deploy rewrites it.",
        "# Included at the http level by the WorkOS site (deploy/nginx-workos.conf).",
        f"upstream {UPSTREAM_NAME} {{",
    ]
    for address, down in upstream.servers.items():
        lines.append(f"    server {address}{' down' if down else ''};")
    if keepalive:
        lines.append(f"    keepalive {keepalive};")
    lines += [
        "}",
        f"map $host $workos_maintenance {{ default {1 if upstream.maintenance else 0}; }}  # maintenance",
        f"map $host $workos_retry_after {{ default {retry_after}; }}",
        "",
    ]
    return "\n".join(lines)


def parse_upstream(text: str) -> Upstream:
    upstream = Upstream()
    for match in SERVER_LINE.finditer(text):
        upstream.servers[match.group(1)] = bool(match.group(2))
    found = MAINTENANCE_LINE.search(text)
    upstream.maintenance = bool(found and found.group(1) == "1")
    return upstream


class Nginx:
    """The upstream file and the commands that make nginx read it. [deploy.nginx] keys: ``upstream_file``
    (required), ``reload`` (default ``["nginx", "-s", "reload"]``), ``test`` (run before every reload, default
    ``["nginx", "-t", "-q"]``; ``[]`` skips it), ``pid_file`` (nginx's master pid, default ``/run/nginx.pid``:
    the deploy waits for the workers of the old configuration to exit before it stops the old server),
    ``retry_after`` (seconds, default 30), ``keepalive`` (idle upstream connections per worker, default 16)."""

    def __init__(self, settings: DeploySettings):
        options = settings.config.section("deploy.nginx")
        self.options = options
        base = settings.config.source.parent if settings.config.source else Path.cwd()
        file = options.get("upstream_file")
        self.upstream_file = (base / Path(str(file)).expanduser()).resolve() if file else None
        self.reload_command = self._command(options.get("reload", ["nginx", "-s", "reload"]))
        self.test_command = self._command(options.get("test", ["nginx", "-t", "-q"]))
        pid_file = options.get("pid_file", "/run/nginx.pid")
        self.pid_file = (base / Path(str(pid_file))).resolve() if pid_file else None
        self.retry_after = int(options.get("retry_after", 30))
        self.keepalive = int(options.get("keepalive", 16))
        self.settle_timeout = float(options.get("drain_timeout", 30))

    @staticmethod
    def _command(value) -> list[str]:
        return [value] if isinstance(value, str) else [str(part) for part in value or []]

    def problems(self) -> list[str]:
        problems = []
        if self.upstream_file is None:
            problems.append('[deploy] switch = "nginx" needs [deploy.nginx] upstream_file (the file the WorkOS site includes)')
        elif not self.upstream_file.parent.is_dir():
            problems.append(f"[deploy.nginx] upstream_file: folder {self.upstream_file.parent} does not exist")
        elif not os.access(self.upstream_file.parent, os.W_OK):
            problems.append(f"[deploy.nginx] upstream_file: {self.upstream_file.parent} is not writable by this user")
        for key, command in (("reload", self.reload_command), ("test", self.test_command)):
            if command and not shutil.which(command[0]):
                problems.append(f"[deploy.nginx] {key}: {command[0]} is not installed on this host")
        if not self.reload_command:
            problems.append("[deploy.nginx] reload must be a command (a list of strings)")
        return problems

    def read(self) -> Upstream:
        try:
            return parse_upstream(self.upstream_file.read_text())
        except FileNotFoundError:
            return Upstream()

    def write(self, upstream: Upstream) -> dict:
        """Write the upstream file atomically, test the configuration, reload, and wait for the old workers.
        A configuration nginx refuses puts the previous file back and raises SwitchError."""
        began = time.monotonic()
        previous = self.upstream_file.read_text() if self.upstream_file.exists() else None
        workers_before = self._workers()
        temporary = self.upstream_file.with_name(self.upstream_file.name + ".tmp")
        temporary.write_text(render_upstream(upstream, self.retry_after, self.keepalive))
        os.replace(temporary, self.upstream_file)
        if self.test_command:
            result = self._run(self.test_command)
            if result.returncode != 0:
                self._put_back(previous)
                raise SwitchError(f"{' '.join(self.test_command)} refused the new upstream: {self._tail(result)}")
        result = self._run(self.reload_command)
        if result.returncode != 0:
            self._put_back(previous)
            raise SwitchError(f"{' '.join(self.reload_command)} failed: {self._tail(result)}")
        waited = self._wait_for_old_workers(workers_before)
        return {"seconds": round(time.monotonic() - began, 3), "old_workers": len(workers_before), "old_workers_gone": waited}

    def _put_back(self, previous: str | None) -> None:
        if previous is None:
            self.upstream_file.unlink(missing_ok=True)
        else:
            self.upstream_file.write_text(previous)

    @staticmethod
    def _run(command: list[str]) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            return subprocess.CompletedProcess(command, 1, "", str(error))

    @staticmethod
    def _tail(result: subprocess.CompletedProcess) -> str:
        text = (result.stderr or result.stdout or "").strip().splitlines()
        return " | ".join(text[-3:]) or f"exit {result.returncode}"

    def _master(self) -> int | None:
        try:
            return int(self.pid_file.read_text().split()[0]) if self.pid_file else None
        except (OSError, ValueError, IndexError):
            return None

    def _workers(self) -> set[int]:
        """The master's worker processes now (their pids)."""
        master = self._master()
        if master is None:
            return set()
        workers = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, ValueError, IndexError):
                continue
            if parent == master and b"worker process" in command:
                workers.add(int(entry.name))
        return workers

    def _wait_for_old_workers(self, old: set[int]) -> bool:
        """nginx reloads asynchronously: the workers of the old configuration finish their requests (and close
        their connections to the old server) after the reload command returns. True when they are gone."""
        if not old:
            # No pid file to watch: give the master a moment to start the new workers.
            time.sleep(1.0)
            return False
        deadline = time.monotonic() + self.settle_timeout
        while time.monotonic() < deadline:
            if not any(Path(f"/proc/{pid}").exists() and _not_zombie(pid) for pid in old):
                return True
            time.sleep(0.05)
        return False


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class SwitchProbe:
    """GET ``url`` every 50 ms during a switch: the unavailability the users saw, measured, for the report."""

    def __init__(self, url: str, interval: float = 0.05, limit: float = 3600):
        self.url, self.interval, self.limit = url, interval, limit
        self.samples: list[tuple[float, int | None, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        started = time.monotonic()
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            while not self._stop.is_set() and time.monotonic() - started < self.limit:
                at = time.monotonic()
                try:
                    status = client.get(self.url).status_code
                except httpx.HTTPError:
                    status = None
                self.samples.append((at, status, time.monotonic() - at))
                self._stop.wait(self.interval)

    def __enter__(self) -> "SwitchProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict:
        """Requests, failures (no answer or 5xx other than the maintenance 503), 503s, the longest stretch
        without a good answer (first bad answer to the next good one) and the slowest answer."""
        longest = 0.0
        down_since = None
        failed = maintenance = 0
        for at, status, _ in self.samples:
            good = status is not None and status < 500
            if status is None or (status >= 500 and status != 503):
                failed += 1
            elif status == 503:
                maintenance += 1
            if not good and down_since is None:
                down_since = at
            elif good and down_since is not None:
                longest = max(longest, at - down_since)
                down_since = None
        if down_since is not None and self.samples:
            longest = max(longest, self.samples[-1][0] - down_since)
        return {"url": self.url, "requests": len(self.samples), "failed": failed, "maintenance_503": maintenance,
                "longest_unavailable_seconds": round(longest, 3),
                "slowest_seconds": round(max((s[2] for s in self.samples), default=0.0), 3)}


class Fleet(ServiceManager):
    """The WorkOS servers behind nginx, seen as one service (``[deploy] switch = "nginx"``)."""

    name = "nginx"

    def __init__(self, settings: DeploySettings):
        super().__init__(settings)
        self.nginx = Nginx(settings)
        self.kind = settings.service
        self.errors: list[str] = []
        self.drain_timeout = float(self.nginx.options.get("drain_timeout", 30))
        try:
            self.hosts = [parse_address(host) for host in settings.hosts]
        except ValueError as error:
            self.hosts = []
            self.errors.append(f"[deploy] hosts: {error}")
        port = settings.config.get("server", "port")
        host = settings.config.get("server", "host")
        ports = self.nginx.options.get("ports", [port, port + 1])
        if not (isinstance(ports, list) and len(ports) == 2 and all(isinstance(p, int) for p in ports) and ports[0] != ports[1]):
            self.errors.append("[deploy.nginx] ports must be two different port numbers (blue and green)")
            ports = [port, port + 1]
        self.slots = [(host, ports[0]), (host, ports[1])]

    # --- the servers --------------------------------------------------------------------------------------

    def server(self, address: tuple[str, int]) -> ServiceManager:
        manager = ProcessService if self.kind == "process" else SystemdService
        return manager(self.settings, address)

    def addresses(self) -> list[tuple[str, int]]:
        return self.hosts or self.slots

    def problems(self) -> list[str]:
        problems = list(self.errors) + self.nginx.problems()
        if self.kind not in ("process", "systemd"):
            problems.append(f'[deploy] switch = "nginx" works with service = "process" or "systemd", not {self.kind!r} '
                            "(compose: use its own rolling update)")
        if self.kind == "systemd" and "{port}" not in str(self.options_of("systemd").get("unit", "")):
            problems.append('[deploy] switch = "nginx" with service = "systemd" needs a template unit: '
                            '[deploy.systemd] unit = "workos@{port}.service" (deploy/workos@.service)')
        if len(self.hosts) == 1:
            problems.append("[deploy] hosts lists one server: leave it empty for blue/green on one host, or list two or more")
        return problems

    def options_of(self, kind: str) -> dict:
        return self.settings.config.section(f"deploy.{kind}")

    def live(self) -> list[tuple[str, int]]:
        return [parse_address(address) for address in self.nginx.read().live]

    def status(self) -> ServiceStatus:
        running = [format_address(a) for a in self.addresses() if self.server(a).status().running]
        upstream = self.nginx.read()
        detail = (f"servers running: {', '.join(running) or 'none'}; nginx sends traffic to {', '.join(upstream.live) or 'nothing yet'}"
                  + ("; maintenance page ON" if upstream.maintenance else ""))
        return ServiceStatus(bool(running), detail)

    def start(self) -> None:
        """Start a server when none runs (a rollback after a failed deploy, an operator's ``start``)."""
        if any(self.server(a).status().running for a in self.addresses()):
            return
        targets = self.hosts or [self.slots[0]]
        for address in targets:
            self.server(address).start()
        self._last_started = targets

    def stop(self, timeout: float | None = None) -> None:
        for address in self.addresses():
            self.server(address).stop(timeout)

    def startup_failure(self) -> str | None:
        for address in getattr(self, "_last_started", []):
            failure = self.server(address).startup_failure()
            if failure:
                return failure
        return None

    def describe(self) -> dict:
        return {"manager": self.name, "servers": self.kind, "upstream_file": str(self.nginx.upstream_file),
                "addresses": [format_address(a) for a in self.addresses()]}

    # --- maintenance window ---------------------------------------------------------------------------------

    def maintenance(self, on: bool) -> dict:
        upstream = self.nginx.read()
        if not upstream.servers:
            upstream.servers = {format_address(self.addresses()[0]): False}
        upstream.maintenance = on
        return self.nginx.write(upstream)

    # --- replacing the servers -----------------------------------------------------------------------------

    def replace(self, startup_timeout: float, note=lambda text: None) -> "Replacement":
        """Start the checkout's code and move the traffic to it: blue/green on one host, or the roll."""
        return self._roll(startup_timeout, note) if self.hosts else self._blue_green(startup_timeout, note)

    def _health(self, address: tuple[str, int], server: ServiceManager, timeout: float) -> HealthResult:
        return wait_for_health(f"http://{format_address(address)}", timeout, server)

    def _blue_green(self, startup_timeout: float, note) -> "Replacement":
        outcome = Replacement("blue/green")
        upstream = self.nginx.read()
        live = [parse_address(a) for a in upstream.live]
        running = [a for a in self.slots if self.server(a).status().running]
        old = next((a for a in live if a in self.slots), running[0] if running else None)
        new = self.slots[1] if old == self.slots[0] else self.slots[0]
        server = self.server(new)
        if server.status().running:
            server.stop(self.drain_timeout)  # a leftover of an interrupted run, serving no traffic
            note(f"stopped a leftover server on {format_address(new)}")
        server.start()
        health = self._health(new, server, startup_timeout)
        outcome.health = health
        outcome.steps.append(f"new code started on {format_address(new)}; " + (f"healthy after {health.seconds:.2f}s" if health.healthy else f"NOT healthy: {health.detail}"))
        if not health.healthy:
            server.stop(self.drain_timeout)
            outcome.failed = format_address(new)
            outcome.steps.append("traffic left on " + (format_address(old) if old else "nothing") + " (the old server keeps serving)")
            return outcome
        switch = self.nginx.write(Upstream({format_address(new): False}, maintenance=False))
        outcome.switched.append(format_address(new))
        outcome.steps.append(f"nginx switched to {format_address(new)} in {switch['seconds']:.2f}s"
                             + (f" (old workers finished)" if switch["old_workers_gone"] else ""))
        for address in [a for a in self.slots if a != new]:
            began = time.monotonic()
            if self.server(address).status().running:
                self.server(address).stop(self.drain_timeout)
                outcome.steps.append(f"old server on {format_address(address)} drained and stopped in {time.monotonic() - began:.2f}s "
                                     f"(drain timeout {self.drain_timeout:.0f}s)")
        outcome.live = [format_address(new)]
        return outcome

    def _roll(self, startup_timeout: float, note) -> "Replacement":
        outcome = Replacement("host by host")
        servers = {format_address(a): False for a in self.hosts}
        for address in self.hosts:
            name = format_address(address)
            servers[name] = True
            self.nginx.write(Upstream(dict(servers)))
            server = self.server(address)
            began = time.monotonic()
            server.stop(self.drain_timeout)
            server.start()
            health = self._health(address, server, startup_timeout)
            outcome.health = health
            if not health.healthy:
                outcome.failed = name
                outcome.steps.append(f"{name}: drained, restarted with the new code, NOT healthy: {health.detail}; "
                                     "left out of the upstream, roll stopped")
                rest = [format_address(a) for a in self.hosts[self.hosts.index(address) + 1:]]
                if rest:
                    outcome.steps.append(f"not rolled, still on the old code: {', '.join(rest)}")
                outcome.live = [a for a, down in servers.items() if not down]
                return outcome
            servers[name] = False
            self.nginx.write(Upstream(dict(servers)))
            outcome.switched.append(name)
            outcome.steps.append(f"{name}: drained, restarted with the new code, healthy, back in the upstream ({time.monotonic() - began:.2f}s)")
        outcome.live = list(servers)
        return outcome

    def restart_in_maintenance(self, startup_timeout: float) -> "Replacement":
        """After a maintenance window's work: start the checkout's code and end the window when it is healthy."""
        outcome = Replacement("maintenance window")
        targets = self.hosts or [self.slots[0]]
        for address in targets:
            self.server(address).start()
        for address in targets:
            health = self._health(address, self.server(address), startup_timeout)
            outcome.health = health
            if not health.healthy:
                outcome.failed = format_address(address)
                outcome.steps.append(f"{format_address(address)} NOT healthy: {health.detail}; the maintenance page stays on")
                return outcome
        self.nginx.write(Upstream({format_address(a): False for a in targets}, maintenance=False))
        outcome.switched = outcome.live = [format_address(a) for a in targets]
        outcome.steps.append(f"maintenance page off; nginx sends traffic to {', '.join(outcome.live)}")
        return outcome


@dataclass
class Replacement:
    shape: str
    steps: list[str] = field(default_factory=list)
    switched: list[str] = field(default_factory=list)
    live: list[str] = field(default_factory=list)
    failed: str | None = None
    health: HealthResult | None = None
    probe: dict | None = None
    window: list[float] | None = None  # time.monotonic() at start and end (the machine's clock: benchmarks use it)

    @property
    def ok(self) -> bool:
        return self.failed is None

    def as_dict(self) -> dict:
        return {"shape": self.shape, "ok": self.ok, "steps": self.steps, "switched": self.switched, "live": self.live,
                "failed": self.failed, "health": self.health.as_dict() if self.health else None, "unavailability": self.probe,
                "monotonic_window": self.window}
