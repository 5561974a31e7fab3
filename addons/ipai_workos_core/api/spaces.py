"""``/api/v1/spaces``."""

from __future__ import annotations

from workos.api.pagination import DEFAULT_LIMIT, paginate_ranked

from .. import services
from ._common import router
from .schemas import SpaceIn, SpaceOut, SpacePage, SpacePatch


@router.get("/spaces", response=SpacePage, summary="Spaces you can see")
def list_spaces(request, workspace_id: int | None = None, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    return paginate_ranked(services.spaces_for(request.user, workspace_id), limit, cursor)


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
