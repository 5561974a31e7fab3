"""``.deploy_snapshot``: the rollback point a deploy leaves at the repository root, as shell ``KEY=value`` lines.

It is sourceable by bash so the manual runbook works without WorkOS::

    source .deploy_snapshot
    git checkout "$PREVIOUS_SHA"
    pg_restore --clean --if-exists --no-owner -d "$DATABASE" "$BACKUP_FILE"

``DEPLOY_ID`` names the deploy (its id in the deploy history) that wrote the file, so a rollback can prove the
point belongs to the run it undoes. Values are quoted with ``shlex.quote``; the database is written without its password. The file is listed in
``.gitignore`` so it never makes the tree dirty.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

REQUIRED_KEYS = ("PREVIOUS_SHA", "PREVIOUS_BRANCH", "BACKUP_FILE", "BACKUP_MD5", "BACKUP_SHA256", "DATABASE", "TIMESTAMP")


class SnapshotFileError(Exception):
    """A missing or unreadable ``.deploy_snapshot``; the message names the file and the problem."""


def write_snapshot_file(path: Path, values: dict[str, str]) -> None:
    missing = [key for key in REQUIRED_KEYS if key not in values]
    if missing:
        raise ValueError(f"deploy snapshot lacks {', '.join(missing)}")
    lines = ["# WorkOS rollback point written by `workos deploy` (phase 1). Source it from bash."]
    lines += [f"{key}={shlex.quote(str(value))}" for key, value in values.items()]
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n")
    os.replace(temporary, path)


def read_snapshot_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise SnapshotFileError(f"{path} does not exist: no deploy has recorded a rollback point here")
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            raise SnapshotFileError(f"{path}:{number}: cannot be read as shell: {error}") from None
        if not words:
            continue
        key, equals, value = words[0].partition("=")
        if len(words) != 1 or not equals or not key.isidentifier():
            raise SnapshotFileError(f"{path}:{number}: expected KEY=value, found {line!r}")
        values[key] = value
    missing = [key for key in REQUIRED_KEYS if not values.get(key)]
    if missing:
        raise SnapshotFileError(f"{path} lacks {', '.join(missing)}")
    return values
