"""The page tree: move, duplicate, children, ancestors (breadcrumbs) and a space's nested tree."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from workos.api.pagination import DEFAULT_LIMIT, paginate_ranked

from .. import services
from ._common import router, _destination, _page_out
from .schemas import DuplicateIn, MoveIn, PageOut, PagePage, TreeOut


@router.post("/pages/{page_id}/move", response=PageOut, summary="Move a page (with its sub-pages): re-parent, reorder, or to another space")
def move_page(request, page_id: int, payload: MoveIn):
    page = services.get_page(request.user, page_id)
    sent = payload.model_fields_set
    parent = services.UNSET
    if "parent_id" in sent:
        parent = _destination(request, "parent_id", page_id=payload.parent_id) if payload.parent_id is not None else None
    space = _destination(request, "space_id", space_id=payload.space_id) if payload.space_id is not None else None
    page = services.move_page(request.user, page, parent=parent, space=space,
                              after_id=payload.after_id if "after_id" in sent else services.UNSET,
                              before_id=payload.before_id if "before_id" in sent else services.UNSET)
    return _page_out(permissions.Access(request.user), page)


@router.post("/pages/{page_id}/duplicate", response={201: PageOut}, summary="Copy a page right after itself, with its sub-pages and content")
def duplicate_page(request, page_id: int, payload: DuplicateIn):
    page = services.get_page(request.user, page_id)
    copy = services.duplicate_page(request.user, page, include_subpages=payload.include_subpages, title=payload.title)
    return 201, _page_out(permissions.Access(request.user), copy)


@router.get("/pages/{page_id}/children", response=PagePage, summary="The sub-pages of a page you can see, in order")
def page_children(request, page_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    page = services.get_page(request.user, page_id)
    result = paginate_ranked(services.pages_for(request.user, parent_id=page.pk).select_related("space", "parent"), limit, cursor)
    access = permissions.Access(request.user)
    return {**result, "items": [_page_out(access, child) for child in result["items"]]}


@router.get("/pages/{page_id}/ancestors", response=list[PageOut], summary="Breadcrumbs: the pages above this one that you can see, top-most first")
def page_ancestors(request, page_id: int):
    page = services.get_page(request.user, page_id)
    access = permissions.Access(request.user)
    return [_page_out(access, ancestor) for ancestor in services.visible_ancestors(request.user, page)]


@router.get("/spaces/{space_id}/tree", response=TreeOut, summary="The pages of a space you can see, nested and in order")
def space_tree(request, space_id: int, depth: int = services.TREE_DEPTH):
    space = services.get_space(request.user, space_id)
    return {"space": space, "pages": services.space_tree(request.user, space, depth)}
