"""The core API's router and the helpers its resources share: the shapes of workspaces and pages, and the
page or space a request body names."""

from __future__ import annotations

from ninja import Router

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from workos.kernel.errors import InvalidInput, NotFound

from .. import services
from ..models import Page
from .schemas import WorkspaceOut

router = Router(tags=["workspaces"])


def _workspace_out(user, workspace) -> dict:
    return {**WorkspaceOut.from_orm(workspace).dict(), "role": permissions.role_of(user, workspace)}


def _page_out(access: permissions.Access, page) -> dict:
    """A page as this user may see it: a parent or space they cannot view is not named, not even by id."""
    parent_visible = page.parent_id is not None and RANK[access.level_of_id(Page, page.parent_id)] >= RANK[VIEW]
    space_visible = RANK[access.level(page.space)] >= RANK[VIEW]
    return {
        "id": page.pk, "space_id": page.space_id if space_visible else None, "parent_id": page.parent_id if parent_visible else None,
        "title": page.title, "icon": page.icon, "cover_url": page.cover_url,
        "full_width": page.full_width, "small_text": page.small_text, "restricted": page.restricted, "rank": page.rank, "archived_at": page.archived_at,
        "workflow_state": page.workflow_state,
        "created_at": page.created_at, "updated_at": page.updated_at,
    }


def _destination(request, field: str, page_id: int | None = None, space_id: int | None = None):
    """A page or space named in a request body: one the user cannot see is reported like a missing one, on the field."""
    try:
        if page_id is not None:
            return services.get_page(request.user, page_id)
        return services.get_space(request.user, space_id)
    except NotFound as error:
        raise InvalidInput(error.message, field=field) from None
