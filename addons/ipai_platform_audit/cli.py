"""``workos audit verify|archive``: check the audit trail's hash chain; move old events to archive files.

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the services are imported inside the commands, once Django is set up.
"""

from __future__ import annotations

import json

import click

from workos.cli import EXIT_FAILED, fail, pass_context


@click.group()
def audit():
    """Verify and archive the audit trail (module ipai_platform_audit)."""


def _audit_services(context):
    context.django("installed")
    from . import services

    return services


@audit.command("verify")
@click.option("--archives", is_flag=True, help="Also read every archive file and check its hashes.")
@click.option("--expect-head", metavar="HASH", help="Fail unless the chain ends at this hash (one you recorded earlier).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def verify(context, archives, expect_head, as_json):
    """Walk the hash chain of audit events and report the first broken link.

    Exit codes: 0 the chain is intact, 1 a row was altered or removed (the first broken link is named), 2 usage.
    Removing the newest events leaves an intact but shorter chain: record the printed head and pass it back
    with --expect-head to detect that too.
    """
    services = _audit_services(context)
    report = services.verify_chain(check_archive_files=archives, expect_head=expect_head)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif report.ok:
        archived = f", {report.archives} archives" if report.archives else ""
        click.echo(f"audit chain intact: {report.events} events{archived}; head {report.head or '(empty)'}")
    else:
        click.secho(f"audit chain BROKEN at event {report.broken_id}: {report.reason}", fg="red", err=True)
        for problem in report.problems[1:10]:
            click.echo(f"  also: {problem}", err=True)
    if not report.ok:
        raise SystemExit(EXIT_FAILED)


@audit.command("archive")
@click.option("--older-than", "days", type=click.IntRange(min=0), help="Days to keep (default: the retention setting).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def archive(context, days, as_json):
    """Move events older than the retention period to a compressed file in <data_dir>/audit-archive.

    The chain stays verifiable: the database keeps the link to the last archived event. With the retention
    setting at 0 (keep forever) and no --older-than, nothing is archived. Exit codes: 0 done, 1 failed.
    """
    services = _audit_services(context)
    from workos.kernel.errors import ServiceError

    try:
        result = services.archive_events(None, days)
    except ServiceError as error:
        fail(error.message, EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    elif result.archived:
        click.echo(f"archived {result.archived} events (#{result.first_event_id}..#{result.last_event_id}) to {result.file}")
    else:
        click.echo("nothing to archive")


commands = [audit]
