"""Creating users: the one write path for accounts made outside the web client (the CLI, `make demo`).

Installed modules hear about it through the kernel's auth-event hooks (the audit module records it)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from .errors import Conflict, InvalidInput
from .hooks import auth_event


@transaction.atomic
def create_user(username: str, password: str, *, email: str = "", admin: bool = False):
    """Create an active user (an administrator when ``admin``); refuse a taken name or a weak password."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise Conflict(f"user {username} already exists", field="username")
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as error:
        raise InvalidInput("password refused: " + " ".join(error.messages), field="password") from None
    if admin:
        user = User.objects.create_superuser(username=username, email=email, password=password)
    else:
        user = User.objects.create_user(username=username, email=email, password=password)
    auth_event("user_create", user=user, username=username, details={"admin": admin})
    return user
