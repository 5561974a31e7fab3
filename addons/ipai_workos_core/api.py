"""``/api/v1/workspaces``, ``/spaces``, ``/pages``: parse, call the service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Router, Schema

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from workos.api.auth import session_auth, token_auth
from workos.api.pagination import DEFAULT_LIMIT, paginate
from workos.kernel.errors import NotAuthenticated

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


def _workspace_out(user, workspace) -> dict:
    return {**WorkspaceOut.from_orm(workspace).dict(), "role": permissions.role_of(user, workspace)}


def _page_out(access: permissions.Access, page) -> dict:
    """A page as this user may see it: a parent or space they cannot view is not named, not even by id."""
    parent_visible = page.parent_id is not None and RANK[access.level(page.parent)] >= RANK[VIEW]
    space_visible = RANK[access.level(page.space)] >= RANK[VIEW]
    return {
        "id": page.pk, "space_id": page.space_id if space_visible else None, "parent_id": page.parent_id if parent_visible else None,
        "title": page.title, "icon": page.icon, "archived_at": page.archived_at, "workflow_state": page.workflow_state,
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
    return paginate(services.spaces_for(request.user, workspace_id), limit, cursor)


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


@router.get("/pages", response=PagePage, summary="Pages you can see; `q` searches titles; `archived=true` lists the trash")
def list_pages(request, space_id: int | None = None, parent_id: int | None = None, top_level: bool = False, q: str = "",
               archived: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    pages = services.pages_for(request.user, space_id=space_id, parent_id=parent_id, top_level=top_level, query=q, archived=archived)
    result = paginate(pages.select_related("space", "parent"), limit, cursor)
    access = permissions.Access(request.user)
    return {**result, "items": [_page_out(access, page) for page in result["items"]]}


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
