"""Databases, properties and rows: the only write path of this module, and its permission-checked reads.

Permission on a database, its properties and its rows is permission on the database, whose scope sits under
its space (or under its page, for an inline database): reading needs ``read``, changing rows needs ``edit``,
changing properties needs ``edit`` too. A user who cannot view the database gets NotFound for all of it.
Every write checks permission, validates (a bad value answers 422 naming the property, and nothing is
stored), writes, and records one audit event, in one transaction.

Every row is also a page (``Row.page``), created through the core services in the database's space; the
row's title is that page's title.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from workos.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput, NotFound, TooLarge

from . import indexes, query
from .cells import Cells
from .formula import rename_reference
from .scopes import DATABASE
from .models import Database, Property, Row, RowRelation
from .properties import PROPERTY_TYPES, Context, PropertyError, option_by_id, property_type
from .query import Schema

QUERIES = ("databases_for", "get_database", "get_property", "get_row", "schema_of", "list_rows", "select_rows", "row_json",
           "rows_json", "property_json", "database_json", "export_csv", "detect_type", "cell_text", "names_for", "context_for")

UNSET = object()
PROPERTIES_MAX = 200
BULK_MAX = 1000
IMPORT_ROWS_MAX = 10_000
IMPORT_BYTES_MAX = 10 * 1024 * 1024
CONVERSION_REPORT_MAX = 100


# --- reads -----------------------------------------------------------------------------------------------


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
    database = Database.objects.select_related("space").filter(pk=database_id).first() if str(database_id).isdigit() else None
    if database is None:
        raise NotFound("no such database")
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
    if action != "read" and row.archived_at is not None:
        raise Conflict("this row is in the trash: restore it first")
    return row


def _live_rows(database: Database, archived: bool = False):
    return Row.objects.filter(database=database, archived_at__isnull=not archived)


def select_rows(schema: Schema, *, tree=None, sorts=(), search: str = "", extra: Q | None = None, limit: int = DEFAULT_LIMIT,
                offset: int = 0, archived: bool = False, count: bool = True) -> dict:
    """One page of the database's rows under a cleaned filter tree and sorts: ``{"rows", "count", "next_offset",
    "cells"}``. SQL does the work unless a formula, rollup or relation is filtered or sorted on; then the rows
    SQL can narrow to are filtered and sorted in Python (at most ``query.PYTHON_ROW_LIMIT`` of them)."""
    sorts = list(sorts)
    rows = _live_rows(schema.database, archived).select_related("page")
    if search:
        rows = rows.filter(page__title__icontains=search.strip()[:200])
    if extra is not None:
        rows = rows.filter(extra)
    if query.tree_needs_python(schema, tree, sorts):
        candidates = list(rows.order_by("rank", "id")[: query.PYTHON_ROW_LIMIT + 1])
        if len(candidates) > query.PYTHON_ROW_LIMIT:
            raise InvalidInput(f"filtering or sorting by a formula, rollup or relation works on at most {query.PYTHON_ROW_LIMIT} rows: "
                               "narrow the rows with a filter on another property first", field="filter")
        cells = Cells(schema, candidates)
        kept = [row for row in candidates if query.matches(schema, tree, lambda prop, row=row: cells.cell(row, prop))]
        kept = query.sort_rows(schema, kept, sorts, cells.cell)
        page = kept[offset: offset + limit]
        return {"rows": page, "count": len(kept), "next_offset": offset + limit if offset + limit < len(kept) else None,
                "cells": Cells(schema, page)}
    rows = rows.filter(query.filter_q(schema, tree))
    page = list(rows.order_by(*query.order_by(schema, sorts))[offset: offset + limit + 1])
    more = len(page) > limit
    page = page[:limit]
    total = None
    if count:
        # the last page knows the total; only a page with more after it asks the database to count
        total = offset + len(page) if not more and (page or offset == 0) else rows.count()
    return {"rows": page, "count": total, "next_offset": offset + limit if more else None, "cells": Cells(schema, page)}


def list_rows(user, database: Database, *, filter=None, sorts=None, search: str = "", limit: int = DEFAULT_LIMIT,
              cursor: str | None = None, archived: bool = False) -> dict:
    """Rows of a database the user may view, filtered and sorted (see ``query``); cursor-paginated."""
    permissions.require(user, "read", database)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    schema = Schema(database)
    tree = query.clean_filter(schema, filter)
    cleaned_sorts = query.clean_sorts(schema, sorts)
    result = select_rows(schema, tree=tree, sorts=cleaned_sorts, search=search, limit=limit, offset=decode_cursor(cursor), archived=archived)
    return {**result, "schema": schema, "next_cursor": encode_cursor(result["next_offset"])}


# --- JSON shapes ----------------------------------------------------------------------------------------


def database_json(database: Database) -> dict:
    return {"id": database.pk, "space_id": database.space_id, "parent_page_id": database.parent_page_id, "title": database.title,
            "icon": database.icon, "description": database.description, "archived_at": database.archived_at,
            "created_at": database.created_at, "updated_at": database.updated_at}


def property_json(prop: Property) -> dict:
    entry = property_type(prop.type)
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
                row_ids.update(cells.cell(row, prop))
    users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")) if user_ids else {}
    titles = {row_id: cells.titles[row_id] for row_id in row_ids if row_id in cells.titles}  # loaded with the links
    missing = row_ids - set(titles)
    if missing:
        titles.update(Row.objects.filter(pk__in=missing).values_list("pk", "page__title"))
    cells.usernames.update(users)
    return {"users": users, "rows": titles}


def cell_text(prop: Property, cell, names: dict, display: bool = True) -> str:
    """A cell as a person reads it (``display``) or as CSV holds it."""
    entry = property_type(prop.type)
    if prop.type == "person":
        return ", ".join(names["users"].get(user_id, str(user_id)) for user_id in cell or [])
    if prop.type in ("created_by", "last_edited_by"):
        return names["users"].get(cell, "") if cell else ""
    if prop.type == "relation":
        return ", ".join(names["rows"].get(row_id) or "Untitled" for row_id in cell or [])
    return entry.display(cell, prop.config) if display else entry.to_text(cell, prop.config)


def row_json(row: Row, schema: Schema, cells: Cells, names: dict | None = None) -> dict:
    if names is None:
        names = names_for(cells, [row], schema.properties)
    values, display, errors = {}, {}, {}
    for prop in schema.properties:
        entry = property_type(prop.type)
        cell = cells.cell(row, prop)
        values[str(prop.pk)] = entry.to_api(cell, prop.config)
        display[str(prop.pk)] = cell_text(prop, cell, names)
        error = cells.error(row, prop)
        if error:
            errors[str(prop.pk)] = error
    return {"id": row.pk, "database_id": row.database_id, "page_id": row.page_id, "number": row.number, "title": row.page.title,
            "values": values, "display": display, "errors": errors, "rank": row.rank, "created_at": row.created_at,
            "created_by": names["users"].get(row.created_by_id), "updated_at": row.updated_at,
            "updated_by": names["users"].get(row.updated_by_id), "archived_at": row.archived_at}


def rows_json(rows: list, schema: Schema, cells: Cells) -> list[dict]:
    names = names_for(cells, rows, schema.properties)
    return [row_json(row, schema, cells, names) for row in rows]


# --- validation context --------------------------------------------------------------------------------


def context_for(actor, database: Database, create_options: bool = False) -> Context:
    User = get_user_model()

    def member(user) -> bool:
        return permissions.role_of(user, database) is not None

    def resolve_users(ids):
        users = User.objects.filter(pk__in=ids, is_active=True)
        return {user.pk: user for user in users if member(user)}

    def resolve_users_by_name(names):
        folded = {name.casefold() for name in names}
        found = {}
        for user in User.objects.filter(is_active=True).filter(Q(username__in=names) | Q(email__in=names) | Q(username__iregex=r"^(" + "|".join(re.escape(n) for n in names) + r")$")):
            for key in (user.username.casefold(), (user.email or "").casefold()):
                if key in folded and member(user):
                    found[key] = user.pk
        return found

    def resolve_rows(config, ids):
        target = Database.objects.filter(pk=config.get("database_id")).first()
        if target is None or not permissions.can(actor, "read", target):
            return set()
        return set(Row.objects.filter(database=target, pk__in=ids, archived_at__isnull=True).values_list("pk", flat=True))

    def rows_by_title(config, titles):
        target = Database.objects.filter(pk=config.get("database_id")).first()
        if target is None or not permissions.can(actor, "read", target):
            return {}
        found = {}
        for pk, title in Row.objects.filter(database=target, page__title__in=titles, archived_at__isnull=True).order_by("rank", "id").values_list("pk", "page__title"):
            found.setdefault(title, pk)
        return found

    return Context(database=database, actor=actor, resolve_users=resolve_users, resolve_users_by_name=resolve_users_by_name,
                   resolve_rows=resolve_rows, rows_by_title=rows_by_title, create_options=create_options)


def _clean_values(schema: Schema, values, context: Context, *, partial: bool) -> tuple[dict, dict, str | None]:
    """(stored values by key or None to clear, relation ids by property, title) from a client's ``values``
    keyed by property id or name; InvalidInput naming the first bad property."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise InvalidInput("values is an object keyed by property id or name", field="values")
    stored, relations, title = {}, {}, UNSET
    for reference, value in values.items():
        prop = schema.find(reference, field=f"values.{reference}")
        entry = property_type(prop.type)
        field = f"values.{prop.pk}"
        if not entry.editable:
            raise InvalidInput(f"{prop.name}: cannot be set, it is computed ({prop.type})", field=field)
        try:
            cleaned = entry.clean(value, prop.config, context)
        except PropertyError as error:
            raise InvalidInput(f"{prop.name}: {error.message}", field=field + (f".{error.path}" if error.path and not error.path.startswith("[") else error.path)) from None
        if entry.column == "page__title":
            title = cleaned or ""
        elif entry.relation:
            relations[prop] = cleaned
        else:
            stored[prop.key] = cleaned
    return stored, relations, (None if title is UNSET else title)


