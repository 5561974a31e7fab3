"""``workos module list|install|upgrade|uninstall``: each run does its work and exits (Odoo's --stop-after-init)."""

from __future__ import annotations

import json

import click

from . import EXIT_FAILED, EXIT_USAGE, fail, pass_context


@click.group()
def module():
    """List, install, upgrade and uninstall modules."""


def _installer(context, progress=None):
    context.django("all")
    from workos.kernel.installer import Installer

    return Installer(progress=progress) if progress else Installer()


def _module_rows(installer) -> list[dict]:
    from workos.kernel.models import Module

    recorded = {row.name: row for row in Module.objects.all()} if installer._kernel_ready() else {}
    rows = []
    for name in sorted(set(installer.scan.modules) | set(installer.scan.invalid) | set(recorded)):
        manifest = installer.scan.modules.get(name)
        row = recorded.get(name)
        rows.append(
            {
                "name": name,
                "state": row.state if row else "uninstalled",
                "installed_version": row.latest_version if row else None,
                "available_version": manifest.version if manifest else None,
                "summary": manifest.summary if manifest else (row.summary if row else ""),
                "path": str(manifest.path) if manifest else (row.path if row else ""),
                "error": str(installer.scan.invalid[name]) if name in installer.scan.invalid else None,
                "missing": manifest is None and name not in installer.scan.invalid,
            }
        )
    return rows


@module.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--state", help="Only modules in this state (installed, uninstalled, ...).")
@pass_context
def list_modules(context, as_json, state):
    """Modules on the addons path and in the database: state, installed and available version, summary."""
    installer = _installer(context)
    rows = [row for row in _module_rows(installer) if not state or row["state"] == state]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("name", "state", "installed", "available", "summary"):
        table.add_column(column)
    for row in rows:
        summary = row["summary"]
        if row["error"]:
            summary = f"[red]invalid manifest: {row['error']}[/red]"
        elif row["missing"]:
            summary = "[yellow]not found on the addons path[/yellow]"
        state_label = row["state"]
        if row["installed_version"] and row["available_version"] and row["installed_version"] != row["available_version"]:
            state_label += " (upgrade available)"
        table.add_row(row["name"], state_label, row["installed_version"] or "", row["available_version"] or "", summary)
    Console(width=160).print(table)


def _run(context, action, as_json: bool):
    from rich.console import Console

    console = Console(stderr=True)
    status = console.status("starting")

    def progress(name, step):
        status.update(f"{name}: {step}")

    installer = _installer(context, progress=progress)
    from workos.kernel.installer import InstallError

    try:
        with status:
            report = action(installer)
    except InstallError as error:
        if as_json:
            click.echo(json.dumps({"ok": False, "error": str(error), "module": error.module}))
        fail(f"{error} — nothing was changed", EXIT_FAILED)
    if as_json:
        click.echo(json.dumps({"ok": True, **report.as_dict()}, indent=2))
        return
    for label, names in (("installed", report.installed), ("upgraded", report.upgraded), ("uninstalled", report.uninstalled)):
        if names:
            click.echo(f"{label} {len(names)}: {', '.join(names)}")
    if report.skipped:
        click.echo(f"already installed: {', '.join(report.skipped)}")
    if not (report.installed or report.upgraded or report.uninstalled):
        click.echo("nothing to do")
    click.echo(f"done in {report.seconds:.1f}s")


@module.command("install")
@click.argument("names", nargs=-1, required=True)
@click.option("--demo", is_flag=True, help="Also load the modules' demo data.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def install(context, names, demo, as_json):
    """Install modules with their dependencies, in one all-or-nothing run."""
    _run(context, lambda installer: installer.install(list(names), demo=demo), as_json)


@module.command("upgrade")
@click.argument("names", nargs=-1)
@click.option("--changed", is_flag=True, help="Upgrade the installed modules whose version or content changed.")
@click.option("--all", "everything", is_flag=True, help="Upgrade every installed module.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def upgrade(context, names, changed, everything, as_json):
    """Upgrade modules: apply new migrations, reload data, re-register models."""
    if sum(bool(x) for x in (names, changed, everything)) != 1:
        fail("give module names, or --changed, or --all (exactly one)", EXIT_USAGE)
    _run(context, lambda installer: installer.upgrade(list(names), changed=changed, everything=everything), as_json)


@module.command("uninstall")
@click.argument("names", nargs=-1, required=True)
@click.option("--cascade", is_flag=True, help="Also uninstall the installed modules that depend on them.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@pass_context
def uninstall(context, names, cascade, as_json):
    """Uninstall modules: remove their data and registry rows and reverse their migrations."""
    _run(context, lambda installer: installer.uninstall(list(names), cascade=cascade), as_json)
