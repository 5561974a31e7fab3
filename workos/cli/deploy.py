"""``workos deploy`` (seven phases, ``--dry-run``, ``--auto-rollback``) and ``workos deploy history``.

The work is in ``workos.ops.deploy``; this file parses options, prints the summary and exits with the code.
It also holds what the operations commands share: their configuration loading and their usage-error code
(18, because 2 means "two verifications failed" here).
"""

from __future__ import annotations

import json
import sys

import click

from workos.ops import exit_codes
from workos.settings.config import ConfigError, load_config

from . import Context, fail


class _UsageErrorCode:
    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            error.exit_code = exit_codes.USAGE
            raise


class OperationsCommand(_UsageErrorCode, click.Command):
    """A command whose usage errors exit 18 instead of click's 2."""


class OperationsGroup(_UsageErrorCode, click.Group):
    """A group whose usage errors exit 18 instead of click's 2."""


def deploy_settings(ctx: click.Context):
    """The deploy settings of ``-c``/``WORKOS_CONFIG``/``./workos.toml``; a bad configuration exits 18."""
    from workos.ops.settings import DeploySettings

    context = ctx.find_object(Context)
    try:
        config = load_config(context.config_path)
    except ConfigError as error:
        fail(f"configuration error: {error}", exit_codes.USAGE)
    return DeploySettings.from_config(config)


def emit_json(report: dict) -> None:
    click.echo(json.dumps(report, indent=2, default=str))


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "-"


def print_deploy_summary(report: dict, narrator) -> None:
    """The final summary: SHAs, backup, modules, models, HTTP, log errors, artifacts, state, rollback command."""
    from workos.ops.backup import human_size

    code = report["exit_code"]
    narrator.line("")
    if report.get("dry_run"):
        verdict = "would deploy" if code == 0 else f"would be refused — exit {code}: {report['outcome']}"
        narrator.heading(f"Dry run {report['environment']}: {verdict}; nothing was changed ({report['seconds']:.1f}s)")
        if report.get("failure"):
            narrator.note(report["failure"]["message"])
        return
    verdict = "SUCCESS" if code == 0 else "WATCH BREACHED" if code == exit_codes.WATCH_BREACH else "FAILED"
    narrator.heading(f"Deploy {report['environment']}: {verdict} — exit {code}: {report['outcome']} ({report['seconds']:.1f}s)")
    if report.get("failure"):
        where = f"phase {report['failure']['phase']}" if report["failure"]["phase"] else "pre-checks"
        narrator.note(f"stopped by {where}: {report['failure']['message']}")
    previous, new = report.get("previous_sha"), report.get("new_sha")
    narrator.note(f"code       {_short(previous)} -> {_short(new or previous)} ({len(report.get('commits') or [])} commit(s))")
    backup = report.get("backup")
    if backup:
        narrator.note(f"backup     {backup['path']} ({human_size(backup['size'])}, md5 {backup['md5']})")
    modules = report.get("modules") or {}
    if modules.get("installed") or modules.get("upgraded"):
        narrator.note(f"modules    installed {len(modules.get('installed', []))}, upgraded {len(modules.get('upgraded', []))}"
                      + (f": {', '.join(modules['upgraded'])}" if modules.get("upgraded") else ""))
    if report.get("downtime"):
        narrator.note(f"downtime   {report['downtime']}")
    switch = report.get("switch")
    if switch:
        seen = switch.get("unavailability") or {}
        narrator.note(f"switch     {switch['shape']}: {'ok' if switch['ok'] else 'FAILED at ' + str(switch['failed'])}; live {', '.join(switch['live']) or 'none'}")
        if seen:
            narrator.note(f"           measured through nginx: {seen['requests']} request(s), {seen['failed']} failed, "
                          f"{seen['maintenance_503']} maintenance 503, longest unavailable {seen['longest_unavailable_seconds']:.2f}s")
    verification = report.get("verification")
    if verification:
        values = {check["name"]: check["value"] for check in verification["checks"]}
        narrator.note(f"installed  {values.get('modules_installed')} ipai_% modules; umbrella {values.get('umbrella_installed')}")
        narrator.note(f"models     {values.get('models_registered')} ipai.workos.% models")
        narrator.note(f"http       /web/login {values.get('http_login')}")
        narrator.note(f"log        {values.get('log_errors')} critical line(s)")
    artifacts = report.get("artifacts") or []
    if artifacts:
        narrator.note(f"artifacts  {len(artifacts)} file(s), {human_size(sum(a['size'] for a in artifacts))}")
        for artifact in artifacts:
            narrator.note(f"           {artifact['path']} {human_size(artifact['size'])}")
    if isinstance(report.get("auto_rollback"), dict):  # the option (a bool) until an automatic rollback ran
        rollback = report["auto_rollback"]
        narrator.note(f"rollback   automatic: {'ok' if rollback.get('ok') else 'FAILED: ' + str(rollback.get('error'))}")
    watch = report.get("watch")
    if watch:
        breach = watch["breach"]
        narrator.note(f"watch      {len(watch['checks'])} check(s) in {watch['seconds']:.0f}s: "
                      + (f"BREACH {', '.join(breach['breaches'])}" if breach else "no breach"))
    if report.get("watch_rollback"):
        rollback = report["watch_rollback"]
        narrator.note(f"rollback   after the watch: {'ok' if rollback['ok'] else 'FAILED'} (exit {rollback['exit_code']}: "
                      f"{rollback['outcome']}; head {_short(rollback['evidence']['head'])})")
    state = report.get("state") or {}
    if state:
        narrator.note(f"state      code {state.get('code')}; database {state.get('database')}; service {state.get('service')}")
    for log in report.get("logs") or []:
        narrator.note(f"log kept   {log}")
    if report.get("rollback_command") and code not in (exit_codes.ROLLED_BACK,):
        narrator.note(f"rollback   {report['rollback_command']}")


