"""How workspaces, spaces and pages take part in permission checks (registered in ``apps.ready``).

Workspace -> space -> page -> sub-page is the scope chain grants inherit down. A workspace member's role
sets the starting level; a private space lets in only admins and those granted access; a public space lets
every member, guests included, view it; a restricted page, like a private space, lets in only admins and those
granted access on it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection

from ipai_platform_permissions.registry import MANAGE, NONE, VIEW, ScopeType, stronger_level

from .models import Page, Space, Visibility, Workspace, WorkspaceMember

WORKSPACE = "ipai.workos.workspace"
SPACE = "ipai.workos.space"
PAGE = "ipai.workos.page"


def workspace_role(user, workspace) -> str | None:
    # Plain SQL on purpose: every permission walk asks it (compiling the queryset cost twenty times running it).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT role FROM {connection.ops.quote_name(WorkspaceMember._meta.db_table)} "
                       "WHERE workspace_id = %s AND user_id = %s ORDER BY id LIMIT 1",
                       [workspace.pk, user.pk])
        found = cursor.fetchone()
    return found[0] if found else None


def workspaces_of(user):
    return WorkspaceMember.objects.filter(user=user).values_list("workspace_id", flat=True)


def workspace_members(workspace, role: str):
    return get_user_model().objects.filter(workspace_memberships__workspace=workspace, workspace_memberships__role=role, is_active=True)


def member_sees_workspace(workspace, role: str | None) -> str:
    return VIEW if role is not None else NONE


def space_inherit(space, level: str, role: str | None) -> str:
    if space.visibility == Visibility.PRIVATE:
        return NONE  # only admins (who keep manage) and explicit grants
    if space.visibility == Visibility.PUBLIC and role is not None:
        return stronger_level(level, VIEW)
    return level


def page_inherit(page, level: str, role: str | None) -> str:
    return NONE if page.restricted else level  # admins keep manage; the page's own grants still apply


def page_parent(page):
    if page.container_model:
        return (page.container_model, page.container_id)  # e.g. a database row's page: its database decides
    return (PAGE, page.parent_id) if page.parent_id else (SPACE, page.space_id)


SCOPE_TYPES = {
    WORKSPACE: ScopeType(
        model=Workspace, parent=lambda workspace: None, root_model=WORKSPACE, root_path="pk",
        role=workspace_role, roots_of=workspaces_of, members=workspace_members, floor=member_sees_workspace,
        required={"edit": MANAGE, "delete": MANAGE},
    ),
    SPACE: ScopeType(
        model=Space, parent=lambda space: (WORKSPACE, space.workspace_id), root_model=WORKSPACE, root_path="workspace_id",
        inherit=space_inherit, required={"edit": MANAGE, "delete": MANAGE},
    ),
    PAGE: ScopeType(
        model=Page, parent=page_parent, root_model=WORKSPACE, root_path="space__workspace_id", inherit=page_inherit,
        label=lambda page: page.title or "Untitled",
    ),
}




def page_has_title(page, user, transition) -> str | None:
    """Workflow guard: a page must have a title before it moves on (e.g. to review or to published)."""
    if not isinstance(page, Page):
        return "this guard applies to pages"
    return None if page.title.strip() else "give the page a title first"


def workspace_of_request(request):
    """Theme scope resolver: the workspace a request shows (URL ``workspace_id``, else the session's current one),
    when the user may see it."""
    from ipai_platform_permissions import services as permissions

    match = getattr(request, "resolver_match", None)
    workspace_id = (match.kwargs.get("workspace_id") if match else None) or (
        request.session.get("workos_workspace_id") if hasattr(request, "session") else None)
    if not workspace_id:
        return None
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    user = getattr(request, "user", None)
    if workspace is None or user is None or not permissions.can(user, "read", workspace):
        return None
    return workspace
