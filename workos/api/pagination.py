"""Cursor pagination for list endpoints: ``?limit=&cursor=``, answered with ``items``, ``count`` and
``next_cursor``. The cursors themselves are ``workos.kernel.cursors``."""

from __future__ import annotations

from django.db.models import Q

# DEFAULT_LIMIT and MAX_LIMIT are the API's too; encode_cursor and decode_cursor stay importable from here for
# callers not yet moved to workos.kernel.cursors (a service should import them from there).
from workos.kernel.cursors import DEFAULT_LIMIT, MAX_LIMIT, check_limit, decode_cursor, decode_values, encode_cursor, encode_values


def paginate(queryset, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """One page of ``queryset`` in id order; ``count`` is the size of the whole (already filtered) queryset."""
    check_limit(limit)
    after = decode_cursor(cursor)
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return {"items": rows[:limit], "count": queryset.count(), "next_cursor": next_cursor}


def paginate_ranked(queryset, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """One page of ``queryset`` in order-key order (the order users arranged), after the cursor's (rank, id)."""
    check_limit(limit)
    after = decode_values(cursor, (str, int))
    rows = queryset.order_by("rank", "pk")
    if after is not None:
        rows = rows.filter(Q(rank__gt=after[0]) | Q(rank=after[0], pk__gt=after[1]))
    rows = list(rows[: limit + 1])
    next_cursor = encode_values([rows[limit - 1].rank, rows[limit - 1].pk]) if len(rows) > limit else None
    return {"items": rows[:limit], "count": queryset.count(), "next_cursor": next_cursor}
