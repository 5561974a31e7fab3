"""The template gallery ``/web/templates`` (server-rendered: categories, search, a live preview of what applying
makes, and the form that applies — works without script), the apply form's POST, the "Start from a template"
panel on empty pages, the sidebar's Templates entry, and the island that adds template actions elsewhere
(row templates beside a database's New, Save as template in the page and database menus)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks.models import Block
from ipai_workos_blocks.templatetags.workos_vite import vite_entry
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_db.models import Database
from workos.kernel.errors import NotFound, PermissionDenied, ServiceError
from workos.web.menus import menu_tree

from . import services

ISLAND = "src/templates/main.ts"
KIND_LABELS = (("", "All"), ("page", "Pages"), ("database", "Databases"))
PANEL_SUGGESTIONS = ("Meeting notes", "Project tracker", "Team wiki", "Weekly planner", "Task list", "Reading list")


class SeeOther(HttpResponseRedirect):
    status_code = 303


def head_contribution(request) -> str:
    """The templates island on the pages of the web client (row templates, Save as template, Start from a template)."""
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated or not request.path.startswith("/web") or request.path.startswith("/web/login"):
        return ""
    return '<meta name="workos-templates" content="/web/templates">' + vite_entry(ISLAND)


def sidebar_entry(request, context) -> str:
    """The Templates entry of the main sidebar."""
    if not getattr(request.user, "is_authenticated", False):
        return ""
    return render_to_string("ipai_workos_templates/_sidebar.html", {"current": context.get("shell_section") == "templates"}, request=request)


def _page_is_empty(page: Page) -> bool:
    return not (Block.objects.filter(page=page).exists() or Page.objects.filter(parent=page, archived_at__isnull=True).exists()
                or Database.objects.filter(parent_page=page, archived_at__isnull=True).exists())


def empty_page_panel(request, page: Page) -> str:
    """On an empty page the user may edit: a few templates to start from (applied into this page) and the gallery."""
    if page.archived_at is not None or page.container_model or not permissions.can(request.user, "edit", page) or not _page_is_empty(page):
        return ""
    found = {template.name: template for template in services.templates_for(request.user).filter(workspace__isnull=True, name__in=PANEL_SUGGESTIONS)}
    suggestions = [found[name] for name in PANEL_SUGGESTIONS if name in found]
    return render_to_string("ipai_workos_templates/_empty_page.html", {"page": page, "suggestions": suggestions,
                                                                       "gallery_url": "/web/templates?" + urlencode({"page_id": page.pk})}, request=request)


def _destinations(user) -> list[dict]:
    choices = []
    for workspace in core.workspaces_for(user).order_by("name", "id"):
        for space in core.spaces_for(user, workspace.pk).order_by("rank", "id"):
            if permissions.can(user, "create", space):
                choices.append({"id": space.pk, "label": f"{workspace.name} / {space.name}", "workspace_id": workspace.pk})
    return choices


def _target(request, params) -> dict:
    """Where the gallery applies: into an empty page (``page_id``), under a page (``parent_id``) or in a space."""
    target = {"page": None, "parent": None, "space_id": None}
    for key in ("page_id", "parent_id"):
        value = params.get(key, "")
        if value.isdigit():
            try:
                target["page" if key == "page_id" else "parent"] = core.get_page(request.user, int(value), "edit")
            except ServiceError:
                pass
    if params.get("space_id", "").isdigit():
        target["space_id"] = int(params["space_id"])
    return target


@never_cache
@login_required
@require_GET
def gallery_view(request):
    """``/web/templates``: every template the user can see by category, a search, and the preview of one."""
    params = request.GET
    query, kind, category = params.get("q", "").strip()[:100], params.get("kind", ""), params.get("category", "")
    if kind not in ("", "page", "database"):
        kind = ""
    visible = services.templates_for(request.user)
    categories = sorted({template.category or "Other" for template in visible})
    shown = services.templates_for(request.user, kind=kind or None, query=query)
    if category:
        shown = [template for template in shown if (template.category or "Other") == category]
    preview, error = None, None
    preview_id = params.get("preview", "")
    if preview_id.isdigit():
        try:
            template = services.get_template(request.user, int(preview_id))
            preview = services.preview(request.user, template)
            preview["export_url"] = f"/api/v1/templates/{template.pk}/export"
        except (NotFound, PermissionDenied):
            raise Http404("no such template") from None
        except ServiceError as failure:
            error = failure.message
    target = _target(request, params)
    keep = {key: params[key] for key in ("q", "kind", "category", "page_id", "parent_id", "space_id") if params.get(key)}
    context = {
        "menus": menu_tree(request.user),
        "templates": [services.template_json(request.user, template) for template in shown],
        "categories": categories, "category": category, "query": query, "kind": kind, "kinds": KIND_LABELS,
        "preview": preview, "error": error or params.get("error", "")[:300],
        "destinations": _destinations(request.user), "target": target,
        "keep": urlencode(keep), "keep_items": keep,
        "shell_section": "templates",
    }
    return render(request, "ipai_workos_templates/gallery.html", context, status=422 if error else 200)


@never_cache
@login_required
@require_POST
def apply_view(request, template_id: int):
    """The gallery's apply form: make the template where the user chose, then open what was made."""
    form = request.POST
    back = {key: form[key] for key in ("page_id", "parent_id", "space_id") if form.get(key, "").isdigit()}
    try:
        template = services.get_template(request.user, template_id)
        if form.get("page_id", "").isdigit():
            result = services.apply_template(request.user, template, page=core.get_page(request.user, int(form["page_id"])))
        elif form.get("parent_id", "").isdigit():
            result = services.apply_template(request.user, template, parent=core.get_page(request.user, int(form["parent_id"])))
        elif form.get("space_id", "").isdigit():
            result = services.apply_template(request.user, template, space=core.get_space(request.user, int(form["space_id"])))
        else:
            raise NotFound("choose where to put it", field="space_id")
    except NotFound as failure:
        if failure.field:
            return SeeOther("/web/templates?" + urlencode({**back, "preview": template_id, "error": failure.message}))
        raise Http404("no such template") from None
    except ServiceError as failure:
        return SeeOther("/web/templates?" + urlencode({**back, "preview": template_id, "error": failure.message}))
    return SeeOther(result["url"])
