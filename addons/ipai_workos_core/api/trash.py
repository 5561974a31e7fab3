"""``/api/v1/trash``: what is in it, its retention setting, and deleting for good."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from workos.kernel.cursors import DEFAULT_LIMIT, check_limit, decode_values, encode_values

from .. import services
from ._common import router, _page_out
from .schemas import RetentionIn, RetentionOut, TrashPage


def _trash_out(access, page) -> dict:
    return {**_page_out(access, page), "archived_by_id": page.archived_by_id,
            "archived_by": page.archived_by.get_username() if page.archived_by_id else None}


@router.get("/trash", response=TrashPage, summary="Pages in the trash you can see, newest first (their sub-pages come back with them)")
def list_trash(request, workspace_id: int | None = None, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    check_limit(limit)
    if workspace_id is not None:
        services.get_workspace(request.user, workspace_id)
    entries = services.trash_for(request.user, workspace_id)
    after = decode_values(cursor, (str, int))
    if after is not None:
        entries = [page for page in entries if (page.archived_at.isoformat(), page.pk) < (after[0], after[1])]
    window = entries[:limit]
    next_cursor = encode_values([window[-1].archived_at.isoformat(), window[-1].pk]) if len(entries) > limit else None
    access = permissions.Access(request.user)
    return {"items": [_trash_out(access, page) for page in window], "count": len(entries), "next_cursor": next_cursor}


@router.get("/trash/settings", response=RetentionOut, summary="How many days pages stay in the trash (0: until deleted by hand)")
def trash_settings(request):
    return {"trash_retention_days": services.trash_retention_days()}


@router.put("/trash/settings", response=RetentionOut, summary="Change the trash retention (administrators)")
def change_trash_settings(request, payload: RetentionIn):
    return {"trash_retention_days": services.set_trash_retention(request.user, payload.trash_retention_days).trash_retention_days}


@router.delete("/trash/{page_id}", response={204: None}, summary="Delete a page in the trash for good, with its sub-pages")
def delete_from_trash(request, page_id: int):
    services.delete_page(request.user, services.get_page(request.user, page_id))
    return 204, None
