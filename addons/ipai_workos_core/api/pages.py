"""``/api/v1/pages``: list, create, read (also through a share link), change, trash and restore."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.api import SHARE_LINK_AUTH, share_link_reader
from workos.api.pagination import DEFAULT_LIMIT, paginate_ranked
from workos.api.types import RecordId
from workos.kernel.errors import InvalidInput

from .. import services
from ._common import router, _page_out
from .schemas import PageIn, PageOut, PagePage, PagePatch, RecentOut, RestrictIn


@router.get("/pages", response=PagePage, summary="Pages you can see, in tree order; `q` searches titles; `archived=true` lists the trash")
def list_pages(request, space_id: RecordId | None = None, parent_id: RecordId | None = None, top_level: bool = False, q: str = "",
               archived: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    pages = services.pages_for(request.user, space_id=space_id, parent_id=parent_id, top_level=top_level, query=q, archived=archived)
    result = paginate_ranked(pages.select_related("space", "parent"), limit, cursor)
    access = permissions.Access(request.user)
    return {**result, "items": [_page_out(access, page) for page in result["items"]]}


# Before /pages/{page_id}: routes are matched in order and "recent" would be taken for a page id.
@router.get("/pages/recent", response=list[RecentOut], summary="The pages you opened last, newest first")
def recent_pages(request, limit: int = 20):
    access = permissions.Access(request.user)
    return [{"page": _page_out(access, page), "visited_at": visited_at} for page, visited_at in services.recent_pages(request.user, limit)]


PAGE_TITLES_MAX = 200


@router.get("/pages/titles", response=dict[str, str | None],
            summary="Titles of pages by id (`ids=1,2,3`): the title where you may read the page, null where you may not "
                    "or it is gone — one answer for both, so it tells nothing of pages you cannot see")
def page_titles(request, ids: str):
    wanted = [part.strip() for part in ids.split(",") if part.strip()]
    if not wanted or len(wanted) > PAGE_TITLES_MAX or not all(part.isdigit() and len(part) <= 18 for part in wanted):
        raise InvalidInput(f"ids is a comma-separated list of 1 to {PAGE_TITLES_MAX} page ids", field="ids")
    return services.page_titles(request.user, [int(part) for part in wanted])


@router.post("/pages", response={201: PageOut}, summary="Create a page in a space or under a page")
def create_page(request, payload: PageIn):
    parent = services.get_page(request.user, payload.parent_id) if payload.parent_id is not None else None
    space = services.get_space(request.user, payload.space_id) if payload.space_id is not None and parent is None else None
    if parent is not None and payload.space_id is not None and payload.space_id != parent.space_id:
        space = services.get_space(request.user, payload.space_id)
    page = services.create_page(request.user, space=space, parent=parent, title=payload.title, icon=payload.icon)
    return 201, _page_out(permissions.Access(request.user), page)


@router.get("/pages/{page_id}", response=PageOut, auth=SHARE_LINK_AUTH, summary="One page (`?share=` for a share link)")
def get_page(request, page_id: int, share: str = ""):
    user, token = share_link_reader(request, share)
    page = services.get_page(user, page_id, share=token)
    return _page_out(permissions.Access(user, token), page)


@router.patch("/pages/{page_id}", response=PageOut, summary="Rename a page or change its icon")
def update_page(request, page_id: int, payload: PagePatch):
    page = services.update_page(request.user, services.get_page(request.user, page_id), **payload.dict(exclude_unset=True))
    return _page_out(permissions.Access(request.user), page)


@router.post("/pages/{page_id}/restrict", response=PageOut,
             summary="Make a page open only to those invited on it (and administrators), or open it again")
def restrict_page(request, page_id: int, payload: RestrictIn):
    page = services.set_restricted(request.user, services.get_page(request.user, page_id), payload.restricted)
    return _page_out(permissions.Access(request.user), page)


@router.delete("/pages/{page_id}", response=PageOut, summary="Move a page to the trash (`permanent=true`: delete it from the trash for good)")
def delete_page(request, page_id: int, permanent: bool = False):
    page = services.get_page(request.user, page_id)
    out = _page_out(permissions.Access(request.user), page)
    if permanent:
        services.delete_page(request.user, page)
        return out
    return _page_out(permissions.Access(request.user), services.archive_page(request.user, page))


@router.post("/pages/{page_id}/restore", response=PageOut, summary="Bring a page back from the trash")
def restore_page(request, page_id: int):
    page = services.restore_page(request.user, services.get_page(request.user, page_id))
    return _page_out(permissions.Access(request.user), page)
