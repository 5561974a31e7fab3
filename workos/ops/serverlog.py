"""The server log around a restart.

Verification counts critical lines in the last ``log_tail`` lines of ``[server] log_file``. Lines written by
the run being replaced (or by a failed install's traceback) say nothing about the new server, so before a
deploy or rollback starts the service it moves the current log aside to ``<log_file>.<TIMESTAMP>``: the new
server starts a fresh file, and the old lines are kept for whoever investigates.
"""

from __future__ import annotations

from pathlib import Path


def set_aside(log_file: Path, stamp: str) -> Path | None:
    if not log_file.is_file() or log_file.stat().st_size == 0:
        return None
    target = log_file.with_name(f"{log_file.name}.{stamp}")
    counter = 2
    while target.exists():
        target = log_file.with_name(f"{log_file.name}.{stamp}_{counter}")
        counter += 1
    log_file.rename(target)
    return target
