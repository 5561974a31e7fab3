"""Spaces of a workspace: create, change, delete, and the spaces a user can see."""

from __future__ import annotations

import re

from django.db import transaction

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import InvalidInput, NotFound
from workos.kernel.prepared import Prepared

from ..models import Space, Visibility, Workspace
from ..registry import DELETED, notify_pages
from ._common import _clean_name
from .tree import _key_after


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
    last = Space.objects.filter(workspace=workspace).order_by("-rank", "-id").values_list("rank", flat=True).first()
    space = Space.objects.create(workspace=workspace, name=name, visibility=visibility, icon=(icon or "")[:64],
                                 color=_check_color(color or ""), rank=_key_after(last), created_by=actor)
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
    if before.get("visibility") != after.get("visibility"):
        permissions.access_changed([space])  # live sessions of those who lost access close
    return space


@transaction.atomic
def delete_space(actor, space: Space) -> None:
    """Delete a space and its pages for good (needs full access to the space)."""
    permissions.require(actor, "delete", space)
    pages = list(space.pages.all())
    permissions.forget_objects(actor, [*pages, space])
    record_event(actor=actor, action="space.delete", target=space, changes={"pages": len(pages)})
    notify_pages(DELETED, [page.pk for page in pages], actor)
    space.delete()


def spaces_for(user, workspace_id: int | None = None):
    spaces = Space.objects.all()
    if workspace_id is not None:
        spaces = spaces.filter(workspace_id=workspace_id)
    return permissions.visible_to(user, spaces)


# the space with its workspace (the chain the check walks); compiled once (workos.kernel.prepared)
SPACE_BY_ID = Prepared(lambda pk: Space.objects.select_related("workspace").filter(pk=pk))


def get_space(user, space_id, action: str = "read") -> Space:
    space = SPACE_BY_ID.first(space_id)
    if space is None:
        raise NotFound("no such space")
    permissions.require(user, action, space)
    return space
