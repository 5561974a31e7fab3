"""Workspaces, members, spaces and pages: the only write path of this module, and its permission-filtered reads.

Each write checks permission, validates, writes and records its audit event, in one transaction.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .models import Page, Role, Space, Visibility, Workspace, WorkspaceMember

QUERIES = ("workspaces_for", "get_workspace", "members_of", "spaces_for", "get_space", "pages_for", "get_page", "page_ancestors")

NAME_MAX = 128
TITLE_MAX = 512


def _clean_name(value, field: str = "name", limit: int = NAME_MAX) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    if any(ord(char) < 32 for char in value):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return value


def _clean_title(value) -> str:
    if not isinstance(value, str):
        raise InvalidInput("title must be text", field="title")
    value = value.strip()
    if len(value) > TITLE_MAX:
        raise InvalidInput(f"title is longer than {TITLE_MAX} characters", field="title")
    if any(ord(char) < 32 for char in value):
        raise InvalidInput("title must not contain control characters", field="title")
    return value


def _require_user(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("log in first")


# --- workspaces ----------------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, number = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def create_workspace(actor, name: str, slug: str = "", icon: str = "") -> Workspace:
    """Create a workspace; its creator becomes its first admin."""
    _require_user(actor)
    name = _clean_name(name)
    if slug:
        if slugify(slug) != slug or len(slug) > 64:
            raise InvalidInput("slug may hold lower-case letters, digits and dashes only (at most 64)", field="slug")
        if Workspace.objects.filter(slug=slug).exists():
            raise Conflict("a workspace with this slug exists", field="slug")
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(name=name, slug=slug or _unique_slug(name), icon=(icon or "")[:64], created_by=actor)
    except IntegrityError:
        raise Conflict("a workspace with this slug exists", field="slug") from None
    WorkspaceMember.objects.create(workspace=workspace, user=actor, role=Role.ADMIN)
    record_event(actor=actor, action="workspace.create", target=workspace, changes={"name": {"before": None, "after": name}, "slug": {"before": None, "after": workspace.slug}})
    return workspace


@transaction.atomic
def update_workspace(actor, workspace: Workspace, *, name: str | None = None, icon: str | None = None) -> Workspace:
    permissions.require(actor, "edit", workspace)
    before = {"name": workspace.name, "icon": workspace.icon}
    if name is not None:
        workspace.name = _clean_name(name)
    if icon is not None:
        workspace.icon = icon[:64]
    workspace.save()
    changes = diff(before, {"name": workspace.name, "icon": workspace.icon})
    record_event(actor=actor, action="workspace.update", target=workspace, changes=changes)
    return workspace


@transaction.atomic
def delete_workspace(actor, workspace: Workspace) -> None:
    """Delete a workspace with everything in it, for good. Admins only."""
    permissions.require(actor, "delete", workspace)
    spaces = list(workspace.spaces.all())
    pages = list(Page.objects.filter(space__workspace=workspace))
    permissions.forget_objects(actor, [*pages, *spaces, workspace])
    record_event(actor=actor, action="workspace.delete", target=workspace, changes={"spaces": len(spaces), "pages": len(pages)})
    workspace.delete()


def workspaces_for(user):
    return permissions.visible_to(user, Workspace.objects.all())


def get_workspace(user, workspace_id, action: str = "read") -> Workspace:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        raise NotFound("no such workspace")
    permissions.require(user, action, workspace)
    return workspace


# --- members -------------------------------------------------------------------------------------------


def members_of(user, workspace: Workspace):
    permissions.require(user, "read", workspace)
    return workspace.members.select_related("user").order_by("id")


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {', '.join(Role.values)}", field="role")


def _keeps_an_admin(workspace: Workspace, leaving_user_id: int) -> bool:
    return workspace.members.filter(role=Role.ADMIN).exclude(user_id=leaving_user_id).exists()


@transaction.atomic
def add_member(actor, workspace: Workspace, user_id: int, role: str = Role.MEMBER) -> WorkspaceMember:
    permissions.require(actor, "manage", workspace)
    _check_role(role)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidInput("no such user", field="user_id")
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
    member.delete()


# --- spaces --------------------------------------------------------------------------------------------


def _check_visibility(visibility: str) -> None:
    if visibility not in Visibility.values:
        raise InvalidInput(f"visibility must be one of {', '.join(Visibility.values)}", field="visibility")


def _check_color(color: str) -> str:
    if color and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise InvalidInput("color must look like #2f6fed", field="color")
    return color


@transaction.atomic
def create_space(actor, workspace: Workspace, name: str, visibility: str = Visibility.TEAM, icon: str = "", color: str = "") -> Space:
    permissions.require(actor, "create", workspace)
    name = _clean_name(name)
    _check_visibility(visibility)
    space = Space.objects.create(workspace=workspace, name=name, visibility=visibility, icon=(icon or "")[:64],
                                 color=_check_color(color or ""), created_by=actor)
    record_event(actor=actor, action="space.create", target=space,
                 changes={"name": {"before": None, "after": name}, "visibility": {"before": None, "after": visibility}})
    return space


@transaction.atomic
def update_space(actor, space: Space, *, name: str | None = None, visibility: str | None = None, icon: str | None = None,
                 color: str | None = None) -> Space:
    permissions.require(actor, "edit", space)
    before = {"name": space.name, "visibility": space.visibility, "icon": space.icon, "color": space.color}
    if name is not None:
        space.name = _clean_name(name)
    if visibility is not None:
        _check_visibility(visibility)
        space.visibility = visibility
    if icon is not None:
        space.icon = icon[:64]
    if color is not None:
        space.color = _check_color(color)
    space.save()
    after = {"name": space.name, "visibility": space.visibility, "icon": space.icon, "color": space.color}
    record_event(actor=actor, action="space.update", target=space, changes=diff(before, after))
    return space


@transaction.atomic
def delete_space(actor, space: Space) -> None:
    """Delete a space and its pages for good (needs full access to the space)."""
    permissions.require(actor, "delete", space)
    pages = list(space.pages.all())
    permissions.forget_objects(actor, [*pages, space])
    record_event(actor=actor, action="space.delete", target=space, changes={"pages": len(pages)})
    space.delete()


def spaces_for(user, workspace_id: int | None = None):
    spaces = Space.objects.all()
    if workspace_id is not None:
        spaces = spaces.filter(workspace_id=workspace_id)
    return permissions.visible_to(user, spaces)


def get_space(user, space_id, action: str = "read") -> Space:
    space = Space.objects.filter(pk=space_id).first()
    if space is None:
        raise NotFound("no such space")
    permissions.require(user, action, space)
    return space


# --- pages ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_page(actor, *, space: Space | None = None, parent: Page | None = None, title: str = "", icon: str = "") -> Page:
    """Create a page at the top of a space or under ``parent`` (then in the parent's space)."""
    if parent is not None:
        permissions.require(actor, "create", parent)
        if parent.archived_at is not None:
            raise Conflict("cannot add a page under a page in the trash", field="parent_id")
        if space is not None and space.pk != parent.space_id:
            raise InvalidInput("the parent page is in another space", field="parent_id")
        space = parent.space
    elif space is not None:
        permissions.require(actor, "create", space)
    else:
        raise InvalidInput("a page needs a space or a parent page", field="space_id")
    page = Page.objects.create(space=space, parent=parent, title=_clean_title(title), icon=(icon or "")[:64], created_by=actor, updated_by=actor)
    record_event(actor=actor, action="page.create", target=page,
                 changes={"title": {"before": None, "after": page.title}, "parent_id": {"before": None, "after": page.parent_id}})
    return page


@transaction.atomic
def update_page(actor, page: Page, *, title: str | None = None, icon: str | None = None) -> Page:
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    before = {"title": page.title, "icon": page.icon}
    if title is not None:
        page.title = _clean_title(title)
    if icon is not None:
        page.icon = icon[:64]
    page.updated_by = actor
    page.save()
    record_event(actor=actor, action="page.update", target=page, changes=diff(before, {"title": page.title, "icon": page.icon}))
    return page


def _subtree(page: Page) -> list[Page]:
    """``page`` and every page below it, breadth first (one query per level)."""
    found, frontier = [page], [page.pk]
    while frontier:
        children = list(Page.objects.filter(parent_id__in=frontier))
        found.extend(children)
        frontier = [child.pk for child in children]
    return found


@transaction.atomic
def archive_page(actor, page: Page) -> Page:
    """Move a page and its sub-pages to the trash."""
    permissions.require(actor, "delete", page)
    if page.archived_at is not None:
        return page
    now = timezone.now()
    subtree = [p for p in _subtree(page) if p.archived_at is None]
    Page.objects.filter(pk__in=[p.pk for p in subtree]).update(archived_at=now, archived_by=actor)
    page.archived_at, page.archived_by = now, actor
    record_event(actor=actor, action="page.archive", target=page, changes={"archived_at": {"before": None, "after": now}, "pages": len(subtree)})
    return page


@transaction.atomic
def restore_page(actor, page: Page) -> Page:
    """Bring a page back from the trash with the sub-pages that went there with it."""
    permissions.require(actor, "delete", page)
    if page.archived_at is None:
        return page
    if page.parent_id and page.parent.archived_at is not None:
        raise Conflict("its parent page is in the trash: restore the parent first")
    archived_at = page.archived_at
    subtree = [p for p in _subtree(page) if p.archived_at == archived_at]
    Page.objects.filter(pk__in=[p.pk for p in subtree]).update(archived_at=None, archived_by=None)
    page.archived_at = page.archived_by = None
    record_event(actor=actor, action="page.restore", target=page, changes={"archived_at": {"before": archived_at, "after": None}, "pages": len(subtree)})
    return page


@transaction.atomic
def delete_page(actor, page: Page) -> None:
    """Delete a page from the trash for good, with its sub-pages."""
    permissions.require(actor, "delete", page)
    if page.archived_at is None:
        raise Conflict("move the page to the trash before deleting it for good")
    subtree = _subtree(page)
    permissions.forget_objects(actor, subtree)
    record_event(actor=actor, action="page.delete", target=page, changes={"pages": len(subtree)})
    page.delete()


def pages_for(user, *, space_id: int | None = None, parent_id: int | None = None, top_level: bool = False,
              query: str = "", archived: bool = False, share=None):
    """The pages ``user`` may view, narrowed by space, parent, title search and trash state."""
    pages = Page.objects.filter(archived_at__isnull=not archived)
    if space_id is not None:
        pages = pages.filter(space_id=space_id)
    if parent_id is not None:
        pages = pages.filter(parent_id=parent_id)
    elif top_level:
        pages = pages.filter(parent__isnull=True)
    if query:
        pages = pages.filter(Q(title__icontains=query.strip()[:200]))
    return permissions.visible_to(user, pages, share=share)


def get_page(user, page_id, action: str = "read", share=None) -> Page:
    page = Page.objects.select_related("space").filter(pk=page_id).first()
    if page is None:
        raise NotFound("no such page")
    permissions.require(user, action, page, share=share)
    return page


def page_ancestors(page: Page) -> list[Page]:
    ancestors, current, seen = [], page.parent, set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        ancestors.append(current)
        current = current.parent
    return list(reversed(ancestors))
