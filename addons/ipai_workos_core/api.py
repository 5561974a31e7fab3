"""``/api/v1/workspaces``, ``/spaces``, ``/pages``: parse, call the service, shape the answer."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Literal

from django.db.models import Q
from ninja import Router, Schema

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from workos.api.auth import session_auth, token_auth
from workos.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from workos.kernel.errors import InvalidInput, NotAuthenticated, NotFound

from . import services

router = Router(tags=["workspaces"])

RoleName = Literal["admin", "member", "guest"]
VisibilityName = Literal["private", "team", "public"]


class Paged(Schema):
    count: int
    next_cursor: str | None


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    icon: str
    created_at: datetime
    role: str | None = None


class WorkspacePage(Paged):
    items: list[WorkspaceOut]


class WorkspaceIn(Schema):
    name: str
    slug: str = ""
    icon: str = ""


class WorkspacePatch(Schema):
    name: str | None = None
    icon: str | None = None


class MemberOut(Schema):
    user_id: int
    username: str
    role: str
    joined_at: datetime


class MemberIn(Schema):
    user_id: int
    role: RoleName = "member"


class MemberPatch(Schema):
    role: RoleName


class SpaceOut(Schema):
    id: int
    workspace_id: int
    name: str
    icon: str
    color: str
    visibility: str
    created_at: datetime


class SpacePage(Paged):
    items: list[SpaceOut]


class SpaceIn(Schema):
    workspace_id: int
    name: str
    visibility: VisibilityName = "team"
    icon: str = ""
    color: str = ""


class SpacePatch(Schema):
    name: str | None = None
    visibility: VisibilityName | None = None
    icon: str | None = None
    color: str | None = None


class PageOut(Schema):
    id: int
    space_id: int | None
    parent_id: int | None
    title: str
    icon: str
    cover_url: str
    rank: str
    archived_at: datetime | None
    workflow_state: str
    created_at: datetime
    updated_at: datetime


class PagePage(Paged):
    items: list[PageOut]


class PageIn(Schema):
    space_id: int | None = None
    parent_id: int | None = None
    title: str = ""
    icon: str = ""


class PagePatch(Schema):
    title: str | None = None
    icon: str | None = None
    cover_url: str | None = None


class MoveIn(Schema):
    """Where to put the page. ``parent_id`` null: the top level of ``space_id`` (default: the page's space); left
    out: keep the parent (or the top level of ``space_id`` when that names another space). ``after_id``: after
    this sibling (null: first); ``before_id``: before this sibling; neither: last."""

    parent_id: int | None = None
    space_id: int | None = None
    after_id: int | None = None
    before_id: int | None = None


class DuplicateIn(Schema):
    include_subpages: bool = True
    title: str | None = None


class TreeNode(Schema):
    id: int
    parent_id: int | None
    title: str
    icon: str
    rank: str
    has_children: bool
    children: list["TreeNode"]


TreeNode.model_rebuild()


class TreeOut(Schema):
    space: SpaceOut
    pages: list[TreeNode]


class TrashItemOut(PageOut):
    archived_by_id: int | None
    archived_by: str | None


class TrashPage(Paged):
    items: list[TrashItemOut]


class RetentionIn(Schema):
    trash_retention_days: int


class RetentionOut(Schema):
    trash_retention_days: int


class FavoriteIn(Schema):
    page_id: int


class FavoriteMoveIn(Schema):
    after_id: int | None = None
    before_id: int | None = None


class FavoriteOut(Schema):
    page: PageOut
    rank: str


class RecentOut(Schema):
    page: PageOut
    visited_at: datetime


class VersionOut(Schema):
    number: int
    title: str
    icon: str
    cover_url: str
    restored_from: int | None
    created_by_id: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class VersionPage(Paged):
    items: list[VersionOut]


class VersionDetailOut(VersionOut):
    content: dict


class RestoreOut(Schema):
    page: PageOut
    version: VersionOut


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


# --- workspaces ----------------------------------------------------------------------------------------


@router.get("/workspaces", response=WorkspacePage, summary="Workspaces you can see")
def list_workspaces(request, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    page = paginate(services.workspaces_for(request.user), limit, cursor)
    return {**page, "items": [_workspace_out(request.user, w) for w in page["items"]]}


@router.post("/workspaces", response={201: WorkspaceOut}, summary="Create a workspace (you become its admin)")
def create_workspace(request, payload: WorkspaceIn):
    workspace = services.create_workspace(request.user, payload.name, payload.slug, payload.icon)
    return 201, _workspace_out(request.user, workspace)


@router.get("/workspaces/{workspace_id}", response=WorkspaceOut, summary="One workspace")
def get_workspace(request, workspace_id: int):
    return _workspace_out(request.user, services.get_workspace(request.user, workspace_id))


@router.patch("/workspaces/{workspace_id}", response=WorkspaceOut, summary="Rename a workspace (admins)")
def update_workspace(request, workspace_id: int, payload: WorkspacePatch):
    workspace = services.get_workspace(request.user, workspace_id)
    return _workspace_out(request.user, services.update_workspace(request.user, workspace, **payload.dict(exclude_unset=True)))


@router.delete("/workspaces/{workspace_id}", response={204: None}, summary="Delete a workspace and everything in it (admins)")
def delete_workspace(request, workspace_id: int):
    services.delete_workspace(request.user, services.get_workspace(request.user, workspace_id))
    return 204, None


@router.get("/workspaces/{workspace_id}/members", response=list[MemberOut], summary="Members of a workspace")
def list_members(request, workspace_id: int):
    workspace = services.get_workspace(request.user, workspace_id)
    return [{"user_id": m.user_id, "username": m.user.get_username(), "role": m.role, "joined_at": m.joined_at}
            for m in services.members_of(request.user, workspace)]


def _member_out(member) -> dict:
    return {"user_id": member.user_id, "username": member.user.get_username(), "role": member.role, "joined_at": member.joined_at}


@router.post("/workspaces/{workspace_id}/members", response={201: MemberOut}, summary="Add a member (admins)")
def add_member(request, workspace_id: int, payload: MemberIn):
    workspace = services.get_workspace(request.user, workspace_id)
    return 201, _member_out(services.add_member(request.user, workspace, payload.user_id, payload.role))


@router.patch("/workspaces/{workspace_id}/members/{user_id}", response=MemberOut, summary="Change a member's role (admins)")
def change_member(request, workspace_id: int, user_id: int, payload: MemberPatch):
    workspace = services.get_workspace(request.user, workspace_id)
    return _member_out(services.change_member_role(request.user, workspace, user_id, payload.role))


@router.delete("/workspaces/{workspace_id}/members/{user_id}", response={204: None}, summary="Remove a member, or leave")
def remove_member(request, workspace_id: int, user_id: int):
    services.remove_member(request.user, services.get_workspace(request.user, workspace_id), user_id)
    return 204, None


# --- spaces --------------------------------------------------------------------------------------------


@router.get("/spaces", response=SpacePage, summary="Spaces you can see")
def list_spaces(request, workspace_id: int | None = None, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    return _paginate_ranked(services.spaces_for(request.user, workspace_id), limit, cursor)


@router.post("/spaces", response={201: SpaceOut}, summary="Create a space in a workspace")
def create_space(request, payload: SpaceIn):
    workspace = services.get_workspace(request.user, payload.workspace_id)
    return 201, services.create_space(request.user, workspace, payload.name, payload.visibility, payload.icon, payload.color)


@router.get("/spaces/{space_id}", response=SpaceOut, summary="One space")
def get_space(request, space_id: int):
    return services.get_space(request.user, space_id)


@router.patch("/spaces/{space_id}", response=SpaceOut, summary="Change a space (needs full access)")
def update_space(request, space_id: int, payload: SpacePatch):
    space = services.get_space(request.user, space_id)
    return services.update_space(request.user, space, **payload.dict(exclude_unset=True))


@router.delete("/spaces/{space_id}", response={204: None}, summary="Delete a space and its pages (needs full access)")
def delete_space(request, space_id: int):
    services.delete_space(request.user, services.get_space(request.user, space_id))
    return 204, None


# --- pages ---------------------------------------------------------------------------------------------


@router.get("/pages", response=PagePage, summary="Pages you can see, in tree order; `q` searches titles; `archived=true` lists the trash")
def list_pages(request, space_id: int | None = None, parent_id: int | None = None, top_level: bool = False, q: str = "",
               archived: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    pages = services.pages_for(request.user, space_id=space_id, parent_id=parent_id, top_level=top_level, query=q, archived=archived)
    result = _paginate_ranked(pages.select_related("space", "parent"), limit, cursor)
    access = permissions.Access(request.user)
    return {**result, "items": [_page_out(access, page) for page in result["items"]]}


# Before /pages/{page_id}: routes are matched in order and "recent" would be taken for a page id.
@router.get("/pages/recent", response=list[RecentOut], summary="The pages you opened last, newest first")
def recent_pages(request, limit: int = 20):
    access = permissions.Access(request.user)
    return [{"page": _page_out(access, page), "visited_at": visited_at} for page, visited_at in services.recent_pages(request.user, limit)]


@router.post("/pages", response={201: PageOut}, summary="Create a page in a space or under a page")
def create_page(request, payload: PageIn):
    parent = services.get_page(request.user, payload.parent_id) if payload.parent_id is not None else None
    space = services.get_space(request.user, payload.space_id) if payload.space_id is not None and parent is None else None
    if parent is not None and payload.space_id is not None and payload.space_id != parent.space_id:
        space = services.get_space(request.user, payload.space_id)
    page = services.create_page(request.user, space=space, parent=parent, title=payload.title, icon=payload.icon)
    return 201, _page_out(permissions.Access(request.user), page)


def _anyone(request):
    """Pages shared by link open without logging in (``?share=``); the service decides what is visible."""
    return True


@router.get("/pages/{page_id}", response=PageOut, auth=[token_auth, session_auth, _anyone], summary="One page (`?share=` for a share link)")
def get_page(request, page_id: int, share: str = ""):
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    token = permissions.resolve_share_token(share, user) if share else None
    if user is None and token is None:
        raise NotAuthenticated("authentication required: log in, send a bearer token or open a share link")
    page = services.get_page(user, page_id, share=token)
    return _page_out(permissions.Access(user, token), page)


@router.patch("/pages/{page_id}", response=PageOut, summary="Rename a page or change its icon")
def update_page(request, page_id: int, payload: PagePatch):
    page = services.update_page(request.user, services.get_page(request.user, page_id), **payload.dict(exclude_unset=True))
    return _page_out(permissions.Access(request.user), page)


@router.delete("/pages/{page_id}", response=PageOut, summary="Move a page to the trash (`permanent=true`: delete it from the trash for good)")
def delete_page(request, page_id: int, permanent: bool = False):
    page = services.get_page(request.user, page_id)
    out = _page_out(permissions.Access(request.user), page)
    if permanent:
        services.delete_page(request.user, page)
        return out
    return _page_out(permissions.Access(request.user), services.archive_page(request.user, page))


@router.post("/pages/{page_id}/restore", response=PageOut, summary="Bring a page back from the trash")
def restore_page(request, page_id: int):
    page = services.restore_page(request.user, services.get_page(request.user, page_id))
    return _page_out(permissions.Access(request.user), page)


# --- the page tree -------------------------------------------------------------------------------------


def _destination(request, field: str, page_id: int | None = None, space_id: int | None = None):
    """A page or space named in a request body: one the user cannot see is reported like a missing one, on the field."""
    try:
        if page_id is not None:
            return services.get_page(request.user, page_id)
        return services.get_space(request.user, space_id)
    except NotFound as error:
        raise InvalidInput(error.message, field=field) from None


@router.post("/pages/{page_id}/move", response=PageOut, summary="Move a page (with its sub-pages): re-parent, reorder, or to another space")
def move_page(request, page_id: int, payload: MoveIn):
    page = services.get_page(request.user, page_id)
    sent = payload.model_fields_set
    parent = services.UNSET
    if "parent_id" in sent:
        parent = _destination(request, "parent_id", page_id=payload.parent_id) if payload.parent_id is not None else None
    space = _destination(request, "space_id", space_id=payload.space_id) if payload.space_id is not None else None
    page = services.move_page(request.user, page, parent=parent, space=space,
                              after_id=payload.after_id if "after_id" in sent else services.UNSET,
                              before_id=payload.before_id if "before_id" in sent else services.UNSET)
    return _page_out(permissions.Access(request.user), page)


@router.post("/pages/{page_id}/duplicate", response={201: PageOut}, summary="Copy a page right after itself, with its sub-pages and content")
def duplicate_page(request, page_id: int, payload: DuplicateIn):
    page = services.get_page(request.user, page_id)
    copy = services.duplicate_page(request.user, page, include_subpages=payload.include_subpages, title=payload.title)
    return 201, _page_out(permissions.Access(request.user), copy)


@router.get("/pages/{page_id}/children", response=PagePage, summary="The sub-pages of a page you can see, in order")
def page_children(request, page_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    page = services.get_page(request.user, page_id)
    result = _paginate_ranked(services.pages_for(request.user, parent_id=page.pk).select_related("space", "parent"), limit, cursor)
    access = permissions.Access(request.user)
    return {**result, "items": [_page_out(access, child) for child in result["items"]]}


@router.get("/pages/{page_id}/ancestors", response=list[PageOut], summary="Breadcrumbs: the pages above this one that you can see, top-most first")
def page_ancestors(request, page_id: int):
    page = services.get_page(request.user, page_id)
    access = permissions.Access(request.user)
    return [_page_out(access, ancestor) for ancestor in services.visible_ancestors(request.user, page)]


@router.get("/spaces/{space_id}/tree", response=TreeOut, summary="The pages of a space you can see, nested and in order")
def space_tree(request, space_id: int, depth: int = services.TREE_DEPTH):
    space = services.get_space(request.user, space_id)
    return {"space": space, "pages": services.space_tree(request.user, space, depth)}


# --- trash ---------------------------------------------------------------------------------------------


def _trash_out(access, page) -> dict:
    return {**_page_out(access, page), "archived_by_id": page.archived_by_id,
            "archived_by": page.archived_by.get_username() if page.archived_by_id else None}


@router.get("/trash", response=TrashPage, summary="Pages in the trash you can see, newest first (their sub-pages come back with them)")
def list_trash(request, workspace_id: int | None = None, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    _check_limit(limit)
    if workspace_id is not None:
        services.get_workspace(request.user, workspace_id)
    entries = services.trash_for(request.user, workspace_id)
    after = _decode_cursor(cursor, (str, int))
    if after is not None:
        entries = [page for page in entries if (page.archived_at.isoformat(), page.pk) < (after[0], after[1])]
    window = entries[:limit]
    next_cursor = _encode_cursor([window[-1].archived_at.isoformat(), window[-1].pk]) if len(entries) > limit else None
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


# --- favourites and recently visited -------------------------------------------------------------------


def _favorite_out(access, favorite) -> dict:
    return {"page": _page_out(access, favorite.page), "rank": favorite.rank}


@router.get("/favorites", response=list[FavoriteOut], summary="Your favourite pages, in your order")
def list_favorites(request):
    access = permissions.Access(request.user)
    return [_favorite_out(access, favorite) for favorite in services.favorites_for(request.user)]


@router.post("/favorites", response={200: FavoriteOut, 201: FavoriteOut}, summary="Add a page to your favourites (at the end)")
def add_favorite(request, payload: FavoriteIn):
    page = _destination(request, "page_id", page_id=payload.page_id)
    favorite, added = services.add_favorite(request.user, page)
    return (201 if added else 200), _favorite_out(permissions.Access(request.user), favorite)


@router.delete("/favorites/{page_id}", response={204: None}, summary="Take a page off your favourites")
def remove_favorite(request, page_id: int):
    services.remove_favorite(request.user, page_id)
    return 204, None


@router.post("/favorites/{page_id}/move", response=FavoriteOut, summary="Reorder your favourites: after `after_id` (null: first) or before `before_id`")
def move_favorite(request, page_id: int, payload: FavoriteMoveIn):
    sent = payload.model_fields_set
    favorite = services.move_favorite(request.user, page_id, after_id=payload.after_id if "after_id" in sent else services.UNSET,
                                      before_id=payload.before_id if "before_id" in sent else services.UNSET)
    return _favorite_out(permissions.Access(request.user), favorite)


@router.post("/pages/{page_id}/visit", response=RecentOut, summary="Note that you opened a page (for recently visited)")
def visit_page(request, page_id: int):
    visit = services.record_visit(request.user, services.get_page(request.user, page_id))
    return {"page": _page_out(permissions.Access(request.user), visit.page), "visited_at": visit.visited_at}


# --- history -------------------------------------------------------------------------------------------


def _version_out(version) -> dict:
    return {
        "number": version.number, "title": version.title, "icon": version.icon, "cover_url": version.cover_url,
        "restored_from": version.restored_from, "created_by_id": version.created_by_id,
        "created_by": version.created_by.get_username() if version.created_by_id else None,
        "created_at": version.created_at, "updated_at": version.updated_at,
    }


@router.get("/pages/{page_id}/history", response=VersionPage, summary="The saved versions of a page, newest first")
def page_history(request, page_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    _check_limit(limit)
    versions = services.versions_of(request.user, services.get_page(request.user, page_id))
    after = _decode_cursor(cursor, (int,))
    window = versions.filter(number__lt=after[0]) if after is not None else versions
    rows = list(window[: limit + 1])
    next_cursor = _encode_cursor([rows[limit - 1].number]) if len(rows) > limit else None
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
