"""``/api/v1/pages/{id}/history``: versions of a page, and restoring one."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from workos.kernel.cursors import DEFAULT_LIMIT, check_limit, decode_values, encode_values

from .. import services
from ._common import router, _page_out
from .schemas import RestoreOut, VersionDetailOut, VersionPage


def _version_out(version) -> dict:
    return {
        "number": version.number, "title": version.title, "icon": version.icon, "cover_url": version.cover_url,
        "restored_from": version.restored_from, "label": version.label, "created_by_id": version.created_by_id,
        "created_by": version.created_by.get_username() if version.created_by_id else None,
        "created_at": version.created_at, "updated_at": version.updated_at,
    }


@router.get("/pages/{page_id}/history", response=VersionPage, summary="The saved versions of a page, newest first")
def page_history(request, page_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    check_limit(limit)
    versions = services.versions_of(request.user, services.get_page(request.user, page_id))
    after = decode_values(cursor, (int,))
    window = versions.filter(number__lt=after[0]) if after is not None else versions
    rows = list(window[: limit + 1])
    next_cursor = encode_values([rows[limit - 1].number]) if len(rows) > limit else None
    return {"items": [_version_out(version) for version in rows[:limit]], "count": versions.count(), "next_cursor": next_cursor}


@router.get("/pages/{page_id}/history/{number}", response=VersionDetailOut, summary="One version of a page, with its content")
def page_version(request, page_id: int, number: int):
    version = services.get_version(request.user, services.get_page(request.user, page_id), number)
    return {**_version_out(version), "content": version.content or {}}


@router.post("/pages/{page_id}/history/{number}/restore", response=RestoreOut, summary="Make the page what this version was (a new version)")
def restore_version(request, page_id: int, number: int):
    page = services.get_page(request.user, page_id)
    version = services.restore_version(request.user, page, number)
    return {"page": _page_out(permissions.Access(request.user), page), "version": _version_out(version)}
