"""View types: the extension point of this module (STYLE.md, "registries for things that vary by type").

Each view type (table, kanban, calendar, list, gallery) is one entry in ``VIEW_TYPES``, keyed by its ``type``
string. An entry knows

- ``label``, ``icon``, ``sequence``: how the view switcher names it, draws it and where it lists it;
- ``shows_every_property``: whether properties a view's config does not list are visible (a table shows every
  column; the other types show the title until the user turns more on);
- ``clean_config(schema, config)``: what this type requires of the settings a client sends, after every
  setting was checked on its own (``services._clean_config``); raises ``InvalidInput`` naming the field;
- ``defaults(schema, config)``: the settings it cannot work without, chosen from the database's properties
  when the client left them out (a board's grouping, a calendar's date property);
- ``grouping(schema, config)``: the property its rows are grouped by (kanban columns, table groups), or None;
- ``window(schema, config, date_from, date_to)``: the condition of a date window (a calendar's month or week);
- ``count_groups(schema, prop, rows, counters)``: every group with its exact count, in the order the view shows them
  (from the maintained counts when ``counters`` is given);
- ``page(request)``: one page of rows, with the count and the offset of the next page.

The base class does what every type does today, so a type states only how it differs. Adding a type
(a timeline, a chart) is adding one entry, here or in another module, registered in that module's
``AppConfig.ready()``; the registry is frozen after start-up. The ``views`` TypeScript island draws each type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from ipai_workos_db import query
from ipai_workos_db import services as databases
from ipai_workos_db.query import Schema
from workos.kernel.errors import InvalidInput
from workos.kernel.registry import Registry

from . import rows


@dataclass
class RowRequest:
    """What ``services.view_rows`` asks a view type for: one page of the rows under the view's filter and sorts."""

    schema: Schema
    tree: Any
    sorts: list[dict]
    search: str
    extra: Q  # the one group (``?group=``) and the date window the client narrowed to
    limit: int
    offset: int
    viewer: Any  # whose cells: a user or their ipai_workos_db.cells.Readable
    group_by: Any = None  # the property the view groups by (``grouping``), or None
    group: str | None = None  # the one group asked for, or None for every group
    windowed: bool = False
    groups: list[dict] | None = None  # every group with its exact count (``count_groups``), in order
    grouped_total: int | None = None  # the rows in all groups
    exact_count: bool = False  # count every row even past ipai_workos_db.counts.COUNT_BOUND


class ViewType:
    """The base of every view type. Subclasses set ``type`` and override where they differ."""

    type: str = ""
    label: str = ""
    icon: str = "▦"
    sequence: int = 100
    shows_every_property: bool = False

    # --- config -------------------------------------------------------------------------------------

    def clean_config(self, schema: Schema, config: dict) -> dict:
        return config

    def defaults(self, schema: Schema, config: dict) -> dict:
        return config

    # --- rows ---------------------------------------------------------------------------------------

    def grouping(self, schema: Schema, config: dict):
        return schema.by_id[config["group_by"]["property"]] if config.get("group_by") else None

    def window(self, schema: Schema, config: dict, date_from: str | None, date_to: str | None) -> Q:
        """Rows whose date (range) meets [date_from, date_to), by the view's date property."""
        date_prop = schema.by_id.get(config.get("date_property"))
        if date_prop is None:
            raise InvalidInput("this view has no date property", field="date_from")
        return rows.date_window(date_prop, date_from, date_to)

    def count_groups(self, schema: Schema, prop, rows_qs, counters: dict | None = None) -> tuple[list[dict], int]:
        """``counters``: the database's maintained counts, given when ``rows_qs`` is every live row."""
        return rows.count_groups(schema, prop, rows_qs, counters=counters)

    def page(self, request: RowRequest) -> dict:
        """``{"rows", "count", "next_offset", "cells"}``. Every group in one page orders by group first, so a
        grouped view pages through all its groups; the group counts make the exact count free."""
        schema, prop = request.schema, request.group_by
        every_group = prop is not None and request.group is None
        if (every_group and not request.windowed and prop.type in ("select", "status")
                and not query.tree_needs_python(schema, request.tree, request.sorts)):
            # a board by a select or status reads its page column by column, an index range each
            counts = {item["key"]: item["count"] for item in request.groups}
            return rows.page_by_groups(schema, prop, [item["key"] for item in request.groups], counts, tree=request.tree,
                                       sorts=request.sorts, search=request.search, limit=request.limit, offset=request.offset,
                                       viewer=request.viewer)
        sorts = list(request.sorts)
        if every_group:
            sorts = [{"property": prop.pk, "direction": "ascending"}] + [s for s in request.sorts if s["property"] != prop.pk]
        # the exact count is free (or one GROUP BY away) in a grouped view: ask select_rows for none then
        known = prop is not None and not request.windowed
        result = databases.select_rows(schema, viewer=request.viewer, tree=request.tree, sorts=sorts, search=request.search, extra=request.extra,
                                       limit=request.limit, offset=request.offset, count=not known, exact_count=request.exact_count)
        if known:
            counts = {item["key"]: item["count"] for item in request.groups}
            result["count"] = counts.get(request.group, 0) if request.group is not None else request.grouped_total
            result["count_exact"] = True
        return result


