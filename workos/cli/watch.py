"""``workos watch``: check the running site every interval against ``[watch]``; ``--once`` for timers and scripts."""

from __future__ import annotations

import sys
import time

import click

from .deploy import OperationsCommand, deploy_settings, emit_json


@click.command(cls=OperationsCommand, short_help="Watch the running site (HTTP, log errors, resources) against [watch].")
@click.option("--duration", help="How long to watch (30s, 5m, 24h); default [watch] duration.")
@click.option("--interval", help="Time between checks; default [watch] interval.")
@click.option("--once", is_flag=True, help="One check; exit 1 when a threshold is breached.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per check on stdout (as in the journal).")
@click.pass_context
def watch(ctx, duration, interval, once, as_json):
    """Check /web/login and /web/health (status, response time), the new ERROR/CRITICAL/Traceback lines of the
    server log since the previous check (grouped by fingerprint), CPU and RSS of the server processes, database
    size and connections, and the free disk of data_dir and backup_dir, against the thresholds of [watch].
    CPU and RSS come from /proc for the pids of the service kind ("process": its pidfiles; "systemd":
    `systemctl show -p MainPID`); "compose" says "not measured". On a terminal the check is a live table
    redrawn in place; otherwise one plain line per measure. Every check is appended to the journal (JSONL); at
    the end a Markdown summary is written to [deploy] report_dir (WATCH_REPORT_<environment>_<stamp>.md). A
    breach is POSTed as JSON to [watch] webhook_url and mailed to [watch] email (through the [email] settings);
    a failing alert is reported (ALERT ... FAILED on stderr, and in the journal) and never stops the watch.

    \b
    Exit codes: 0 no breach; 1 a threshold was breached (named on stderr); 18 wrong usage or configuration.
    """
    from workos.ops import exit_codes
    from workos.ops.backup import timestamp
    from workos.ops.report import report_path
    from workos.ops.watch import Watcher, parse_duration, summary_markdown

    settings = deploy_settings(ctx)
    try:
        total = 0.0 if once else parse_duration(duration or settings.config.values["watch"]["duration"])
        every = parse_duration(interval or settings.config.values["watch"]["interval"])
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exit_codes.USAGE)
    watcher = Watcher(settings)
    started = time.monotonic()
    results = []
    display = None if as_json else (LiveTable() if sys.stdout.isatty() else PlainLines())
    try:
        while True:
            result = watcher.check()
            results.append(result)
            if as_json:
                emit_json(result.as_dict())
            else:
                display.show(result, len(results))
            for measure in result.breaches:
                click.echo(f"BREACH {measure.name}: {measure.value} (threshold {measure.threshold}) {measure.detail}", err=True)
            for alert in result.alerts:
                click.echo(f"ALERT {alert['channel']} {'sent' if alert['ok'] else 'FAILED'}: {alert['detail']}", err=True)
            if once or time.monotonic() - started + every > total:
                break
            time.sleep(every)
    finally:
        if display is not None:
            display.close()
    if not once:
        path = report_path(settings, timestamp(), "WATCH_REPORT")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(summary_markdown(settings, results, time.monotonic() - started), encoding="utf-8")
        click.echo(f"summary {path}", err=True)
    sys.exit(1 if any(r.breaches for r in results) else 0)


class PlainLines:
    """Not a terminal (a timer's journal, a pipe, a file): one plain line per measure, nothing redrawn."""

    def show(self, result, number: int) -> None:
        for measure in result.measures:
            value = "-" if measure.value is None else str(measure.value)
            click.echo(f"{result.at} {'BREACH' if measure.breached else 'ok':<6} {measure.name}: {value} "
                       f"(threshold {measure.threshold}) {measure.detail}".rstrip())
        for group in result.errors[:10]:
            click.echo(f"{result.at} log    {group['count']} x {group['fingerprint']} {group['first']}")

    def close(self) -> None:
        pass


class LiveTable:
    """On a terminal: one rich table redrawn in place after every check (the latest values, the run's counts)."""

    def __init__(self):
        from rich.console import Console
        from rich.live import Live

        self.breached_checks = 0
        self.live = Live(console=Console(), auto_refresh=False, transient=False)
        self.live.start()

    def show(self, result, number: int) -> None:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        self.breached_checks += bool(result.breaches)
        table = Table(title=f"workos watch — check {number} at {result.at} — {self.breached_checks} with a breach",
                      title_justify="left")
        for column in ("measure", "value", "threshold", "status", "detail"):
            table.add_column(column, overflow="fold")
        for measure in result.measures:
            table.add_row(measure.name, "" if measure.value is None else str(measure.value), measure.threshold,
                          "[red]BREACH[/red]" if measure.breached else "[green]ok[/green]", measure.detail)
        errors = [Text(f"  {g['count']:>6} × {g['fingerprint']} {g['first']}") for g in result.errors[:10]]
        self.live.update(Group(table, *errors), refresh=True)

    def close(self) -> None:
        self.live.stop()
