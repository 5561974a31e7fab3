"""The ``workos`` command: a click group; one file per command family.

Commands that need no database (``version``, ``config check``) never set Django up. Exit codes shared by
every command: 0 success, 1 the operation failed, 2 the command line or configuration is wrong. Commands with
their own codes (``deploy``, ``verify``) document them in their help.
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


def fail(message: str, code: int = EXIT_FAILED) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), envvar="WORKOS_CONFIG",
              help="Configuration file (default: $WORKOS_CONFIG, then ./workos.toml).")
@click.version_option(workos.__version__, prog_name="workos")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """WorkOS: a self-hosted work OS on installable modules, with its production tooling.

    Exit codes: 0 success, 1 failure, 2 wrong usage or configuration (deploy and verify document their own).
    """
    ctx.obj = Context(config_path)


def _register() -> None:
    from . import audit, config_command, demo, module, serve, user
    from . import crawl, snapshot
    from . import backup, deploy, rollback, verify
    from . import pages
    from . import db

    for command in (serve.serve, module.module, user.user, config_command.config, audit.audit, demo.demo,
                    snapshot.snapshot, crawl.crawl,
                    deploy.deploy, verify.verify, rollback.rollback, backup.backup, backup.restore,
                    pages.pages, db.db):
        main.add_command(command)


_register()