def _apply(values: dict, changes: dict) -> dict:
    result = dict(values)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def _set_links(prop: Property, row: Row, ids: list[int]) -> None:
    owner, forward = query.relation_owner(prop)
    mine, other = ("source", "target") if forward else ("target", "source")
    existing = RowRelation.objects.filter(property_id=owner, **{mine: row})
    existing.exclude(**{f"{other}_id__in": ids}).delete()
    present = dict(existing.values_list(f"{other}_id", "id"))
    for position, other_id in enumerate(ids):
        if other_id in present:
            RowRelation.objects.filter(pk=present[other_id]).update(position=position)
        else:
            RowRelation.objects.create(property_id=owner, position=position, **{mine: row, f"{other}_id": other_id})


def _audit_values(schema: Schema, stored: dict, relations: dict, title) -> dict:
    keyed = {prop.key: prop.name for prop in schema.properties}
    changes = {keyed.get(key, key): value for key, value in stored.items()}
    changes.update({prop.name: ids for prop, ids in relations.items()})
    if title is not None:
        changes["title"] = title
    return changes


# --- databases -------------------------------------------------------------------------------------------


def _clean_title(value, field: str = "title") -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    value = value.strip()
    if len(value) > 512 or any(ord(char) < 32 for char in value):
        raise InvalidInput(f"{field} has at most 512 characters and no control characters", field=field)
    return value


