"""``/api/v1/favorites`` and the recently visited pages."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions

from .. import services
from ._common import router, _destination, _page_out
from .schemas import FavoriteIn, FavoriteMoveIn, FavoriteOut, RecentOut


def _favorite_out(access, favorite) -> dict:
    return {"page": _page_out(access, favorite.page), "rank": favorite.rank}


@router.get("/favorites", response=list[FavoriteOut], summary="Your favourite pages, in your order")
def list_favorites(request):
    access = permissions.Access(request.user)
    return [_favorite_out(access, favorite) for favorite in services.favorites_for(request.user)]


@router.post("/favorites", response={200: FavoriteOut, 201: FavoriteOut}, summary="Add a page to your favourites (at the end)")
def add_favorite(request, payload: FavoriteIn):
    page = _destination(request, "page_id", page_id=payload.page_id)
    favorite, added = services.add_favorite(request.user, page)
    return (201 if added else 200), _favorite_out(permissions.Access(request.user), favorite)


@router.delete("/favorites/{page_id}", response={204: None}, summary="Take a page off your favourites")
def remove_favorite(request, page_id: int):
    services.remove_favorite(request.user, page_id)
    return 204, None


@router.post("/favorites/{page_id}/move", response=FavoriteOut, summary="Reorder your favourites: after `after_id` (null: first) or before `before_id`")
def move_favorite(request, page_id: int, payload: FavoriteMoveIn):
    sent = payload.model_fields_set
    favorite = services.move_favorite(request.user, page_id, after_id=payload.after_id if "after_id" in sent else services.UNSET,
                                      before_id=payload.before_id if "before_id" in sent else services.UNSET)
    return _favorite_out(permissions.Access(request.user), favorite)


@router.post("/pages/{page_id}/visit", response=RecentOut, summary="Note that you opened a page (for recently visited)")
def visit_page(request, page_id: int):
    visit = services.record_visit(request.user, services.get_page(request.user, page_id))
    return {"page": _page_out(permissions.Access(request.user), visit.page), "visited_at": visit.visited_at}
