import os
import secrets
import sys

import click

from . import EXIT_FAILED, fail, pass_context


@click.group()
def user():
    """Manage users."""


@user.command("create")
@click.argument("username")
@click.option("--email", default="", help="E-mail address.")
@click.option("--admin", is_flag=True, help="Make the user an administrator (superuser).")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--exists-ok", is_flag=True, help="Succeed without change when the user already exists.")
@pass_context
def create(context, username, email, admin, password_env, password_stdin, exists_ok):
    """Create a user. Without a password option a random one is generated and printed once."""
    context.django("installed")
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from workos.kernel.errors import Conflict, ServiceError
    from workos.kernel.installer import Installer
    from workos.kernel.users import create_user

    with transaction.atomic():
        Installer().ensure_kernel()
    if exists_ok and get_user_model().objects.filter(username=username).exists():
        click.echo(f"user {username} already exists; left unchanged")
        return
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            fail(f"environment variable {password_env} is not set or empty", 2)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = secrets.token_urlsafe(12)
        click.echo(f"generated password: {password}")
    try:
        create_user(username, password, email=email, admin=admin)
    except ServiceError as error:
        fail(error.message, EXIT_FAILED if isinstance(error, Conflict) else 2)
    click.echo(f"created {'administrator' if admin else 'user'} {username}")


@user.command("unlock")
@click.argument("usernames", nargs=-1)
@click.option("--ip", "addresses", multiple=True, metavar="ADDRESS", help="Also end the lockout of this client address (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Forget every counted login failure.")
@pass_context
def unlock(context, usernames, addresses, everything):
    """End a login lockout now instead of after [login] lockout_seconds: forget the failed logins counted
    against the given accounts and addresses (django-axes's reset)."""
    if not (usernames or addresses or everything):
        fail("name at least one login, --ip ADDRESS, or --all", 2)
    context.django("installed")
    from axes.utils import reset
    from django.db import transaction

    from workos.kernel.installer import Installer

    with transaction.atomic():
        Installer().ensure_kernel()
    if everything:
        removed = reset()
    else:
        removed = sum(reset(username=name) for name in usernames) + sum(reset(ip=address) for address in addresses)
    click.echo(f"forgot {removed} counted login failure record{'s' if removed != 1 else ''}")