@transaction.atomic
def create_database(actor, *, space=None, parent_page=None, title: str = "", icon: str = "", description: str = "",
                    properties: list[dict] | None = None) -> Database:
    """A database in a space, or inline inside a page (then in the page's space). It starts with a title
    property ("Name") and any ``properties`` given ({name, type, config})."""
    space = core.destination_space(actor, space=space, parent=parent_page, what="database", parent_field="parent_page_id")
    if not isinstance(description, str) or len(description) > 10_000:
        raise InvalidInput("description is text of at most 10000 characters", field="description")
    database = Database.objects.create(space=space, parent_page=parent_page, title=_clean_title(title), icon=(icon or "")[:64],
                                       description=description, created_by=actor)
    Property.objects.create(database=database, name="Name", type="title", config={}, rank=ranks.ZERO)
    record_event(actor=actor, action="database.create", target=database,
                 changes={"title": {"before": None, "after": database.title}, "space_id": space.pk, "parent_page_id": database.parent_page_id})
    for index, spec in enumerate(properties or []):
        if not isinstance(spec, dict):
            raise InvalidInput("a property is {name, type, config}", field=f"properties[{index}]")
        try:
            create_property(actor, database, name=spec.get("name"), type=spec.get("type"), config=spec.get("config"))
        except InvalidInput as error:
            raise InvalidInput(error.message, field=f"properties[{index}].{error.field or ''}".rstrip(".")) from None
    return database


@transaction.atomic
def update_database(actor, database: Database, *, title=UNSET, icon=UNSET, description=UNSET) -> Database:
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    before = {"title": database.title, "icon": database.icon, "description": database.description}
    if title is not UNSET:
        database.title = _clean_title(title)
    if icon is not UNSET:
        database.icon = (icon or "")[:64]
    if description is not UNSET:
        if not isinstance(description, str) or len(description) > 10_000:
            raise InvalidInput("description is text of at most 10000 characters", field="description")
        database.description = description
    database.save()
    record_event(actor=actor, action="database.update", target=database,
                 changes=diff(before, {"title": database.title, "icon": database.icon, "description": database.description}))
    return database


@transaction.atomic
def archive_database(actor, database: Database) -> Database:
    """Move a database to the trash: it and its rows disappear from lists until restored."""
    permissions.require(actor, "delete", database)
    if database.archived_at is None:
        database.archived_at = timezone.now()
        database.save(update_fields=["archived_at"])
        record_event(actor=actor, action="database.archive", target=database, changes={"archived_at": {"before": None, "after": database.archived_at}})
    return database


@transaction.atomic
def restore_database(actor, database: Database) -> Database:
    permissions.require(actor, "delete", database)
    if database.archived_at is not None:
        before, database.archived_at = database.archived_at, None
        database.save(update_fields=["archived_at"])
        record_event(actor=actor, action="database.restore", target=database, changes={"archived_at": {"before": before, "after": None}})
    return database


# --- properties ------------------------------------------------------------------------------------------


