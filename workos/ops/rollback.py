"""Going back to a rollback point: the previous SHA, and (when asked) the database as it was in phase 1.

Used by ``workos rollback`` and by ``workos deploy --auto-rollback``. Everything that can refuse — the backup
is missing, altered or unreadable, the SHA is unknown, the tree is dirty — is checked before the first change.
Then: stop the service, check out the previous SHA (reinstalling the old dependency lock if it differs),
restore the database, set the server log aside, start, wait for health (a server that is not healthy in time
fails the "start service" step: the rollback is not reported as done), verify.
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
    deploy_id: str | None = None  # the deploy that wrote it (older files do not say)

    @classmethod
    def from_snapshot_file(cls, path: Path) -> "RollbackPoint":
        values = read_snapshot_file(path)
        return cls(values["PREVIOUS_SHA"], values["PREVIOUS_BRANCH"], Path(values["BACKUP_FILE"]),
                   values["BACKUP_MD5"], values["BACKUP_SHA256"], str(path), values.get("DEPLOY_ID") or None)


@dataclass
class UndoPlan:
    """What a rollback undoes, as proven from the deploy history."""

    run: dict | None
    restore_database: bool
    nothing_to_undo: str | None = None
    note: str | None = None


def _describe_run(run: dict) -> str:
    where = f" in phase {run['phase']}" if run.get("phase") and run.get("result") != "success" else ""
    return (f"deploy {run['id']} (started {run.get('started_at', '?')} by {run.get('user', '?')} from "
            f"{(run.get('from_sha') or '?')[:12]}, {run.get('result')}{where})")


def plan_undo(settings: DeploySettings, repo: GitRepo, point: RollbackPoint, restore_database: bool, own_id: str) -> UndoPlan:
    """Prove that ``point`` belongs to the last deploy that may have changed something, or refuse.

    The deploy history records every run with its starting SHA, how far it got (the phase it was in when it
    ended or was killed) and its backup; ``.deploy_snapshot`` names the deploy that wrote it. A deploy killed
    in phase 1 never wrote its own rollback point, so the file still names the deploy before it: restoring
    that would lose every row written since and take the code one deploy too far back. Raises RollbackRefused.
    """
    from . import history

    runs = [run for run in history.read(settings.history_file) if run.get("id") != own_id]

    def later_rollbacks(run: dict) -> list[dict]:
        return [later for later in runs[runs.index(run) + 1:] if later.get("kind") == "rollback"]

    run = None
    for candidate in reversed([r for r in runs if r.get("kind") == "deploy" and r.get("result") != "refused"]):
        reached = int(candidate.get("phase") or 0)
        if reached > 1 or candidate.get("result") == "success":
            run = candidate
            break
        # Phase 1 only writes a backup and .deploy_snapshot: a run that ended there changed nothing.
        if any(later.get("nothing_to_undo") for later in later_rollbacks(candidate)):
            continue  # already said so once: the operator now means the deploy before it
        if repo.head_sha() != candidate.get("from_sha"):
            raise RollbackRefused(f"{_describe_run(candidate)} changed nothing, yet the checkout is now at {repo.head_sha()[:12]}: "
                                  "something else moved it; check with workos verify and git log")
        return UndoPlan(candidate, False, nothing_to_undo=(
            f"{_describe_run(candidate)} stopped before it changed code, database or service; {point.source} "
            f"(the rollback point of {'deploy ' + point.deploy_id if point.deploy_id else 'an earlier deploy'}) is deliberately not "
            "used. Run `workos rollback` again only if you mean to undo the deploy before it"))
    if run is None:
        return UndoPlan(None, restore_database, note=f"no deploy recorded in {settings.history_file}: {point.source} taken as it is")
    described = _describe_run(run)
    if run.get("result") in ("running", "started (other host)"):
        raise RollbackRefused(f"{described} has not finished: wait for it, or check that host")
    undone = run.get("result") == "rolled back" or any(
        later.get("result") == "success" and not later.get("nothing_to_undo") for later in later_rollbacks(run))
    if undone:
        raise RollbackRefused(f"{described} was already rolled back; there is nothing left to undo (workos deploy history lists the runs)")
    reached = int(run.get("phase") or 0)
    belongs = (point.deploy_id == run["id"]) if point.deploy_id else (run.get("backup") == str(point.backup))
    if belongs:
        if run.get("from_sha") and run["from_sha"] != point.previous_sha:
            raise RollbackRefused(f"{point.source} says PREVIOUS_SHA {point.previous_sha[:12]}, but {described} started from "
                                  f"{run['from_sha'][:12]}: the file was altered; check it against workos deploy history")
        if restore_database and reached < 3 and run.get("result") != "success":
            return UndoPlan(run, False, note=f"{described} stopped before phase 3 touched the database, so the database is not "
                                             "restored: rows written since its backup are kept")
        return UndoPlan(run, restore_database)
    point_owner = f"deploy {point.deploy_id}" if point.deploy_id else "an earlier deploy"
    from_sha = (run.get("from_sha") or "?")[:12]
    raise RollbackRefused(
        f"{point.source} is the rollback point of {point_owner} (backup {point.backup}), not of the last {described}: "
        f"restoring it would go back past {from_sha}, where that run started, and lose every row written since its backup. "
        f"Check the state (workos verify; workos deploy history), then either finish the deploy with "
        f"`workos deploy --break-stale-lock`, or name that run's own rollback point with --snapshot"
    )


@dataclass
class RollbackOutcome:
    steps: list[dict] = field(default_factory=list)
    verification: Verification | None = None
    error: str | None = None
    failed_step: str | None = None
    set_aside_log: Path | None = None
    seconds: float = 0.0
    switch: object | None = None  # traffic.Replacement when the servers are behind nginx

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
            "switch": self.switch.as_dict() if self.switch is not None else None,
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
            # A server that does not answer is not a finished rollback: the step fails and the run says so.
            raise ServiceError(f"started, but not healthy: {health.detail}")
        return f"healthy after {health.seconds:.2f}s"

    from .traffic import Fleet, SwitchProbe

    probe = None
    if isinstance(service, Fleet):
        # Behind nginx: without a restore the old code starts beside the new and nginx switches back; a restore
        # replaces the database under the servers, so it happens behind the maintenance page.
        probe = SwitchProbe(settings.base_url + "/web/login")

        def maintenance_on():
            service.maintenance(True)
            return "nginx answers 503 (maintenance page, Retry-After)"

        def replace(in_maintenance: bool):
            outcome.set_aside_log = serverlog.set_aside(settings.config.log_file, stamp)
            began = time.monotonic()
            replacement = (service.restart_in_maintenance(settings.startup_timeout) if in_maintenance
                           else service.replace(settings.startup_timeout))
            replacement.window = [began, time.monotonic()]
            outcome.switch = replacement
            if not replacement.ok:
                raise ServiceError("; ".join(replacement.steps))
            return "; ".join(replacement.steps)

        if restore_database:
            steps = [("maintenance page on", maintenance_on), ("stop service", stop_service), ("check out previous SHA", checkout),
                     ("restore database", restore), ("start service, maintenance page off", lambda: replace(True))]
        else:
            steps = [("check out previous SHA", checkout), ("switch back behind nginx", lambda: replace(False))]
    else:
        steps = [("stop service", stop_service), ("check out previous SHA", checkout)]
        if restore_database:
            steps.append(("restore database", restore))
        steps.append(("start service", start_service))
    if probe is not None:
        probe.__enter__()
    try:
        for name, action in steps:
            if not step(name, action):
                outcome.seconds = time.monotonic() - started
                return outcome
    finally:
        if probe is not None:
            probe.__exit__(None, None, None)
            if outcome.switch is not None:
                outcome.switch.probe = probe.summary()
    outcome.verification = run_verification(settings)
    render(outcome.verification, narrator.console)
    outcome.seconds = time.monotonic() - started
    return outcome


def _write_report(settings: DeploySettings, report: dict, stamp: str, narrator: Narrator) -> str | None:
    """The rollback's Markdown report (workos/ops/report.py); a failure to write it never changes the outcome."""
    from .report import write_deploy_report

    try:
        path = write_deploy_report(settings, report, stamp)
    except Exception as error:  # noqa: BLE001 - the rollback's outcome stands; say why there is no report
        narrator.error(f"could not write the rollback report in {settings.report_dir}: {type(error).__name__}: {error}")
        return None
    narrator.note(f"report {path}")
    return str(path)


