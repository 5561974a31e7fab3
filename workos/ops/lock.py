"""One deploy (or rollback, or restore) at a time: an OS lock on a lock file, and in that file a record of who
holds it, since when, where, as which process.

The kernel's lock (``fcntl.flock``) is the authority: it is released by the kernel when its process dies,
however it dies, so "is a run still going?" never depends on guessing from a pid (which can be reused, or
belong to another container's pid namespace). The record is for people. A lock file that still holds a
record while nobody holds the OS lock belongs to a run that died without cleaning up: it is *stale*, reported
with what is known about the dead run, and broken only when the operator says so (``--break-stale-lock``) —
a killed deploy may have left things half done, and the person who breaks the lock should know that.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path



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
        self._descriptor: int | None = None

    def _open_locked(self) -> int | None:
        """A descriptor of ``path`` holding its OS lock, or None while another process holds it."""
        while True:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                return None
            # The previous holder may have removed the file between our open and our lock: then we hold a lock
            # on a file nobody else can see, and must lock the one now at ``path`` instead.
            try:
                same_file = os.path.samestat(os.fstat(descriptor), os.stat(self.path))
            except FileNotFoundError:
                same_file = False
            if same_file:
                return descriptor
            os.close(descriptor)

    def acquire(self) -> "DeployLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = LockHolder(
            user=current_user(), host=socket.gethostname(), pid=os.getpid(),
            started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), command=self.command,
            process_start=process_start_time(os.getpid()),
        )
        descriptor = self._open_locked()
        if descriptor is None:
            holder = read_holder(self.path)
            who = holder.describe() if holder else "a process whose record is not written yet"
            raise LockHeld(f"another deploy is running: {who} (lock {self.path})", holder, stale=False)
        try:
            leftover = os.read(descriptor, 65536)
            if leftover.strip():
                holder = read_holder(self.path)
                if not self.break_stale:
                    described = holder.describe() if holder else f"an unreadable record ({leftover[:80]!r})"
                    raise LockHeld(
                        f"stale deploy lock {self.path}: {described} — that process is no longer running "
                        "(killed or crashed), so it may have stopped half-way. Check the state (workos verify; "
                        "workos deploy history), then re-run with --break-stale-lock",
                        holder, stale=True,
                    )
                self.broken = holder or LockHolder("unknown", "unknown", 0, "unknown", "unreadable lock record")
            os.ftruncate(descriptor, 0)
            os.lseek(descriptor, 0, os.SEEK_SET)
            os.write(descriptor, json.dumps(asdict(me)).encode())
            os.fsync(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        self.held = True
        return self

    def release(self) -> None:
        if not self.held or self._descriptor is None:
            return
        # Remove the record while still holding the OS lock, so nobody reads a finished run as a stale one.
        self.path.unlink(missing_ok=True)
        os.close(self._descriptor)
        self._descriptor = None
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
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return "free"
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        held = False
    except BlockingIOError:
        held = True
    finally:
        os.close(descriptor)
    if holder is None:
        if held:
            return "held by a process whose record is not written yet"
        return "free" if not path.read_bytes().strip() else f"stale: unreadable lock file {path}"
    return ("held: " if held else "stale: ") + holder.describe()


__all__ = ["DeployLock", "LockHeld", "LockHolder", "lock_status", "current_user"]
