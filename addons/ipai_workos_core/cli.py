"""``workos pages purge-trash``: delete for good the pages that have been in the trash past the retention period.

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the services are imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json

import click

from workos.cli import EXIT_FAILED, fail, pass_context


@click.group()
def pages():
    """Pages of the page tree (module ipai_workos_core)."""


@pages.command("purge-trash")
@click.option("--days", type=click.IntRange(min=0), help="Keep pages trashed fewer days than this (default: the trash retention "
              "setting, 30 unless an administrator changed it; 0 empties the whole trash).")
@click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def purge_trash(context, days, dry_run, as_json):
    """Delete for good the pages that have been in the trash longer than the retention period, with their
    sub-pages and everything they hold. Run it daily (cron, a systemd timer). With the retention setting at 0
    and no --days, nothing is deleted. Each trashed tree goes in its own transaction and audit event.

    Exit codes: 0 done (also when there was nothing to delete), 1 failed, 2 usage.
    """
    context.django("installed")
    from workos.kernel.errors import ServiceError

    from . import services

    try:
        result = services.purge_trash(None, days, dry_run=dry_run)
    except ServiceError as error:
        fail(error.message, EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    verb = "would delete" if dry_run else "deleted"
    if result["trees"]:
        click.echo(f"{verb} {result['pages']} pages ({result['trees']} trashed trees) trashed before {result['cutoff']}")
    elif days is None and result["days"] == 0:
        click.echo("trash retention is 0 (keep until deleted by hand): nothing deleted")
    else:
        click.echo(f"nothing in the trash since before {result['cutoff']}")


commands = [pages]
