"""``workos watch``: after a deploy (or any time), check the running site against the thresholds of ``[watch]``.

One check measures: ``/web/login`` and ``/web/health`` (status and response time), the new ERROR/CRITICAL/
Traceback lines of ``[server] log_file`` since the previous check (grouped by fingerprint: one error repeated
1,000 times is one line with a count; the read offset is kept in ``<data_dir>/watch_state.json``), CPU and RSS
of the server processes (read from /proc — psutil is not a dependency — for the pids the service kind names:
``process`` its pidfiles, ``systemd`` ``systemctl show -p MainPID``; ``compose`` is reported as not measured),
the database's size and connections, and the free disk of ``data_dir`` and ``backup_dir``. Every check is
appended to a JSONL journal; a breach is named, makes ``--once`` exit 1, and is sent to the alert channels of
``[watch]`` (``webhook_url``: the check's JSON POSTed; ``email``: a message through Django's email framework
with the ``[email]`` settings). An alert that fails is logged (and kept in the journal), never fatal: the
journal and the exit code still say what was found.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .database import Database, DatabaseError
from .settings import DeploySettings
from .verify import CRITICAL_LINE

logger = logging.getLogger(__name__)

FIRST_READ_BYTES = 1024 * 1024  # without a state file, only the end of a long log is read
_VOLATILE = [
    (re.compile(r"^\S+ \S+ "), ""),  # leading date and time
    (re.compile(r"0x[0-9a-fA-F]+"), "0x?"),
    (re.compile(r"\b[0-9a-f]{8,}\b"), "?"),
    (re.compile(r"\d+"), "N"),
]


def parse_duration(text: str) -> float:
    """``30s``, ``5m``, ``24h``, ``2d`` or plain seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(text))
    if not match:
        raise ValueError(f"expected a duration such as 30s, 5m, 24h, got {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def fingerprint(line: str) -> str:
    text = line.strip()
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


@dataclass
class Measure:
    name: str
    value: object
    threshold: str
    breached: bool
    detail: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "threshold": self.threshold, "breached": self.breached, "detail": self.detail}


@dataclass
class WatchResult:
    at: str
    measures: list[Measure] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)  # {"channel", "ok", "detail"} per alert sent on a breach

    @property
    def breaches(self) -> list[Measure]:
        return [m for m in self.measures if m.breached]

    def as_dict(self) -> dict:
        return {"at": self.at, "ok": not self.breaches, "breaches": [m.name for m in self.breaches],
                "measures": [m.as_dict() for m in self.measures], "errors": self.errors, "alerts": self.alerts}


