"""What every area of the collaboration services shares."""

from __future__ import annotations

from workos.kernel.errors import PermissionDenied

PAGE_MODEL = "ipai.workos.page"
COMMENT_MODEL = "ipai.workos.comment"
SEARCH_SOURCE = "comments"  # comments' name in the search module's SOURCES (search_source.py)


def _require_user(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("log in first")


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def user_label(user) -> str:
    if user is None:
        return "someone"
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()
