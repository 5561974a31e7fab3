"""The database pages of the web client: ``/web/databases`` (the databases a user can see, and a form that
makes one) and ``/web/databases/<id>[/views/<view id>]`` (a database through one of its saved views).

The server renders the frame — title, the view switcher (one link per saved view), the top bar — and hands
the database, its properties and views to the ``views`` TypeScript island (``frontend/src/views``) in
``json_script`` blocks. The island draws the table, board, calendar, list or gallery from
``GET /api/v1/views/{id}/rows`` and makes every change through the API, as any other client would.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_db import services as databases
from ipai_workos_db.cells import Cells
from ipai_workos_db.models import Row
from ipai_workos_db.properties import PROPERTY_TYPES
from workos.kernel.errors import NotFound, PermissionDenied, ServiceError
from workos.web.menus import menu_tree

from . import services
from .registry import type_of, view_types


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _spaces_to_create_in(user) -> list[dict]:
    """Every space the user may create a database in, named with its workspace."""
    choices = []
    for workspace in core.workspaces_for(user).order_by("name", "id"):
        for space in core.spaces_for(user, workspace.pk).order_by("rank", "id"):
            if permissions.can(user, "create", space):
                choices.append({"id": space.pk, "label": f"{workspace.name} / {space.name}"})
    return choices


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def database_list_view(request):
    """The databases the user can see, newest first, and a form that creates one in a space they may create in."""
    error, title = None, ""
    if request.method == "POST":
        title = request.POST.get("title", "")[:512]
        space_id = request.POST.get("space_id", "")
        try:
            if not space_id.isdigit():
                raise NotFound("choose a space for the database", field="space_id")
            space = core.get_space(request.user, int(space_id))
            database = databases.create_database(request.user, space=space, title=title.strip())
            return SeeOther(f"/web/databases/{database.pk}")
        except (NotFound, PermissionDenied):
            error = "You cannot create a database in that space."
        except ServiceError as failure:
            error = failure.message
    rows = databases.databases_for(request.user).select_related("space", "space__workspace").order_by("-updated_at", "-id")[:500]
    context = {
        "menus": menu_tree(request.user),
        "databases": [{"id": d.pk, "title": d.title or "Untitled", "icon": d.icon or "▦", "where": f"{d.space.workspace.name} / {d.space.name}",
                       "updated_at": d.updated_at} for d in rows],
        "spaces": _spaces_to_create_in(request.user),
        "error": error,
        "title": title,
    }
    return render(request, "ipai_workos_views/database_list.html", context, status=422 if error else 200)


def _default_view(user, database, can_edit: bool):
    """A database opened for the first time gets a table view, as in Notion: shared when the user may edit
    the database, otherwise their own personal one (viewing the database is enough for that)."""
    return services.create_view(user, database, name="Table", type="table", personal=not can_edit)


def _members(user, database) -> list[dict]:
    try:
        members = core.members_of(user, database.space.workspace)
    except ServiceError:
        return []
    return [{"id": m.user_id, "name": m.user.get_username()} for m in members if m.user.is_active]


@never_cache
@login_required
@require_GET
def database_view(request, database_id: int, view_id: int | None = None):
    """A database through one saved view. Databases (and views) the user may not view do not exist for them."""
    try:
        database = databases.get_database(request.user, database_id)
    except (NotFound, PermissionDenied):
        raise Http404("no such database") from None
    can_edit = database.archived_at is None and permissions.can(request.user, "edit", database)
    schema = databases.schema_of(database)
    views = list(services.views_for(request.user, database))
    if not views and database.archived_at is None:
        views = [_default_view(request.user, database, can_edit)]
    if view_id is None:
        current = views[0] if views else None
    else:
        current = next((view for view in views if view.pk == view_id), None)
        if current is None:
            raise Http404("no such view")
    view_items = [{**services.view_json(view, schema), "icon": type_of(view).icon,
                   "url": f"/web/databases/{database.pk}/views/{view.pk}",
                   "can_change": database.archived_at is None and (view.owner_id == request.user.pk if view.owner_id else can_edit)}
                  for view in views]
    current_item = next((item for item in view_items if current and item["id"] == current.pk), None)
    workspace = database.space.workspace
    data = {
        "database": {**databases.database_json(database), "can_edit": can_edit, "space_name": database.space.name,
                     "workspace_name": workspace.name},
        "properties": [databases.property_json(prop) for prop in schema.properties],
        "views": view_items,
        "view_id": current.pk if current else None,
        "members": _members(request.user, database),
        "user_id": request.user.pk,
        "view_types": [{"type": entry.type, "label": entry.label, "icon": entry.icon} for entry in view_types()],
        # the property types this server knows (a module may register more, e.g. the suite's review status)
        "property_types": [{"type": name, "label": entry.label} for name, entry in PROPERTY_TYPES.items()],
    }
    parent = None
    if database.parent_page_id:
        try:
            page = core.get_page(request.user, database.parent_page_id)
            parent = {"title": page.title or "Untitled", "icon": page.icon, "url": f"/web/pages/{page.pk}"}
        except ServiceError:
            parent = None
    context = {
        "menus": menu_tree(request.user),
        "database": database,
        "views": view_items,
        "current": current_item,
        "can_edit": can_edit,
        "parent": parent,
        "crumbs": [workspace.name, database.space.name],
        "data": data,
        "sidebar_workspace_id": database.space.workspace_id,
    }
    return render(request, "ipai_workos_views/database.html", context)


def sidebar_databases(user, workspace) -> list[dict]:
    """The databases of ``workspace`` the user may view, for the sidebar page tree (a database shows as a page
    with its own icon, under the page that holds it or at the top of its space)."""
    rows = databases.databases_for(user).filter(space__workspace_id=workspace.pk).order_by("id").values("id", "space_id", "parent_page_id", "title", "icon")
    return [{"kind": "database", "id": row["id"], "space_id": row["space_id"], "parent_id": row["parent_page_id"], "title": row["title"],
             "icon": row["icon"] or "▦", "url": f"/web/databases/{row['id']}"} for row in rows]


def trashed_rows_and_databases(user) -> list[dict]:
    """Rows and databases in the trash that ``user`` may bring back, for the trash panel (restoring needs the right
    to delete in the database, as the rows API checks again)."""
    items = []
    for database in databases.databases_for(user, archived=True).select_related("space"):
        if permissions.can(user, "delete", database):
            items.append({"kind": "database", "id": database.pk, "title": database.title, "icon": database.icon or "▦", "where": database.space.name,
                          "deleted_by": "", "deleted_at": database.archived_at, "restore_path": f"/databases/{database.pk}/restore"})
    for row in databases.trashed_rows(user):
        deleted_by = row.page.archived_by.get_username() if row.page.archived_by_id else ""
        items.append({"kind": "row", "id": row.pk, "title": row.page.title, "icon": row.page.icon or "📄", "where": row.database.title or "Untitled",
                      "deleted_by": deleted_by, "deleted_at": row.archived_at, "restore_path": f"/rows/{row.pk}/restore"})
    return items


def row_properties(request, page) -> str:
    """A database row opened as a page shows its properties under the title (registered in the blocks module's
    PAGE_HEADERS), editable with the table's editors when the user may edit the row. The values come as the
    API gives them: relations and rollups over rows the user cannot read say "No access"."""
    row = Row.objects.filter(page=page).select_related("database__space__workspace").first()
    if row is None:
        return ""
    database = row.database
    schema = databases.schema_of(database)
    data = {
        "database": {"id": database.pk, "title": database.title or "Untitled", "icon": database.icon, "url": f"/web/databases/{database.pk}"},
        "row": databases.row_json(row, schema, Cells(schema, [row], request.user)),
        "properties": [databases.property_json(prop) for prop in schema.properties if prop.type != "title"],
        "members": _members(request.user, database),
        "can_edit": row.archived_at is None and database.archived_at is None and permissions.can(request.user, "edit", page),
    }
    return render_to_string("ipai_workos_views/_row_properties.html", {"data": data}, request=request)
