"""One deploy (or rollback, or restore) at a time: a lock file saying who holds it, since when, where, as
which process.

The file is created with O_EXCL, so two deploys cannot both get it. A lock whose process is gone (same host,
pid not running or reused) is *stale*: it is reported with what is known about the dead run, and broken only
when the operator says so (``--break-stale-lock``) — a killed deploy may have left things half done, and the
person who breaks the lock should know that.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .services import process_alive


def current_user() -> str:
    user = getpass.getuser()
    sudo_user = os.environ.get("SUDO_USER")
    return f"{user} (sudo by {sudo_user})" if sudo_user and sudo_user != user else user


def process_start_time(pid: int) -> str:
    """The kernel's start time of ``pid`` (clock ticks since boot): tells a reused pid from the original."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


@dataclass
class LockHolder:
    user: str
    host: str
    pid: int
    started_at: str
    command: str
    process_start: str = ""

    def describe(self) -> str:
        return f"{self.command!r} by {self.user} on {self.host}, pid {self.pid}, since {self.started_at}"

    def is_stale(self) -> bool:
        """True when the holder certainly no longer runs; a lock from another host is never called stale."""
        if self.host != socket.gethostname():
            return False
        if not process_alive(self.pid):
            return True
        return bool(self.process_start) and process_start_time(self.pid) != self.process_start


class LockHeld(Exception):
    def __init__(self, message: str, holder: LockHolder | None, stale: bool):
        super().__init__(message)
        self.holder = holder
        self.stale = stale


def read_holder(path: Path) -> LockHolder | None:
    try:
        values = json.loads(path.read_text())
        return LockHolder(**{key: values[key] for key in ("user", "host", "pid", "started_at", "command")},
                          process_start=values.get("process_start", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class DeployLock:
    def __init__(self, path: Path, command: str, break_stale: bool = False):
        self.path = path
        self.command = command
        self.break_stale = break_stale
        self.broken: LockHolder | None = None
        self.held = False

    def acquire(self) -> "DeployLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = LockHolder(
            user=current_user(), host=socket.gethostname(), pid=os.getpid(),
            started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), command=self.command,
            process_start=process_start_time(os.getpid()),
        )
        for attempt in range(2):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = read_holder(self.path)
                if holder is None:
                    raise LockHeld(
                        f"the deploy lock {self.path} exists but cannot be read; if no deploy runs, remove it by hand",
                        None, stale=False,
                    ) from None
                if holder.is_stale():
                    if self.break_stale and attempt == 0:
                        self.path.unlink(missing_ok=True)
                        self.broken = holder
                        continue
                    raise LockHeld(
                        f"stale deploy lock {self.path}: {holder.describe()} — that process is no longer running "
                        "(killed or crashed), so it may have stopped half-way. Check the state (workos verify; "
                        "workos deploy history), then re-run with --break-stale-lock",
                        holder, stale=True,
                    ) from None
                raise LockHeld(f"another deploy is running: {holder.describe()} (lock {self.path})", holder, stale=False) from None
            with os.fdopen(descriptor, "w") as stream:
                json.dump(asdict(me), stream)
            self.held = True
            return self
        raise LockHeld(f"could not take the deploy lock {self.path}", None, stale=False)  # pragma: no cover

    def release(self) -> None:
        if not self.held:
            return
        holder = read_holder(self.path)
        if holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname():
            self.path.unlink(missing_ok=True)
        self.held = False

    def __enter__(self) -> "DeployLock":
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


def lock_status(path: Path) -> str:
    """A one-line description of the lock for ``--dry-run``: free, held or stale."""
    if not path.exists():
        return "free"
    holder = read_holder(path)
    if holder is None:
        return f"unreadable lock file {path}"
    return ("stale: " if holder.is_stale() else "held: ") + holder.describe()


__all__ = ["DeployLock", "LockHeld", "LockHolder", "lock_status", "current_user"]
