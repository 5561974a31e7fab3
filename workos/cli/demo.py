import click

from . import EXIT_FAILED, fail, pass_context


@click.group()
def demo():
    """Demo content."""


@demo.command("load")
@click.option("--user", "username", required=True, help="The user who owns the demo workspace.")
@pass_context
def load(context, username):
    """Create a demo workspace, spaces and pages (once; a second run changes nothing)."""
    context.django("installed")
    from django.contrib.auth import get_user_model

    from workos.demo.load import load_demo
    from workos.kernel.errors import ServiceError

    if not get_user_model().objects.filter(username=username).exists():
        fail(f"no user named {username}", EXIT_FAILED)
    try:
        for line in load_demo(username):
            click.echo(line)
    except ServiceError as error:
        fail(f"demo content not loaded: {error.message}", EXIT_FAILED)
