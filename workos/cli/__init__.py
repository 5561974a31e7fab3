"""The ``workos`` command: a click group; one file per command family, plus the commands of the installed
modules (each module's ``cli.py``, see ``module_commands``).

Commands that need no database (``--version``, ``config check``) never set Django up, and naming a core
command never reads the database. Exit codes shared by every command: 0 success, 1 the operation failed, 2 the
command line or configuration is wrong. Commands with their own codes (``deploy``, ``verify``) document them in
their help.
"""

from __future__ import annotations

import sys

import click

import workos
from workos.settings.config import Config, ConfigError, load_config

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class Context:
    def __init__(self, config_path: str | None):
        self.config_path = config_path
        self._config: Config | None = None
        self.django_load: str | None = None
        self._module_commands = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as error:
                fail(f"configuration error: {error}", EXIT_USAGE)
        return self._config

    def django(self, load: str = "installed") -> None:
        """Start Django for this process, once. Module commands load every module; servers the installed ones."""
        if self.django_load is not None:
            return
        from workos.settings.runtime import setup_django

        try:
            setup_django(self.config, load)
        except ConfigError as error:
            fail(f"configuration error: {error}", EXIT_USAGE)
        except Exception as error:  # a database that cannot be reached is the usual cause
            fail(f"cannot start: {type(error).__name__}: {error}", EXIT_FAILED)
        self.django_load = load

    def module_commands(self, core: set[str]):
        """The commands of the installed modules (looked up once per process). A configuration that cannot be
        read leaves them absent here; the command that needs the configuration reports it."""
        if self._module_commands is None:
            from .module_commands import ModuleCommands, installed_module_commands

            try:
                config = self.config if self._config is not None else load_config(self.config_path)
            except ConfigError as error:
                self._module_commands = ModuleCommands(unavailable=f"configuration error: {error}", config_error=str(error))
            else:
                self._config = config
                self._module_commands = installed_module_commands(config, core)
            for problem in self._module_commands.problems:
                click.secho(f"warning: {problem}", fg="yellow", err=True)
        return self._module_commands


class ModuleCommandMissing(click.UsageError):
    """A command that would come with a module, when the module is not installed or the installed modules
    cannot be read: exit 1 like a command that failed (scripts calling ``workos audit verify`` see the code they
    always saw when the module or the database was missing), where an unknown command exits 2."""

    exit_code = EXIT_FAILED


class WorkosGroup(click.Group):
    """The core commands, then the commands of the installed modules, in their own help section."""

    def _context(self, ctx: click.Context) -> Context:
        # Subcommands are resolved (and help is printed) before main() runs, so the Context may not exist yet.
        if ctx.obj is None:
            ctx.obj = Context(ctx.params.get("config_path"))
        return ctx.obj

    def _module_commands(self, ctx: click.Context):
        return self._context(ctx).module_commands(set(self.commands))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands) + sorted(self._module_commands(ctx).commands)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        return self._module_commands(ctx).commands.get(name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from .module_commands import uninstalled_module_offering

            found = self._module_commands(ctx)
            owner = uninstalled_module_offering(found, name)
            if owner:
                raise ModuleCommandMissing(f"No such command {name!r}: module {owner} is not installed "
                                           f"(run `workos module install {owner}`).", ctx)
            if found.config_error:
                fail(f"configuration error: {found.config_error}", EXIT_USAGE)
            if found.unavailable:
                raise ModuleCommandMissing(f"No such command {name!r} (module commands are unavailable: {found.unavailable}).", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        found = self._module_commands(ctx)
        _help_section(formatter, "Commands", self.commands)
        _help_section(formatter, "Module commands", found.commands)
        if found.unavailable:
            with formatter.section("Module commands"):
                formatter.write_text(f"unavailable: {found.unavailable}")


def _help_section(formatter: click.HelpFormatter, title: str, commands: dict[str, click.Command]) -> None:
    shown = {name: command for name, command in sorted(commands.items()) if not command.hidden}
    if not shown:
        return
    limit = formatter.width - 6 - max(map(len, shown))
    with formatter.section(title):
        formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in shown.items()])


def fail(message: str, code: int = EXIT_FAILED) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


pass_context = click.make_pass_decorator(Context)


@click.group(cls=WorkosGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
# Eager, so that `workos -c FILE --help` lists the module commands of that file's database.
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), envvar="WORKOS_CONFIG", is_eager=True,
              help="Configuration file (default: $WORKOS_CONFIG, then ./workos.toml).")
@click.version_option(workos.__version__, prog_name="workos")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """WorkOS: a self-hosted work OS on installable modules, with its production tooling.

    Module commands come with their modules and are listed while the module is installed; naming one of a
    module that is not installed exits 1 and names the module.

    Exit codes: 0 success, 1 failure, 2 wrong usage or configuration (deploy and verify document their own).
    """
    if ctx.obj is None:
        ctx.obj = Context(config_path)


def _register() -> None:
    from . import config_command, demo, module, serve, user
    from . import crawl, snapshot
    from . import backup, deploy, rollback, verify, watch

    for command in (serve.serve, module.module, user.user, config_command.config, demo.demo,
                    snapshot.snapshot, crawl.crawl,
                    deploy.deploy, verify.verify, rollback.rollback, backup.backup, backup.restore, watch.watch):
        main.add_command(command)


_register()