class Watcher:
    def __init__(self, settings: DeploySettings):
        self.settings = settings
        self.watch = settings.config.values["watch"]
        data_dir = settings.config.data_dir
        self.state_file = data_dir / "watch_state.json"
        self.journal = Path(self.watch["journal"]) if self.watch["journal"] else data_dir / "watch.jsonl"

    # --- the measures ---------------------------------------------------------------------------------

    def http(self, path: str) -> Measure:
        limit = self.watch["max_response_ms"]
        url = self.settings.base_url + path
        began = time.monotonic()
        try:
            response = httpx.get(url, timeout=max(limit / 1000 * 3, 10), follow_redirects=False, trust_env=False)
        except httpx.HTTPError as error:
            return Measure(f"GET {path}", None, f"200/303 in < {limit} ms", True, f"{url}: {type(error).__name__}: {error}")
        ms = round((time.monotonic() - began) * 1000, 1)
        good = response.status_code in (200, 303)
        return Measure(f"GET {path}", f"{response.status_code} in {ms} ms", f"200/303 in < {limit} ms", not good or ms >= limit, url)

    def log(self) -> tuple[Measure, list[dict]]:
        log_file = self.settings.config.log_file
        limit = self.watch["max_new_errors"]
        state = self._state()
        try:
            stat = log_file.stat()
        except OSError as error:
            return Measure("new log errors", None, f"<= {limit}", True, f"{log_file}: {error.strerror}"), []
        offset = state.get("offset", 0) if state.get("inode") == stat.st_ino and state.get("offset", 0) <= stat.st_size else None
        start = offset if offset is not None else max(0, stat.st_size - FIRST_READ_BYTES)
        groups: dict[str, dict] = {}
        with open(log_file, "rb") as stream:
            stream.seek(start)
            data = stream.read()
        for line in data.decode("utf-8", errors="replace").splitlines():
            if CRITICAL_LINE.search(line):
                key = fingerprint(line)
                group = groups.setdefault(key, {"fingerprint": key, "count": 0, "first": line.strip()[:300]})
                group["count"] += 1
        self._save_state({"inode": stat.st_ino, "offset": start + len(data)})
        total = sum(g["count"] for g in groups.values())
        since = "the previous check" if offset is not None else ("the start of the log" if start == 0 else "the last MiB of the log")
        errors = sorted(groups.values(), key=lambda g: -g["count"])
        return Measure("new log errors", total, f"<= {limit}", total > limit,
                       f"{len(groups)} distinct since {since} in {log_file}"), errors

    def processes(self) -> list[Measure]:
        cpu_threshold, rss_threshold = f"< {self.watch['max_cpu_percent']} %", f"< {self.watch['max_rss_mb']} MiB"
        if self.settings.service == "compose":
            # `docker compose top` is not available everywhere the tools run, and a container's processes are
            # not this host's /proc children of a pidfile: say so rather than show a made-up number.
            why = 'not measured: [deploy] service = "compose" (the container\'s processes are not read; use `docker stats`)'
            return [Measure("server CPU", "not measured", cpu_threshold, False, why),
                    Measure("server RSS", "not measured", rss_threshold, False, why)]
        try:
            pids, source = service_pids(self.settings)
        except ServicePidsError as error:
            return [Measure("server processes", None, ">= 1 running", True, str(error))]
        if not pids:
            return [Measure("server processes", 0, ">= 1 running", True, f"no live server process ({source})")]
        cpu = cpu_percent(pids)
        rss = sum(rss_bytes(pid) for pid in pids)
        return [
            Measure("server CPU", f"{cpu:.1f} %", cpu_threshold, cpu >= self.watch["max_cpu_percent"],
                    f"pids {', '.join(map(str, pids))} from {source} (/proc/PID/stat over 1 s)"),
            Measure("server RSS", f"{rss // (1024 * 1024)} MiB", rss_threshold, rss >= self.watch["max_rss_mb"] * 1024 * 1024,
                    f"/proc/PID/status VmRSS of pids {', '.join(map(str, pids))}"),
        ]

    def database(self) -> list[Measure]:
        database = Database(self.settings.config.database_url)
        try:
            size = database.size_bytes()
            connections = None
            if database.kind == "postgresql":
                connections = database.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")[0][0]
        except DatabaseError as error:
            return [Measure("database", None, "reachable", True, str(error))]
        limit = self.watch["max_db_connections"]
        measures = [Measure("database size", f"{size // (1024 * 1024)} MiB", "reported", False, database.display())]
        if connections is not None:
            measures.append(Measure("database connections", connections, f"< {limit}", connections >= limit, "pg_stat_activity"))
        return measures

    def disks(self) -> list[Measure]:
        limit = self.watch["min_disk_free_mb"]
        measures = []
        for name, folder in (("data_dir", self.settings.config.data_dir), ("backup_dir", self.settings.backup_dir)):
            path = folder
            while not path.exists() and path != path.parent:
                path = path.parent
            free = shutil.disk_usage(path).free
            measures.append(Measure(f"disk free {name}", f"{free // (1024 * 1024)} MiB", f">= {limit} MiB", free < limit * 1024 * 1024, str(folder)))
        return measures

    def check(self) -> WatchResult:
        result = WatchResult(at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        result.measures += [self.http("/web/login"), self.http("/web/health")]
        log, result.errors = self.log()
        result.measures.append(log)
        result.measures += self.processes() + self.database() + self.disks()
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        if result.breaches:
            result.alerts = self.alert(result)
        with open(self.journal, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(result.as_dict(), default=str) + "\n")
        return result

    def skip_log_to_end(self) -> None:
        """Count only the log lines written from now on (``workos deploy --watch``: the deploy's own verification
        already judged the lines before)."""
        try:
            stat = self.settings.config.log_file.stat()
        except OSError:
            return
        self._save_state({"inode": stat.st_ino, "offset": stat.st_size})

    # --- alerts -----------------------------------------------------------------------------------------------

    def alert(self, result: WatchResult) -> list[dict]:
        """Send the breach to every configured channel; a channel that fails is logged and reported, never raised."""
        sent = []
        for channel, configured, send in (("webhook", self.watch["webhook_url"], self._webhook),
                                          ("email", self.watch["email"], self._email)):
            if not configured:
                continue
            try:
                detail = send(result)
            except Exception as error:  # noqa: BLE001 - an alert must never stop the watch
                detail = f"{type(error).__name__}: {error}"
                logger.warning("watch alert by %s failed: %s", channel, detail)
                sent.append({"channel": channel, "ok": False, "detail": detail})
                continue
            sent.append({"channel": channel, "ok": True, "detail": detail})
        return sent

    def _webhook(self, result: WatchResult) -> str:
        url = self.watch["webhook_url"]
        response = httpx.post(url, json={"environment": self.settings.environment, "base_url": self.settings.base_url, **result.as_dict()},
                              timeout=10, trust_env=False)
        response.raise_for_status()
        return f"POST {url}: {response.status_code}"

    def _email(self, result: WatchResult) -> str:
        from django.conf import settings as django_settings
        from django.core import mail

        from workos.settings.email import email_settings

        configured = email_settings(self.settings.config)
        if not django_settings.configured:
            django_settings.configure(**configured)
        # The [email] settings of this configuration, whatever settings the process was started with.
        connection = mail.get_connection(
            backend=configured["EMAIL_BACKEND"], fail_silently=False, host=configured["EMAIL_HOST"], port=configured["EMAIL_PORT"],
            username=configured["EMAIL_HOST_USER"], password=configured["EMAIL_HOST_PASSWORD"], use_tls=configured["EMAIL_USE_TLS"],
            use_ssl=configured["EMAIL_USE_SSL"], timeout=configured["EMAIL_TIMEOUT"], file_path=configured["EMAIL_FILE_PATH"])
        names = ", ".join(m.name for m in result.breaches)
        lines = [f"workos watch found {len(result.breaches)} breach(es) on {self.settings.environment} ({self.settings.base_url}) at {result.at}:", ""]
        lines += [f"- {m.name}: {'-' if m.value is None else m.value} (threshold {m.threshold}) {m.detail}" for m in result.breaches]
        if result.errors:
            lines += ["", "New log errors by fingerprint:"] + [f"  {g['count']} x {g['fingerprint']} {g['first']}" for g in result.errors[:10]]
        lines += ["", f"Journal: {self.journal}"]
        message = mail.EmailMessage(subject=f"[WorkOS {self.settings.environment}] watch: {names}", body="\n".join(lines),
                                    from_email=configured["DEFAULT_FROM_EMAIL"], to=list(self.watch["email"]), connection=connection)
        message.send()
        return f"mailed {', '.join(self.watch['email'])} ({configured['EMAIL_BACKEND'].rsplit('.', 2)[-2]} backend)"

    def _state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _save_state(self, state: dict) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(state))


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:][:1] in ("Z", "X")


