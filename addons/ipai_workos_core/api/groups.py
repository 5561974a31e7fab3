"""``/api/v1/workspaces/{id}/groups`` and ``/api/v1/groups``: groups of a workspace's members."""

from __future__ import annotations


from .. import services
from ._common import router
from .schemas import GroupIn, GroupMemberIn, GroupOut


def _group_out(user, group) -> dict:
    members = [{"user_id": u.pk, "username": u.get_username()} for u in services.group_members(user, group)]
    return {"id": group.pk, "workspace_id": group.workspace_id, "name": group.name, "group_id": group.group_id, "members": members}


@router.get("/workspaces/{workspace_id}/groups", response=list[GroupOut], summary="Groups of a workspace, with their members")
def list_groups(request, workspace_id: int):
    workspace = services.get_workspace(request.user, workspace_id)
    return [_group_out(request.user, group) for group in services.groups_of(request.user, workspace)]


@router.post("/workspaces/{workspace_id}/groups", response={201: GroupOut}, summary="Create a group (admins)")
def create_group(request, workspace_id: int, payload: GroupIn):
    workspace = services.get_workspace(request.user, workspace_id)
    return 201, _group_out(request.user, services.create_group(request.user, workspace, payload.name))


@router.patch("/groups/{group_id}", response=GroupOut, summary="Rename a group (admins)")
def rename_group(request, group_id: int, payload: GroupIn):
    group = services.rename_group(request.user, services.get_group(request.user, group_id), payload.name)
    return _group_out(request.user, group)


@router.delete("/groups/{group_id}", response={204: None}, summary="Delete a group and what was shared with it (admins)")
def delete_group(request, group_id: int):
    services.delete_group(request.user, services.get_group(request.user, group_id))
    return 204, None


@router.post("/groups/{group_id}/members", response={201: GroupOut}, summary="Add a workspace member to a group (admins)")
def add_group_member(request, group_id: int, payload: GroupMemberIn):
    group = services.get_group(request.user, group_id)
    services.add_group_member(request.user, group, payload.user_id)
    return 201, _group_out(request.user, group)


@router.delete("/groups/{group_id}/members/{user_id}", response={204: None}, summary="Take someone out of a group (admins), or leave it")
def remove_group_member(request, group_id: int, user_id: int):
    services.remove_group_member(request.user, services.get_group(request.user, group_id), user_id)
    return 204, None
