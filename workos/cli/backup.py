"""``workos backup`` and ``workos restore FILE``: the deploy's verified, checksummed backups on demand."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .deploy import OperationsCommand, deploy_settings, emit_json


@click.command(cls=OperationsCommand, short_help="Back up the database (verified, with md5/sha256).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
def backup(ctx, as_json):
    """Back up the database to <backup_dir>/workos_backup_YYYYMMDD_HHMMSS.dump with .md5 and .sha256 files,
    proven readable (pg_restore --list, or SQLite integrity_check). Refused when the disk lacks room.

    \b
    Exit codes: 0 written and verified; 13 no room, or the dump or its check failed (no file left); 18 usage.
    """
    from workos.ops.narration import Narrator
    from workos.ops.restore import run_backup

    settings = deploy_settings(ctx)
    narrator = Narrator(to_stderr=as_json)
    report = run_backup(settings, narrator)
    if as_json:
        emit_json(report)
    elif report["exit_code"]:
        narrator.error(report["outcome"])
    sys.exit(report["exit_code"])


@click.command(cls=OperationsCommand, short_help="Restore the database from a checked backup.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--no-start", is_flag=True, help="Leave the service stopped after the restore.")
@click.option("--break-stale-lock", is_flag=True, help="Take over a lock whose process is dead.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
def restore(ctx, file, no_start, break_stale_lock, as_json):
    """Restore the database from FILE (a `workos backup` or pre-deploy dump) after checking it against its
    .md5 and .sha256 files: stop the service, restore (pg_restore --clean --if-exists --no-owner in one
    transaction, or the SQLite backup API), start the service again if it was running.

    \b
    Exit codes: 0 restored; 10 refused, nothing changed (missing, altered or unreadable file); 12 lock held;
    13 the restore failed (service left stopped); 18 usage.
    """
    from workos.ops.narration import Narrator
    from workos.ops.restore import run_restore

    settings = deploy_settings(ctx)
    narrator = Narrator(to_stderr=as_json)
    report = run_restore(settings, file.resolve(), not no_start, break_stale_lock, narrator)
    if as_json:
        emit_json(report)
    elif report["exit_code"]:
        narrator.error(report["outcome"])
    sys.exit(report["exit_code"])
