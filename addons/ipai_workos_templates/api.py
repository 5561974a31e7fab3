"""``/api/v1/templates``: list (``?kind=page|database``, ``?q=``, ``?workspace_id=``), get, create from a page or a
database (or import a zip), change, delete, preview, export, and ``POST /templates/{id}/apply``;
``/api/v1/databases/{id}/row-templates`` for a database's row templates.

Apply takes ``space_id`` (and an optional ``parent_id``) to make something new, or ``page_id`` to fill an empty
page, and answers 201 with what it made: ``{"object": "page"|"database"|"row", "id", "page_id", "url"}``. It is
all or nothing: an invalid template answers 422, a page with content 409, a place the user cannot write 403 or
404 — and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from ipai_workos_blocks import transfer as files
from ipai_workos_core import services as core
from ipai_workos_db import services as databases
from workos.api.pagination import DEFAULT_LIMIT
from workos.api.types import RecordId
from workos.kernel.cursors import check_limit, decode_cursor, encode_cursor
from workos.kernel.errors import InvalidInput, TooLarge

from . import services

router = Router(tags=["templates"])

IMPORT_BYTES_MAX = 20 * 1024 * 1024


class SummaryOut(Schema):
    pages: int
    databases: int
    rows: int
    blocks: int


class TemplateOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    category: str
    icon: str
    cover_url: str
    system: bool
    workspace_id: int | None
    database_id: int | None
    is_default: bool
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    summary: SummaryOut
    can_change: bool


class TemplateDetailOut(TemplateOut):
    content: dict[str, Any]


class TemplateListOut(Schema):
    items: list[TemplateOut]
    count: int
    next_cursor: str | None


class TemplateIn(Schema):
    """Save a page (``page_id``, with its sub-pages and inline databases) or a database (``database_id``) as a
    template of its workspace; or give ``workspace_id``, ``kind`` and ``content`` (the template format)."""

    page_id: RecordId | None = None
    database_id: RecordId | None = None
    workspace_id: RecordId | None = None
    kind: str | None = None
    content: dict[str, Any] | None = None
    name: str | None = None
    description: str = ""
    category: str = ""
    icon: str = ""
    include_rows: bool | None = None


class TemplatePatch(Schema):
    name: str | None = None
    description: str | None = None
    category: str | None = None
    icon: str | None = None
    cover_url: str | None = None
    content: dict[str, Any] | None = None
    is_default: bool | None = None


class ApplyIn(Schema):
    space_id: RecordId | None = None
    parent_id: RecordId | None = None
    page_id: RecordId | None = None
    database_id: RecordId | None = None
    row_id: RecordId | None = None


class AppliedOut(Schema):
    object: str
    id: int
    page_id: int | None
    url: str


class RowTemplateIn(Schema):
    name: str
    icon: str = ""
    description: str = ""
    is_default: bool = False
    content: dict[str, Any] = {}


@router.get("/templates", response=TemplateListOut,
            summary="Templates you can see: system ones and your workspaces' (filter by kind, workspace, text)")
def list_templates(request, kind: str | None = None, q: str = "", workspace_id: RecordId | None = None, limit: int = DEFAULT_LIMIT,
                   cursor: str | None = None):
    check_limit(limit)
    found = services.templates_for(request.user, kind=kind or None, query=q, workspace_id=workspace_id)
    offset = decode_cursor(cursor)
    total = found.count()
    items = list(found[offset: offset + limit])
    next_cursor = encode_cursor(offset + limit) if offset + limit < total else None
    return {"items": [services.template_json(request.user, template) for template in items], "count": total, "next_cursor": next_cursor}


@router.post("/templates", response={201: TemplateDetailOut},
             summary="Save a page or a database as a template, or create one from the template format",
             description="`page_id`: the page with its sub-pages, blocks, files and inline databases (with their rows unless "
                         "`include_rows` is false) — only what you can read. `database_id`: properties, views, row templates and, "
                         "with `include_rows`, the rows. Otherwise `workspace_id` + `kind` + `content`.")
def create_template(request, payload: TemplateIn):
    given = [name for name in ("page_id", "database_id", "workspace_id") if getattr(payload, name) is not None]
    if len(given) != 1:
        raise InvalidInput("give one of page_id, database_id or workspace_id", field="page_id")
    options = {"name": payload.name, "description": payload.description, "category": payload.category}
    if payload.page_id is not None:
        page = core.get_page(request.user, payload.page_id)
        template = services.save_page_as_template(request.user, page, include_rows=payload.include_rows is not False, **options)
    elif payload.database_id is not None:
        database = databases.get_database(request.user, payload.database_id)
        template = services.save_database_as_template(request.user, database, include_rows=bool(payload.include_rows), **options)
    else:
        workspace = core.get_workspace(request.user, payload.workspace_id)
        template = services.create_template(request.user, workspace, name=payload.name, kind=payload.kind, content=payload.content,
                                            description=payload.description, category=payload.category, icon=payload.icon)
    if payload.icon and template.icon != payload.icon:
        template = services.update_template(request.user, template, icon=payload.icon)
    return 201, services.template_json(request.user, template, with_content=True)


@router.post("/templates/import", response={201: TemplateDetailOut},
             summary="Import a template zip (as exported; or Markdown pages and CSV files) into a workspace")
def import_template(request, file: File[UploadedFile], workspace_id: Form[int]):
    workspace = core.get_workspace(request.user, workspace_id)
    if file.size is not None and file.size > IMPORT_BYTES_MAX:
        raise TooLarge(f"a template zip has at most {IMPORT_BYTES_MAX} bytes", field="file")
    template = services.import_template(request.user, workspace, file.name or "template.zip", file.read())
    return 201, services.template_json(request.user, template, with_content=True)


@router.get("/templates/{template_id}", response=TemplateDetailOut, summary="A template with its content")
def get_template(request, template_id: int):
    template = services.get_template(request.user, template_id)
    return services.template_json(request.user, template, with_content=True)


@router.get("/templates/{template_id}/preview", response=dict[str, Any],
            summary="What applying would make: pages with their blocks as sanitised HTML, databases with properties, views and first rows")
def preview_template(request, template_id: int):
    return services.preview(request.user, services.get_template(request.user, template_id))


@router.patch("/templates/{template_id}", response=TemplateDetailOut,
              summary="Rename or edit a template (its creator or a workspace admin; row templates: editors of the database)")
def update_template(request, template_id: int, payload: TemplatePatch):
    template = services.get_template(request.user, template_id)
    template = services.update_template(request.user, template, **payload.dict(exclude_unset=True))
    return services.template_json(request.user, template, with_content=True)


@router.delete("/templates/{template_id}", response={204: None}, summary="Delete a template (its creator or a workspace admin)")
def delete_template(request, template_id: int):
    services.delete_template(request.user, services.get_template(request.user, template_id))
    return 204, None


@router.get("/templates/{template_id}/export", response={200: None},
            summary="Export as a zip: template.json (exact) with each page as Markdown and each database's rows as CSV")
def export_template(request, template_id: int):
    name, data = services.export_template(request.user, services.get_template(request.user, template_id))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = files.content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/templates/{template_id}/apply", response={201: AppliedOut},
             summary="Apply a template: `space_id` (+ optional `parent_id`) makes it new, `page_id` fills an empty page; "
                     "row templates take `database_id` (or `row_id` to fill an empty row)",
             description="One transaction through the pages, blocks, databases and views services: everything or nothing. "
                         "Variables ({{today}}, {{today + 7 days}}, {{user}}, {{parent}}) are resolved; relations inside the "
                         "template point at the copies. 409 when `page_id` has content.")
def apply_template(request, template_id: int, payload: ApplyIn):
    template = services.get_template(request.user, template_id)
    if template.kind == "row":
        database = databases.get_database(request.user, payload.database_id or template.database_id, "edit")
        row = databases.get_row(request.user, payload.row_id, "edit") if payload.row_id is not None else None
        return 201, services.apply_row_template(request.user, template, database=database, row=row)
    if payload.page_id is not None:
        if payload.space_id is not None or payload.parent_id is not None:
            raise InvalidInput("give page_id, or space_id and an optional parent_id, not both", field="page_id")
        return 201, services.apply_template(request.user, template, page=core.get_page(request.user, payload.page_id))
    if payload.space_id is None and payload.parent_id is None:
        raise InvalidInput("give space_id (and an optional parent_id), or page_id", field="space_id")
    space = core.get_space(request.user, payload.space_id) if payload.space_id is not None else None
    parent = core.get_page(request.user, payload.parent_id) if payload.parent_id is not None else None
    return 201, services.apply_template(request.user, template, space=space, parent=parent)


@router.get("/databases/{database_id}/row-templates", response=list[TemplateOut],
            summary="The row templates of a database (the default one first: what New uses)")
def list_row_templates(request, database_id: int):
    found = services.templates_for(request.user, database_id=database_id).order_by("-is_default", "name", "id")
    return [services.template_json(request.user, template) for template in found]


@router.post("/databases/{database_id}/row-templates", response={201: TemplateDetailOut},
             summary="Add a row template {name, icon, is_default, content: {row: {title, icon, values, blocks}}} (editors of the database)")
def create_row_template(request, database_id: int, payload: RowTemplateIn):
    database = databases.get_database(request.user, database_id, "edit")
    template = services.create_row_template(request.user, database, name=payload.name, icon=payload.icon, description=payload.description,
                                            is_default=payload.is_default, content=payload.content)
    return 201, services.template_json(request.user, template, with_content=True)
