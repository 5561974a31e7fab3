"""``workos watch``: after a deploy (or any time), check the running site against the thresholds of ``[watch]``.

One check measures: ``/web/login`` and ``/web/health`` (status and response time), the new ERROR/CRITICAL/
Traceback lines of ``[server] log_file`` since the previous check (grouped by fingerprint: one error repeated
1,000 times is one line with a count; the read offset is kept in ``<data_dir>/watch_state.json``), CPU and RSS
of the server processes (their pidfiles, read from /proc — psutil is not a dependency), the database's size and
connections, and the free disk of ``data_dir`` and ``backup_dir``. Every check is appended to a JSONL journal;
a breach is named, optionally POSTed to ``[watch] webhook_url``, and makes ``--once`` exit 1.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .database import Database, DatabaseError
from .settings import DeploySettings
from .verify import CRITICAL_LINE

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

    @property
    def breaches(self) -> list[Measure]:
        return [m for m in self.measures if m.breached]

    def as_dict(self) -> dict:
        return {"at": self.at, "ok": not self.breaches, "breaches": [m.name for m in self.breaches],
                "measures": [m.as_dict() for m in self.measures], "errors": self.errors}


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
        pids = server_pids(self.settings)
        if not pids:
            return [Measure("server processes", 0, ">= 1 running", True, "no live pid in the service's pidfiles")]
        cpu = cpu_percent(pids)
        rss = sum(rss_bytes(pid) for pid in pids)
        return [
            Measure("server CPU", f"{cpu:.1f} %", f"< {self.watch['max_cpu_percent']} %", cpu >= self.watch["max_cpu_percent"],
                    f"pids {', '.join(map(str, pids))} (/proc/PID/stat over 1 s)"),
            Measure("server RSS", f"{rss // (1024 * 1024)} MiB", f"< {self.watch['max_rss_mb']} MiB", rss >= self.watch["max_rss_mb"] * 1024 * 1024,
                    "/proc/PID/status VmRSS"),
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
        with open(self.journal, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(result.as_dict(), default=str) + "\n")
        if result.breaches and self.watch["webhook_url"]:
            try:
                httpx.post(self.watch["webhook_url"], json={"environment": self.settings.environment, **result.as_dict()}, timeout=10, trust_env=False)
            except httpx.HTTPError:
                pass  # the journal and the exit code still say it
        return result

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
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            continue
        if _zombie(pid):  # exited, not yet reaped by its parent: not a running server
            continue
        pids.append(pid)
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent in pids:
                children.append(int(entry.name))
    return pids + children


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
