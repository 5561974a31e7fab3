"""Workspaces: create, rename, delete, and the workspaces a user can see."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from ..models import Page, Role, Workspace, WorkspaceMember
from ..registry import DELETED, notify_pages
from ._common import _clean_name, _require_user


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
    notify_pages(DELETED, [page.pk for page in pages], actor)
    workspace.delete()


def workspaces_for(user):
    return permissions.visible_to(user, Workspace.objects.all())


def get_workspace(user, workspace_id, action: str = "read") -> Workspace:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        raise NotFound("no such workspace")
    permissions.require(user, action, workspace)
    return workspace