def run_rollback(settings: DeploySettings, snapshot_file: Path | None, restore_database: bool, break_stale_lock: bool,
                 narrator: Narrator, expected_deploy: str | None = None) -> dict:
    """``workos rollback``: lock, check the rollback point, execute, verify, record. Returns the report.

    ``expected_deploy`` (``workos deploy --watch --auto-rollback``): refuse unless both the rollback point and the
    last deploy of the history are that run, so an automatic rollback never undoes someone else's deploy."""
    from . import exit_codes, history
    from .deploy_snapshot import SnapshotFileError
    from .lock import DeployLock, LockHeld
    from .services import service_manager

    started = time.monotonic()
    stamp = backups.timestamp()
    snapshot_file = snapshot_file or settings.snapshot_file
    repo = GitRepo(settings.repo_root)
    report: dict = {"command": "rollback", "environment": settings.environment, "snapshot_file": str(snapshot_file), "restore_db": restore_database,
                    "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "expected_deploy": expected_deploy}
    record = history.new_record("rollback")

    def finish(code: int, message: str, recorded: bool) -> dict:
        report.update(exit_code=code, outcome=message, seconds=round(time.monotonic() - started, 3),
                      finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), run_id=record["id"])
        report["report_file"] = _write_report(settings, report, stamp, narrator)
        if recorded:
            history.append(settings.history_file, {
                "report": report["report_file"],
                **record, "started_at": report["started_at"], "finished_at": report["finished_at"],
                "from_sha": report.get("from_sha"), "to_sha": report.get("to_sha"), "backup": report.get("backup"),
                "result": "success" if code == 0 else "refused" if code == exit_codes.REFUSED else "failed",
                "exit_code": code, "restore_db": report.get("restore_db", restore_database),
                "undoes": report.get("undoes"), "nothing_to_undo": bool(report.get("nothing_to_undo")), "seconds": report["seconds"],
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
        return _locked_rollback(settings, repo, service, snapshot_file, restore_database, stamp, narrator, report, record, lock, finish,
                                expected_deploy)
    except (OSError, GitError, DatabaseError) as error:
        return finish(exit_codes.ROLLBACK_FAILED, f"{type(error).__name__}: {error}", True)
    finally:
        lock.release()


def _locked_rollback(settings, repo, service, snapshot_file, restore_database, stamp, narrator, report, record, lock, finish,
                     expected_deploy=None) -> dict:
    """The part of ``run_rollback`` that runs under the lock."""
    from . import exit_codes, history
    from .deploy_snapshot import SnapshotFileError

    if lock.broken:
        narrator.warn(f"broke the stale lock of {lock.broken.describe()}")
        report["broken_lock"] = lock.broken.describe()
    report["from_sha"] = repo.head_sha()
    history.append(settings.history_file, {**record, "started_at": report["started_at"], "from_sha": report["from_sha"]})
    from .leftovers import clean_own_artifacts

    cleaned = clean_own_artifacts(repo, settings.history_file, settings.environment, record["id"])
    if cleaned:
        narrator.warn(f"put back what the interrupted deploy left in phase 5/6: {', '.join(cleaned)}")
        report["cleaned_leftovers"] = cleaned
    try:
        point = RollbackPoint.from_snapshot_file(snapshot_file)
        if expected_deploy and point.deploy_id != expected_deploy:
            raise RollbackRefused(f"{point.source} is the rollback point of deploy {point.deploy_id or '(unnamed)'}, "
                                  f"not of deploy {expected_deploy}")
        plan = plan_undo(settings, repo, point, restore_database, record["id"])
        report["undoes"] = plan.run and plan.run["id"]
        if expected_deploy and report["undoes"] != expected_deploy:
            raise RollbackRefused(f"the last deploy in {settings.history_file} is {report['undoes'] or 'none'}, "
                                  f"not deploy {expected_deploy}: another run came after it")
        if plan.nothing_to_undo:
            report.update(to_sha=report["from_sha"], nothing_to_undo=plan.nothing_to_undo)
            narrator.note(f"nothing to roll back: {plan.nothing_to_undo}")
            verification = run_verification(settings)
            render(verification, narrator.console)
            report["verification"] = verification.as_dict()
            failed = verification.failed_count
            return finish(min(failed, 9), "nothing to roll back" + (f"; {failed} verification(s) failed" if failed else "; verified"), True)
        if plan.note:
            narrator.warn(plan.note)
            report["note"] = plan.note
        restore_database = plan.restore_database
        report.update(to_sha=point.previous_sha, backup=str(point.backup) if restore_database else None, restore_db=restore_database)
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
