"""The page view: a page's block editor beside the sidebar page tree.

The page is rendered by the server (shell, breadcrumbs, title) and the editor and the tree are TypeScript
islands (``frontend/``) that get their data through ``json_script`` blocks: the document as the blocks API
returns it, the page's metadata and the visible page tree of the workspace. Every later change goes through
the API (``PUT /api/v1/pages/{id}/blocks``, ``PATCH /api/v1/pages/{id}``, ``POST /api/v1/pages/{id}/move``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from ipai_workos_core import services as core
from workos.kernel.errors import NotFound, PermissionDenied, ServiceError
from workos.web.menus import menu_tree
from workos.web.views import greeting

from . import services as blocks
from .registry import PAGE_HEADERS, PAGE_PANELS, PAGE_ROUTES, SIDEBAR_TREE_ITEMS, TRASH_ITEMS
from .services import live

PAGE_TREE_TEMPLATE = "ipai_workos_blocks/_page_tree.html"


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _visible(access: permissions.Access, obj) -> bool:
    return RANK[access.level(obj)] >= RANK[VIEW]


def page_tree(user, workspace, current_page_id: int | None) -> dict:
    """The workspace's spaces and the pages this user may see, flat and in rank order (the island nests them),
    the user's favourites, and what other modules put in the tree (a database, shown as a page of its own)."""
    access = permissions.Access(user)
    extras = {key: provider(user, workspace) for key, provider in SIDEBAR_TREE_ITEMS.items()}
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
        "items": [item for items in extras.values() for item in items],
        "favorites": [{"id": f.page_id, "title": f.page.title, "icon": f.page.icon} for f in core.favorites_for(user)],
        "current": current_page_id,
    }


def _workspace_for(request, context):
    """The workspace the open page belongs to, else the user's first one."""
    tree = context.get("tree")
    if tree and tree.get("workspace"):
        return core.workspaces_for(request.user).filter(pk=tree["workspace"]["id"]).first()
    workspace_id = context.get("sidebar_workspace_id")
    workspaces = core.workspaces_for(request.user).order_by("id")
    return (workspaces.filter(pk=workspace_id).first() if workspace_id else None) or workspaces.first()


def sidebar(request, context) -> str:
    """The page tree for the main sidebar of every page of the app (registered in SIDEBAR_CONTRIBUTIONS): the tree
    the view computed when it has one, otherwise the tree of the workspace the view names or the user's first."""
    tree = context.get("tree")
    if not tree:
        workspace = _workspace_for(request, context)
        tree = page_tree(request.user, workspace, None) if workspace else None
    return render_to_string(PAGE_TREE_TEMPLATE, {"tree": tree, "trash_section": context.get("shell_section") == "trash"}, request=request)


