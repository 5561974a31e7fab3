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
    Every check is appended to the journal (JSONL); at the end a Markdown summary is written to
    [deploy] report_dir (WATCH_REPORT_<environment>_<stamp>.md); a breach is POSTed to [watch] webhook_url.

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
    while True:
        result = watcher.check()
        results.append(result)
        if as_json:
            emit_json(result.as_dict())
        else:
            _print(result)
        for measure in result.breaches:
            click.echo(f"BREACH {measure.name}: {measure.value} (threshold {measure.threshold}) {measure.detail}", err=True)
        if once or time.monotonic() - started + every > total:
            break
        time.sleep(every)
    if not once:
        path = report_path(settings, timestamp(), "WATCH_REPORT")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(summary_markdown(settings, results, time.monotonic() - started), encoding="utf-8")
        click.echo(f"summary {path}", err=True)
    sys.exit(1 if any(r.breaches for r in results) else 0)


def _print(result) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"workos watch {result.at}", title_justify="left")
    for column in ("measure", "value", "threshold", "status", "detail"):
        table.add_column(column, overflow="fold")
    for measure in result.measures:
        table.add_row(measure.name, "" if measure.value is None else str(measure.value), measure.threshold,
                      "[red]BREACH[/red]" if measure.breached else "[green]ok[/green]", measure.detail)
    Console(width=160).print(table)
    for group in result.errors[:10]:
        click.echo(f"  {group['count']:>6} × {group['fingerprint']} {group['first']}")