DEPLOY_HELP = f"""Deploy the configured branch to this host in seven phases.

\b
1 snapshot for rollback (git SHA, verified database backup with md5/sha256, .deploy_snapshot)
2 deploy main (fetch, checkout, pull --ff-only; required modules checked before HEAD moves)
3 install/upgrade modules (stop, dependency lock, module install + upgrade --changed, start, wait for health;
  with [deploy] switch = "nginx": the new server starts beside the old one and nginx switches to it)
4 runtime verification (the checks of `workos verify`)
5 snapshot artifacts (`workos snapshot`, skipped when the deployed code lacks it)
6 commit artifacts ([skip ci])
7 push
then, with --watch DURATION: the checks of `workos watch` every [watch] interval; the first breach rolls the
  deploy back through `workos rollback` with --auto-rollback (exit 14), or ends the run with exit 19

Refusals (dirty tree, diverged history, missing module, no room for the backup, lock held) happen before
anything changes. Configuration: the [deploy] section (deploy/workos.toml.example).

{exit_codes.help_table()}
  130  interrupted (Ctrl-C): check with `workos verify`, undo with `workos rollback --restore-db`
"""


@click.group(cls=OperationsGroup, invoke_without_command=True, help=DEPLOY_HELP)
@click.option("--dry-run", is_flag=True, help="Write a risk assessment (commits, modules, migration classification, tables touched, "
              "expected downtime, room for the backup, blockers) to [deploy] report_dir; change nothing.")
@click.option("--auto-rollback", is_flag=True, help="On any failure after phase 1 (and with --watch, on a breach while watching), "
              "restore the previous SHA and database, restart, re-verify.")
@click.option("--watch", "watch_duration", metavar="DURATION", help="After a successful deploy, keep checking the site as `workos watch` "
              "does ([watch] thresholds, interval, journal, alerts) for DURATION (15m, 1h). A breach rolls this deploy back with "
              "--auto-rollback (exit 14), else exits 19 with the new code in place.")
@click.option("--no-artifacts", is_flag=True, help="Skip phases 5-7 (snapshot artifacts, commit, push).")
@click.option("--break-stale-lock", is_flag=True, help="Take over a lock whose deploy process is dead (never a live one).")
@click.option("--no-downtime", is_flag=True, help='Refuse (nothing changed) unless the deploy can switch without downtime: '
              '[deploy] switch = "nginx" and every pending migration compatible with the running code.')
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report on stdout (progress goes to stderr).")
@click.pass_context
def deploy(ctx, dry_run, auto_rollback, no_artifacts, break_stale_lock, no_downtime, watch_duration, as_json):
    if ctx.invoked_subcommand:
        return
    from workos.ops.deploy import Deployer, DeployOptions
    from workos.ops.narration import Narrator
    from workos.ops.watch import parse_duration

    settings = deploy_settings(ctx)
    watch_seconds = None
    if watch_duration:
        try:
            watch_seconds = parse_duration(watch_duration)
            parse_duration(settings.config.values["watch"]["interval"])
        except ValueError as error:
            fail(f"--watch / [watch] interval: {error}", exit_codes.USAGE)
    narrator = Narrator(to_stderr=as_json)
    options = DeployOptions(dry_run=dry_run, auto_rollback=auto_rollback, artifacts=not no_artifacts, break_stale_lock=break_stale_lock,
                            no_downtime=no_downtime)
    try:
        report = Deployer(settings, options, narrator).run()
        if watch_seconds and not dry_run and report["exit_code"] == exit_codes.OK:
            from workos.ops.deploy_watch import watch_after_deploy

            watch_after_deploy(settings, report, watch_seconds, auto_rollback, narrator)
    except KeyboardInterrupt:
        narrator.error("interrupted: check the state with `workos verify`; undo with `workos rollback --restore-db`")
        sys.exit(130)
    if watch_seconds and dry_run:
        narrator.note(f"--watch {watch_duration}: a dry run deploys nothing, so nothing is watched")
    if as_json:
        emit_json(report)
    print_deploy_summary(report, narrator)
    sys.exit(report["exit_code"])


@deploy.command("history", cls=OperationsCommand)
@click.option("--limit", type=click.IntRange(1, 100000), default=20, show_default=True, help="Most recent runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def deploy_history(ctx, limit, as_json):
    """Show recorded deploys, dry runs, rollbacks and restores (<backup_dir>/deploy_history.jsonl), newest
    last, each with its Markdown report (DEPLOY_REPORT_<environment>_<stamp>.md in [deploy] report_dir)."""
    from workos.ops import history

    settings = deploy_settings(ctx)
    runs = history.read(settings.history_file)[-limit:]
    if as_json:
        emit_json(runs)
        return
    from rich.console import Console
    from rich.table import Table

    if not runs:
        click.echo(f"no deploys recorded in {settings.history_file}")
        return
    table = Table(title=f"Deploy history ({settings.history_file})", title_justify="left")
    for column in ("started", "kind", "user", "from", "to", "result", "exit", "seconds", "backup", "report"):
        table.add_column(column, overflow="fold")
    for run in runs:
        table.add_row(str(run.get("started_at", "")), run.get("kind", ""), run.get("user", ""), _short(run.get("from_sha")),
                      _short(run.get("to_sha")), run.get("result", ""), str(run.get("exit_code", "")),
                      str(run.get("seconds", "")), (run.get("backup") or "").rsplit("/", 1)[-1],
                      (run.get("report") or "").rsplit("/", 1)[-1])
    Console(width=200).print(table)
    click.echo(f"backups in {settings.backup_dir}; reports in {settings.report_dir}")
