"""Cursor pagination for list endpoints: ``?limit=&cursor=``, answered with ``items``, ``count`` and
``next_cursor``. The cursor is opaque to clients (today: the last id seen, base64-encoded)."""

from __future__ import annotations

import base64
import binascii

from workos.kernel.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(last_id) -> str | None:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=") if last_id is not None else None


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value = int(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor is not one this API returned", field="cursor") from None
    if value < 0:
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    return value


def paginate(queryset, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """One page of ``queryset`` in id order; ``count`` is the size of the whole (already filtered) queryset."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    after = decode_cursor(cursor)
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return {"items": rows[:limit], "count": queryset.count(), "next_cursor": next_cursor}