def _clean_name(database: Database, name, exclude: int | None = None) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("a property needs a name", field="name")
    name = name.strip()
    if len(name) > 128 or any(ord(char) < 32 for char in name):
        raise InvalidInput("a property name has at most 128 characters and no control characters", field="name")
    clash = Property.objects.filter(database=database, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(f"this database already has a property named {name!r}", field="name")
    return name


def _clean_config(actor, database: Database, type_name: str, config, prop: Property | None = None) -> dict:
    if type_name not in PROPERTY_TYPES:
        raise InvalidInput(f"unknown property type {str(type_name)[:40]!r}; known: {', '.join(PROPERTY_TYPES)}", field="type")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise InvalidInput("config is a JSON object", field="config")
    try:
        cleaned = property_type(type_name).clean_config(config, context_for(actor, database))
    except PropertyError as error:
        raise InvalidInput(error.message, field=f"config.{error.path}" if error.path else "config") from None
    if type_name == "relation":
        target = Database.objects.filter(pk=cleaned["database_id"]).first()
        if target is None or not permissions.can(actor, "read", target):
            raise InvalidInput("no such database to relate to", field="config.database_id")
        if cleaned.get("two_way") and prop is None:
            permissions.require(actor, "edit", target)
        if prop is not None and prop.type == "relation" and prop.config.get("database_id") != cleaned["database_id"]:
            raise InvalidInput("a relation cannot be pointed at another database: make a new relation", field="config.database_id")
        for key in ("paired_property_id", "reverse"):
            if prop is not None and key in prop.config:
                cleaned[key] = prop.config[key]
            else:
                cleaned.pop(key, None)
    if type_name == "rollup":
        relation = Property.objects.filter(pk=cleaned["relation_property_id"], database=database, type="relation").first()
        if relation is None:
            raise InvalidInput("relation_property_id must be a relation property of this database", field="config.relation_property_id")
        if cleaned.get("target_property_id") is not None and not Property.objects.filter(
                pk=cleaned["target_property_id"], database_id=relation.config.get("database_id")).exists():
            raise InvalidInput("target_property_id must be a property of the related database", field="config.target_property_id")
    if type_name in ("title",) and (prop is None or prop.type != "title"):
        raise InvalidInput("a database has exactly one title property", field="type")
    return cleaned


@transaction.atomic
def create_property(actor, database: Database, *, name, type, config=None, after_id=UNSET) -> Property:
    """Add a property. A two-way relation also adds its pair to the other database (``paired_name``)."""
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    if Property.objects.filter(database=database).count() >= PROPERTIES_MAX:
        raise Conflict(f"a database has at most {PROPERTIES_MAX} properties")
    name = _clean_name(database, name)
    cleaned = _clean_config(actor, database, type, config)
    last = Property.objects.filter(database=database).aggregate(last=Max("rank"))["last"]
    prop = Property.objects.create(database=database, name=name, type=type, config=cleaned, rank=ranks.rank_between(last, None))
    if type == "relation" and cleaned.get("two_way"):
        target = Database.objects.get(pk=cleaned["database_id"])
        paired_name = cleaned.pop("paired_name", None) or f"Related to {database.title or 'Untitled'}"
        base, number = paired_name[:120], 1
        while Property.objects.filter(database=target, name__iexact=paired_name).exists():
            number += 1
            paired_name = f"{base} ({number})"
        target_last = Property.objects.filter(database=target).aggregate(last=Max("rank"))["last"]
        pair = Property.objects.create(database=target, name=paired_name, type="relation", rank=ranks.rank_between(target_last, None),
                                       config={"database_id": database.pk, "two_way": True, "paired_property_id": prop.pk, "reverse": True})
        prop.config = {**cleaned, "paired_property_id": pair.pk}
        prop.save(update_fields=["config"])
    else:
        prop.config.pop("paired_name", None)
        prop.save(update_fields=["config"])
    record_event(actor=actor, action="database.property_create", target=database,
                 changes={"property_id": prop.pk, "name": name, "type": type, "config": prop.config})
    indexes.schedule_sync(database.pk)
    return prop


def _removed_options(prop: Property, new_config: dict) -> set[str]:
    if prop.type not in ("select", "status", "multi_select"):
        return set()
    kept = {option["id"] for option in new_config.get("options", [])}
    return {option["id"] for option in prop.config.get("options", [])} - kept


def _drop_options(prop: Property, removed: set[str]) -> int:
    """Remove deleted options from every row that holds them: a row never points at an option that is gone."""
    changed = []
    for option_id in removed:
        condition = query.JsonArrayContains(prop.key, option_id) if prop.type == "multi_select" else query.Exact(query.value_expression(prop), option_id)
        for row in Row.objects.filter(database_id=prop.database_id).filter(condition):
            current = row.values.get(prop.key)
            if prop.type == "multi_select":
                remaining = [item for item in current or [] if item not in removed]
                row.values = _apply(row.values, {prop.key: remaining or None})
            else:
                row.values = _apply(row.values, {prop.key: None})
            changed.append(row)
    if changed:
        Row.objects.bulk_update(changed, ["values"], batch_size=500)
    return len(changed)


@transaction.atomic
def update_property(actor, prop: Property, *, name=UNSET, type=UNSET, config=UNSET, after_id=UNSET, dry_run: bool = False) -> dict:
    """Rename, reconfigure, reorder or change the type of a property.

    A new type converts every row's value where that means something (text "12" to number 12, a select to
    a multi-select, names to options, ...); values that cannot be converted are dropped and listed in the
    answer's ``conversion`` (``dry_run`` answers that report without changing anything). Options removed
    from a select are removed from the rows that held them. Formulas that name a renamed property follow."""
    database = prop.database
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    before = {"name": prop.name, "type": prop.type, "config": prop.config, "rank": prop.rank}
    new_type = prop.type if type is UNSET else type
    if new_type != prop.type and (prop.type == "title" or new_type == "title"):
        raise InvalidInput("the title property keeps its type, and a database has only one", field="type")
    if new_type != prop.type and (prop.type == "relation" and prop.config.get("two_way")):
        raise InvalidInput("make the two-way relation one-way (delete its pair) before changing its type", field="type")
    if config is UNSET:
        config = prop.config if new_type == prop.type else {}
        if new_type in ("select", "multi_select", "status") and prop.type in ("select", "multi_select", "status"):
            config = {"options": [{k: v for k, v in option.items() if k != "group" or new_type == "status"}
                                  for option in prop.config.get("options", [])]}
    new_config = _clean_config(actor, database, new_type, config, prop)
    report = None
    if new_type != prop.type:
        report = _convert(actor, prop, new_type, new_config, dry_run)
        if dry_run:
            transaction.set_rollback(True)
            return {"property": prop, "conversion": report}
        prop.type = new_type
    else:
        removed = _removed_options(prop, new_config)
        if removed and not dry_run:
            _drop_options(prop, removed)
    if dry_run:
        return {"property": prop, "conversion": report}
    prop.config = new_config
    if name is not UNSET:
        new_name = _clean_name(database, name, exclude=prop.pk)
        if new_name != prop.name:
            for formula in Property.objects.filter(database=database, type="formula"):
                expression = rename_reference(formula.config.get("expression", ""), prop.name, new_name)
                if expression != formula.config.get("expression"):
                    formula.config = {**formula.config, "expression": expression}
                    formula.save(update_fields=["config"])
        prop.name = new_name
    if after_id is not UNSET:
        prop.rank = _rank_after(Property.objects.filter(database=database).exclude(pk=prop.pk), after_id, "after_id")
    try:
        with transaction.atomic():
            prop.save()
    except IntegrityError:
        raise Conflict("this database already has a property with that name", field="name") from None
    changes = diff(before, {"name": prop.name, "type": prop.type, "config": prop.config, "rank": prop.rank})
    if report:
        changes["conversion"] = {key: report[key] for key in ("converted", "failed_count")}
    record_event(actor=actor, action="database.property_update", target=database, changes={"property_id": prop.pk, **changes})
    if before["type"] != prop.type:
        indexes.schedule_sync(database.pk)
    return {"property": prop, "conversion": report}


def _rank_after(siblings, after_id, field: str) -> str:
    """A rank after sibling ``after_id`` (None: first); reads two neighbours, never the whole list."""
    if after_id is None:
        first = siblings.order_by("rank", "id").values_list("rank", flat=True).first()
        try:
            return ranks.rank_between(None, first)
        except ranks.RankError:
            return ranks.rank_between(None, None)
    if isinstance(after_id, bool) or not isinstance(after_id, int):
        raise InvalidInput("after_id is an id or null", field=field)
    before = siblings.filter(pk=after_id).values_list("rank", flat=True).first()
    if before is None:
        raise InvalidInput(f"{after_id} is not a sibling to place this after", field=field)
    after = siblings.filter(rank__gt=before).order_by("rank", "id").values_list("rank", flat=True).first()
    try:
        return ranks.rank_between(before, after)
    except ranks.RankError:
        last = siblings.order_by("-rank").values_list("rank", flat=True).first()
        return ranks.rank_between(last, None)


def _convert(actor, prop: Property, new_type: str, new_config: dict, dry_run: bool) -> dict:
    """Convert every row's value of ``prop`` to ``new_type`` (see update_property)."""
    old_entry, new_entry = property_type(prop.type), property_type(new_type)
    database = prop.database
    schema = Schema(database)
    rows = list(Row.objects.filter(database=database).select_related("page"))
    cells = Cells(schema, rows)
    names = names_for(cells, rows, [prop])
    context = context_for(actor, database, create_options=True)
    converted, failed, failed_count, changed, relations = 0, [], 0, [], {}
    for row in rows:
        cell = cells.cell(row, prop)
        if old_entry.is_empty(cell) and not (prop.type == "checkbox"):
            continue
        new_value, ok = None, True
        if new_entry.computed or new_entry.column:
            new_value = None  # computed from now on: nothing stored
        elif prop.type in ("select", "status") and new_type == "multi_select":
            new_value = new_entry.clean([old_entry.display(cell, prop.config)], new_config, context)
        elif prop.type == "multi_select" and new_type in ("select", "status"):
            names_list = old_entry.names(cell, prop.config)
            new_value = new_entry.clean(names_list[0], new_config, context) if names_list else None
            ok = len(names_list) <= 1
        else:
            text = cell_text(prop, cell, names, display=False)
            try:
                new_value = new_entry.from_text(text, new_config, context) if text.strip() else None
            except PropertyError:
                ok = False
            if prop.type == "checkbox" and new_type != "checkbox" and not cell:
                new_value, ok = (None, True) if new_type not in ("number",) else (new_value, ok)
        if ok:
            converted += 1 if not old_entry.is_empty(cell) else 0
        else:
            failed_count += 1
            if len(failed) < CONVERSION_REPORT_MAX:
                failed.append({"row_id": row.pk, "value": cell_text(prop, cell, names)})
        if new_entry.relation:
            relations[row.pk] = new_value or []
        stored = None if (new_entry.relation or new_entry.computed or new_entry.column) else new_value
        if not old_entry.stored and stored is None:
            continue
        row.values = _apply(row.values, {prop.key: stored})
        changed.append(row)
    if not dry_run:
        if old_entry.relation:
            owner, _forward = query.relation_owner(prop)
            RowRelation.objects.filter(property_id=owner).delete()
        if changed:
            Row.objects.bulk_update(changed, ["values"], batch_size=500)
        if relations:
            row_by_id = {row.pk: row for row in rows}
            prop.type, prop.config = new_type, new_config
            for row_id, ids in relations.items():
                _set_links(prop, row_by_id[row_id], ids)
    return {"from": old_entry.type, "to": new_type, "converted": converted, "failed_count": failed_count, "failed": failed}


@transaction.atomic
def delete_property(actor, prop: Property) -> None:
    """Delete a property and its values. Filters and sorts naming it are dropped from views when read; formulas
    naming it answer empty with an error; a two-way relation takes its pair with it."""
    database = prop.database
    permissions.require(actor, "edit", database)
    if prop.type == "title":
        raise InvalidInput("the title property cannot be deleted", field="property_id")
    pair = None
    if prop.type == "relation" and prop.config.get("paired_property_id"):
        pair = Property.objects.filter(pk=prop.config["paired_property_id"]).first()
    removed = [prop]
    if pair is not None and not prop.config.get("reverse"):
        removed.append(pair)  # the links belong to this property: its pair would read nothing
    elif pair is not None:
        pair.config = {key: value for key, value in pair.config.items() if key not in ("paired_property_id",)} | {"two_way": False}
        pair.save(update_fields=["config"])
    for gone in removed:
        _remove_key(gone)
        record_event(actor=actor, action="database.property_delete", target=gone.database,
                     changes={"property_id": gone.pk, "name": gone.name, "type": gone.type})
        indexes.schedule_sync(gone.database_id)
        gone.delete()


def _remove_key(prop: Property) -> None:
    """Take the property's values out of every row, in one statement."""
    if not property_type(prop.type).stored:
        return
    table = Row._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'UPDATE {table} SET "values" = "values" - %s WHERE database_id = %s AND "values" ? %s', [prop.key, prop.database_id, prop.key])
        else:
            cursor.execute(f'UPDATE {table} SET "values" = json_remove("values", %s) WHERE database_id = %s AND json_type("values", %s) IS NOT NULL',
                           [f'$."{prop.key}"', prop.database_id, f'$."{prop.key}"'])


