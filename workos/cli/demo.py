"""``workos demo load``: the demo content of the installed modules (each module's ``demo.py``), made once."""

import click

from . import EXIT_FAILED, fail, pass_context


@click.group()
def demo():
    """Demo content."""


@demo.command("load")
@click.option("--user", "username", required=True, help="The user who owns the demo workspace.")
@pass_context
def load(context, username):
    """Create a demo workspace, spaces and pages (once; a second run changes nothing).

    Each installed module adds its part, dependencies first, so the demo grows with the installed modules.
    """
    context.django("installed")
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from workos.kernel.demo import load_demo
    from workos.kernel.errors import ServiceError

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        fail(f"no user named {username}", EXIT_FAILED)
    try:
        for line in load_demo(user, settings.WORKOS_ACTIVE_MODULES):
            click.echo(line)
    except ServiceError as error:
        fail(f"demo content not loaded: {error.message}", EXIT_FAILED)
