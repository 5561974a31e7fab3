"""Permission-checked reads: databases, properties, rows, and the filtered, sorted, paged row query."""

from __future__ import annotations

from django.db.models import Q

from ipai_platform_permissions import services as permissions
from workos.kernel.cursors import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from workos.kernel.errors import Conflict, InvalidInput, NotFound
from workos.kernel.prepared import instances

from .. import counts, query
from .. import cells as cells_module
from ..cells import Cells, readable_for
from ..models import Database, Property, Row, RowRelation
from ..query import Schema


def databases_for(user, *, space_id: int | None = None, parent_page_id: int | None = None, archived: bool = False):
    databases = Database.objects.filter(archived_at__isnull=not archived)
    if space_id is not None:
        databases = databases.filter(space_id=space_id)
    if parent_page_id is not None:
        databases = databases.filter(parent_page_id=parent_page_id)
    return permissions.visible_to(user, databases)


def get_database(user, database_id, action: str = "read") -> Database:
    """The database, if ``user`` may do ``action`` on it (NotFound when they cannot view it). Writes need a
    database that is not in the trash."""
    database = Database.objects.select_related("space__workspace").filter(pk=database_id).first() if str(database_id).isdigit() else None
    if database is None:
        raise NotFound("no such database")
    return require_database(user, database, action)


def require_database(user, database: Database, action: str = "read") -> Database:
    """``get_database``'s checks on a database already loaded (a view's, with its space)."""
    permissions.require(user, action, database)
    if action != "read" and database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    return database


def schema_of(database: Database) -> Schema:
    return Schema(database)


def get_property(user, property_id, action: str = "read") -> Property:
    prop = Property.objects.select_related("database").filter(pk=property_id).first() if str(property_id).isdigit() else None
    if prop is None:
        raise NotFound("no such property")
    try:
        get_database(user, prop.database_id, action)
    except NotFound:
        raise NotFound("no such property") from None
    return prop


def get_row(user, row_id, action: str = "read") -> Row:
    row = Row.objects.select_related("page", "database").filter(pk=row_id).first() if str(row_id).isdigit() else None
    if row is None:
        raise NotFound("no such row")
    try:
        get_database(user, row.database_id, action)
    except NotFound:
        raise NotFound("no such row") from None
    if not permissions.can(user, "read", row.page):  # a row closed to the user by a grant on its page
        raise NotFound("no such row")
    if action != "read" and row.archived_at is not None:
        raise Conflict("this row is in the trash: restore it first")
    return row


def trashed_rows(user, limit: int = 200) -> list[Row]:
    """Rows in the trash of the live databases where ``user`` may delete (and so restore) rows, newest first."""
    live = [database for database in databases_for(user) if permissions.can(user, "delete", database)]
    return list(Row.objects.filter(database__in=live, archived_at__isnull=False)
                .select_related("database", "page", "page__archived_by").order_by("-archived_at", "-id")[:limit])


def _live_rows(database: Database, archived: bool = False):
    return Row.objects.filter(database=database, archived_at__isnull=not archived)


# A row's page brings its title, icon and what a permission check of it reads; not the columns no list of rows
# shows (a third of the cost of a 100-row page was building its pages). Read on access if a caller needs one.
UNSHOWN_PAGE_FIELDS = ("page__workflow_state", "page__workflow_state_date", "page__workflow_state_user", "page__cover_url",
                       "page__full_width", "page__small_text", "page__rank", "page__archived_by", "page__created_by",
                       "page__created_at", "page__updated_by", "page__updated_at")


