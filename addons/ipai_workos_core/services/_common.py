"""What every area of the core services shares: the UNSET marker and the cleaning of names and titles."""

from __future__ import annotations

from workos.kernel.errors import InvalidInput, PermissionDenied


UNSET = object()

NAME_MAX = 128
TITLE_MAX = 512


def _clean_name(value, field: str = "name", limit: int = NAME_MAX) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    if any(ord(char) < 32 for char in value):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return value


def _clean_title(value) -> str:
    if not isinstance(value, str):
        raise InvalidInput("title must be text", field="title")
    value = value.strip()
    if len(value) > TITLE_MAX:
        raise InvalidInput(f"title is longer than {TITLE_MAX} characters", field="title")
    if any(ord(char) < 32 for char in value):
        raise InvalidInput("title must not contain control characters", field="title")
    return value


def _require_user(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("log in first")


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