class TableType(ViewType):
    type, label, icon, sequence = "table", "Table", "▦", 10
    shows_every_property = True


class KanbanType(ViewType):
    """A board: one column per option, user or value of its grouping property; it is always grouped."""

    type, label, icon, sequence = "kanban", "Kanban", "▥", 20

    def clean_config(self, schema, config):
        if "group_by" in config and config["group_by"] is None:
            raise InvalidInput("a kanban board is grouped by a property", field="config.group_by")
        return config

    def defaults(self, schema, config):
        """Without a grouping, a board groups by the first status, select or person property."""
        if not config.get("group_by"):
            prop = next((p for kind in ("status", "select", "person") for p in schema.properties if p.type == kind), None)
            if prop is None:
                raise InvalidInput("a kanban board needs a select, status or person property to group by", field="config.group_by")
            config["group_by"] = {"property": prop.pk, "hide_empty": False}
        return config


class CalendarType(ViewType):
    type, label, icon, sequence = "calendar", "Calendar", "▤", 30

    def defaults(self, schema, config):
        """Without a date property, a calendar lays rows out by the first date property."""
        if not config.get("date_property"):
            prop = next((p for p in schema.properties if p.type == "date"), None)
            if prop is None:
                raise InvalidInput("a calendar needs a date property", field="config.date_property")
            config["date_property"] = prop.pk
        return config


class ListType(ViewType):
    type, label, icon, sequence = "list", "List", "☰", 40


class GalleryType(ViewType):
    type, label, icon, sequence = "gallery", "Gallery", "▩", 50


VIEW_TYPES: Registry[ViewType] = Registry("view type")

CORE_VIEW_TYPES = (TableType, KanbanType, CalendarType, ListType, GalleryType)

# A view saved under a type whose module was uninstalled since still opens, with what every type does.
UNREGISTERED = ViewType()


def register_core_types() -> None:
    for type_class in CORE_VIEW_TYPES:
        VIEW_TYPES.register(type_class.type, type_class())


def view_types() -> list[ViewType]:
    """Every registered type, in the order the view switcher lists them."""
    return sorted((entry for _, entry in VIEW_TYPES.items()), key=lambda entry: (entry.sequence, entry.type))


def view_type(name) -> ViewType:
    """The type a client asks for; any other name is a 422 on ``type`` that lists the known ones."""
    if not isinstance(name, str) or name not in VIEW_TYPES:
        raise InvalidInput(f"type must be one of {', '.join(entry.type for entry in view_types())}", field="type")
    return VIEW_TYPES.get(name)


def type_of(view) -> ViewType:
    """The type of a saved view."""
    entry = VIEW_TYPES.find(view.type)
    return entry if entry is not None else UNREGISTERED
