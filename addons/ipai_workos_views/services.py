"""Saved views of a database: the only write path of this module, and the rows a view shows.

A view is shared (``owner`` empty: everyone who can view the database sees it; changing it needs edit on
the database) or personal (only its owner sees or changes it; viewing the database is enough to make one).
A view never shows a row its user cannot view: its rows are the database's rows, and those follow the
database's permission scope (``ipai_workos_db.services.get_database``).

``config`` (all keys optional)::

    {"filter": {"and"|"or": [...]} | {"property", "operator", "value"},   # see ipai_workos_db.query
     "sorts": [{"property": id, "direction": "ascending"|"descending"}],
     "group_by": {"property": id, "hide_empty": false},                   # kanban columns, table groups
     "properties": [{"property": id, "visible": true, "width": 200}],     # order, hidden, column widths
     "calculations": {"<property id>": "count"|"empty"|"filled"|"unique"|"sum"|"average"|"min"|"max"|...},
     "date_property": id,                                                 # calendar
     "calendar_mode": "month"|"week",
     "cover": "page"|"none"|<files property id>}                          # gallery card preview

Properties deleted since a view was saved are dropped from its config when it is read, never an error.
What differs by view type (table, kanban, calendar, list, gallery) — what it requires of its config, the
settings it fills in, how it groups, counts and pages its rows — is its entry in ``registry.py``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Avg, Count, Max, Min, Q, Sum

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_db import counts, query
from ipai_workos_db import services as databases
from ipai_workos_db.cells import Cells, Readable
from ipai_workos_db.properties import property_type
from ipai_workos_db.query import Schema
from ipai_workos_search import services as full_text
from workos.kernel.cursors import DEFAULT_LIMIT, check_limit, decode_cursor, encode_cursor
from workos.kernel import ranks
from workos.kernel.errors import InvalidInput, NotFound
from workos.kernel.prepared import Prepared, pk_value

from .models import View
from .registry import RowRequest, ViewType, type_of, view_type
from .rows import GROUPABLE, group_filter, group_key, groupable

QUERIES = ("views_for", "get_view", "effective_config", "view_rows", "view_json", "export_view_csv", "group_key")

CALCULATIONS = ("count", "empty", "filled", "unique", "sum", "average", "min", "max", "percent_empty", "percent_filled")
NUMBER_CALCULATIONS = {"sum", "average"}
CONFIG_KEYS = {"filter", "sorts", "group_by", "properties", "calculations", "date_property", "calendar_mode", "cover"}
EXPORT_CHUNK = 1000


# --- reads -----------------------------------------------------------------------------------------------


def views_for(user, database):
    """The shared views of the database and the user's own personal ones, in order."""
    permissions.require(user, "read", database)
    return View.objects.filter(database=database).filter(Q(owner__isnull=True) | Q(owner_id=getattr(user, "pk", None)))


# the chain the permission check walks comes with the view; compiled once (workos.kernel.prepared)
VIEW_BY_ID = Prepared(lambda pk: View.objects.select_related("database__space__workspace").filter(pk=pk))


def get_view(user, view_id, action: str = "read") -> View:
    """NotFound for someone else's personal view, or a view of a database the user cannot view."""
    pk = pk_value(view_id)
    view = VIEW_BY_ID.first(pk) if isinstance(pk, int) else None  # not an id ("²" is a digit to isdigit): no view
    if view is None or (view.owner_id is not None and view.owner_id != getattr(user, "pk", None)):
        raise NotFound("no such view")
    try:
        databases.require_database(user, view.database, "read")
    except NotFound:
        raise NotFound("no such view") from None
    if action != "read" and view.owner_id is None:
        permissions.require(user, "edit", view.database)
    return view


def view_json(view: View, schema: Schema | None = None) -> dict:
    config = effective_config(view, schema or Schema(view.database))
    return {"id": view.pk, "database_id": view.database_id, "name": view.name, "type": view.type, "config": config,
            "personal": view.owner_id is not None, "owner_id": view.owner_id, "rank": view.rank,
            "created_at": view.created_at, "updated_at": view.updated_at}


