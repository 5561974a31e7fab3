"""``/api/v1/databases/{id}/views``, ``/views/{id}``, ``/views/{id}/rows``, ``/views/{id}/export.csv``.

``GET /views/{id}/rows`` is what a table, board, calendar, list or gallery draws from: the view's filter,
sorts and grouping applied; rows with their values, rendered text and group key; the groups (kanban
columns) with counts; the total `count` (`count_exact` false: "10,000+", ask with `exact_count=true`); the footer
calculations over every row of the view; a cursor for the next page.
``?group=<key>`` pages through one group (one kanban column); ``?date_from=&date_to=`` a calendar window;
``?q=`` is the view's search box: full-text over the rows' titles, text-like values and page bodies (the search
language of ``/search``: words, the last one a prefix, ``"phrase"``, ``-excluded``, ``OR``; accents and case
ignored), among the rows you may read, inside the view's filter; a query that cannot be searched answers 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Router, Schema

from ipai_workos_db import services as databases
from ipai_workos_db.api import COUNT_EXACT_DOC, RowOut, csv_response
from workos.api.pagination import DEFAULT_LIMIT
from workos.api.types import RecordId

from . import services

router = Router(tags=["views"])


class ViewOut(Schema):
    id: int
    database_id: int
    name: str
    type: str
    config: dict[str, Any]
    personal: bool
    owner_id: int | None
    rank: str
    created_at: datetime
    updated_at: datetime


class ViewIn(Schema):
    name: str
    type: str = "table"
    config: dict[str, Any] | None = None
    personal: bool = False


class ViewPatch(Schema):
    name: str | None = None
    type: str | None = None
    config: dict[str, Any] | None = None
    after_id: RecordId | None = None


class GroupOut(Schema):
    key: str
    label: str
    color: str | None
    count: int
    status_group: str | None = None


class ViewRowsOut(Schema):
    view: ViewOut
    items: list[RowOut]
    count: int | None
    count_exact: bool | None = Field(None, description=COUNT_EXACT_DOC)
    next_cursor: str | None
    groups: list[GroupOut] | None
    footer: dict[str, dict[str, Any]]


@router.get("/databases/{database_id}/views", response=list[ViewOut], summary="The database's shared views and your personal ones")
def list_views(request, database_id: int):
    database = databases.get_database(request.user, database_id)
    schema = databases.schema_of(database)
    return [services.view_json(view, schema) for view in services.views_for(request.user, database)]


@router.post("/databases/{database_id}/views", response={201: ViewOut},
             summary="Save a view {name, type: table|kanban|calendar|list|gallery, config, personal}")
def create_view(request, database_id: int, payload: ViewIn):
    database = databases.get_database(request.user, database_id)
    view = services.create_view(request.user, database, name=payload.name, type=payload.type, config=payload.config, personal=payload.personal)
    return 201, services.view_json(view)


@router.get("/views/{view_id}", response=ViewOut, summary="One view")
def get_view(request, view_id: int):
    return services.view_json(services.get_view(request.user, view_id))


@router.patch("/views/{view_id}", response=ViewOut, summary="Change a view; config replaces the settings it names")
def update_view(request, view_id: int, payload: ViewPatch):
    view = services.get_view(request.user, view_id)
    after_id = payload.after_id if "after_id" in payload.model_fields_set else databases.UNSET
    view = services.update_view(request.user, view, name=payload.name, type=payload.type, config=payload.config, after_id=after_id)
    return services.view_json(view)


@router.delete("/views/{view_id}", response={204: None}, summary="Delete a view")
def delete_view(request, view_id: int):
    services.delete_view(request.user, services.get_view(request.user, view_id))
    return 204, None


@router.get("/views/{view_id}/rows", response=ViewRowsOut, summary="The rows a view shows: filtered, sorted, grouped, with footer",
            description=__doc__)
def view_rows(request, view_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None, group: str | None = None,
              date_from: str | None = None, date_to: str | None = None, q: str = "", exact_count: bool = False):
    view = services.get_view(request.user, view_id)
    return services.view_rows(request.user, view, limit=limit, cursor=cursor, group=group, date_from=date_from, date_to=date_to, search=q,
                              exact_count=exact_count)


@router.get("/views/{view_id}/export.csv", response={200: None}, summary="Every row the view shows as CSV (its visible columns)")
def export_view(request, view_id: int):
    name, text = services.export_view_csv(request.user, services.get_view(request.user, view_id))
    return csv_response(name, text)
