"""Groups of a workspace's members: created, renamed and deleted by the workspace's admins, listed to every
member (so that anyone who shares a page can pick one). Sharing a page with a group is a group grant of the
permissions module; leaving the workspace leaves its groups."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from ..models import Workspace, WorkspaceGroup

GROUP_NAME_MAX = 128


def _clean_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("give the group a name", field="name")
    name = name.strip()
    if len(name) > GROUP_NAME_MAX:
        raise InvalidInput(f"a group's name is at most {GROUP_NAME_MAX} characters", field="name")
    return name


def groups_of(user, workspace: Workspace):
    """The workspace's groups, for its members (and administrators)."""
    permissions.require(user, "read", workspace)
    return workspace.groups.select_related("group").order_by("name", "id")


def get_group(user, group_id) -> WorkspaceGroup:
    """One group, if ``user`` may see its workspace; a group of another workspace does not exist for them."""
    group = WorkspaceGroup.objects.select_related("workspace", "group").filter(pk=group_id).first()
    if group is None or not permissions.can(user, "read", group.workspace):
        raise NotFound("no such group")
    return group


def group_members(user, group: WorkspaceGroup):
    permissions.require(user, "read", group.workspace)
    return group.group.user_set.filter(is_active=True).order_by("username")


@transaction.atomic
def create_group(actor, workspace: Workspace, name: str) -> WorkspaceGroup:
    permissions.require(actor, "manage", workspace)
    name = _clean_name(name)
    if workspace.groups.filter(name__iexact=name).exists():
        raise Conflict("the workspace has a group of this name", field="name")
    # auth.Group names are unique site-wide; the workspace's own name is kept on WorkspaceGroup
    group = WorkspaceGroup.objects.create(workspace=workspace, name=name, created_by=actor,
                                          group=Group.objects.create(name=f"workspace-{workspace.pk}-{uuid.uuid4().hex[:12]}"))
    record_event(actor=actor, action="workspace.group_create", target=workspace, changes={"group": name})
    return group


@transaction.atomic
def rename_group(actor, group: WorkspaceGroup, name: str) -> WorkspaceGroup:
    permissions.require(actor, "manage", group.workspace)
    name = _clean_name(name)
    if group.workspace.groups.filter(name__iexact=name).exclude(pk=group.pk).exists():
        raise Conflict("the workspace has a group of this name", field="name")
    before, group.name = group.name, name
    try:
        with transaction.atomic():
            group.save(update_fields=["name"])
    except IntegrityError:
        raise Conflict("the workspace has a group of this name", field="name") from None
    record_event(actor=actor, action="workspace.group_rename", target=group.workspace, changes={"group": {"before": before, "after": name}})
    return group


@transaction.atomic
def delete_group(actor, group: WorkspaceGroup) -> None:
    """Delete a group; what was shared with it is no longer shared with its members (its grants go too)."""
    permissions.require(actor, "manage", group.workspace)
    record_event(actor=actor, action="workspace.group_delete", target=group.workspace, changes={"group": group.name})
    permissions.access_changed([group.workspace])
    group.group.delete()  # cascades to the WorkspaceGroup and to the group's grants


@transaction.atomic
def add_group_member(actor, group: WorkspaceGroup, user_id: int):
    permissions.require(actor, "manage", group.workspace)
    member = group.workspace.members.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    if member is None:
        raise InvalidInput("only members of the workspace join its groups", field="user_id")
    if group.group.user_set.filter(pk=user_id).exists():
        raise Conflict("already in this group", field="user_id")
    group.group.user_set.add(member.user)
    record_event(actor=actor, action="workspace.group_member_add", target=group.workspace,
                 changes={"group": group.name, "member": member.user.get_username()})
    return member.user


@transaction.atomic
def remove_group_member(actor, group: WorkspaceGroup, user_id: int) -> None:
    """Take someone out of a group (admins), or leave it (anyone in it)."""
    user = group.group.user_set.filter(pk=user_id).first()
    if user is None:
        raise NotFound("not in this group")
    if actor.pk != user_id:
        permissions.require(actor, "manage", group.workspace)
    group.group.user_set.remove(user)
    permissions.access_changed([group.workspace])
    record_event(actor=actor, action="workspace.group_member_remove", target=group.workspace,
                 changes={"group": group.name, "member": user.get_username()})


def leave_groups(workspace: Workspace, user) -> None:
    """Someone leaving the workspace leaves its groups (called by ``remove_member`` in its transaction)."""
    for group in workspace.groups.select_related("group"):
        group.group.user_set.remove(user)
    permissions.access_changed([workspace])
