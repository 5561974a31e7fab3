"""``/api/v1/databases``, ``/properties``, ``/rows``: parse, call the service, shape the answer.

A row in JSON::

    {"id", "database_id", "page_id", "number", "title",
     "values": {"<property id>": value},      # the API form of each property's value (below)
     "display": {"<property id>": "text"},    # as a person reads it (option names, formatted numbers, usernames)
     "errors": {"<property id>": "..."},      # formulas that failed for this row
     "rank", "created_at", "created_by", "updated_at", "updated_by", "archived_at"}

Values sent in ``values`` are keyed by property id or name; null or "" clears a value. By type: title, text,
url, email, phone: a string; number: a number; select, status: an option id or name; multi_select: a list
of option ids or names; date: ``{"start", "end"?}`` or a string (``2024-01-31`` or ``2024-01-31T09:30:00Z``);
person: a list of user ids (workspace members); checkbox: true/false; files: a list of ``{name, url}``;
relation: a list of row ids of the related database. formula, rollup, created/last edited time/by and
unique_id are computed and cannot be sent. A value a property cannot take answers 422 with the property
named in ``error.field`` (``values.<property id>``) and nothing is stored.

Related rows you cannot read: a relation's value lists only the rows you can read, and its display adds one
"No access" when it links to others (never their titles, ids or how many); rollups and formulas are computed
over the rows you can read. Setting a relation replaces only the links you can see. A rollup or formula over a
relation to a database you cannot read cannot be created (403).

Filters (``?filter=`` JSON, or the body of ``POST .../rows/query``) and sorts: see ``ipai_workos_db.query``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from ipai_workos_core import services as core
from workos.api.pagination import DEFAULT_LIMIT, paginate
from workos.api.types import RecordId, Shape
from workos.kernel.errors import InvalidInput, NotFound, TooLarge

from . import services
from .services import UNSET

router = Router(tags=["databases"])


class Paged(Schema):
    count: int | None
    next_cursor: str | None


class PropertyOut(Schema):
    id: int
    database_id: int
    name: str
    type: str
    config: dict[str, Any]
    rank: str
    editable: bool
    computed: bool
    operators: list[str]


class DatabaseOut(Schema):
    id: int
    space_id: int
    parent_page_id: int | None
    title: str
    icon: str
    description: str
    restricted: bool = False
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    properties: list[PropertyOut] | None = None


class DatabasePage(Paged):
    items: list[DatabaseOut]


class DatabaseIn(Schema):
    space_id: RecordId | None = None
    parent_page_id: RecordId | None = None
    title: str = ""
    icon: str = ""
    description: str = ""
    properties: list[dict[str, Any]] | None = None


class DatabasePatch(Schema):
    title: str | None = None
    icon: str | None = None
    description: str | None = None


class PropertyIn(Schema):
    name: str
    type: str
    config: dict[str, Any] | None = None


class PropertyPatch(Schema):
    name: str | None = None
    type: str | None = None
    config: dict[str, Any] | None = None
    after_id: RecordId | None = None


class PropertyUpdateOut(Schema):
    property: PropertyOut
    conversion: dict[str, Any] | None


class RowOut(Shape):
    id: int
    database_id: int
    page_id: int
    number: int
    title: str
    values: dict[str, Any]
    display: dict[str, str]
    errors: dict[str, str]
    relation_totals: dict[str, int] = Field({}, description=(
        "per relation property: how many linked rows you can read. In a list of rows `values` holds the first 25 of "
        "them: GET /rows/{id}/relations/{property_id} pages through all (GET /rows/{id} holds all)"))
    rank: str
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None
    archived_at: datetime | None
    group: str | None = None


COUNT_EXACT_DOC = ("true: `count` is the exact number of rows; false: there are more than `count` (10,000 or the rows paged "
                   "past, shown as \"10,000+\"): ask again with `exact_count=true` to count them all")


class RowPage(Paged):
    items: list[RowOut]
    count_exact: bool | None = Field(None, description=COUNT_EXACT_DOC)


class RowIn(Schema):
    values: dict[str, Any] = {}
    after_id: RecordId | None = None


class RowPatch(Schema):
    values: dict[str, Any] = {}
    after_id: RecordId | None = None


class RowQuery(Schema):
    filter: dict[str, Any] | None = None
    sorts: list[dict[str, Any]] | None = None
    q: str = ""
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    archived: bool = False
    exact_count: bool = False


class BulkIn(Schema):
    row_ids: list[RecordId] | None = None
    filter: dict[str, Any] | None = None
    values: dict[str, Any]


class BulkOut(Schema):
    updated: int


class BulkSelectionIn(Schema):
    row_ids: list[RecordId] | None = Field(None, description="The rows, by id (at most 1000); or give `filter`")
    filter: dict[str, Any] | None = Field(None, description="Every row matching this filter tree (as in POST .../rows/query; {} for every row)")


class BulkRestoreIn(Schema):
    row_ids: list[RecordId] = Field(..., description="The rows to bring back, as the bulk delete answered them (at most 1000)")


class BulkRowsOut(Schema):
    row_ids: list[int] = Field(..., description="The rows moved to the trash (or brought back), in row order")
    count: int


class ImportOut(Schema):
    rows: int
    row_ids: list[int]
    created_properties: list[int]
    mapping: dict[str, int | None]
    errors: list[dict[str, Any]]
    error_count: int


def _given(payload: Schema, name: str):
    return getattr(payload, name) if name in payload.model_fields_set else UNSET


def _json_param(text: str | None, field: str):
    if text in (None, ""):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput(f"{field} is not valid JSON", field=field) from None


def _database_out(database, with_properties: bool = False) -> dict:
    body = services.database_json(database)
    if with_properties:
        body["properties"] = [services.property_json(prop) for prop in database.properties.all()]
    return body


def _rows_out(result: dict) -> dict:
    return {"items": services.rows_json(result["rows"], result["schema"], result["cells"]), "count": result["count"],
            "count_exact": result["count_exact"], "next_cursor": result["next_cursor"]}


def _row_out(row, user) -> dict:
    schema = services.schema_of(row.database)
    from .cells import Cells

    return services.row_json(row, schema, Cells(schema, [row], user))


# --- databases -------------------------------------------------------------------------------------------


@router.get("/databases", response=DatabasePage, summary="Databases you can see (`space_id`, `parent_page_id`, `archived` narrow)")
def list_databases(request, space_id: RecordId | None = None, parent_page_id: RecordId | None = None, archived: bool = False,
                   limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    page = paginate(services.databases_for(request.user, space_id=space_id, parent_page_id=parent_page_id, archived=archived), limit, cursor)
    return {**page, "items": [_database_out(database) for database in page["items"]]}


@router.post("/databases", response={201: DatabaseOut},
             summary="Create a database in a space or inline in a page; it starts with a title property \"Name\"")
def create_database(request, payload: DatabaseIn):
    space = core.get_space(request.user, payload.space_id) if payload.space_id is not None else None
    page = core.get_page(request.user, payload.parent_page_id) if payload.parent_page_id is not None else None
    database = services.create_database(request.user, space=space, parent_page=page, title=payload.title, icon=payload.icon,
                                        description=payload.description, properties=payload.properties)
    return 201, _database_out(database, True)


@router.get("/databases/{database_id}", response=DatabaseOut, summary="One database with its properties")
def get_database(request, database_id: int):
    return _database_out(services.get_database(request.user, database_id), True)


@router.patch("/databases/{database_id}", response=DatabaseOut, summary="Rename a database, change its icon or description")
def update_database(request, database_id: int, payload: DatabasePatch):
    database = services.get_database(request.user, database_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set if getattr(payload, name) is not None}
    return _database_out(services.update_database(request.user, database, **changes), True)


class RestrictIn(Schema):
    restricted: bool


@router.post("/databases/{database_id}/restrict", response=DatabaseOut,
             summary="General access: only people invited (restricted: true) or everyone with access above it (false); needs full access")
def restrict_database(request, database_id: int, payload: RestrictIn):
    database = services.get_database(request.user, database_id)
    return _database_out(services.set_database_restricted(request.user, database, payload.restricted), True)


@router.delete("/databases/{database_id}", response=DatabaseOut, summary="Move a database to the trash")
def archive_database(request, database_id: int):
    return _database_out(services.archive_database(request.user, services.get_database(request.user, database_id)))


@router.post("/databases/{database_id}/restore", response=DatabaseOut, summary="Bring a database back from the trash")
def restore_database(request, database_id: int):
    return _database_out(services.restore_database(request.user, services.get_database(request.user, database_id)))


# --- properties ------------------------------------------------------------------------------------------


@router.get("/databases/{database_id}/properties", response=list[PropertyOut], summary="The database's properties in order")
def list_properties(request, database_id: int):
    database = services.get_database(request.user, database_id)
    return [services.property_json(prop) for prop in database.properties.all()]


@router.post("/databases/{database_id}/properties", response={201: PropertyOut},
             summary="Add a property {name, type, config}; a relation with two_way adds its pair to the other database")
def create_property(request, database_id: int, payload: PropertyIn):
    database = services.get_database(request.user, database_id)
    prop = services.create_property(request.user, database, name=payload.name, type=payload.type, config=payload.config)
    return 201, services.property_json(prop)


@router.get("/properties/{property_id}", response=PropertyOut, summary="One property")
def get_property(request, property_id: int):
    return services.property_json(services.get_property(request.user, property_id))


@router.patch("/properties/{property_id}", response=PropertyUpdateOut,
              summary="Rename, reconfigure, reorder or change the type of a property (`dry_run=true`: only report the conversion)",
              description="A new type converts every row's value where meaningful; `conversion` reports how many converted and which "
                          "values could not be (those are dropped). Options removed from a select are removed from the rows.")
def update_property(request, property_id: int, payload: PropertyPatch, dry_run: bool = False):
    prop = services.get_property(request.user, property_id)
    fields = payload.model_fields_set
    result = services.update_property(
        request.user, prop, name=payload.name if "name" in fields and payload.name is not None else UNSET,
        type=payload.type if "type" in fields and payload.type is not None else UNSET,
        config=payload.config if "config" in fields and payload.config is not None else UNSET,
        after_id=_given(payload, "after_id"), dry_run=dry_run)
    if dry_run:
        result["property"] = services.get_property(request.user, property_id)
    return {"property": services.property_json(result["property"]), "conversion": result["conversion"]}


@router.delete("/properties/{property_id}", response={204: None}, summary="Delete a property and its values")
def delete_property(request, property_id: int):
    services.delete_property(request.user, services.get_property(request.user, property_id))
    return 204, None


# --- rows ------------------------------------------------------------------------------------------------


@router.get("/databases/{database_id}/rows", response=RowPage,
            summary="Rows, filtered and sorted: `filter` and `sorts` are JSON (see POST .../rows/query), `q` searches titles")
def list_rows(request, database_id: int, filter: str | None = None, sorts: str | None = None, q: str = "",
              limit: int = DEFAULT_LIMIT, cursor: str | None = None, archived: bool = False, exact_count: bool = False):
    database = services.get_database(request.user, database_id)
    result = services.list_rows(request.user, database, filter=_json_param(filter, "filter"), sorts=_json_param(sorts, "sorts"),
                                search=q, limit=limit, cursor=cursor, archived=archived, exact_count=exact_count)
    return _rows_out(result)


@router.post("/databases/{database_id}/rows/query", response=RowPage,
             summary="Rows under a filter tree and sorts sent as JSON: {filter: {and|or: [...]}, sorts: [{property, direction}], q, limit, cursor}",
             description=__doc__)
def query_rows(request, database_id: int, payload: RowQuery):
    database = services.get_database(request.user, database_id)
    result = services.list_rows(request.user, database, filter=payload.filter, sorts=payload.sorts, search=payload.q,
                                limit=payload.limit, cursor=payload.cursor, archived=payload.archived, exact_count=payload.exact_count)
    return _rows_out(result)


@router.post("/databases/{database_id}/rows", response={201: RowOut},
             summary="Add a row {values: {property id or name: value}, after_id?} (it is also a page)")
def create_row(request, database_id: int, payload: RowIn):
    database = services.get_database(request.user, database_id)
    row = services.create_row(request.user, database, payload.values, after_id=_given(payload, "after_id"))
    return 201, _row_out(row, request.user)


@router.patch("/databases/{database_id}/rows", response=BulkOut,
              summary="Bulk edit: set {values} on the rows named by row_ids, or on every row matching filter (at most 1000), all or nothing")
def bulk_update_rows(request, database_id: int, payload: BulkIn):
    database = services.get_database(request.user, database_id)
    if (payload.row_ids is None) == (payload.filter is None):
        raise InvalidInput("name the rows by row_ids or by filter (one of them)", field="row_ids")
    updated = services.bulk_update_rows(request.user, database, row_ids=payload.row_ids, filter=payload.filter, values=payload.values)
    return {"updated": updated}


@router.post("/databases/{database_id}/rows/archive", response=BulkRowsOut,
             summary="Bulk delete: move the rows named by row_ids, or every row matching filter (at most 1000), to the trash, all or nothing",
             description="Rows you may not delete (their page has a grant of its own) are left out of a filter's selection and refused "
                         "(403) when named; rows you cannot read are not rows of the database (422). Undo with .../rows/restore and the "
                         "answered row_ids.")
def archive_rows(request, database_id: int, payload: BulkSelectionIn):
    database = services.get_database(request.user, database_id)
    if (payload.row_ids is None) == (payload.filter is None):
        raise InvalidInput("name the rows by row_ids or by filter (one of them)", field="row_ids")
    archived = services.archive_rows(request.user, database, row_ids=payload.row_ids, filter=payload.filter or None)
    return {"row_ids": archived, "count": len(archived)}


@router.post("/databases/{database_id}/rows/restore", response=BulkRowsOut,
             summary="Bring rows back from the trash (the undo of a bulk delete), all or nothing")
def restore_rows(request, database_id: int, payload: BulkRestoreIn):
    database = services.get_database(request.user, database_id)
    restored = services.restore_rows(request.user, database, row_ids=payload.row_ids)
    return {"row_ids": restored, "count": len(restored)}


@router.get("/rows/{row_id}", response=RowOut, summary="One row with all its values")
def get_row(request, row_id: int):
    return _row_out(services.get_row(request.user, row_id), request.user)


class RelatedRowOut(Shape):
    id: int
    page_id: int
    title: str


class RelatedRowsOut(Schema):
    items: list[RelatedRowOut]
    total: int = Field(description="the linked rows you can read")
    hidden: bool = Field(description="whether it also links to rows you cannot read (shown as one \"No access\")")
    next_cursor: str | None


@router.get("/rows/{row_id}/relations/{property_id}", response=RelatedRowsOut,
            summary="The rows a relation cell links to, a page at a time (the rest of \"+9,990 more\")")
def related_rows(request, row_id: int, property_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    row = services.get_row(request.user, row_id)
    try:
        prop = services.get_property(request.user, property_id)
    except NotFound:
        raise InvalidInput("no such relation property", field="property_id") from None
    return services.related_rows(request.user, row, prop, limit=limit, cursor=cursor)


@router.patch("/rows/{row_id}", response=RowOut, summary="Change some values of a row; after_id (null: first) moves it")
def update_row(request, row_id: int, payload: RowPatch):
    row = services.get_row(request.user, row_id)
    return _row_out(services.update_row(request.user, row, payload.values, after_id=_given(payload, "after_id")), request.user)


@router.delete("/rows/{row_id}", response=RowOut, summary="Move a row (and its page) to the trash")
def archive_row(request, row_id: int):
    return _row_out(services.archive_row(request.user, services.get_row(request.user, row_id)), request.user)


@router.post("/rows/{row_id}/restore", response=RowOut, summary="Bring a row back from the trash")
def restore_row(request, row_id: int):
    return _row_out(services.restore_row(request.user, services.get_row(request.user, row_id)), request.user)


@router.post("/rows/{row_id}/duplicate", response={201: RowOut}, summary="Copy a row (values and links) right after it")
def duplicate_row(request, row_id: int):
    return 201, _row_out(services.duplicate_row(request.user, services.get_row(request.user, row_id)), request.user)


# --- CSV -------------------------------------------------------------------------------------------------


@router.post("/databases/{database_id}/import", response={201: ImportOut},
             summary="Import CSV rows (multipart `file`; `mapping`: JSON {column: property id|name|{type}|null}); types are detected "
                     "for new columns")
def import_csv(request, database_id: int, file: File[UploadedFile], mapping: Form[str] = "", create_properties: Form[bool] = True):
    database = services.get_database(request.user, database_id)
    if file.size is not None and file.size > services.IMPORT_BYTES_MAX:
        raise TooLarge(f"a CSV file has at most {services.IMPORT_BYTES_MAX} bytes", field="file")
    parsed = _json_param(mapping, "mapping")
    result = services.import_csv(request.user, database, file.read(services.IMPORT_BYTES_MAX + 1), mapping=parsed,
                                 create_properties=create_properties)
    return 201, result


@router.get("/databases/{database_id}/export.csv", response={200: None}, summary="Every row of the database as CSV")
def export_database(request, database_id: int):
    database = services.get_database(request.user, database_id)
    schema = services.schema_of(database)
    from .cells import Readable

    readable = Readable(request.user)  # one per export: readability is decided once per related database
    chunk_rows = services.row_chunks(schema, viewer=readable)
    return csv_response(f"{database.title or 'Untitled'}.csv", services.export_csv(schema, chunk_rows, schema.properties, readable))


def csv_response(name: str, text: str) -> HttpResponse:
    from ipai_workos_blocks.transfer import content_disposition

    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
