"""Child processes that must not outlive the command that started them.

A deploy killed with ``kill -9`` cannot clean up after itself: a ``pg_dump`` would go on writing a
``*.partial`` file nobody will rename, a ``git commit`` would finish (or hold ``index.lock``) unobserved and a
module run would commit a transaction nobody reports. Linux's parent-death signal (``PR_SET_PDEATHSIG``) has
the kernel kill such a child the moment its parent dies, whatever killed the parent. The server started by
the ``process`` manager is deliberately *not* such a child: it must keep serving after the deploy ends.
"""

from __future__ import annotations

import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn`` for a child that must die with this process (Linux; elsewhere a no-op)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
