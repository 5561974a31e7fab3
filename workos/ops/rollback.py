"""Going back to a rollback point: the previous SHA, and (when asked) the database as it was in phase 1.

Used by ``workos rollback`` and by ``workos deploy --auto-rollback``. Everything that can refuse — the backup
is missing, altered or unreadable, the SHA is unknown, the tree is dirty — is checked before the first change.
Then: stop the service, check out the previous SHA (reinstalling the old dependency lock if it differs),
restore the database, set the server log aside, start, wait for health, verify.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import backup as backups
from . import serverlog
from .database import Database, DatabaseError
from .dependencies import DependencyError, install_locked, lock_changed
from .deploy_snapshot import read_snapshot_file
from .gitrepo import GitError, GitRepo
from .narration import Narrator
from .services import ServiceError, ServiceManager, wait_for_health
from .settings import DeploySettings
from .verify import Verification, render, run_verification


class RollbackRefused(Exception):
    """Refused before anything changed; the message says why."""


@dataclass
class RollbackPoint:
    previous_sha: str
    previous_branch: str
    backup: Path | None
    md5: str | None
    sha256: str | None
    source: str

    @classmethod
    def from_snapshot_file(cls, path: Path) -> "RollbackPoint":
        values = read_snapshot_file(path)
        return cls(values["PREVIOUS_SHA"], values["PREVIOUS_BRANCH"], Path(values["BACKUP_FILE"]),
                   values["BACKUP_MD5"], values["BACKUP_SHA256"], str(path))


@dataclass
class RollbackOutcome:
    steps: list[dict] = field(default_factory=list)
    verification: Verification | None = None
    error: str | None = None
    failed_step: str | None = None
    set_aside_log: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.verification is not None and self.verification.failed_count == 0

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "steps": self.steps,
            "error": self.error,
            "failed_step": self.failed_step,
            "verification": self.verification.as_dict() if self.verification else None,
            "set_aside_log": str(self.set_aside_log) if self.set_aside_log else None,
            "seconds": round(self.seconds, 3),
        }


def check_rollback_point(settings: DeploySettings, repo: GitRepo, point: RollbackPoint, restore_database: bool,
                         check_tree: bool = True) -> None:
    """Everything that must hold before a rollback touches anything; raises RollbackRefused."""
    if not repo.has_commit(point.previous_sha):
        raise RollbackRefused(f"commit {point.previous_sha} (PREVIOUS_SHA in {point.source}) is not in {settings.repo_root}")
    if check_tree:
        dirty = repo.dirty_paths()
        if dirty:
            raise RollbackRefused(
                f"the checkout {settings.repo_root} has local changes ({', '.join(dirty[:10])}); commit or stash them first"
            )
    if restore_database:
        if point.backup is None:
            raise RollbackRefused(f"{point.source} names no backup file")
        database = Database(settings.config.database_url)
        try:
            backups.check_checksums(point.backup, point.md5, point.sha256)
            backups.verify_backup(database, point.backup)
        except backups.BackupError as error:
            raise RollbackRefused(str(error)) from None


def execute_rollback(settings: DeploySettings, repo: GitRepo, service: ServiceManager, point: RollbackPoint,
                     restore_database: bool, stamp: str, narrator: Narrator, install_log: Path) -> RollbackOutcome:
    """Do the rollback (after ``check_rollback_point``); a failing step stops it and is named in the outcome."""
    started = time.monotonic()
    outcome = RollbackOutcome()
    database = Database(settings.config.database_url)

    def step(name: str, action) -> bool:
        began = time.monotonic()
        try:
            detail = action() or ""
        except (ServiceError, GitError, backups.BackupError, DependencyError, DatabaseError, OSError) as error:
            outcome.steps.append({"step": name, "ok": False, "seconds": round(time.monotonic() - began, 3), "detail": str(error)})
            outcome.error, outcome.failed_step = str(error), name
            narrator.error(f"rollback step '{name}' failed: {error}")
            return False
        seconds = time.monotonic() - began
        outcome.steps.append({"step": name, "ok": True, "seconds": round(seconds, 3), "detail": detail})
        narrator.note(f"{name}: ok ({seconds:.2f}s){' — ' + detail if detail else ''}")
        return True

    def stop_service():
        before = service.status()
        service.stop()
        return f"was {before.detail}; stopped" if before.running else f"was already stopped ({before.detail})"

    def checkout():
        current = repo.head_sha()
        if current == point.previous_sha and repo.current_branch() == point.previous_branch:
            return f"already at {point.previous_sha[:12]}"
        reinstall = lock_changed(repo, current, point.previous_sha)
        repo.return_to(point.previous_sha, point.previous_branch)
        if reinstall:
            install_locked(settings.repo_root, install_log)
            return f"{current[:12]} -> {point.previous_sha[:12]}; dependencies of the old lock reinstalled"
        return f"{current[:12]} -> {point.previous_sha[:12]}"

    def restore():
        seconds = backups.restore_backup(database, point.backup, backups.PostgresTools(database, service.database_wrapper()))
        return f"{point.backup} restored in {seconds:.2f}s"

    def start_service():
        outcome.set_aside_log = serverlog.set_aside(settings.config.log_file, stamp)
        service.start()
        health = wait_for_health(settings.base_url, settings.startup_timeout, service)
        if not health.healthy:
            return f"started, but not healthy: {health.detail}"
        return f"healthy after {health.seconds:.2f}s"

    steps = [("stop service", stop_service), ("check out previous SHA", checkout)]
    if restore_database:
        steps.append(("restore database", restore))
    steps.append(("start service", start_service))
    for name, action in steps:
        if not step(name, action):
            outcome.seconds = time.monotonic() - started
            return outcome
    outcome.verification = run_verification(settings)
    render(outcome.verification, narrator.console)
    outcome.seconds = time.monotonic() - started
    return outcome


def run_rollback(settings: DeploySettings, snapshot_file: Path | None, restore_database: bool, break_stale_lock: bool,
                 narrator: Narrator) -> dict:
    """``workos rollback``: lock, check the rollback point, execute, verify, record. Returns the report."""
    from . import exit_codes, history
    from .deploy_snapshot import SnapshotFileError
    from .lock import DeployLock, LockHeld
    from .services import service_manager

    started = time.monotonic()
    stamp = backups.timestamp()
    snapshot_file = snapshot_file or settings.snapshot_file
    repo = GitRepo(settings.repo_root)
    report: dict = {"command": "rollback", "snapshot_file": str(snapshot_file), "restore_db": restore_database,
                    "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    record = history.new_record("rollback")

    def finish(code: int, message: str, recorded: bool) -> dict:
        report.update(exit_code=code, outcome=message, seconds=round(time.monotonic() - started, 3),
                      finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        if recorded:
            history.append(settings.history_file, {
                **record, "started_at": report["started_at"], "finished_at": report["finished_at"],
                "from_sha": report.get("from_sha"), "to_sha": report.get("to_sha"), "backup": report.get("backup"),
                "result": "success" if code == 0 else "refused" if code == exit_codes.REFUSED else "failed",
                "exit_code": code, "restore_db": restore_database, "seconds": report["seconds"],
                "phases": {step["step"]: step["seconds"] for step in report.get("steps", [])},
            })
        return report

    narrator.heading(f"WorkOS rollback — {settings.repo_root}, rollback point {snapshot_file}")
    if not repo.is_repository():
        return finish(exit_codes.USAGE, f"[deploy] repo_root {settings.repo_root} is not the root of a git checkout", False)
    try:
        service = service_manager(settings)
    except ServiceError as error:
        return finish(exit_codes.USAGE, str(error), False)
    lock = DeployLock(settings.lock_file, "workos rollback", break_stale_lock)
    try:
        lock.acquire()
    except LockHeld as held:
        return finish(exit_codes.LOCKED, str(held), False)
    except OSError as error:
        return finish(exit_codes.USAGE, f"cannot create the deploy lock in [deploy] backup_dir: {error}", False)
    try:
        return _locked_rollback(settings, repo, service, snapshot_file, restore_database, stamp, narrator, report, record, lock, finish)
    except (OSError, GitError, DatabaseError) as error:
        return finish(exit_codes.ROLLBACK_FAILED, f"{type(error).__name__}: {error}", True)
    finally:
        lock.release()


def _locked_rollback(settings, repo, service, snapshot_file, restore_database, stamp, narrator, report, record, lock, finish) -> dict:
    """The part of ``run_rollback`` that runs under the lock."""
    from . import exit_codes, history
    from .deploy_snapshot import SnapshotFileError

    if lock.broken:
        narrator.warn(f"broke the stale lock of {lock.broken.describe()}")
        report["broken_lock"] = lock.broken.describe()
    report["from_sha"] = repo.head_sha()
    history.append(settings.history_file, {**record, "started_at": report["started_at"], "from_sha": report["from_sha"]})
    try:
        point = RollbackPoint.from_snapshot_file(snapshot_file)
        report.update(to_sha=point.previous_sha, backup=str(point.backup))
        check_rollback_point(settings, repo, point, restore_database)
    except (SnapshotFileError, RollbackRefused) as refused:
        return finish(exit_codes.REFUSED, f"refused, nothing changed: {refused}", True)
    narrator.note(f"rolling back {report['from_sha'][:12]} -> {point.previous_sha[:12]} ({point.previous_branch})"
                  + (f", restoring {point.backup}" if restore_database else ", database kept as it is"))
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    outcome = execute_rollback(settings, repo, service, point, restore_database, stamp, narrator,
                               settings.log_dir / f"workos_rollback_{stamp}.log")
    report.update(outcome.as_dict())
    if outcome.error:
        return finish(exit_codes.ROLLBACK_FAILED, f"rollback stopped at '{outcome.failed_step}': {outcome.error}", True)
    failed = outcome.verification.failed_count
    message = "rolled back and verified" if not failed else f"rolled back; {failed} verification(s) failed"
    return finish(min(failed, 9), message, True)
