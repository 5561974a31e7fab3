"""Personal API tokens (the only write path for ``workos_api_token``) and the account of the signed-in user
(name, e-mail, password)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from workos.kernel.aio import group_send
from workos.kernel.errors import InvalidInput, NotFound
from workos.kernel.hooks import auth_event
from workos.kernel.prepared import Prepared

from .models import ApiToken

TOKEN_PREFIX = "wos_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(user, name: str = "token", read_only: bool = False, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it and the secret, which is never retrievable again."""
    name = (name or "token").strip()
    if len(name) > 128:
        raise InvalidInput("token name is longer than 128 characters", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("expiry must be in the future", field="expires_at")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], key_hash=hash_token(raw), read_only=read_only, expires_at=expires_at
    )
    auth_event("token_create", user=user, username=user.get_username(),
               details={"token_id": token.pk, "name": token.name, "prefix": token.prefix, "read_only": read_only})
    return token, raw


# every token-authenticated request runs it: compiled once (workos.kernel.prepared)
TOKEN_BY_HASH = Prepared(lambda key_hash: ApiToken.objects.select_related("user").filter(key_hash=key_hash, revoked_at__isnull=True))


def user_for_token(raw: str):
    """The active token and user behind ``raw``, or (None, None). Marks the token used."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None, None
    token = TOKEN_BY_HASH.first(hash_token(raw))
    if token is None or not token.user.is_active:
        return None, None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None, None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most once a minute: no write per request
    return token, token.user


def token_sockets_group(token_id: int) -> str:
    """The channel-layer group that every live WebSocket opened with this token joins (in every process)."""
    return f"workos.token.{int(token_id)}"


def _close_token_sockets(token_id: int) -> None:
    group_send(token_sockets_group(token_id), {"type": "token.revoked", "token_id": token_id})


@transaction.atomic
def revoke_token(user, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s tokens. Once it commits, the live sockets opened with it (pages, events) close with
    4403, in every server process (through the channel layer)."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        auth_event("token_revoke", user=user, username=user.get_username(), details={"token_id": token.pk, "name": token.name})
        revoked = token.pk
        transaction.on_commit(lambda: _close_token_sockets(revoked))
    return token


# --- my account ----------------------------------------------------------------------------------------


@transaction.atomic
def update_account(user, *, first_name: str | None = None, last_name: str | None = None, email: str | None = None):
    """Change the user's own name or e-mail address (the login stays: administrators manage it)."""
    before = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if value is None:
            continue
        value = value.strip()
        if len(value) > 150:
            raise InvalidInput(f"{field.replace('_', ' ')} is longer than 150 characters", field=field)
        setattr(user, field, value)
    if email is not None:
        email = email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise InvalidInput("this is not an e-mail address", field="email") from None
        user.email = email
    after = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    changed = {key: {"before": before[key], "after": after[key]} for key in after if before[key] != after[key]}
    if changed:
        user.save(update_fields=list(changed))
        auth_event("account_update", user=user, username=user.get_username(), details=changed)
    return user


@transaction.atomic
def change_password(user, current_password: str, new_password: str, *, request=None):
    """Change the user's own password: the current one must be given, the new one passes the site's password
    validators. Other browser sessions end (Django ties sessions to the password); API tokens stay valid."""
    if not user.check_password(current_password or ""):
        auth_event("login_failed", request=request, username=user.get_username(), details={"via": "password change"})
        raise InvalidInput("the current password is wrong", field="current_password")
    if not new_password:
        raise InvalidInput("give a new password", field="new_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="new_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    auth_event("password_change", request=request, user=user, username=user.get_username())
    return user