def effective_config(view: View, schema: Schema) -> dict:
    """The view's config without references to deleted properties, with every property listed in order."""
    config = dict(view.config or {})
    config["filter"] = query.drop_missing(schema, config.get("filter"))
    config["sorts"] = [sort for sort in config.get("sorts", []) if sort.get("property") in schema.by_id]
    group = config.get("group_by")
    config["group_by"] = group if group and group.get("property") in schema.by_id else None
    listed = [item for item in config.get("properties", []) if item.get("property") in schema.by_id]
    seen = {item["property"] for item in listed}
    default_visible = type_of(view).shows_every_property
    for prop in schema.properties:
        if prop.pk not in seen:
            listed.append({"property": prop.pk, "visible": prop.type == "title" or default_visible, "width": None})
    config["properties"] = listed
    config["calculations"] = {key: value for key, value in (config.get("calculations") or {}).items() if key.isdigit() and int(key) in schema.by_id}
    if config.get("date_property") not in schema.by_id:
        config["date_property"] = None
    config.setdefault("calendar_mode", "month")
    config.setdefault("cover", "page")
    return config


# --- validation ------------------------------------------------------------------------------------------


def _clean_config(schema: Schema, kind: ViewType, raw) -> dict:
    """Every setting checked on its own, then what the view's type requires of them."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidInput("config is an object", field="config")
    unknown = set(raw) - CONFIG_KEYS
    if unknown:
        raise InvalidInput(f"unknown view setting {sorted(unknown)[0]!r}", field=f"config.{sorted(unknown)[0]}")
    config: dict = {}
    if "filter" in raw:
        config["filter"] = query.clean_filter(schema, raw["filter"], "config.filter")
    if "sorts" in raw:
        config["sorts"] = query.clean_sorts(schema, raw["sorts"], "config.sorts")
    if raw.get("group_by") is not None:
        group = raw["group_by"]
        if isinstance(group, (int, str)):
            group = {"property": group}
        if not isinstance(group, dict) or set(group) - {"property", "hide_empty"}:
            raise InvalidInput("group_by is {property, hide_empty}", field="config.group_by")
        prop = schema.find(group.get("property"), "config.group_by.property")
        if not groupable(prop):
            raise InvalidInput(f"rows are grouped by {', '.join(sorted(GROUPABLE))} properties, not {prop.type}", field="config.group_by.property")
        config["group_by"] = {"property": prop.pk, "hide_empty": bool(group.get("hide_empty", False))}
    elif "group_by" in raw:
        config["group_by"] = None
    if "properties" in raw:
        items = raw["properties"]
        if not isinstance(items, list) or len(items) > 500:
            raise InvalidInput("properties is a list of {property, visible, width}", field="config.properties")
        cleaned, seen = [], set()
        for index, item in enumerate(items):
            field = f"config.properties[{index}]"
            if not isinstance(item, dict) or set(item) - {"property", "visible", "width"}:
                raise InvalidInput("a column is {property, visible, width}", field=field)
            prop = schema.find(item.get("property"), f"{field}.property")
            width = item.get("width")
            if width is not None and (isinstance(width, bool) or not isinstance(width, int) or not 32 <= width <= 2000):
                raise InvalidInput("width is a whole number of pixels from 32 to 2000", field=f"{field}.width")
            visible = item.get("visible", True)
            if not isinstance(visible, bool):
                raise InvalidInput("visible is true or false", field=f"{field}.visible")
            if prop.pk in seen:
                raise InvalidInput(f"{prop.name!r} is listed twice", field=f"{field}.property")
            seen.add(prop.pk)
            cleaned.append({"property": prop.pk, "visible": visible, "width": width})
        config["properties"] = cleaned
    if "calculations" in raw:
        calculations = raw["calculations"] or {}
        if not isinstance(calculations, dict):
            raise InvalidInput("calculations maps property id to a calculation", field="config.calculations")
        cleaned = {}
        for reference, function in calculations.items():
            prop = schema.find(reference, f"config.calculations.{reference}")
            if function not in CALCULATIONS:
                raise InvalidInput(f"a calculation is one of {', '.join(CALCULATIONS)}", field=f"config.calculations.{reference}")
            if function in NUMBER_CALCULATIONS and property_type(prop.type).kind not in ("number", "computed"):
                raise InvalidInput(f"{function} needs a number property", field=f"config.calculations.{reference}")
            if function in ("min", "max") and property_type(prop.type).kind not in ("number", "date", "computed"):
                raise InvalidInput(f"{function} needs a number or date property", field=f"config.calculations.{reference}")
            cleaned[str(prop.pk)] = function
        config["calculations"] = cleaned
    if raw.get("date_property") is not None:
        prop = schema.find(raw["date_property"], "config.date_property")
        if property_type(prop.type).kind != "date":
            raise InvalidInput("a calendar is laid out by a date property", field="config.date_property")
        config["date_property"] = prop.pk
    if "calendar_mode" in raw:
        if raw["calendar_mode"] not in ("month", "week"):
            raise InvalidInput("calendar_mode is month or week", field="config.calendar_mode")
        config["calendar_mode"] = raw["calendar_mode"]
    if "cover" in raw:
        cover = raw["cover"]
        if cover not in ("page", "none"):
            prop = schema.find(cover, "config.cover")
            if prop.type != "files":
                raise InvalidInput("a gallery cover is page, none or a files property", field="config.cover")
            cover = prop.pk
        config["cover"] = cover
    return kind.clean_config(schema, config)


def _clean_name(name) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 128 or any(ord(c) < 32 for c in name):
        raise InvalidInput("a view needs a name of at most 128 characters", field="name")
    return name.strip()


# --- writes ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_view(actor, database, *, name: str, type: str = "table", config=None, personal: bool = False) -> View:
    """A shared view (needs edit on the database) or a personal one (viewing the database is enough)."""
    permissions.require(actor, "read" if personal else "edit", database)
    schema = Schema(database)
    kind = view_type(type)
    cleaned = kind.defaults(schema, _clean_config(schema, kind, config))
    last = View.objects.filter(database=database).order_by("-rank").values_list("rank", flat=True).first()
    view = View.objects.create(database=database, name=_clean_name(name), type=kind.type, config=cleaned,
                               owner=actor if personal else None, rank=ranks.rank_between(last, None))
    record_event(actor=actor, action="view.create", target=view, target_name=view.name,
                 changes={"database_id": database.pk, "name": view.name, "type": kind.type, "personal": personal})
    return view


@transaction.atomic
def update_view(actor, view: View, *, name=None, type=None, config=None, after_id=databases.UNSET) -> View:
    """Change a view. ``config`` replaces the settings it names and keeps the others."""
    if view.owner_id is not None and view.owner_id != actor.pk:
        raise NotFound("no such view")
    permissions.require(actor, "read" if view.owner_id else "edit", view.database)
    schema = Schema(view.database)
    before = {"name": view.name, "type": view.type, "config": view.config, "rank": view.rank}
    if name is not None:
        view.name = _clean_name(name)
    if type is not None:
        view.type = view_type(type).type
    kind = type_of(view)
    if config is not None:
        view.config = kind.defaults(schema, {**(view.config or {}), **_clean_config(schema, kind, config)})
    elif type is not None:
        view.config = kind.defaults(schema, dict(view.config or {}))
    if after_id is not databases.UNSET:
        siblings = View.objects.filter(database=view.database).exclude(pk=view.pk)
        view.rank = databases._rank_after(siblings, after_id, "after_id")
    view.save()
    record_event(actor=actor, action="view.update", target=view, target_name=view.name,
                 changes=diff(before, {"name": view.name, "type": view.type, "config": view.config, "rank": view.rank}))
    return view


@transaction.atomic
def delete_view(actor, view: View) -> None:
    if view.owner_id is not None and view.owner_id != actor.pk:
        raise NotFound("no such view")
    permissions.require(actor, "read" if view.owner_id else "edit", view.database)
    record_event(actor=actor, action="view.delete", target=view, target_name=view.name, changes={"database_id": view.database_id, "name": view.name})
    view.delete()


# --- the rows of a view ----------------------------------------------------------------------------------


def _footer(schema: Schema, config: dict, rows_qs, viewer, python_rows=None) -> dict:
    """Footer calculations over all rows the view shows (not just this page): SQL aggregates, or Python for
    formulas and rollups."""
    calculations = config.get("calculations") or {}
    if not calculations:
        return {}
    aggregates, python_needed, results = {}, [], {}
    for prop_id, function in calculations.items():
        prop = schema.by_id[int(prop_id)]
        if property_type(prop.type).computed or prop.type == "relation":
            python_needed.append((prop, function))
            continue
        has_value = query.condition_q(prop, "is_not_empty", None)
        expression = query.value_expression(prop)
        alias = f"c{prop_id}"
        aggregates[alias + "_total"] = Count("id")
        if function in ("empty", "percent_empty", "filled", "percent_filled"):
            aggregates[alias] = Count("id", filter=has_value)
        elif function == "unique":
            aggregates[alias] = Count(query.sort_expression(prop) if prop.type in ("multi_select", "person", "files") else expression, distinct=True, filter=has_value)
        elif function == "count":
            aggregates[alias] = Count("id")
        else:
            aggregates[alias] = {"sum": Sum, "average": Avg, "min": Min, "max": Max}[function](expression)
    values = rows_qs.order_by().aggregate(**aggregates) if aggregates else {}
    for prop_id, function in calculations.items():
        prop = schema.by_id[int(prop_id)]
        alias = f"c{prop_id}"
        if alias not in values:
            continue
        total, value = values[alias + "_total"], values[alias]
        if function == "empty":
            value = total - value
        elif function == "percent_empty":
            value = (total - value) / total if total else None
        elif function == "percent_filled":
            value = value / total if total else None
        elif function == "sum":
            value = value or 0
        results[prop_id] = _calculation_json(prop, function, value)
    if python_needed:
        rows = python_rows if python_rows is not None else list(rows_qs.select_related("page")[: query.PYTHON_ROW_LIMIT])
        cells = Cells(schema, rows, viewer)
        for prop, function in python_needed:
            cells_of = [cells.cell(row, prop) for row in rows]
            results[str(prop.pk)] = _calculation_json(prop, function, _python_calculation(function, cells_of))
    return results


def _python_calculation(function: str, cells: list):
    def empty(cell):
        return cell is None or cell == "" or cell == []

    filled = [cell for cell in cells if not empty(cell)]
    if function == "count":
        return len(cells)
    if function == "empty":
        return len(cells) - len(filled)
    if function == "filled":
        return len(filled)
    if function == "percent_empty":
        return (len(cells) - len(filled)) / len(cells) if cells else None
    if function == "percent_filled":
        return len(filled) / len(cells) if cells else None
    if function == "unique":
        return len({str(cell) for cell in filled})
    numbers = [cell for cell in filled if isinstance(cell, (int, float)) and not isinstance(cell, bool)]
    if function == "sum":
        return sum(numbers)
    if function == "average":
        return sum(numbers) / len(numbers) if numbers else None
    if function in ("min", "max"):
        return (min if function == "min" else max)(numbers) if numbers else None
    return None


def _calculation_json(prop, function: str, value) -> dict:
    entry = property_type(prop.type)
    display = "" if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if function in ("percent_empty", "percent_filled") and value is not None:
        display = f"{round(value * 100)}%"
    elif function in ("sum", "average", "min", "max") and value is not None and entry.kind == "number":
        display = entry.display(round(value, 10), prop.config)
    elif function in ("min", "max") and value is not None and entry.kind == "date":
        display = entry.display({"start": value} if prop.type == "date" else value, prop.config)
    return {"function": function, "value": value, "display": display}


def view_rows(user, view: View, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None, group: str | None = None,
              date_from: str | None = None, date_to: str | None = None, search: str = "", exact_count: bool = False) -> dict:
    """One page of the rows a view shows, as a table/kanban/calendar client needs them.

    Rows come filtered and sorted by the view (grouped views order by group first, so a grouped table can
    page through); ``group`` narrows to one group (one kanban column, with its own cursor); ``date_from`` /
    ``date_to`` narrow a calendar to rows whose date (range) meets [from, to). The answer holds the rows
    (each with its rendered values and its group key), the groups with counts, the total count and the
    footer calculations over all rows of the view.

    Cost (PostgreSQL, see benchmarks/README.md): the page is one indexed query for the rows shown, plus one
    query per relation/rollup/user lookup of those rows — never one per row. The exact ``count`` comes for free
    when the page holds the last row, from the group counts (one GROUP BY) in a grouped view, and from one
    COUNT query otherwise. A board grouped by a select or status reads its page column by column (an index
    range each) instead of sorting every row by column first.

    Counts do not scan (``ipai_workos_db.counts``): the unfiltered total, a single select/status condition and
    the columns of an unfiltered board by a select or status come from the counts the row services maintain;
    any other count is exact up to 10,000 rows and otherwise says ``count_exact: false`` ("10,000+") until the
    client asks with ``exact_count``."""
    database = databases.require_database(user, view.database, "read")
    check_limit(limit)
    schema = Schema(database)
    kind = type_of(view)
    config = effective_config(view, schema)
    readable = Readable(user)  # shared by every part of the answer: each related database is decided once
    tree, sorts = readable.filter_tree(schema, config["filter"]), config["sorts"]
    group_prop = kind.grouping(schema, config)
    extra = Q()
    if group is not None:
        if group_prop is None:
            raise InvalidInput("this view is not grouped", field="group")
        extra &= group_filter(group_prop, group)
    windowed = date_from is not None or date_to is not None
    if windowed:
        extra &= kind.window(schema, config, date_from, date_to)
    offset = decode_cursor(cursor)

    readable.remember(database)
    only_readable = readable.rows_q(database.pk)  # rows closed to the viewer by a grant of their own are not shown
    base = databases._live_rows(database).filter(only_readable)
    matching = Q()
    if search:
        # the view's search box: full-text over the rows' titles, text-like values and bodies, through the search
        # index (the same permission filter as everywhere), then the view's own filter, sorts and groups
        matching = Q(page_id__in=full_text.matching_pages(user, search, scope="database", scope_id=database.pk, object="row"))
        base, extra, search = base.filter(matching), extra & matching, ""
    python_rows = None
    if query.tree_needs_python(schema, tree, []):
        everything = databases.select_rows(schema, tree=tree, search=search, extra=matching, limit=query.PYTHON_ROW_LIMIT, count=False,
                                           viewer=readable)
        python_rows = everything["rows"]
        filtered = base.filter(pk__in=[row.pk for row in python_rows])
    else:
        filtered = base.filter(query.filter_q(schema, tree))
    groups, all_groups, grouped_total = None, None, None
    if group_prop is not None:
        # no filter: the maintained counts are the columns' counts
        every_row = not query.conditions(tree) and not search and not only_readable
        all_groups, grouped_total = kind.count_groups(schema, group_prop, filtered, counters=counts.read(database.pk) if every_row else None)
        hide_empty = (config.get("group_by") or {}).get("hide_empty", False)
        groups = [item for item in all_groups if item["count"] or not hide_empty]
    result = kind.page(RowRequest(schema=schema, tree=tree, sorts=sorts, search=search, extra=extra, limit=limit, offset=offset,
                                  viewer=readable, group_by=group_prop, group=group, windowed=windowed, groups=all_groups, grouped_total=grouped_total,
                                  exact_count=exact_count))

    visible = [schema.by_id[item["property"]] for item in config["properties"] if item["visible"]]
    needed = {prop.pk for prop in visible} | {p for p in (group_prop.pk if group_prop else None, config.get("date_property")) if p}
    if isinstance(config.get("cover"), int):
        needed.add(config["cover"])
    shown = [prop for prop in schema.properties if prop.pk in needed or prop.type == "title"]
    rows, cells = result["rows"], result["cells"]
    names = databases.names_for(cells, rows, shown)
    subset = Schema(database, shown)
    subset.by_name = schema.by_name  # formulas may read hidden properties
    cells.schema = schema
    items = []
    for row in rows:
        item = databases.row_json(row, subset, cells, names)
        if group_prop is not None:
            item["group"] = group_key(group_prop, cells.cell(row, group_prop))
        items.append(item)
    answer = {"view": view_json(view, schema), "items": items, "count": result["count"], "count_exact": result.get("count_exact"), "next_cursor": encode_cursor(result["next_offset"]),
              "footer": _footer(schema, config, filtered.filter(extra) if group is not None else filtered, readable,
                                python_rows if group is None else None),
              "groups": groups}
    return answer


def export_view_csv(user, view: View) -> tuple[str, str]:
    """(file name, CSV text) of every row the view shows, its visible properties in its order."""
    database = databases.get_database(user, view.database_id, "read")
    schema = Schema(database)
    config = effective_config(view, schema)
    props = [schema.by_id[item["property"]] for item in config["properties"] if item["visible"]]
    if not any(prop.type == "title" for prop in props):
        props.insert(0, schema.title())

    readable = Readable(user)

    chunks = databases.row_chunks(schema, viewer=readable, tree=config["filter"], sorts=config["sorts"], chunk=EXPORT_CHUNK)

    name = f"{database.title or 'Untitled'} - {view.name}.csv".replace("/", "-")
    return name, databases.export_csv(schema, chunks, props, readable)
