"""``workos backup`` and ``workos restore FILE`` outside a deploy, with the same checks as the deploy's.

A restore is refused before anything changes when the file is missing, does not match its ``.md5``/``.sha256``
files, or is unreadable. It holds the deploy lock (a deploy must not run under it), stops the service,
restores, and starts the service again if it was running.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import backup as backups
from . import exit_codes, history
from .database import Database, DatabaseError
from .lock import DeployLock, LockHeld
from .narration import Narrator
from .services import ServiceError, service_manager, wait_for_health
from .settings import DeploySettings


def run_backup(settings: DeploySettings, narrator: Narrator) -> dict:
    started = time.monotonic()
    database = Database(settings.config.database_url)
    report: dict = {"command": "backup", "database": database.display()}
    try:
        free, needed = backups.check_room(settings.backup_dir, database)
        service = service_manager(settings)
        path = backups.backup_path(settings.backup_dir, "workos_backup", backups.timestamp())
        backup = backups.create_backup(database, path, backups.PostgresTools(database, service.database_wrapper()))
    except (backups.BackupError, DatabaseError, ServiceError, OSError) as error:
        report.update(exit_code=exit_codes.BACKUP_FAILED, outcome=f"backup failed: {error}", seconds=round(time.monotonic() - started, 3))
        return report
    report.update(exit_code=exit_codes.OK, outcome="backup written and verified", backup=backup.as_dict(),
                  room={"free": free, "needed": needed}, seconds=round(time.monotonic() - started, 3))
    narrator.line(f"backup {backup.path}")
    narrator.note(f"size {backups.human_size(backup.size)}, md5 {backup.md5}, sha256 {backup.sha256}")
    narrator.note(f"verified ({'pg_restore --list' if backup.kind == 'postgresql' else 'integrity_check'}) in {backup.seconds:.2f}s")
    return report


def run_restore(settings: DeploySettings, file: Path, start_after: bool, break_stale_lock: bool, narrator: Narrator) -> dict:
    started = time.monotonic()
    database = Database(settings.config.database_url)
    report: dict = {"command": "restore", "file": str(file), "database": database.display()}

    def finish(code: int, message: str) -> dict:
        report.update(exit_code=code, outcome=message, seconds=round(time.monotonic() - started, 3))
        return report

    try:
        service = service_manager(settings)
        tools = backups.PostgresTools(database, service.database_wrapper())
        md5, sha256 = backups.check_checksums(file)
        backups.verify_backup(database, file, tools)
    except (backups.BackupError, ServiceError) as error:
        return finish(exit_codes.REFUSED, f"refused, nothing changed: {error}")
    report.update(md5=md5, sha256=sha256)
    lock = DeployLock(settings.lock_file, "workos restore", break_stale_lock)
    try:
        lock.acquire()
    except LockHeld as held:
        return finish(exit_codes.LOCKED, str(held))
    record = history.new_record("restore")
    try:
        was_running = service.status().running
        report["service_was_running"] = was_running
        try:
            service.stop()
            seconds = backups.restore_backup(database, file, tools)
        except (backups.BackupError, ServiceError, DatabaseError) as error:
            history.append(settings.history_file, {**record, "backup": str(file), "result": "failed", "exit_code": exit_codes.BACKUP_FAILED})
            return finish(exit_codes.BACKUP_FAILED, f"restore failed: {error}; the service is stopped")
        narrator.line(f"restored {file} into {database.display()} in {seconds:.2f}s")
        report["restore_seconds"] = round(seconds, 3)
        if was_running and start_after:
            try:
                service.start()
            except ServiceError as error:
                return finish(exit_codes.BACKUP_FAILED, f"restored, but the service did not start: {error}")
            health = wait_for_health(settings.base_url, settings.startup_timeout, service)
            report["health"] = health.as_dict()
            narrator.note(f"service {'healthy' if health.healthy else 'NOT healthy: ' + health.detail}")
            if not health.healthy:
                history.append(settings.history_file, {**record, "backup": str(file), "result": "failed", "exit_code": exit_codes.BACKUP_FAILED})
                return finish(exit_codes.BACKUP_FAILED, f"restored, but the service is not healthy: {health.detail}")
        history.append(settings.history_file, {**record, "backup": str(file), "backup_md5": md5, "result": "success", "exit_code": 0,
                                               "seconds": round(time.monotonic() - started, 3)})
        return finish(exit_codes.OK, "restored")
    finally:
        lock.release()
