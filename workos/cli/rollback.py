"""``workos rollback``: back to the rollback point the last deploy recorded in ``.deploy_snapshot``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .deploy import OperationsCommand, deploy_settings, emit_json


@click.command(cls=OperationsCommand, short_help="Return to the previous deployment (.deploy_snapshot).")
@click.option("--snapshot", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Rollback point to use (default: <repo_root>/.deploy_snapshot).")
@click.option("--restore-db", is_flag=True, help="Also restore the database from the rollback point's backup.")
@click.option("--break-stale-lock", is_flag=True, help="Take over a lock whose process is dead (e.g. a killed deploy).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout (progress goes to stderr).")
@click.pass_context
def rollback(ctx, snapshot_file, restore_db, break_stale_lock, as_json):
    """Return to the previous deployment: prove from the deploy history that the rollback point belongs to
    the last deploy (a deploy killed in phase 1 changed nothing: "nothing to roll back"; one stopped before
    phase 3 never touched the database, which is then kept), check the backup's md5 and sha256 before touching
    anything, stop the service, check out PREVIOUS_SHA, restore the database when asked (in one transaction,
    or the SQLite backup), start, wait for health, verify.

    \b
    Exit codes: 0 rolled back (or nothing to roll back) and verified; 1-9 that many checks failed; 10 refused,
    nothing changed (a rollback point of another run, missing or altered backup, unknown SHA, dirty tree);
    12 lock held or stale; 15 a step failed half-way, a server that is not healthy included (the report names
    the step); 18 wrong usage or configuration.
    """
    from workos.ops.narration import Narrator
    from workos.ops.rollback import run_rollback

    settings = deploy_settings(ctx)
    narrator = Narrator(to_stderr=as_json)
    report = run_rollback(settings, snapshot_file, restore_db, break_stale_lock, narrator)
    if as_json:
        emit_json(report)
    narrator.line("")
    line = f"Rollback: exit {report['exit_code']}: {report['outcome']} ({report['seconds']:.1f}s)"
    narrator.heading(line) if report["exit_code"] == 0 else narrator.error(line)
    sys.exit(report["exit_code"])