# --- rows ------------------------------------------------------------------------------------------------


def _next_numbers(database: Database, count: int) -> int:
    """Reserve ``count`` row numbers; the first one is returned. Locks the database row (one writer at a time)."""
    locked = Database.objects.select_for_update().get(pk=database.pk)
    first = locked.next_unique_id
    Database.objects.filter(pk=database.pk).update(next_unique_id=first + count)
    database.next_unique_id = first + count
    return first


def _last_rank(database: Database) -> str | None:
    return Row.objects.filter(database=database).order_by("-rank").values_list("rank", flat=True).first()


def _insert_row(actor, database: Database, schema: Schema, stored: dict, relations: dict, title: str | None, rank: str, number: int) -> Row:
    # The row's page belongs to the database: it takes the database's access (also when the database is inline
    # in a restricted page) and stays out of the sidebar tree.
    page = core.create_page(actor, space=database.space, title=title or "", container=(DATABASE, database.pk))
    row = Row.objects.create(database=database, page=page, number=number, values=_apply({}, stored), rank=rank,
                             created_by=actor, updated_by=actor)
    for prop, ids in relations.items():
        _set_links(prop, row, ids)
    return row


@transaction.atomic
def create_row(actor, database: Database, values=None, *, after_id=UNSET) -> Row:
    """Add a row (and its page) with ``values`` keyed by property id or name; at the end unless ``after_id``
    (None: first)."""
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    schema = Schema(database)
    stored, relations, title = _clean_values(schema, values, context_for(actor, database), partial=False)
    rank = ranks.rank_between(_last_rank(database), None) if after_id is UNSET else _rank_after(_live_rows(database), after_id, "after_id")
    row = _insert_row(actor, database, schema, stored, relations, title, rank, _next_numbers(database, 1))
    record_event(actor=actor, action="database.row_create", target=row, target_name=title or "Untitled",
                 changes={"database_id": database.pk, "values": _audit_values(schema, stored, relations, title)})
    return row


