"""Python dependencies of the deployed code: when ``requirements.lock`` differs between the running and the
new revision, the locked versions are installed into the running environment before the new code runs (and
the old lock is installed again on rollback).

``pip install -r`` adds and changes packages but never removes one the old lock had and the new one lacks;
that leftover is harmless to the code and keeps a rollback cheap.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .gitrepo import GitRepo

LOCK_FILE = "requirements.lock"


class DependencyError(Exception):
    pass


def lock_changed(repo: GitRepo, older: str, newer: str) -> bool:
    return older != newer and repo.path_changed(older, newer, LOCK_FILE)


def install_locked(repo_root: Path, log_file: Path) -> None:
    """``pip install -r requirements.lock`` for the checked-out revision, output appended to ``log_file``."""
    lock = repo_root / LOCK_FILE
    if not lock.is_file():
        raise DependencyError(f"{lock} does not exist at this revision")
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", str(lock)]
    with open(log_file, "a") as log:
        log.write(f"\n$ {' '.join(command)}\n")
        log.flush()
        result = subprocess.run(command, cwd=repo_root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise DependencyError(f"installing {LOCK_FILE} failed (exit {result.returncode}); see {log_file}")
