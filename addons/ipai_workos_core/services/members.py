"""Workspace members and their roles; a workspace always keeps an admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from ..models import Role, Workspace, WorkspaceMember
from .groups import leave_groups


def members_of(user, workspace: Workspace):
    permissions.require(user, "read", workspace)
    return workspace.members.select_related("user").order_by("id")


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {', '.join(Role.values)}", field="role")


def _keeps_an_admin(workspace: Workspace, leaving_user_id: int) -> bool:
    return workspace.members.filter(role=Role.ADMIN).exclude(user_id=leaving_user_id).exists()


@transaction.atomic
def add_member(actor, workspace: Workspace, user_id: int | None = None, role: str = Role.MEMBER, *, username: str | None = None) -> WorkspaceMember:
    """Add someone who has an account here, named by ``user_id`` or by their login ``username`` (one of them).
    Only administrators of the workspace add people, and they are checked before anyone is looked up."""
    permissions.require(actor, "manage", workspace)
    _check_role(role)
    if (user_id is None) == (username is None):
        raise InvalidInput("give the user_id or the username of the person to add (one of them)", field="user_id")
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(pk=user_id).first() if username is None else users.filter(username=username.strip()).first()
    if user is None:
        raise InvalidInput("no such user", field="user_id" if username is None else "username")
    if workspace.members.filter(user=user).exists():
        raise Conflict("this user is already a member", field="user_id")
    member = WorkspaceMember.objects.create(workspace=workspace, user=user, role=role)
    record_event(actor=actor, action="workspace.member_add", target=workspace,
                 changes={"member": user.get_username(), "role": {"before": None, "after": role}})
    return member


def _member(workspace: Workspace, user_id: int) -> WorkspaceMember:
    member = workspace.members.select_related("user").filter(user_id=user_id).first()
    if member is None:
        raise NotFound("no such member")
    return member


@transaction.atomic
def change_member_role(actor, workspace: Workspace, user_id: int, role: str) -> WorkspaceMember:
    permissions.require(actor, "manage", workspace)
    _check_role(role)
    member = _member(workspace, user_id)
    if member.role == Role.ADMIN and role != Role.ADMIN and not _keeps_an_admin(workspace, user_id):
        raise Conflict("a workspace keeps at least one admin", field="role")
    before = member.role
    member.role = role
    member.save(update_fields=["role"])
    record_event(actor=actor, action="workspace.member_role", target=workspace,
                 changes={"member": member.user.get_username(), "role": {"before": before, "after": role}})
    permissions.access_changed([workspace])
    return member


@transaction.atomic
def remove_member(actor, workspace: Workspace, user_id: int) -> None:
    """Remove a member (admins may remove anyone, every member may leave)."""
    member = _member(workspace, user_id) if permissions.can(actor, "read", workspace) else None
    if member is None:
        raise NotFound("no such member")
    if actor.pk != user_id:
        permissions.require(actor, "manage", workspace)
    if member.role == Role.ADMIN and not _keeps_an_admin(workspace, user_id):
        raise Conflict("a workspace keeps at least one admin")
    record_event(actor=actor, action="workspace.member_remove", target=workspace,
                 changes={"member": member.user.get_username(), "role": {"before": member.role, "after": None}})
    leave_groups(workspace, member.user)
    member.delete()
    permissions.access_changed([workspace])