class ServicePidsError(Exception):
    """The service manager could not say which processes are the server's; the message says why."""


def service_pids(settings: DeploySettings) -> tuple[list[int], str]:
    """The live server pids for the service kind, with children (workers), and where they were read from."""
    if settings.service == "systemd":
        return systemd_pids(settings), "systemctl show -p MainPID"
    return server_pids(settings), "the pidfiles"


def systemd_pids(settings: DeploySettings) -> list[int]:
    """``systemctl show -p MainPID --value UNIT`` of the unit (behind nginx: of each live server's instance)."""
    from .services import ServiceError, SystemdService

    if settings.switch == "nginx":
        from .traffic import Fleet

        try:
            fleet = Fleet(settings)
            units = [fleet.server(address) for address in fleet.live()]
        except ServiceError as error:
            raise ServicePidsError(f"cannot read the live servers of the nginx upstream: {error}") from None
    else:
        units = [SystemdService(settings)]
    pids = []
    for unit in units:
        command = [*unit.systemctl, "show", "-p", "MainPID", "--value", unit.unit]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ServicePidsError(f"{' '.join(command)}: {error}") from None
        if result.returncode != 0:
            raise ServicePidsError(f"{' '.join(command)} exited {result.returncode}: {result.stderr.strip()[:200]}")
        try:
            pid = int(result.stdout.strip() or 0)
        except ValueError:
            raise ServicePidsError(f"{' '.join(command)} answered {result.stdout.strip()[:80]!r}, not a pid") from None
        if pid > 0 and process_running(pid):  # 0: the unit is not running
            pids.append(pid)
    return pids + children_of(pids)


def process_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return not _zombie(pid)  # exited, not yet reaped by its parent: not a running server


def children_of(pids: list[int]) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent in pids:
                children.append(int(entry.name))
    return children


def server_pids(settings: DeploySettings) -> list[int]:
    """The live pids of the server processes: the process manager's pidfiles and their children (workers)."""
    section = settings.config.section("deploy.process")
    data_dir = settings.config.data_dir
    files = [Path(section["pidfile"])] if section.get("pidfile") else [data_dir / "workos.pid"]
    files += sorted(data_dir.glob("workos-*.pid"))
    pids = []
    for file in files:
        try:
            pid = int(file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if process_running(pid):
            pids.append(pid)
    return pids + children_of(pids)


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def cpu_percent(pids: list[int], interval: float = 1.0) -> float:
    before = sum(_cpu_ticks(pid) for pid in pids)
    time.sleep(interval)
    after = sum(_cpu_ticks(pid) for pid in pids)
    return (after - before) / os.sysconf("SC_CLK_TCK") / interval * 100


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def summary_markdown(settings: DeploySettings, results: list[WatchResult], seconds: float) -> str:
    breached = [r for r in results if r.breaches]
    lines = [f"# Watch summary — {settings.environment} — {time.strftime('%Y-%m-%dT%H:%M:%S%z')}", "",
             f"{len(results)} check(s) over {seconds:.0f} s; {len(breached)} with a breach.", "",
             "| at | breaches | " + " | ".join(m.name for m in results[-1].measures) + " |",
             "|---|---|" + "---|" * len(results[-1].measures)]
    for result in results:
        lines.append(f"| {result.at} | {', '.join(m.name for m in result.breaches) or 'none'} | "
                     + " | ".join("" if m.value is None else str(m.value) for m in result.measures) + " |")
    errors: dict[str, dict] = {}
    for result in results:
        for group in result.errors:
            merged = errors.setdefault(group["fingerprint"], {**group, "count": 0})
            merged["count"] += group["count"]
    lines += ["", "## Log errors by fingerprint", ""]
    lines += [f"- `{g['fingerprint']}` × {g['count']}: `{g['first']}`" for g in sorted(errors.values(), key=lambda g: -g["count"])] or ["- none"]
    return "\n".join(lines) + "\n"