def select_rows(schema: Schema, *, viewer, tree=None, sorts=(), search: str = "", extra: Q | None = None, limit: int = DEFAULT_LIMIT,
                offset: int = 0, archived: bool = False, count: bool = True, exact_count: bool = False) -> dict:
    """One page of the database's rows under a cleaned filter tree and sorts: ``{"rows", "count", "count_exact",
    "next_offset", "cells"}``. The count comes from the maintained counts when they can tell (no filter, one
    select/status condition: ``counts.known_count``), else it is bounded (``counts.bounded_count``: exact up to
    10,000 rows, then ``count_exact`` False) unless ``exact_count``. The cells (and so what a filter on a relation, rollup or formula sees) are ``viewer``'s. SQL does the work unless a formula, rollup or relation is filtered or sorted on; then the rows
    SQL can narrow to are filtered and sorted in Python (at most ``query.PYTHON_ROW_LIMIT`` of them)."""
    sorts = list(sorts)
    readable = readable_for(viewer)
    readable.remember(schema.database)
    tree = readable.filter_tree(schema, tree)
    only_readable = readable.rows_q(schema.database.pk)
    rows = _live_rows(schema.database, archived).filter(only_readable).select_related("page").defer(*UNSHOWN_PAGE_FIELDS)
    if search:
        rows = rows.filter(page__title__icontains=search.strip()[:200])
    if extra is not None:
        rows = rows.filter(extra)
    if query.tree_needs_python(schema, tree, sorts):
        candidates = instances(rows.order_by("rank", "id")[: query.PYTHON_ROW_LIMIT + 1])
        if len(candidates) > query.PYTHON_ROW_LIMIT:
            raise InvalidInput(f"filtering or sorting by a formula, rollup or relation works on at most {query.PYTHON_ROW_LIMIT} rows: "
                               "narrow the rows with a filter on another property first", field="filter")
        cells = Cells(schema, candidates, readable)
        kept = [row for row in candidates if query.matches(schema, tree, lambda prop, row=row: cells.filter_cell(row, prop))]
        kept = query.sort_rows(schema, kept, sorts, cells.cell)
        page = kept[offset: offset + limit]
        return {"rows": page, "count": len(kept), "count_exact": True, "next_offset": offset + limit if offset + limit < len(kept) else None,
                "cells": Cells(schema, page, readable, relation_limit=cells_module.RELATION_SHOWN)}
    rows = rows.filter(query.filter_q(schema, tree))
    page = instances(rows.order_by(*query.order_by(schema, sorts))[offset: offset + limit + 1])
    more = len(page) > limit
    page = page[:limit]
    total, exact = None, True
    if count:
        # the last page knows the total; only a page with more after it asks the counters, or the database
        if not more and (page or offset == 0):
            total = offset + len(page)
        else:
            total = counts.known_count(schema, tree) if not (search or extra or archived or only_readable) else None
            if total is None:
                total, exact = counts.bounded_count(rows, exact_count, at_least=offset + len(page) + 1)
    return {"rows": page, "count": total, "count_exact": exact if count else None, "next_offset": offset + limit if more else None,
            "cells": Cells(schema, page, readable, relation_limit=cells_module.RELATION_SHOWN)}


def row_chunks(schema: Schema, *, viewer, tree=None, sorts=(), chunk: int = 1000):
    """Every row ``viewer`` may read (under a filter tree and sorts, as ``select_rows``), ``chunk`` rows at a time:
    what an export writes, a thousand rows in memory at once."""
    offset = 0
    while True:
        result = select_rows(schema, tree=tree, sorts=sorts, limit=chunk, offset=offset, count=False, viewer=viewer)
        if result["rows"]:
            yield result["rows"]
        if result["next_offset"] is None:
            return
        offset = result["next_offset"]


def list_rows(user, database: Database, *, filter=None, sorts=None, search: str = "", limit: int = DEFAULT_LIMIT,
              cursor: str | None = None, archived: bool = False, exact_count: bool = False) -> dict:
    """Rows of a database the user may view, filtered and sorted (see ``query``); cursor-paginated. ``count`` is
    exact when ``count_exact`` says so (see ``select_rows``); ``exact_count`` asks for it at any size."""
    permissions.require(user, "read", database)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    schema = Schema(database)
    tree = query.clean_filter(schema, filter)
    cleaned_sorts = query.clean_sorts(schema, sorts)
    result = select_rows(schema, tree=tree, sorts=cleaned_sorts, search=search, limit=limit, offset=decode_cursor(cursor),
                         archived=archived, viewer=user, exact_count=exact_count)
    return {**result, "schema": schema, "next_cursor": encode_cursor(result["next_offset"])}


def related_rows(user, row: Row, prop: Property, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """One page of the rows that ``row``'s relation ``prop`` links to and ``user`` can read — the rest of a relation
    cell that shows its first rows (``Cells.shown``): ``{"items": [{id, page_id, title}], "total", "hidden",
    "next_cursor"}``. ``total`` counts the readable rows only; ``hidden`` says whether it also links to rows the
    user cannot read (shown as one "No access": never their titles, nor how many). One indexed query per page."""
    permissions.require(user, "read", row.database)
    if prop.database_id != row.database_id or prop.type != "relation":
        raise InvalidInput("this is not a relation property of the row's database", field="property_id")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    offset = decode_cursor(cursor)
    owner, forward = query.relation_owner(prop)
    row_field, other = ("source_id", "target") if forward else ("target_id", "source")
    links = RowRelation.objects.filter(property_id=owner, **{row_field: row.pk, f"{other}__archived_at__isnull": True})
    readable = readable_for(user).narrow(links, f"{other}_id", prop.config.get("database_id"))
    order = ("position", "id") if forward else (f"{other}_id",)
    page = list(readable.order_by(*order).values_list(f"{other}_id", f"{other}__page_id", f"{other}__page__title")[offset: offset + limit + 1])
    more = len(page) > limit
    total = readable.count() if more or offset else len(page)
    return {"items": [{"id": other_id, "page_id": page_id, "title": title} for other_id, page_id, title in page[:limit]],
            "total": total, "hidden": links.exclude(pk__in=readable.values("pk")).exists(),
            "next_cursor": encode_cursor(offset + limit) if more else None}
