"""The page view: a page's block editor beside the sidebar page tree.

The page is rendered by the server (shell, breadcrumbs, title) and the editor and the tree are TypeScript
islands (``frontend/``) that get their data through ``json_script`` blocks: the document as the blocks API
returns it, the page's metadata and the visible page tree of the workspace. Every later change goes through
the API (``PUT /api/v1/pages/{id}/blocks``, ``PATCH /api/v1/pages/{id}``, ``POST /api/v1/pages/{id}/move``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from ipai_workos_core import services as core
from workos.kernel.errors import NotFound, PermissionDenied, ServiceError
from workos.web.menus import menu_tree

from . import services as blocks
from .registry import PAGE_PANELS

PAGE_TREE_TEMPLATE = "ipai_workos_blocks/_page_tree.html"


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _visible(access: permissions.Access, obj) -> bool:
    return RANK[access.level(obj)] >= RANK[VIEW]


def page_tree(user, workspace, current_page_id: int | None) -> dict:
    """The workspace's spaces and the pages this user may see, flat and in rank order (the island nests them)."""
    access = permissions.Access(user)
    spaces = list(core.spaces_for(user, workspace.pk).order_by("rank", "id"))
    pages = (
        core.pages_for(user).filter(space__workspace_id=workspace.pk)
        .order_by("rank", "id").values("id", "parent_id", "space_id", "title", "icon")
    )
    return {
        "workspace": {"id": workspace.pk, "name": workspace.name, "icon": workspace.icon},
        "spaces": [
            {"id": s.pk, "name": s.name, "icon": s.icon, "color": s.color, "can_create": permissions.can(user, "create", s)}
            for s in spaces if _visible(access, s)
        ],
        "pages": list(pages),
        "current": current_page_id,
    }


def _breadcrumbs(user, access: permissions.Access, page) -> list[dict]:
    """Workspace / space / the pages above / this page, naming only what the user may view (as the API does)."""
    space = page.space
    crumbs = []
    if _visible(access, space.workspace):
        crumbs.append({"title": space.workspace.name, "icon": space.workspace.icon, "url": ""})
    if _visible(access, space):
        crumbs.append({"title": space.name, "icon": space.icon, "url": ""})
    trail = core.visible_ancestors(user, page)
    if page.parent_id and (not trail or trail[0].parent_id):
        crumbs.append({"title": "…", "icon": "", "url": ""})
    for ancestor in trail:
        crumbs.append({"title": ancestor.title or "Untitled", "icon": ancestor.icon, "url": f"/web/pages/{ancestor.pk}"})
    crumbs.append({"title": page.title or "Untitled", "icon": page.icon, "url": "", "current": True})
    return crumbs


@never_cache
@login_required
@require_GET
def page_view(request, page_id: int):
    """One page in the editor. Pages the user may not view do not exist for them (404, not 403)."""
    try:
        page = core.get_page(request.user, page_id)
    except (NotFound, PermissionDenied):
        raise Http404("no such page") from None
    access = permissions.Access(request.user)
    archived = page.archived_at is not None
    editable = not archived and permissions.can(request.user, "edit", page)
    meta = {
        "id": page.pk, "title": page.title, "icon": page.icon, "cover_url": getattr(page, "cover_url", "") or "",
        "editable": editable, "archived": archived, "workspace_id": page.space.workspace_id, "space_id": page.space_id,
    }
    context = {
        "menus": menu_tree(request.user),
        "page": page,
        "page_meta": meta,
        # version first: see the API
        "document": {"version": blocks.document_version(page), "items": blocks.live_mentions(request.user, blocks.document(page))},
        "tree": page_tree(request.user, page.space.workspace, page.pk),
        "breadcrumbs": _breadcrumbs(request.user, access, page),
        "sidebar_include": PAGE_TREE_TEMPLATE,
        "page_panels": [mark_safe(panel(request, page)) for _key, panel in PAGE_PANELS.items()],
    }
    return render(request, "ipai_workos_blocks/page.html", context)


def _first_page(user):
    return core.pages_for(user, top_level=True).select_related("space").order_by("space__workspace_id", "space__rank", "space_id", "rank", "id").first()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pages_home_view(request):
    """``/web/pages``: the first page the user can see, or, with none yet, a button that creates one."""
    error = None
    if request.method == "POST":
        try:
            page = _create_first_page(request.user, request.POST.get("space_id", ""))
            return SeeOther(f"/web/pages/{page.pk}")
        except ServiceError as failure:
            error = failure.message
    else:
        page = _first_page(request.user)
        if page is not None:
            return SeeOther(f"/web/pages/{page.pk}")
    workspace = core.workspaces_for(request.user).order_by("id").first()
    spaces = [s for s in core.spaces_for(request.user, workspace.pk).order_by("rank", "id")] if workspace else []
    context = {
        "menus": menu_tree(request.user),
        "workspace": workspace,
        "spaces": [s for s in spaces if permissions.can(request.user, "create", s)],
        "tree": page_tree(request.user, workspace, None) if workspace else None,
        "sidebar_include": PAGE_TREE_TEMPLATE if workspace else None,
        "error": error,
    }
    return render(request, "ipai_workos_blocks/pages_home.html", context, status=422 if error else 200)


def _create_first_page(user, space_id: str):
    """A page in the chosen space; a user without any workspace gets their own workspace and space first."""
    if space_id:
        if not space_id.isdigit():
            raise NotFound("no such space")
        space = core.get_space(user, int(space_id))
    else:
        workspace = core.workspaces_for(user).order_by("id").first()
        if workspace is None:
            workspace = core.create_workspace(user, f"{user.get_username()}'s workspace")
        space = core.spaces_for(user, workspace.pk).order_by("rank", "id").first()
        if space is None:
            space = core.create_space(user, workspace, "General")
    return core.create_page(user, space=space, title="")
