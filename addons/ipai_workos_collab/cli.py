"""``workos collab send-emails``: e-mail pending notices (module ipai_workos_collab).

Found by the ``workos`` command while this module is installed (see ``commands`` at the end). Importable
before Django starts: the services are imported inside the command, once Django is set up.
"""

from __future__ import annotations

import json

import click

from workos.cli import EXIT_FAILED, pass_context


@click.group("collab")
def collab():
    """Comments, mentions and the notifications inbox (module ipai_workos_collab)."""


@collab.command("send-emails")
@click.option("--digest", is_flag=True, help="Also send the daily digests (run it once a day, e.g. from cron or a systemd timer).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def send_emails(context, digest, as_json):
    """Send the e-mails of pending notices: those of people who want them immediately and whose earlier send
    failed (each notice is tried at most 5 times), and with --digest one digest per daily-digest reader.
    Notices of people without an address or who want no e-mail are marked skipped.

    Run it every few minutes to retry failures. Exit codes: 0 all sent, 1 some sends failed (logged; they
    stay pending for the next run), 2 usage.
    """
    context.django("installed")
    from .services import send_pending

    counts = send_pending(digest=digest)
    if as_json:
        click.echo(json.dumps(counts, indent=2))
    else:
        click.echo(f"sent {counts['sent']} notices in {counts['messages']} messages; skipped {counts['skipped']}; failed {counts['failed']}")
    if counts["failed"]:
        raise SystemExit(EXIT_FAILED)


commands = [collab]
