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
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from workos.kernel.installer import Installer

    with transaction.atomic():
        Installer().ensure_kernel()
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        if exists_ok:
            click.echo(f"user {username} already exists; left unchanged")
            return
        fail(f"user {username} already exists", EXIT_FAILED)
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            fail(f"environment variable {password_env} is not set or empty", 2)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = secrets.token_urlsafe(12)
        click.echo(f"generated password: {password}")
    candidate = User(username=username, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        fail("password refused: " + " ".join(error.messages), 2)
    if admin:
        User.objects.create_superuser(username=username, email=email, password=password)
    else:
        User.objects.create_user(username=username, email=email, password=password)
    click.echo(f"created {'administrator' if admin else 'user'} {username}")
