"""Personal API tokens: the only write path for ``workos_api_token``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from workos.kernel.errors import InvalidInput, NotFound
from workos.kernel.hooks import auth_event

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


def user_for_token(raw: str):
    """The active token and user behind ``raw``, or (None, None). Marks the token used."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None, None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None, None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None, None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most once a minute: no write per request
    return token, token.user


@transaction.atomic
def revoke_token(user, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("no such token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        auth_event("token_revoke", user=user, username=user.get_username(), details={"token_id": token.pk, "name": token.name})
    return token