def _update_one(actor, row: Row, schema: Schema, stored: dict, relations: dict, title) -> dict:
    before = dict(row.values)
    row.values = _apply(row.values, stored)
    row.updated_by = actor
    if title is not None and title != row.page.title:
        core.update_page(actor, row.page, title=title)
    for prop, ids in relations.items():
        _set_links(prop, row, ids)
    row.save(update_fields=["values", "updated_by", "updated_at"])
    return {key: {"before": before.get(key), "after": row.values.get(key)} for key in stored if before.get(key) != row.values.get(key)}


@transaction.atomic
def update_row(actor, row: Row, values: dict, *, after_id=UNSET) -> Row:
    """Change some of a row's values (others stay); null or empty clears a value. ``after_id`` moves it."""
    database = row.database
    permissions.require(actor, "edit", database)
    if row.archived_at is not None or database.archived_at is not None:
        raise Conflict("this row is in the trash: restore it first")
    schema = Schema(database)
    stored, relations, title = _clean_values(schema, values, context_for(actor, database), partial=True)
    changes = _update_one(actor, row, schema, stored, relations, title)
    if after_id is not UNSET:
        row.rank = _rank_after(_live_rows(database).exclude(pk=row.pk), after_id, "after_id")
        row.save(update_fields=["rank"])
        changes["rank"] = row.rank
    record_event(actor=actor, action="database.row_update", target=row, target_name=row.page.title or "Untitled",
                 changes={"values": _audit_values(schema, {k: v["after"] for k, v in changes.items() if k != "rank"}, relations, title),
                          **({"rank": changes["rank"]} if "rank" in changes else {})})
    return row