@never_cache
@login_required
@require_GET
def page_tree_view(request):
    """``/web/pages/tree?workspace=ID&current=ID``: the sidebar tree's data again (what the sidebar embeds), for the
    sidebar to redraw itself when a live notice says a page changed. 404 for a workspace the user cannot see."""
    def number(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    workspace_id = number("workspace")
    workspaces = core.workspaces_for(request.user).order_by("id")
    workspace = workspaces.filter(pk=workspace_id).first() if workspace_id is not None else workspaces.first()
    if workspace is None:
        return JsonResponse({"error": {"code": "not_found", "message": "no such workspace"}}, status=404)
    return JsonResponse(page_tree(request.user, workspace, number("current")))


HOME_RECENT = 8


@never_cache
@login_required
@require_GET
def home_view(request):
    """``/web``: what a Notion user expects on opening the app — recently visited pages, favourites, what others
    edited lately, and the actions that start something new. A member with nothing yet gets one button instead."""
    user = request.user
    workspace = core.workspaces_for(user).order_by("id").first()
    recent = [{"page": page, "when": when} for page, when in core.recent_pages(user, HOME_RECENT)]
    favorites = [favorite.page for favorite in core.favorites_for(user)]
    visible = core.pages_for(user).filter(archived_at__isnull=True)
    edited_by_others = list(
        visible.exclude(updated_by=user).exclude(updated_by__isnull=True).select_related("updated_by", "space")
        .order_by("-updated_at", "-id")[:HOME_RECENT]
    )
    spaces = [s for s in core.spaces_for(user, workspace.pk).order_by("rank", "id") if permissions.can(user, "create", s)] if workspace else []
    context = {
        "greeting": greeting(),
        "workspace": workspace,
        "recent": recent,
        "favorites": favorites,
        "edited_by_others": edited_by_others,
        "new_space": spaces[0] if spaces else None,
        "first_run": not recent and not favorites and not visible.exists(),
        "shell_section": "home",
        "sidebar_workspace_id": workspace.pk if workspace else None,
    }
    return render(request, "ipai_workos_blocks/home.html", context)


@never_cache
@login_required
@require_GET
def trash_view(request):
    """``/web/trash``: the pages in the trash the user may see, with where they were and who deleted them. Restore
    and delete-for-good are API calls of the sidebar island (``/api/v1/pages/{id}/restore``, ``/api/v1/trash/{id}``)."""
    entries = []
    for page in core.trash_for(request.user):
        parent = page.parent if page.parent_id and page.parent and page.parent.archived_at is None else None
        where = (parent.title or "Untitled") if parent is not None and permissions.can(request.user, "read", parent) else page.space.name
        entries.append({"page": page, "where": where})
    others = sorted((item for _key, provider in TRASH_ITEMS.items() for item in provider(request.user)), key=lambda item: item["deleted_at"], reverse=True)
    context = {"entries": entries, "others": others, "retention_days": core.trash_retention_days(), "shell_section": "trash"}
    return render(request, "ipai_workos_blocks/trash.html", context)


def page_breadcrumbs(user, page, access: permissions.Access | None = None) -> list[dict]:
    """Workspace / space / the pages above / this page, naming only what the user may view (as the API does);
    for every view of a page, the editor's and the canvas's."""
    access = access or permissions.Access(user)
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
    for _name, route in PAGE_ROUTES.items():
        address = route(page)
        if address:
            return HttpResponseRedirect(address)
    access = permissions.Access(request.user)
    archived = page.archived_at is not None
    editable = not archived and permissions.can(request.user, "edit", page)
    meta = {
        "id": page.pk, "title": page.title, "icon": page.icon, "cover_url": getattr(page, "cover_url", "") or "",
        "editable": editable, "archived": archived, "workspace_id": page.space.workspace_id, "space_id": page.space_id,
        # who this is for the other people on the page (live carets and avatars)
        "user": {"id": request.user.pk, "name": request.user.get_full_name() or request.user.get_username()},
    }
    live.blocks_up_to_date(page)
    context = {
        "menus": menu_tree(request.user),
        "page": page,
        "page_meta": meta,
        # version first: see the API
        "document": {"version": blocks.document_version(page), "items": blocks.live_mentions(request.user, blocks.document(page))},
        "tree": page_tree(request.user, page.space.workspace, page.pk),
        "breadcrumbs": page_breadcrumbs(request.user, page, access),
        "page_headers": [mark_safe(header(request, page)) for _key, header in PAGE_HEADERS.items()],
        "page_panels": [mark_safe(panel(request, page)) for _key, panel in PAGE_PANELS.items()],
        "page_menu": {
            "id": page.pk, "title": page.title, "archived": archived, "editable": editable,
            "full_width": page.full_width, "small_text": page.small_text, "space_id": page.space_id,
            "favorite": any(favorite.page_id == page.pk for favorite in core.favorites_for(request.user)),
        },
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


def shared_page(request, page, share, user) -> str:
    """A page opened through a share link (registered in the permissions module's SHARED_VIEWS): its icon, title
    and body, read-only, with mentions of pages the link does not open shown as "No access"."""
    return render_to_string("ipai_workos_blocks/_shared_page.html", {
        "page": page, "body": mark_safe(blocks.page_html(page, user, share=share)),
    }, request=request)


def import_settings(request) -> str:
    """The settings page's "Import" section (registered in SETTINGS_SECTIONS): a Notion export or Markdown into
    one of the spaces the user may add pages to; the sidebar island posts it and shows the report."""
    if not request.user.is_authenticated:
        return ""
    spaces = [space for space in core.spaces_for(request.user).select_related("workspace").order_by("workspace__name", "name")
              if permissions.can(request.user, "create", space)]
    return render_to_string("ipai_workos_blocks/_import_settings.html", {"spaces": spaces}, request=request)
