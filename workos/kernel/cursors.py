"""Cursors of paged lists (``?limit=&cursor=``): opaque to clients, URL-safe base64 without padding.

Two shapes: one number (the last id seen, or an offset) for lists in id order, and a list of values (such as
order key and id) for lists in another order. Services page their own queries with them too, which is why
they live in the kernel and not in the API layer.
"""

from __future__ import annotations

import base64
import binascii
import json

from workos.kernel.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")


def _not_ours() -> InvalidInput:
    return InvalidInput("cursor is not one this API returned", field="cursor")


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    """The text inside a cursor; binascii.Error or UnicodeDecodeError when it holds none."""
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def encode_cursor(last_id) -> str | None:
    """A cursor of one number (``None`` stays ``None``: there is no next page)."""
    return _encode(str(last_id)) if last_id is not None else None


def decode_cursor(cursor: str | None) -> int:
    """The number in a cursor of ``encode_cursor``; no cursor: 0."""
    if not cursor:
        return 0
    try:
        value = int(_decode(cursor))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _not_ours() from None
    if value < 0:
        raise _not_ours()
    return value


def encode_values(values: list) -> str:
    """A cursor of several values (JSON types), e.g. ``[rank, id]``."""
    return _encode(json.dumps(values, separators=(",", ":")))


def decode_values(cursor: str | None, shape: tuple[type, ...]) -> list | None:
    """The values in a cursor of ``encode_values``, which must be of the types ``shape``; no cursor: ``None``."""
    if not cursor:
        return None
    try:
        values = json.loads(_decode(cursor))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        values = None
    if not isinstance(values, list) or len(values) != len(shape) or not all(
            isinstance(value, kind) and not isinstance(value, bool) for value, kind in zip(values, shape)):
        raise _not_ours()
    return values