@transaction.atomic
def bulk_update_rows(actor, database: Database, *, row_ids=None, filter=None, values: dict) -> int:
    """Set the same ``values`` on many rows at once — the rows named by ``row_ids``, or every row matching
    ``filter`` — all or nothing. Answers how many rows changed."""
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    schema = Schema(database)
    stored, relations, title = _clean_values(schema, values, context_for(actor, database), partial=True)
    rows = _live_rows(database).select_related("page")
    if row_ids is not None:
        if not isinstance(row_ids, list) or len(row_ids) > BULK_MAX or any(isinstance(i, bool) or not isinstance(i, int) for i in row_ids):
            raise InvalidInput(f"row_ids is a list of at most {BULK_MAX} row ids", field="row_ids")
        rows = rows.filter(pk__in=row_ids)
        found = set(rows.values_list("pk", flat=True))
        missing = [row_id for row_id in row_ids if row_id not in found]
        if missing:
            raise InvalidInput(f"row {missing[0]} is not a live row of this database", field="row_ids")
    else:
        tree = query.clean_filter(schema, filter)
        if query.tree_needs_python(schema, tree, []):
            result = select_rows(schema, tree=tree, limit=BULK_MAX + 1)
            rows = rows.filter(pk__in=[row.pk for row in result["rows"]])
        else:
            rows = rows.filter(query.filter_q(schema, tree))
    rows = list(rows.order_by("rank", "id")[: BULK_MAX + 1])
    if len(rows) > BULK_MAX:
        raise InvalidInput(f"a bulk edit changes at most {BULK_MAX} rows: narrow the filter", field="filter")
    for row in rows:
        _update_one(actor, row, schema, stored, relations, title)
    record_event(actor=actor, action="database.rows_bulk_update", target=database,
                 changes={"rows": [row.pk for row in rows], "values": _audit_values(schema, stored, relations, title)})
    return len(rows)


@transaction.atomic
def duplicate_row(actor, row: Row) -> Row:
    """A copy of the row right after it: same values and links, a new page titled like the original."""
    database = row.database
    permissions.require(actor, "edit", database)
    if row.archived_at is not None:
        raise Conflict("this row is in the trash: restore it first")
    schema = Schema(database)
    following = _live_rows(database).filter(Q(rank__gt=row.rank)).order_by("rank", "id").values_list("rank", flat=True).first()
    try:
        rank = ranks.rank_between(row.rank, following if following and following > row.rank else None)
    except ranks.RankError:
        rank = ranks.rank_between(_last_rank(database), None)
    cells = Cells(schema, [row])
    relations = {prop: cells.cell(row, prop) for prop in schema.properties if prop.type == "relation"}
    copy = _insert_row(actor, database, schema, dict(row.values), relations, row.page.title, rank, _next_numbers(database, 1))
    record_event(actor=actor, action="database.row_duplicate", target=copy, target_name=copy.page.title or "Untitled",
                 changes={"database_id": database.pk, "source_row_id": row.pk})
    return copy


@transaction.atomic
def archive_row(actor, row: Row) -> Row:
    """Move a row (and its page) to the trash."""
    permissions.require(actor, "delete", row.database)
    if row.archived_at is None:
        core.archive_page(actor, row.page)
        row.archived_at = timezone.now()
        row.save(update_fields=["archived_at"])
        record_event(actor=actor, action="database.row_archive", target=row, target_name=row.page.title or "Untitled",
                     changes={"archived_at": {"before": None, "after": row.archived_at}})
    return row


@transaction.atomic
def restore_row(actor, row: Row) -> Row:
    permissions.require(actor, "delete", row.database)
    if row.archived_at is not None:
        core.restore_page(actor, row.page)
        before, row.archived_at = row.archived_at, None
        row.save(update_fields=["archived_at"])
        record_event(actor=actor, action="database.row_restore", target=row, target_name=row.page.title or "Untitled",
                     changes={"archived_at": {"before": before, "after": None}})
    return row


# --- CSV -------------------------------------------------------------------------------------------------


def export_csv(schema: Schema, rows_iterable, props: list) -> str:
    """CSV text: a header of property names, then one line per row (values as ``to_text`` writes them, so
    that importing the file again gives the same values)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([prop.name for prop in props])
    for chunk in rows_iterable:
        cells = Cells(schema, chunk)
        names = names_for(cells, chunk, props)
        for row in chunk:
            writer.writerow([_csv_safe(cell_text(prop, cells.cell(row, prop), names, display=False)) for prop in props])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a leading apostrophe keeps them text.
    Numbers (-12) and ISO dates are left alone so that they read back as what they are."""
    if text and text[0] in "=+-@\t\r" and not re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", text):
        return "'" + text
    return text


def _uncsv(text: str) -> str:
    return text[1:] if text.startswith("'") and len(text) > 1 and text[1] in "=+-@\t\r" else text


