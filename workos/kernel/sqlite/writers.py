"""Turns for SQLite writers: a first-come first-served lock per database in this process, plus a file lock.

See the package's docstring for when a connection takes its turn.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import deque

from django.db.utils import OperationalError


class FifoLock:
    """A lock handed to its waiters in the order they asked for it (``threading.Lock`` wakes any one of them).

    The releaser hands the lock straight to the first waiter, so a thread that asks again at once queues behind
    the others instead of overtaking them.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._queue: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over between the time-out and now
                return True
            self._queue.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._queue:
                self._queue.popleft().set()  # still held: it now belongs to the first in line
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        """How many threads wait for the lock."""
        with self._mutex:
            return len(self._queue)


class Writers:
    """The writers' turn on one database: the in-process line, then (for a file) the lock file across processes.

    Only the first of this process's line waits for the file lock. It waits in the kernel (a blocking ``flock``,
    woken when the other process lets go), on a helper thread so that the wait can end after ``timeout``: a
    helper still waiting when its asker gave up serves the next asker, or lets the lock go if nobody asks.
    """

    def __init__(self, lock_path: str | None) -> None:
        self.line = FifoLock()
        self.lock_path = lock_path
        self._fd: int | None = None
        self._file_mutex = threading.Lock()
        self._helper_waiting = False
        self._asker: threading.Event | None = None

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self.line.acquire(timeout):
            raise OperationalError(f"database is locked (no turn to write after {timeout:g} s)")
        if self.lock_path is None:
            return
        try:
            if not self._lock_file(max(deadline - time.monotonic(), 0)):
                raise OperationalError(f"database is locked (no turn to write after {timeout:g} s: another process writes)")
        except BaseException:
            self.line.release()
            raise

    def release(self) -> None:
        try:
            if self.lock_path is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self.line.release()

    def _lock_file(self, timeout: float) -> bool:
        with self._file_mutex:
            if self._fd is None:
                self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            if not self._helper_waiting:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    pass
                self._helper_waiting = True
                threading.Thread(target=self._wait_for_file, name="sqlite-writers", daemon=True).start()
            granted = self._asker = threading.Event()
        if granted.wait(timeout):
            return True
        with self._file_mutex:
            if granted.is_set():  # granted between the time-out and now
                return True
            self._asker = None
            return False

    def _wait_for_file(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        with self._file_mutex:
            self._helper_waiting = False
            if self._asker is not None:
                self._asker.set()
                self._asker = None
            else:  # its asker gave up and nobody else asked
                fcntl.flock(self._fd, fcntl.LOCK_UN)


_registry: dict[str, Writers] = {}
_registry_lock = threading.Lock()


def writers_for(name: str, in_memory: bool) -> Writers:
    """The one ``Writers`` of this process for the database ``name`` (a file, or an in-memory database)."""
    key = name if in_memory else os.path.realpath(name)
    with _registry_lock:
        if key not in _registry:
            _registry[key] = Writers(None if in_memory else key + "-writers")
        return _registry[key]


def _forget_after_fork() -> None:
    # A forked child must not share the parent's lock file descriptor (flock belongs to the open file) nor its
    # threads' places in line.
    global _registry_lock
    _registry.clear()
    _registry_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
