"""``workos deploy``: seven phases, safe to run at 2 a.m.

Pre-checks (lock, git fetch, clean tree, fast-forward possible, required modules valid in the new tree, room
for the backup) run before anything changes, so a refusal leaves code, database and service as they were.
Then:

1. Snapshot for rollback — SHA, branch, verified backup with md5/sha256, ``.deploy_snapshot``.
2. Deploy main — checkout the branch, ``git pull --ff-only``.
3. Install/upgrade modules — stop the service, (dependency lock), ``module install`` + ``module upgrade
   --changed`` with the new code, start, wait for ``/web/health``.
4. Runtime verification — ``workos verify``'s checks.
5. Snapshot artifacts — ``workos snapshot`` when the deployed code has it; otherwise reported as skipped.
6. Commit artifacts — ``[skip ci]``; nothing to commit is fine.
7. Push.

Everything after the pull runs the new code in child processes (see ``settings.DeploySettings``). Every run is
recorded in the deploy history; the exit code is 0, the number of failed verifications, or one of
``exit_codes``.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import backup as backups
from . import exit_codes, history, serverlog
from .database import Database, DatabaseError
from .dependencies import DependencyError, install_locked, lock_changed
from .deploy_snapshot import write_snapshot_file
from .gitrepo import GitError, GitRepo
from .leftovers import ARTIFACT_COMMIT_MESSAGE, artifact_paths, clean_own_artifacts, own_artifact_commits
from .lock import DeployLock, LockHeld, lock_status
from .module_check import plan_modules
from .narration import Narrator, PhaseResult
from .rollback import RollbackPoint, RollbackRefused, check_rollback_point, execute_rollback
from .children import die_with_parent
from .services import ServiceError, service_manager, wait_for_health
from .traffic import Fleet, SwitchProbe
from .settings import DeploySettings
from .verify import render, run_verification

PHASES = {
    1: "Snapshot for rollback",
    2: "Deploy main",
    3: "Install/upgrade modules",
    4: "Runtime verification",
    5: "Snapshot artifacts",
    6: "Commit artifacts",
    7: "Push",
}


# The code a phase's unexpected failure (an OSError such as a full disk, a git error) ends the run with.
PHASE_FAILURE_CODES = {1: exit_codes.BACKUP_FAILED, 2: exit_codes.REFUSED, 3: exit_codes.INSTALL_ABORTED, 4: exit_codes.INSTALL_ABORTED,
                       5: exit_codes.ARTIFACTS_FAILED, 6: exit_codes.PUBLISH_FAILED, 7: exit_codes.PUBLISH_FAILED}


def database_state(database: Database) -> dict | None:
    """Module versions and states, and the applied Django migrations: read before and after phase 3 so the
    report can say what changed (``None`` when the database cannot be read or was never installed)."""
    try:
        modules = {}
        if database.has_table("ir_module_module"):
            modules = {name: [version, state] for name, version, state in
                       database.query("SELECT name, latest_version, state FROM ir_module_module ORDER BY name")}
        migrations = []
        if database.has_table("django_migrations"):
            migrations = [list(row) for row in database.query("SELECT app, name FROM django_migrations ORDER BY id")]
    except DatabaseError as error:
        return {"error": str(error)}
    return {"modules": modules, "migrations": migrations}


class Stop(Exception):
    """Ends the run with ``code``; ``message`` says why and ``phase`` where (0 = pre-checks)."""

    def __init__(self, code: int, message: str, phase: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.phase = phase


@dataclass
class DeployOptions:
    dry_run: bool = False
    auto_rollback: bool = False
    artifacts: bool = True
    break_stale_lock: bool = False
    no_downtime: bool = False


class Deployer:
    def __init__(self, settings: DeploySettings, options: DeployOptions, narrator: Narrator):
        self.settings = settings
        self.options = options
        self.narrator = narrator
        self.repo = GitRepo(settings.repo_root)
        self.database = Database(settings.config.database_url)
        self.service = None
        self.stamp = backups.timestamp()
        self.install_log = settings.log_dir / f"workos_install_{self.stamp}.log"
        self.phases: list[PhaseResult] = []
        self.touched: set[str] = set()  # what this run changed: code, service, database
        self.rebase_own_commits = False  # phase 2 rebases an earlier run's unpushed artifact commits
        self.lock_file_changed = False
        self.logs: list[str] = []
        self.report: dict = {
            "command": "deploy",
            "environment": settings.environment,
            "repo_root": str(settings.repo_root),
            "branch": settings.branch,
            "base_url": settings.base_url,
            "dry_run": options.dry_run,
            "auto_rollback": options.auto_rollback,
            "previous_sha": None,
            "previous_branch": None,
            "target_sha": None,
            "new_sha": None,
            "commits": [],
            "backup": None,
            "modules": {"installed": [], "upgraded": []},
            "verification": None,
            "artifacts": [],
            "artifact_commit": None,
            "pushed": False,
        }

    # --- the run ----------------------------------------------------------------------------------------

    def run(self) -> dict:
        started = time.monotonic()
        self.report["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        record = self.record = history.new_record("deploy")
        lock = None
        failure: Stop | None = None
        try:
            self._check_configuration()
            if self.options.dry_run:
                try:
                    return self._finish(self._dry_run(), started, None, record=None)
                except (OSError, GitError, DatabaseError) as error:
                    raise Stop(exit_codes.REFUSED, f"{type(error).__name__}: {error}") from None
            lock = DeployLock(self.settings.lock_file, "workos deploy", self.options.break_stale_lock)
            try:
                lock.acquire()
            except LockHeld as held:
                raise Stop(exit_codes.LOCKED, str(held)) from None
            except OSError as error:
                raise Stop(exit_codes.USAGE, f"cannot create the deploy lock in [deploy] backup_dir: {error}") from None
            if lock.broken:
                self.narrator.warn(f"broke the stale lock of {lock.broken.describe()}")
                self.report["broken_lock"] = lock.broken.describe()
            try:
                removed = backups.remove_partial_dumps(self.settings.backup_dir, "workos_pre_deploy")
                if removed:
                    self.narrator.warn(f"removed {len(removed)} unfinished backup(s) of a killed run: {', '.join(p.name for p in removed)}")
                    self.report["removed_partial_backups"] = [str(p) for p in removed]
                self.report["previous_sha"] = self.repo.head_sha()
                self.report["previous_branch"] = self.repo.current_branch()
                history.append(self.settings.history_file, {**record, "started_at": self.report["started_at"], "from_sha": self.report["previous_sha"]})
                self._pre_checks()
            except (OSError, GitError, DatabaseError) as error:
                raise Stop(exit_codes.REFUSED, f"pre-checks failed, nothing changed: {type(error).__name__}: {error}") from None
            self._phase(1, self._snapshot_for_rollback)
            try:
                self._phase(2, self._deploy_main)
                self._phase(3, self._install_modules)
                self._phase(4, self._verify)
                failed = self.report["verification"]["failed_count"]
                if failed:
                    failure = Stop(min(failed, 9), f"{failed} verification(s) failed", phase=4)
                    for number in (5, 6, 7):
                        self._skip(number, "verification failed")
                else:
                    self._phase(5, self._snapshot_artifacts)
                    self._phase(6, self._commit_artifacts)
                    self._phase(7, self._push)
            except Stop as stop:
                failure = stop
            code = self._conclude(failure)
            return self._finish(code, started, failure, record)
        except Stop as stop:
            return self._finish(stop.code, started, stop, record if lock and lock.held else None)
        finally:
            if lock is not None:
                lock.release()

    def _phase(self, number: int, action) -> None:
        name = PHASES[number]
        # The history says how far a run got even when it is killed: a rollback reads it to know what to undo.
        history.append(self.settings.history_file, {"id": self.record["id"], "phase": number})
        self.narrator.phase_started(number, len(PHASES), name)
        if number == 3:
            self.report["database_before"] = database_state(self.database)
        began = time.monotonic()
        details: list[str] = []
        try:
            try:
                status = action(details) or "ok"
            except (OSError, GitError, DatabaseError) as error:
                raise Stop(PHASE_FAILURE_CODES[number], f"{type(error).__name__}: {error}", phase=number) from None
        except Stop as stop:
            stop.phase = stop.phase or number
            details.append(stop.message)
            result = PhaseResult(number, name, "refused" if stop.code == exit_codes.REFUSED else "failed", time.monotonic() - began, details)
            self.phases.append(result)
            if number == 3:
                self.report["database_after"] = database_state(self.database)
            self.narrator.phase_finished(result, len(PHASES))
            raise
        result = PhaseResult(number, name, status, time.monotonic() - began, details)
        self.phases.append(result)
        if number == 3:
            self.report["database_after"] = database_state(self.database)
        self.narrator.phase_finished(result, len(PHASES))

    def _skip(self, number: int, reason: str) -> None:
        result = PhaseResult(number, PHASES[number], "skipped", 0.0, [reason])
        self.phases.append(result)
        self.narrator.phase_finished(result, len(PHASES))

    # --- before anything changes --------------------------------------------------------------------------

    def _check_configuration(self) -> None:
        settings = self.settings
        self.narrator.heading(f"WorkOS deploy — environment {settings.environment}, {settings.repo_root} ({settings.remote}/{settings.branch})")
        if not self.repo.is_repository():
            raise Stop(exit_codes.USAGE, f"[deploy] repo_root {settings.repo_root} is not the root of a git checkout")
        if self.repo.remote_url(settings.remote) is None:
            raise Stop(exit_codes.USAGE, f"[deploy] remote {settings.remote!r} is not a remote of {settings.repo_root}")
        try:
            self.service = service_manager(settings)
            problems = self.service.problems()
        except ServiceError as error:
            problems = [str(error)]
        if problems:
            raise Stop(exit_codes.USAGE, "; ".join(problems))

    def _pre_checks(self) -> None:
        """Every refusal that needs no change: fetch, clean tree, fast-forward, modules, room."""
        settings, repo = self.settings, self.repo
        began = time.monotonic()
        self.narrator.line("Pre-checks ...")
        try:
            repo.fetch(settings.remote, settings.branch)
        except GitError as error:
            raise Stop(exit_codes.REFUSED, f"cannot fetch {settings.remote}/{settings.branch}: {error}") from None
        target = repo.rev_parse(f"refs/remotes/{settings.remote}/{settings.branch}")
        if target is None:
            raise Stop(exit_codes.REFUSED, f"{settings.remote} has no branch {settings.branch}")
        self.report["target_sha"] = target
        cleaned = clean_own_artifacts(repo, settings.history_file, settings.environment, self.record["id"], apply=not self.options.dry_run)
        if cleaned:
            self.narrator.warn(f"{'would put' if self.options.dry_run else 'put'} back what the previous deploy left in phase 5/6 "
                               f"(regenerated by this run): {', '.join(cleaned)}")
            self.report["cleaned_leftovers"] = cleaned
        dirty = [path for path in repo.dirty_paths() if path not in cleaned]
        if dirty:
            shown = ", ".join(dirty[:10]) + (f" and {len(dirty) - 10} more" if len(dirty) > 10 else "")
            raise Stop(exit_codes.REFUSED, f"the working tree of {settings.repo_root} is dirty ({shown}); commit, stash or remove these changes — a deploy never overwrites them")
        previous = self.report["previous_sha"]
        local = previous if self.report["previous_branch"] == settings.branch else repo.rev_parse(f"refs/heads/{settings.branch}")
        own = own_artifact_commits(repo, target, local, settings.environment) if local and not repo.is_ancestor(local, target) else None
        if own:
            # An earlier run committed its artifacts but never pushed them (killed, or the push was rejected).
            self.rebase_own_commits = not repo.is_ancestor(target, local)
            self.report["unpushed_artifact_commits"] = own
            self.narrator.warn(f"{len(own)} artifact commit(s) of an earlier deploy were never pushed: "
                               + ("rebased onto" if self.rebase_own_commits else "pushed with this run to") + f" {settings.remote}/{settings.branch}")
        elif local and not repo.is_ancestor(local, target):
            only_local = repo.commits_between(target, local)
            raise Stop(
                exit_codes.REFUSED,
                f"history diverged: local {settings.branch} has {len(only_local)} commit(s) that {settings.remote}/{settings.branch} "
                f"lacks ({'; '.join(only_local[:5])}), so `git pull --ff-only` is impossible; reconcile the branches by hand",
            )
        self.report["commits"] = repo.commits_between(previous, target) if repo.is_ancestor(previous, target) else repo.commits_between(local or previous, target)
        plan = plan_modules(settings, repo, target)
        if plan.problems:
            raise Stop(exit_codes.REFUSED, "; ".join(plan.problems))
        self.report["plan"] = plan.as_dict()
        self.report["migrations"] = plan.risk.as_dict()
        self._announce_downtime(plan.risk)
        try:
            free, needed = backups.check_room(settings.backup_dir, self.database)
        except backups.BackupError as error:
            raise Stop(exit_codes.BACKUP_FAILED, str(error)) from None
        self.report["backup_room"] = {"backup_dir": str(settings.backup_dir), "free": free, "needed": needed}
        self.narrator.note(
            f"{len(self.report['commits'])} new commit(s) on {settings.remote}/{settings.branch}; tree clean; fast-forward possible; "
            f"required modules present; backup room {backups.human_size(free)} free (>= {backups.human_size(needed)}) "
            f"({time.monotonic() - began:.2f}s)"
        )

    def _announce_downtime(self, risk) -> None:
        """Say before anything changes whether users will notice this deploy; refuse with --no-downtime."""
        settings = self.settings
        incompatible = risk.incompatible
        for verdict in incompatible:
            self.narrator.warn(f"migration {verdict.module}.{verdict.name} is not compatible with the running code: {'; '.join(verdict.reasons)}")
        if settings.switch != "nginx":
            self.report["downtime"] = "restart: the server is stopped during the module upgrade"
            if self.options.no_downtime:
                raise Stop(exit_codes.REFUSED, '--no-downtime needs [deploy] switch = "nginx" (switch = "restart" stops the server); nothing changed')
            return
        if incompatible:
            names = ", ".join(f"{v.module}.{v.name}" for v in incompatible)
            if self.options.no_downtime:
                raise Stop(exit_codes.REFUSED, f"--no-downtime: {len(incompatible)} migration(s) not compatible with the running code ({names}) "
                                               "would need a maintenance window; nothing changed")
            self.report["downtime"] = f"maintenance window: nginx answers 503 with Retry-After while {names} run"
            self.narrator.warn(f"this deploy takes a MAINTENANCE WINDOW: nginx answers 503 (maintenance page, Retry-After) "
                               f"from the module upgrade until the new server is healthy, because of {names}")
        else:
            self.report["downtime"] = "none: blue/green switch behind nginx" if not settings.hosts else "none: host-by-host roll behind nginx"

    def _dry_run(self) -> int:
        """The plan, with nothing changed (``git fetch`` only updates the remote-tracking branch)."""
        self.report["previous_sha"] = self.repo.head_sha()
        self.report["previous_branch"] = self.repo.current_branch()
        self.report["lock"] = lock_status(self.settings.lock_file)
        self.report["backup_path"] = str(backups.backup_path(self.settings.backup_dir, "workos_pre_deploy", self.stamp))
        self.report["service"] = self.service.status().as_dict()
        self._pre_checks()
        plan = self.report["plan"]
        narrator = self.narrator
        narrator.line(f"Dry run — nothing will change.")
        narrator.line(f"Commits to pull ({len(self.report['commits'])}):")
        for commit in self.report["commits"] or ["(none: already up to date)"]:
            narrator.note(commit)
        narrator.line(f"Modules to install: {', '.join(plan['to_install']) or 'none'}")
        narrator.line(f"Modules to upgrade: {', '.join(plan['to_upgrade']) or 'none'}")
        narrator.line(f"Backup would be written to: {self.report['backup_path']}")
        narrator.line(f"Service ({self.settings.service}): {self.report['service']['detail']}")
        narrator.line(f"Deploy lock: {self.report['lock']}")
        return exit_codes.OK

    # --- phase 1 ----------------------------------------------------------------------------------------

    def _snapshot_for_rollback(self, details: list[str]) -> str:
        settings = self.settings
        path = backups.backup_path(settings.backup_dir, "workos_pre_deploy", self.stamp)
        tools = backups.PostgresTools(self.database, self.service.database_wrapper())
        try:
            if self.database.kind == "sqlite" and not self.database.sqlite_path.exists():
                details.append(f"{self.database.sqlite_path} does not exist yet: the backup is an empty database")
            backup = backups.create_backup(self.database, path, tools)
        except (backups.BackupError, DatabaseError, OSError) as error:
            raise Stop(exit_codes.BACKUP_FAILED, f"backup failed, nothing changed: {error}") from None
        self.report["backup"] = backup.as_dict()
        values = {
            "PREVIOUS_SHA": self.report["previous_sha"],
            "PREVIOUS_BRANCH": self.report["previous_branch"],
            "BACKUP_FILE": str(backup.path),
            "BACKUP_MD5": backup.md5,
            "BACKUP_SHA256": backup.sha256,
            "DATABASE": self.database.display(),
            "DATABASE_KIND": self.database.kind,
            "TIMESTAMP": self.stamp,
            "ENVIRONMENT": settings.environment,
            "CONFIG_FILE": str(settings.config_file or ""),
            "DEPLOY_ID": self.record["id"],
        }
        write_snapshot_file(settings.snapshot_file, values)
        history.append(settings.history_file, {"id": self.record["id"], "backup": str(backup.path), "backup_md5": backup.md5})
        self._keep_snapshot_file_untracked()
        details.append(f"{self.report['previous_branch']} at {self.report['previous_sha'][:12]}")
        details.append(f"backup {backup.path} ({backups.human_size(backup.size)}, md5 {backup.md5}) verified in {backup.seconds:.2f}s")
        details.append(f"rollback point {settings.snapshot_file}")
        return "ok"

    def _keep_snapshot_file_untracked(self) -> None:
        # .gitignore lists it; a checkout of an older revision might not, so the clone's own exclude file does too.
        if self.repo.run("check-ignore", "-q", ".deploy_snapshot", check=False).returncode == 0:
            return
        exclude = Path(self.repo.run("rev-parse", "--git-path", "info/exclude").stdout.strip())
        exclude = exclude if exclude.is_absolute() else self.settings.repo_root / exclude
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with open(exclude, "a") as stream:
            stream.write("\n/.deploy_snapshot\n")

    # --- phase 2 ----------------------------------------------------------------------------------------

    def _deploy_main(self, details: list[str]) -> str:
        settings, repo = self.settings, self.repo
        previous, previous_branch = self.report["previous_sha"], self.report["previous_branch"]
        try:
            if previous_branch != settings.branch:
                repo.checkout_branch(settings.branch, settings.remote)
                details.append(f"switched from {previous_branch} to {settings.branch}")
            if self.rebase_own_commits:
                repo.rebase(self.report["target_sha"])
                details.append("rebased the unpushed artifact commit(s) of an earlier deploy")
            else:
                repo.pull_fast_forward(settings.remote, settings.branch)
        except GitError as error:
            self._return_code_to_previous()
            raise Stop(exit_codes.REFUSED, f"{error}; the checkout is back at {previous[:12]}") from None
        new = repo.head_sha()
        if new != self.report["target_sha"] and not self.report.get("unpushed_artifact_commits"):
            # The branch moved between the pre-check's fetch and the pull: check the modules of what was pulled.
            plan = plan_modules(settings, repo, new)
            if plan.problems:
                self._return_code_to_previous()
                raise Stop(exit_codes.REFUSED, "; ".join(plan.problems) + f"; the checkout is back at {previous[:12]}")
            self.report["commits"] = repo.commits_between(previous, new)
        self.report["new_sha"] = new
        if new != previous:
            self.touched.add("code")
        details.append(f"{previous[:12]} -> {new[:12]} ({len(self.report['commits'])} commit(s))")
        return "ok"

    def _return_code_to_previous(self) -> None:
        try:
            if self.repo.head_sha() != self.report["previous_sha"] or self.repo.current_branch() != self.report["previous_branch"]:
                self.repo.return_to(self.report["previous_sha"], self.report["previous_branch"])
        except GitError as error:
            self.touched.add("code")
            self.narrator.error(f"could not put the checkout back: {error}")

    # --- phase 3 ----------------------------------------------------------------------------------------

    def _install_modules(self, details: list[str]) -> str:
        if isinstance(self.service, Fleet):
            return self._install_modules_behind_nginx(details)
        settings = self.settings
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        self.logs.append(str(self.install_log))
        details.append(f"log {self.install_log}")
        previous, new = self.report["previous_sha"], self.report["new_sha"]
        try:
            if lock_changed(self.repo, previous, new):
                self.lock_file_changed = True
                install_locked(settings.repo_root, self.install_log)
                details.append("requirements.lock changed: locked dependencies installed")
            self.touched.add("service")
            self.service.stop()
            details.append(f"service stopped ({self.service.status().detail})")
            for command in self.service.prepare():
                details.append(f"ran {command}")
        except (DependencyError, ServiceError) as error:
            raise Stop(exit_codes.INSTALL_ABORTED, str(error)) from None
        self.touched.add("database")
        installed = self._module_command(["module", "install", *settings.required_modules, "--json"])
        self.report["modules"]["installed"] = installed.get("installed", [])
        upgraded = self._module_command(["module", "upgrade", "--changed", "--json"])
        self.report["modules"]["installed"] += upgraded.get("installed", [])
        self.report["modules"]["upgraded"] = upgraded.get("upgraded", [])
        details.append(f"installed: {', '.join(self.report['modules']['installed']) or 'none'}")
        details.append(f"upgraded: {', '.join(self.report['modules']['upgraded']) or 'none'}")
        set_aside = serverlog.set_aside(settings.config.log_file, self.stamp)
        if set_aside:
            self.logs.append(str(set_aside))
            details.append(f"previous server log kept as {set_aside}")
        try:
            self.service.start()
        except ServiceError as error:
            self.report["health"] = {"healthy": False, "detail": str(error)}
            details.append(f"service did not start: {error}")
            return "unhealthy"
        health = wait_for_health(settings.base_url, settings.startup_timeout, self.service)
        self.report["health"] = health.as_dict()
        if not health.healthy:
            details.append(f"service not healthy: {health.detail}")
            return "unhealthy"
        details.append(f"service healthy after {health.seconds:.2f}s ({self.service.status().detail})")
        return "ok"

    def _install_modules_behind_nginx(self, details: list[str]) -> str:
        """Phase 3 with ``switch = "nginx"``: migrations compatible with the old code run while it serves, then
        the new code replaces it behind nginx; otherwise a maintenance window (the 503 page) covers the upgrade."""
        settings, fleet = self.settings, self.service
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        self.logs.append(str(self.install_log))
        details.append(f"log {self.install_log}")
        maintenance = not self.report["migrations"]["compatible"]
        probe = SwitchProbe(settings.base_url + "/web/login")
        with probe:
            try:
                if lock_changed(self.repo, self.report["previous_sha"], self.report["new_sha"]):
                    self.lock_file_changed = True
                    install_locked(settings.repo_root, self.install_log)
                    details.append("requirements.lock changed: locked dependencies installed")
                if maintenance:
                    self.touched.add("service")
                    fleet.maintenance(True)
                    details.append("maintenance page on (nginx answers 503 with Retry-After)")
                    fleet.stop()
                    details.append("servers stopped for the incompatible migrations")
            except (DependencyError, ServiceError) as error:
                raise Stop(exit_codes.INSTALL_ABORTED, str(error)) from None
            self.touched.add("database")
            installed = self._module_command(["module", "install", *settings.required_modules, "--json"])
            self.report["modules"]["installed"] = installed.get("installed", [])
            upgraded = self._module_command(["module", "upgrade", "--changed", "--json"])
            self.report["modules"]["installed"] += upgraded.get("installed", [])
            self.report["modules"]["upgraded"] = upgraded.get("upgraded", [])
            details.append(f"installed: {', '.join(self.report['modules']['installed']) or 'none'}")
            details.append(f"upgraded: {', '.join(self.report['modules']['upgraded']) or 'none'}")
            set_aside = serverlog.set_aside(settings.config.log_file, self.stamp)
            if set_aside:
                self.logs.append(str(set_aside))
                details.append(f"previous server log kept as {set_aside}")
            self.touched.add("service")
            # CLOCK_MONOTONIC is the machine's: a benchmark in another process can place its samples in this window.
            window = [time.monotonic()]
            try:
                if maintenance:
                    replacement = fleet.restart_in_maintenance(settings.startup_timeout)
                else:
                    replacement = fleet.replace(settings.startup_timeout, details.append)
                window.append(time.monotonic())
            except ServiceError as error:
                self.report["health"] = {"healthy": False, "detail": str(error)}
                details.append(f"switch failed: {error}")
                return "unhealthy"
        replacement.probe = probe.summary()
        replacement.window = window
        self.report["switch"] = replacement.as_dict()
        details.extend(replacement.steps)
        seen = replacement.probe
        details.append(f"seen through nginx during the switch: {seen['requests']} request(s), {seen['failed']} failed, "
                       f"{seen['maintenance_503']} maintenance 503, longest unavailable {seen['longest_unavailable_seconds']:.2f}s")
        self.report["health"] = replacement.health.as_dict() if replacement.health else {"healthy": False, "detail": "no server started"}
        return "ok" if replacement.ok else "unhealthy"

    def _module_command(self, args: list[str]) -> dict:
        """A ``workos module`` run of the new code; its JSON report, or Stop naming the failure and the log."""
        command = self.service.module_command(*args)
        began = time.monotonic()
        with open(self.install_log, "a") as log:
            log.write(f"\n$ {' '.join(command)}\n")
            log.flush()
            try:
                result = subprocess.run(command, cwd=self.settings.repo_root, env=self.settings.code_environment(),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True,
                                        preexec_fn=die_with_parent)
            except OSError as error:
                raise Stop(exit_codes.INSTALL_ABORTED, f"cannot run {command[0]}: {error.strerror}") from None
            log.write(result.stdout)
            log.write(f"\n# exit code {result.returncode} after {time.monotonic() - began:.2f}s\n")
        try:
            report = json.loads(result.stdout) if result.stdout.strip() else {}
        except ValueError:
            report = {}
        if result.returncode != 0:
            reason = report.get("error") or self._last_log_line()
            raise Stop(exit_codes.INSTALL_ABORTED, f"`workos {' '.join(args[:2])}` failed: {reason} (log {self.install_log})")
        return report

    def _last_log_line(self) -> str:
        try:
            lines = [line for line in self.install_log.read_text(errors="replace").splitlines() if line.strip()]
            return lines[-2] if len(lines) > 1 else "no output"
        except OSError:
            return "no output"

    # --- phase 4 ----------------------------------------------------------------------------------------

    def _verify(self, details: list[str]) -> str:
        verification = run_verification(self.settings)
        self.report["verification"] = verification.as_dict()
        render(verification, self.narrator.console)
        for check in verification.failed:
            details.append(f"FAILED {check.description}: {check.value} (expected {check.expected}) {check.detail}")
        return "ok" if not verification.failed_count else "failed"

    # --- phases 5 to 7 -----------------------------------------------------------------------------------

    def _snapshot_artifacts(self, details: list[str]) -> str:
        settings = self.settings
        if not self.options.artifacts:
            details.append("skipped: --no-artifacts")
            return "skipped"
        probe = subprocess.run(settings.workos_command("snapshot", "--help"), cwd=settings.repo_root,
                               env=settings.code_environment(), capture_output=True, text=True, timeout=120,
                               preexec_fn=die_with_parent)
        if probe.returncode != 0:
            details.append("skipped: workos snapshot not available in the deployed code")
            return "skipped"
        log_path = settings.log_dir / f"workos_snapshot_{self.stamp}.log"
        self.logs.append(str(log_path))
        command = settings.workos_command("snapshot", "--env", settings.environment, "--out", str(settings.repo_root / "docs"),
                                          "--base-url", settings.base_url, "--json")
        with open(log_path, "a") as log:
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            result = subprocess.run(command, cwd=settings.repo_root, env=settings.code_environment(), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=die_with_parent)
            log.write(result.stdout)
        if result.returncode != 0:
            lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
            reason = next((line for line in reversed(lines) if "error" in line.lower()), lines[-1] if lines else "no output")
            raise Stop(exit_codes.ARTIFACTS_FAILED, f"workos snapshot failed (exit {result.returncode}): {reason} (log {log_path})")
        artifacts = [{"path": path, "size": (settings.repo_root / path).stat().st_size} for path in artifact_paths(settings.repo_root, settings.environment)]
        self.report["artifacts"] = artifacts
        details.append(f"{len(artifacts)} artifact(s), {backups.human_size(sum(a['size'] for a in artifacts))} (log {log_path})")
        return "ok"

    def _commit_artifacts(self, details: list[str]) -> str:
        if not self.report["artifacts"]:
            details.append("nothing to commit (no artifacts were written)")
            return "skipped"
        try:
            sha = self.repo.commit([a["path"] for a in self.report["artifacts"]], ARTIFACT_COMMIT_MESSAGE)
        except GitError as error:
            raise Stop(exit_codes.PUBLISH_FAILED, f"committing the artifacts failed: {error}") from None
        self.report["artifact_commit"] = sha
        details.append(f"committed {sha[:12]}: {ARTIFACT_COMMIT_MESSAGE}" if sha else "nothing to commit (artifacts unchanged)")
        if sha:
            self.report["new_sha"] = sha
        return "ok"

    def _push(self, details: list[str]) -> str:
        settings = self.settings
        local = self.repo.rev_parse(f"refs/heads/{settings.branch}")
        remote = self.repo.rev_parse(f"refs/remotes/{settings.remote}/{settings.branch}")
        if local == remote:
            details.append("nothing to push")
            return "skipped"
        try:
            self.repo.push(settings.remote, settings.branch)
        except GitError as error:
            raise Stop(exit_codes.PUBLISH_FAILED, f"push to {settings.remote}/{settings.branch} was rejected or failed: {error}") from None
        self.report["pushed"] = True
        details.append(f"pushed {local[:12]} to {settings.remote}/{settings.branch}")
        return "ok"

    # --- the end ----------------------------------------------------------------------------------------

    def _conclude(self, failure: Stop | None) -> int:
        if failure is None:
            return exit_codes.OK
        if not self.options.auto_rollback:
            return failure.code
        if not self.touched:
            self.report["auto_rollback"] = {"ok": True, "steps": [], "note": "nothing had changed: nothing to undo"}
            return failure.code
        return self._auto_rollback(failure)

    def _auto_rollback(self, failure: Stop) -> int:
        narrator = self.narrator
        narrator.line("")
        narrator.heading(f"Automatic rollback (phase {failure.phase} failed: {failure.message})")
        point = RollbackPoint(self.report["previous_sha"], self.report["previous_branch"],
                              Path(self.report["backup"]["path"]), self.report["backup"]["md5"], self.report["backup"]["sha256"],
                              "this deploy's phase 1")
        restore_database = "database" in self.touched
        try:
            check_rollback_point(self.settings, self.repo, point, restore_database, check_tree=False)
        except RollbackRefused as refused:
            self.report["auto_rollback"] = {"ok": False, "error": str(refused), "steps": []}
            narrator.error(f"automatic rollback refused: {refused}")
            return exit_codes.ROLLBACK_FAILED
        outcome = execute_rollback(self.settings, self.repo, self.service, point, restore_database,
                                   backups.timestamp(), narrator, self.install_log)
        if outcome.set_aside_log:
            self.logs.append(str(outcome.set_aside_log))
        self.report["auto_rollback"] = outcome.as_dict()
        if outcome.ok:
            self.touched.clear()
            self.report["new_sha"] = self.repo.head_sha()
            return exit_codes.ROLLED_BACK
        return exit_codes.ROLLBACK_FAILED

    def _state(self, code: int, failure: Stop | None) -> dict:
        """What the code, the database and the service are now, in words."""
        if self.options.dry_run:
            return {"code": "unchanged", "database": "unchanged", "service": "unchanged"}
        if code == exit_codes.OK:
            return {"code": f"at {self.report['new_sha']}", "database": "upgraded", "service": "running, verified"}
        if code in (exit_codes.REFUSED, exit_codes.LOCKED, exit_codes.BACKUP_FAILED, exit_codes.USAGE) and not self.touched:
            return {"code": f"unchanged at {self.report['previous_sha'] or 'HEAD'}", "database": "unchanged", "service": "unchanged"}
        if code == exit_codes.ROLLED_BACK:
            return {"code": f"back at {self.report['previous_sha']}",
                    "database": "restored from the phase 1 backup" if self.report["auto_rollback"]["steps"] and any(s["step"] == "restore database" for s in self.report["auto_rollback"]["steps"]) else "unchanged",
                    "service": "running the previous code, verified"}
        if code == exit_codes.ROLLBACK_FAILED:
            rollback = self.report.get("auto_rollback") or {}
            return {"code": f"at {self.repo.head_sha()}", "database": "uncertain: check it",
                    "service": f"uncertain: the rollback stopped at '{rollback.get('failed_step') or 'its checks'}'"}
        if code == exit_codes.INSTALL_ABORTED:
            database = "unchanged" if "database" not in self.touched else (
                "the failed module run was rolled back (all-or-nothing)"
                + (f"; an earlier run committed: installed {', '.join(self.report['modules']['installed'])}" if self.report["modules"]["installed"] else ""))
            return {"code": f"at the new SHA {self.report['new_sha']}", "database": database, "service": "stopped"}
        service = self.service.status().detail if self.service else "unknown"
        return {"code": f"at {self.report['new_sha']}", "database": "upgraded" if "database" in self.touched else "unchanged",
                "service": service}

    def _write_report(self, report: dict) -> str | None:
        """The Markdown deployment report (or the dry run's risk assessment); never fails the deploy."""
        from .report import write_deploy_report

        report["run_id"] = self.record["id"]
        try:
            path = write_deploy_report(self.settings, report, self.stamp)
        except Exception as error:  # noqa: BLE001 - the deploy's outcome stands; say why there is no report
            self.narrator.error(f"could not write the deployment report in {self.settings.report_dir}: {type(error).__name__}: {error}")
            return None
        self.narrator.note(f"report     {path}")
        return str(path)

    def _finish(self, code: int, started: float, failure: Stop | None, record: dict | None) -> dict:
        report = self.report
        report["exit_code"] = code
        report["outcome"] = exit_codes.describe(code)
        report["seconds"] = round(time.monotonic() - started, 3)
        report["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        report["phases"] = [phase.as_dict() for phase in self.phases]
        report["failure"] = {"phase": failure.phase, "message": failure.message} if failure else None
        report["state"] = self._state(code, failure)
        report["logs"] = self.logs
        if report.get("backup"):
            report["rollback_command"] = self.settings.cli("rollback", "--restore-db")
        report["report_file"] = self._write_report(report)
        if record is None and self.options.dry_run:
            # A dry run takes no lock and changes nothing; its risk assessment is still listed in the history.
            history.append(self.settings.history_file, {
                **history.new_record("dry-run"), "started_at": report["started_at"], "finished_at": report["finished_at"],
                "from_sha": report["previous_sha"], "to_sha": report["target_sha"],
                "result": "would deploy" if code == 0 else "would be refused", "exit_code": code,
                "failure": report["failure"], "seconds": report["seconds"], "report": report["report_file"],
            })
        if record is not None:
            history.append(self.settings.history_file, {
                "report": report["report_file"],
                **record,
                "started_at": report["started_at"],
                "finished_at": report["finished_at"],
                "from_sha": report["previous_sha"],
                "to_sha": report["new_sha"] or report["previous_sha"],
                "backup": (report.get("backup") or {}).get("path"),
                "backup_md5": (report.get("backup") or {}).get("md5"),
                "result": "success" if code == 0 else ("rolled back" if code == exit_codes.ROLLED_BACK else "failed" if code not in (exit_codes.REFUSED, exit_codes.LOCKED) else "refused"),
                "exit_code": code,
                "failure": report["failure"],
                "phases": {phase.name: round(phase.seconds, 3) for phase in self.phases},
                "seconds": report["seconds"],
            })
        return report
