"""``workos verify``: the runtime checks of deploy phase 4, on their own. Exit code = failed checks."""

from __future__ import annotations

import sys

import click

from .deploy import OperationsCommand, deploy_settings, emit_json


@click.command(cls=OperationsCommand, short_help="Verify the running deployment; exit code = failed checks.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.pass_context
def verify(ctx, as_json):
    """Verify the running deployment: /web/login answers 200 or 303; fewer than max_log_errors critical lines
    (ERROR, CRITICAL, Traceback) in the last log_tail lines of [server] log_file; at least min_installed
    ipai_% modules and the umbrella installed; ipai.workos.% models registered; no module stuck mid-run.

    \b
    Exit codes: 0 every check passed; 1-9 that many checks failed; 18 wrong usage or configuration.
    """
    from workos.ops.verify import render, run_verification

    settings = deploy_settings(ctx)
    verification = run_verification(settings)
    if as_json:
        emit_json(verification.as_dict())
    else:
        from rich.console import Console

        render(verification, Console(width=160))
    sys.exit(min(verification.failed_count, 9))
