"""How a view narrows, groups and pages its rows: the parts view types (``registry.py``) are built from.

A group is a kanban column (or a group of a grouped table): rows whose grouping property holds the same
option, user, text or checkbox state; ``EMPTY_GROUP`` ("") holds the rows without one.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce
from django.db.models.lookups import In

from ipai_workos_db import counts as row_counts
from ipai_workos_db import query
from ipai_workos_db import services as databases
from ipai_workos_db import cells as db_cells
from ipai_workos_db.cells import Cells, readable_for
from ipai_workos_db.properties import option_by_id, property_type
from ipai_workos_db.query import Schema
from workos.kernel.errors import InvalidInput

GROUPABLE = {"select", "status", "checkbox", "person", "text", "title", "url", "email", "phone", "created_by", "last_edited_by"}
EMPTY_GROUP = ""


def groupable(prop) -> bool:
    """Core types by name; a type another module registers groups when it has options (its kind is "select")."""
    return prop.type in GROUPABLE or _by_option(prop)


def _by_option(prop) -> bool:
    """Grouped by option: select, status, and any registered type of the select kind (the review status)."""
    return property_type(prop.type).kind == "select"


def group_expression(prop):
    if prop.type == "checkbox":
        return query.sort_expression(prop)
    if prop.type == "person":
        return KeyTextTransform("0", KeyTransform(prop.key, "values"))
    return query.value_expression(prop)


def group_key(prop, cell) -> str:
    """The group (kanban column) a cell falls in: an option id, a user id, "true"/"false", the text; "" when empty."""
    if prop.type == "checkbox":
        return "true" if cell else "false"
    if prop.type == "person":
        return str(cell[0]) if cell else EMPTY_GROUP
    if _by_option(prop):
        return cell if cell and option_by_id(prop.config, cell) else EMPTY_GROUP
    if cell is None or cell == "":
        return EMPTY_GROUP
    return str(cell)


def group_filter(prop, key: str) -> Q:
    if prop.type == "checkbox":
        return query.condition_q(prop, "checked" if key == "true" else "unchecked", None)
    if key == EMPTY_GROUP and _by_option(prop):
        # what count_groups counts as empty: no value, or an option that no longer exists
        expression = query.value_expression(prop)
        option_ids = [option["id"] for option in prop.config.get("options", [])]
        empty = Q(query.IsNull(expression, True))
        return empty | ~Q(In(expression, option_ids)) if option_ids else empty
    if key == EMPTY_GROUP:
        return query.condition_q(prop, "is_empty", None)
    if prop.type == "person":
        return Q(query.Exact(group_expression(prop), key))
    if prop.type in ("created_by", "last_edited_by"):
        return Q(query.Exact(query.value_expression(prop), int(key))) if key.isdigit() else Q(pk__in=[])
    if property_type(prop.type).kind == "text":
        return Q(query.Exact(query.value_expression(prop), key))
    return Q(query.Exact(query.value_expression(prop), key))


def count_groups(schema: Schema, prop, rows_qs, hide_empty: bool = False, counters: dict | None = None) -> tuple[list[dict], int]:
    """(every group with its count, options in their order then the others; the number of rows in all groups,
    hidden empty ones included) from one GROUP BY query — or, for a select or status property when ``counters``
    (the database's maintained counts, ``ipai_workos_db.counts``) are given because ``rows_qs`` is every live
    row, from those without reading a row."""
    if counters is not None and prop.type in row_counts.COUNTED_TYPES:
        per_option = row_counts.option_counts(prop, counters)
        groups = [{"key": option["id"], "label": option["name"], "color": option["color"], "count": per_option.get(option["id"], 0),
                   **({"status_group": option["group"]} if "group" in option else {})} for option in prop.config.get("options", [])]
        groups.append({"key": EMPTY_GROUP, "label": f"No {prop.name}", "color": None, "count": per_option.get(EMPTY_GROUP, 0)})
        return [group for group in groups if group["count"] or not hide_empty], sum(group["count"] for group in groups)
    if prop.type == "checkbox":
        raw = rows_qs.aggregate(total=Count("id"), checked=Count("id", filter=query.condition_q(prop, "checked", None)))
        counts = {"true": raw["checked"], "false": raw["total"] - raw["checked"]}
        groups = [{"key": "false", "label": "Unchecked", "color": None, "count": counts["false"]},
                  {"key": "true", "label": "Checked", "color": None, "count": counts["true"]}]
        return [group for group in groups if group["count"] or not hide_empty], raw["total"]
    raw = rows_qs.annotate(group_value=group_expression(prop)).values("group_value").annotate(n=Count("id")).order_by()
    counts: dict[str, int] = {}
    for item in raw:
        key = EMPTY_GROUP if item["group_value"] in (None, "") else str(item["group_value"])
        if _by_option(prop) and key and not option_by_id(prop.config, key):
            key = EMPTY_GROUP
        counts[key] = counts.get(key, 0) + item["n"]
    groups = []
    if _by_option(prop):
        for option in prop.config.get("options", []):
            groups.append({"key": option["id"], "label": option["name"], "color": option["color"], "count": counts.pop(option["id"], 0),
                           **({"status_group": option["group"]} if "group" in option else {})})
    else:
        from django.contrib.auth import get_user_model

        users = dict(get_user_model().objects.filter(pk__in=[int(k) for k in counts if k.isdigit()]).values_list("pk", "username")) \
            if prop.type in ("person", "created_by", "last_edited_by") else {}
        for key in sorted(key for key in counts if key != EMPTY_GROUP):
            label = users.get(int(key), key) if users and key.isdigit() else key
            groups.append({"key": key, "label": label, "color": None, "count": counts.pop(key)})
    groups.append({"key": EMPTY_GROUP, "label": f"No {prop.name}", "color": None, "count": counts.pop(EMPTY_GROUP, 0)})
    return [group for group in groups if group["count"] or not hide_empty], sum(group["count"] for group in groups)


def page_by_groups(schema: Schema, group_prop, keys: list[str], counts: dict[str, int], *, tree, sorts, search: str,
                   limit: int, offset: int, viewer) -> dict:
    """The page at ``offset`` of rows ordered by group (``keys`` in board order), then by the view's sorts,
    read group by group. The group counts are exact, so each group is one ``LIMIT/OFFSET`` query on the
    group's index range, and only the groups the page overlaps are read."""
    rows, start = [], 0
    readable = readable_for(viewer)
    total = sum(counts.get(key, 0) for key in keys)
    for key in keys:
        size = counts.get(key, 0)
        if len(rows) >= limit:
            break
        if size == 0 or offset >= start + size:
            start += size
            continue
        skip = max(0, offset - start)
        part = databases.select_rows(schema, viewer=readable, tree=tree, sorts=sorts, search=search, extra=group_filter(group_prop, key),
                                     limit=limit - len(rows), offset=skip, count=False)
        rows.extend(part["rows"])
        start += size
    return {"rows": rows, "count": total, "count_exact": True, "next_offset": offset + limit if offset + limit < total and rows else None,
            "cells": Cells(schema, rows, readable, relation_limit=db_cells.RELATION_SHOWN)}


def date_window(prop, date_from, date_to) -> Q:
    from ipai_workos_db.properties import PropertyError, parse_date

    bounds = []
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        if value is None:
            bounds.append(None)
            continue
        try:
            bounds.append(parse_date(value)[:10])
        except PropertyError as error:
            raise InvalidInput(error.message, field=field) from None
    start = query.value_expression(prop)
    condition = Q()
    if property_type(prop.type).column:
        if bounds[0]:
            condition &= Q(query.GreaterThanOrEqual(start, query._bound(prop, bounds[0])))
        if bounds[1]:
            condition &= Q(query.LessThan(start, query._bound(prop, bounds[1])))
        return condition
    end = query.CText(Coalesce(KeyTextTransform("end", KeyTransform(prop.key, "values")), KeyTextTransform("start", KeyTransform(prop.key, "values"))))
    if bounds[1]:
        condition &= Q(query.LessThan(start, bounds[1]))
    if bounds[0]:
        condition &= Q(query.GreaterThanOrEqual(end, bounds[0]))
    return condition
