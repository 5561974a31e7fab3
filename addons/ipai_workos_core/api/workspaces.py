"""``/api/v1/workspaces`` and their members."""

from __future__ import annotations

from workos.api.pagination import DEFAULT_LIMIT, paginate

from .. import services
from ._common import router, _workspace_out
from .schemas import MemberIn, MemberOut, MemberPatch, WorkspaceIn, WorkspaceOut, WorkspacePage, WorkspacePatch


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
    return 201, _member_out(services.add_member(request.user, workspace, payload.user_id, payload.role, username=payload.username))


@router.patch("/workspaces/{workspace_id}/members/{user_id}", response=MemberOut, summary="Change a member's role (admins)")
def change_member(request, workspace_id: int, user_id: int, payload: MemberPatch):
    workspace = services.get_workspace(request.user, workspace_id)
    return _member_out(services.change_member_role(request.user, workspace, user_id, payload.role))


@router.delete("/workspaces/{workspace_id}/members/{user_id}", response={204: None}, summary="Remove a member, or leave")
def remove_member(request, workspace_id: int, user_id: int):
    services.remove_member(request.user, services.get_workspace(request.user, workspace_id), user_id)
    return 204, None