def detect_type(samples: list[str]) -> str:
    """The property type a column of CSV text most likely holds."""
    values = [value.strip() for value in samples if value and value.strip()]
    if not values:
        return "text"
    context = Context()

    def all_parse(type_name: str) -> bool:
        entry = property_type(type_name)
        for value in values:
            try:
                entry.from_text(value, {"format": "plain"}, context)
            except PropertyError:
                return False
        return True

    folded = {value.casefold() for value in values}
    if folded <= {"true", "false", "yes", "no", "checked", "unchecked"}:
        return "checkbox"
    if all_parse("number"):
        return "number"
    if all(re.match(r"\d{4}-\d{2}-\d{2}", value) or re.match(r"[A-Z][a-z]+ \d{1,2}, \d{4}", value) for value in values) and all_parse("date"):
        return "date"
    if all(re.match(r"https?://", value) for value in values) and all_parse("url"):
        return "url"
    if all_parse("email"):
        return "email"
    distinct = set(values)
    if any("," in value for value in values):
        items = {item.strip() for value in values for item in value.split(",") if item.strip()}
        if len(items) <= max(10, len(values) // 3) and all(len(item) <= 40 for item in items):
            return "multi_select"
        return "text"
    if len(values) >= 4 and len(distinct) <= max(5, len(values) // 4) and all(len(value) <= 40 for value in distinct):
        return "select"
    return "text"


def _read_csv(data: bytes) -> list[list[str]]:
    if len(data) > IMPORT_BYTES_MAX:
        raise TooLarge(f"a CSV file has at most {IMPORT_BYTES_MAX} bytes", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", field="file") from None
    if "\x00" in text:
        raise InvalidInput("the file is not CSV text", field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        lines = [line for line in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in line)]
    except csv.Error as error:
        raise InvalidInput(f"the file is not valid CSV: {error}", field="file") from None
    if not lines:
        raise InvalidInput("the file holds no rows", field="file")
    if len(lines) - 1 > IMPORT_ROWS_MAX:
        raise TooLarge(f"an import holds at most {IMPORT_ROWS_MAX} rows", field="file")
    return lines


@transaction.atomic
def import_csv(actor, database: Database, data: bytes, *, mapping: dict | None = None, create_properties: bool = True) -> dict:
    """Add the rows of a CSV file (first line: column names).

    ``mapping`` maps a column name to a property (id or name), to ``{"type": ...}`` for a new property of that
    type, or to null to skip it. Columns left out map to the property of the same name, else (the first of
    them) to the title, else to a new property whose type is detected from the column's values. A cell that
    its property cannot take is left empty and listed in ``errors``; select options that do not exist yet
    are added. One transaction: a failure leaves the database as it was."""
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    if mapping is not None and not isinstance(mapping, dict):
        raise InvalidInput("mapping is an object: column name -> property id, name, {type} or null", field="mapping")
    mapping = mapping or {}
    lines = _read_csv(data)
    header, body = [cell.strip() for cell in lines[0]], lines[1:]
    if len(set(name.casefold() for name in header)) != len(header) or any(not name for name in header):
        raise InvalidInput("column names must be present and distinct", field="file")
    unknown = set(mapping) - set(header)
    if unknown:
        raise InvalidInput(f"the file has no column {sorted(unknown)[0]!r}", field="mapping")
    schema = Schema(database)
    title = schema.title()
    targets: dict[int, Property | None] = {}
    created = []
    title_taken = False
    for index, column in enumerate(header):
        if column in mapping:
            choice = mapping[column]
            if choice is None:
                targets[index] = None
            elif isinstance(choice, dict):
                targets[index] = ("new", choice.get("type"))
            else:
                targets[index] = schema.find(choice, field=f"mapping.{column}")
        elif column.casefold() in schema.by_name:
            targets[index] = schema.by_name[column.casefold()]
        else:
            targets[index] = ("auto", None)
        if isinstance(targets[index], Property) and targets[index].type == "title":
            title_taken = True
    for index, column in enumerate(header):
        target = targets[index]
        if not isinstance(target, tuple):
            continue
        if target[0] == "auto" and not title_taken:
            targets[index], title_taken = title, True
            continue
        if not create_properties and target[0] == "auto":
            targets[index] = None
            continue
        type_name = target[1] or detect_type([line[index] if index < len(line) else "" for line in body[:500]])
        if type_name not in PROPERTY_TYPES or not property_type(type_name).editable or type_name == "title":
            raise InvalidInput(f"column {column!r} cannot become a {str(type_name)[:40]!r} property", field=f"mapping.{column}")
        config = {"database_id": database.pk} if type_name == "relation" else None
        prop = create_property(actor, database, name=column[:128], type=type_name, config=config)
        targets[index] = prop
        created.append(prop)
    schema = Schema(database)
    props = {index: schema.by_id[target.pk] for index, target in targets.items() if isinstance(target, Property)}
    context = context_for(actor, database, create_options=True)
    configs = {prop.pk: prop.config for prop in props.values()}
    errors, rows = [], []
    last = _last_rank(database)
    first_number = _next_numbers(database, len(body))
    new_ranks = ranks.ranks_between(last, None, len(body))
    for line_number, line in enumerate(body, start=2):
        stored, relations, title_value = {}, {}, None
        for index, prop in props.items():
            text = _uncsv(line[index]) if index < len(line) else ""
            entry = property_type(prop.type)
            try:
                value = entry.from_text(text, configs[prop.pk], context)
            except PropertyError as error:
                errors.append({"line": line_number, "column": header[index], "message": error.message})
                continue
            if entry.column == "page__title":
                title_value = value
            elif entry.relation:
                relations[prop] = value or []
            else:
                stored[prop.key] = value
        rows.append(_insert_row(actor, database, schema, stored, relations, title_value, new_ranks[line_number - 2], first_number + line_number - 2))
    for prop in props.values():
        if prop.config != configs[prop.pk] or prop.type in ("select", "multi_select", "status"):
            Property.objects.filter(pk=prop.pk).update(config=configs[prop.pk])
    record_event(actor=actor, action="database.import", target=database,
                 changes={"rows": len(rows), "created_properties": [prop.name for prop in created], "errors": len(errors)})
    return {"rows": len(rows), "row_ids": [row.pk for row in rows][:1000], "created_properties": [prop.pk for prop in created],
            "mapping": {header[index]: (prop.pk if isinstance(prop, Property) else None) for index, prop in targets.items()},
            "errors": errors[:200], "error_count": len(errors)}
