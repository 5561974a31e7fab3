"""The JSON shapes of databases, properties and rows that the API, views and exports share."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .. import query
from ..cells import NO_ACCESS, Cells
from ..models import Database, Property, Row
from ..properties import property_type
from ..query import Schema


def database_json(database: Database) -> dict:
    return {"id": database.pk, "space_id": database.space_id, "parent_page_id": database.parent_page_id, "title": database.title,
            "icon": database.icon, "description": database.description, "restricted": database.restricted, "archived_at": database.archived_at,
            "created_at": database.created_at, "updated_at": database.updated_at}


def property_json(prop: Property) -> dict:
    entry = property_type(prop.type)
    query.prepared([prop])
    return {"id": prop.pk, "database_id": prop.database_id, "name": prop.name, "type": prop.type, "config": prop.config,
            "rank": prop.rank, "editable": entry.editable, "computed": entry.computed,
            "operators": list(query.OPERATORS[entry.kind])}


def names_for(cells: Cells, rows: list, props: list) -> dict:
    """Usernames and related-row titles the rendered values of these rows need, loaded in two queries."""
    user_ids, row_ids = set(), set()
    for row in rows:
        user_ids.update(user_id for user_id in (row.created_by_id, row.updated_by_id) if user_id)
        for prop in props:
            if prop.type == "person":
                user_ids.update(row.values.get(prop.key) or [])
            elif prop.type == "relation":
                row_ids.update(cells.shown(row, prop)[0])
    users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")) if user_ids else {}
    titles = {row_id: cells.titles[row_id] for row_id in row_ids if row_id in cells.titles}  # loaded with the links
    missing = row_ids - set(titles)
    if missing:
        titles.update(Row.objects.filter(pk__in=missing).values_list("pk", "page__title"))
    cells.usernames.update(users)
    return {"users": users, "rows": titles}


def cell_text(prop: Property, cell, names: dict, display: bool = True, hidden: bool = False, row_link=None, entry=None) -> str:
    """A cell as a person reads it (``display``) or as CSV holds it. ``hidden``: the relation also links to
    rows the viewer cannot read, shown as one "No access" (never their titles, nor how many there are).
    ``row_link(row id) -> href | None``: a related row with an href is written as Notion's CSV writes a relation,
    "Title (href)", so that an importer can link the row again (a portable export). ``entry``: the property's
    type, when the caller has it."""
    entry = entry or property_type(prop.type)
    if prop.type == "person":
        return ", ".join(names["users"].get(user_id, str(user_id)) for user_id in cell or [])
    if prop.type in ("created_by", "last_edited_by"):
        return names["users"].get(cell, "") if cell else ""
    if prop.type == "relation":
        shown = []
        for row_id in cell or []:
            title = names["rows"].get(row_id) or "Untitled"
            href = row_link(row_id) if row_link is not None else None
            shown.append(f"{title} ({href})" if href else title)
        return ", ".join(shown + [NO_ACCESS] if hidden else shown)
    return entry.display(cell, prop.config) if display else entry.to_text(cell, prop.config)


def row_json(row: Row, schema: Schema, cells: Cells, names: dict | None = None) -> dict:
    if names is None:
        names = names_for(cells, [row], schema.properties)
    values, display, errors, totals = {}, {}, {}, {}
    for prop, entry, key in schema.columns:  # a hundred rows of a dozen properties: types looked up once a page
        if entry.relation:
            # a page of rows shows the first linked rows and how many the viewer can read (``Cells.shown``)
            cell, totals[key] = cells.shown(row, prop)
            hidden = cells.hidden(row, prop)
        else:
            cell, hidden = cells.cell(row, prop, entry), False
        values[key] = entry.to_api(cell, prop.config)
        display[key] = cell_text(prop, cell, names, hidden=hidden, entry=entry)
        if cells.errors:
            error = cells.errors.get((row.id, prop.id))
            if error:
                errors[key] = error
    return {"id": row.pk, "database_id": row.database_id, "page_id": row.page_id, "number": row.number, "title": row.page.title,
            "values": values, "display": display, "errors": errors, "relation_totals": totals, "rank": row.rank, "created_at": row.created_at,
            "created_by": names["users"].get(row.created_by_id), "updated_at": row.updated_at,
            "updated_by": names["users"].get(row.updated_by_id), "archived_at": row.archived_at}


def rows_json(rows: list, schema: Schema, cells: Cells) -> list[dict]:
    names = names_for(cells, rows, schema.properties)
    return [row_json(row, schema, cells, names) for row in rows]
