"""The core API's router and the helpers its resources share: paging and the shapes of workspaces and pages."""

from __future__ import annotations

import base64
import binascii
import json

from django.db.models import Q
from ninja import Router

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from workos.api.pagination import MAX_LIMIT
from workos.kernel.errors import InvalidInput, NotFound

from .. import services
from .schemas import WorkspaceOut

router = Router(tags=["workspaces"])


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> list | None:
    """A cursor this API handed out: a JSON list of values of the types ``shape`` (opaque to clients)."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        values = None
    if not isinstance(values, list) or len(values) != len(shape) or not all(
            isinstance(value, kind) and not isinstance(value, bool) for value, kind in zip(values, shape)):
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    return values


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")


def _paginate_ranked(queryset, limit: int, cursor: str | None) -> dict:
    """One page of ``queryset`` in order-key order (the order users arranged), after the cursor's (rank, id)."""
    _check_limit(limit)
    after = _decode_cursor(cursor, (str, int))
    rows = queryset.order_by("rank", "pk")
    if after is not None:
        rows = rows.filter(Q(rank__gt=after[0]) | Q(rank=after[0], pk__gt=after[1]))
    rows = list(rows[: limit + 1])
    next_cursor = _encode_cursor([rows[limit - 1].rank, rows[limit - 1].pk]) if len(rows) > limit else None
    return {"items": rows[:limit], "count": queryset.count(), "next_cursor": next_cursor}


def _workspace_out(user, workspace) -> dict:
    return {**WorkspaceOut.from_orm(workspace).dict(), "role": permissions.role_of(user, workspace)}


def _page_out(access: permissions.Access, page) -> dict:
    """A page as this user may see it: a parent or space they cannot view is not named, not even by id."""
    parent_visible = page.parent_id is not None and RANK[access.level(page.parent)] >= RANK[VIEW]
    space_visible = RANK[access.level(page.space)] >= RANK[VIEW]
    return {
        "id": page.pk, "space_id": page.space_id if space_visible else None, "parent_id": page.parent_id if parent_visible else None,
        "title": page.title, "icon": page.icon, "cover_url": page.cover_url, "rank": page.rank, "archived_at": page.archived_at,
        "workflow_state": page.workflow_state,
        "created_at": page.created_at, "updated_at": page.updated_at,
    }


def _destination(request, field: str, page_id: int | None = None, space_id: int | None = None):
    """A page or space named in a request body: one the user cannot see is reported like a missing one, on the field."""
    try:
        if page_id is not None:
            return services.get_page(request.user, page_id)
        return services.get_space(request.user, space_id)
    except NotFound as error:
        raise InvalidInput(error.message, field=field) from None
