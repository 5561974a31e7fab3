"""The template format, its variables and its validation (no database access: system templates are checked
with it when their data file loads, and every template before anything is written).

A template's ``content`` by kind::

    page:      {"page": PAGE}
    database:  {"databases": [DATABASE, ...]}          # the first is the one the template is about
    row:       {"row": {"title"?, "icon"?, "values": {...}, "blocks": [BLOCK]}}

    PAGE     = {"title", "icon"?, "cover_url"?, "blocks": [BLOCK], "databases": [DATABASE], "children": [PAGE]}
    BLOCK    = {"type", "content", "children"?: [BLOCK], "attachment"?: {"file", "name", "content_type", "size", "sha256"}}
    DATABASE = {"key", "title", "icon"?, "description"?, "title_property"?: "Name",
                "properties": [{"name", "type", "config"?}],
                "views": [{"name", "type", "config"?}],          # properties named by name, as the views API takes them
                "rows": [{"key"?, "title"?, "icon"?, "values": {property name: value}, "blocks"?: [BLOCK]}],
                "row_templates": [{"name", "icon"?, "default"?: bool, "values", "blocks"?}]}

Inside one template, databases refer to each other by ``key``: a relation's config is ``{"database": key,
"two_way"?, "paired_name"?}``, a rollup's ``{"relation": property name, "target": property name of the related
database, "function"}``; a relation value is a list of row keys of the related database. Apply rewires all of
them to the copies.

Variables, resolved in every text of a template when it is applied (titles, blocks, property values):
``{{today}}``, ``{{today + 7 days}}`` / ``{{today - 1}}`` (ISO dates), ``{{user}}`` (the applying user's name;
as a person value or a user mention's id: the user), ``{{parent}}`` (the title of the page it is applied under).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ipai_workos_blocks.registry import block_type
from ipai_workos_blocks.services import validate_content as validate_block_content
from ipai_workos_db.properties import PROPERTY_TYPES, Context, PropertyError, property_type
from ipai_workos_views.registry import view_type
from workos.kernel.errors import InvalidInput

KINDS = ("page", "database", "row")
MAX_PAGES = 200
MAX_DATABASES = 20
MAX_ROWS = 2000
MAX_BLOCKS = 5000
MAX_DEPTH = 8
NAME_MAX = 128
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
VARIABLE = re.compile(r"\{\{\s*(today|user|parent)\s*(?:([+-])\s*(\d{1,4})\s*(?:d|days?)?\s*)?\}\}", re.IGNORECASE)
# computed, column and relation-bound properties: set up after the plain ones, never given values
LATER_TYPES = {"relation", "rollup", "formula"}
READ_ONLY_TYPES = {"rollup", "formula", "created_time", "created_by", "last_edited_time", "last_edited_by", "unique_id", "title"}


@dataclass(frozen=True)
class Variables:
    today: date
    user_id: int
    user_name: str
    parent_title: str

    def text(self, value: str) -> str:
        def replace(match: re.Match) -> str:
            name, sign, amount = match.group(1).lower(), match.group(2), match.group(3)
            if name == "today":
                days = int(amount or 0) * (-1 if sign == "-" else 1)
                return (self.today + timedelta(days=days)).isoformat()
            if sign:
                return match.group(0)  # "{{user + 3}}" means nothing: left as written
            return self.user_name if name == "user" else self.parent_title

        return VARIABLE.sub(replace, value) if "{{" in value else value


SAMPLE = Variables(today=date(2026, 1, 1), user_id=1, user_name="someone", parent_title="Parent")


def is_user_variable(value) -> bool:
    return isinstance(value, str) and VARIABLE.fullmatch(value.strip() or "x") is not None and value.strip("{} ").lower() == "user"


def resolve(value: Any, variables: Variables) -> Any:
    """A copy of ``value`` with every variable replaced; a user mention of ``{{user}}`` names the user."""
    if isinstance(value, str):
        return variables.text(value)
    if isinstance(value, list):
        return [resolve(item, variables) for item in value]
    if isinstance(value, dict):
        mention = value.get("mention")
        if isinstance(mention, dict) and mention.get("kind") == "user" and is_user_variable(mention.get("id")):
            return {**value, "mention": {"kind": "user", "id": variables.user_id},
                    "text": variables.text(value.get("text") or "@{{user}}")}
        return {key: resolve(item, variables) for key, item in value.items()}
    return value


# --- validation --------------------------------------------------------------------------------------------


class _Counter:
    def __init__(self):
        self.pages = self.databases = self.rows = self.blocks = 0

    def add(self, what: str, field: str, limit: int, count: int = 1) -> None:
        setattr(self, what, getattr(self, what) + count)
        if getattr(self, what) > limit:
            raise InvalidInput(f"a template holds at most {limit} {what}", field=field)


def _text(value, field: str, limit: int = 512, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit or any(ord(char) < 32 and char not in "\n\t" for char in value):
        raise InvalidInput(f"{field.rsplit('.', 1)[-1]} is text of at most {limit} characters", field=field)
    if required and not value.strip():
        raise InvalidInput(f"{field.rsplit('.', 1)[-1]} must not be empty", field=field)
    return value.strip() if limit <= 512 else value


def _keys(value, allowed: set[str], field: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} is an object", field=field)
    unknown = set(value) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(f"unknown key {name!r} in {what} (it takes {', '.join(sorted(allowed))})", field=f"{field}.{name}")
    return value


def _list(value, field: str, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{what} is a list", field=field)
    return value


ATTACHMENT_KEYS = {"file", "name", "content_type", "size", "sha256"}


def _blocks(value, field: str, counter: _Counter, depth: int = 0) -> list[dict]:
    cleaned = []
    for index, block in enumerate(_list(value, field, "blocks")):
        where = f"{field}[{index}]"
        block = _keys(block, {"type", "content", "children", "attachment"}, where, "a block")
        counter.add("blocks", where, MAX_BLOCKS)
        checked = resolve(block.get("content"), SAMPLE)
        type_name, _content = validate_block_content(block.get("type"), checked, prefix=where)
        item = {"type": type_name, "content": block.get("content") if block.get("content") is not None else {}}
        if "attachment" in block:
            attachment = _keys(block["attachment"], ATTACHMENT_KEYS, f"{where}.attachment", "an attachment")
            if not all(isinstance(attachment.get(key), str) and attachment.get(key) for key in ("file", "name", "content_type", "sha256")) \
                    or isinstance(attachment.get("size"), bool) or not isinstance(attachment.get("size"), int):
                raise InvalidInput("an attachment is {file, name, content_type, size, sha256}", field=f"{where}.attachment")
            if ".." in attachment["file"] or attachment["file"].startswith("/"):
                raise InvalidInput("an attachment's file is a stored file's name", field=f"{where}.attachment.file")
            item["attachment"] = dict(attachment)
        children = block.get("children") or []
        if children:
            if not block_type(type_name).accepts_children:
                raise InvalidInput(f"a {type_name} block cannot hold other blocks", field=f"{where}.children")
            if depth >= MAX_DEPTH:
                raise InvalidInput(f"blocks nest at most {MAX_DEPTH} levels deep", field=f"{where}.children")
            item["children"] = _blocks(children, f"{where}.children", counter, depth + 1)
        cleaned.append(item)
    return cleaned


def _property(value, field: str, keys: set[str]) -> dict:
    spec = _keys(value, {"name", "type", "config"}, field, "a property")
    name = _text(spec.get("name"), f"{field}.name", NAME_MAX, required=True)
    type_name = spec.get("type")
    if type_name not in PROPERTY_TYPES or type_name == "title":
        raise InvalidInput(f"unknown property type {str(type_name)[:40]!r}; known: {', '.join(t for t in PROPERTY_TYPES if t != 'title')}",
                           field=f"{field}.type")
    config = spec.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidInput("config is an object", field=f"{field}.config")
    if type_name == "relation":
        _keys(config, {"database", "two_way", "paired_name"}, f"{field}.config", "a relation's config")
        if config.get("database") not in keys:
            raise InvalidInput("a relation names a database of this template by its key", field=f"{field}.config.database")
        if "paired_name" in config:
            _text(config["paired_name"], f"{field}.config.paired_name", NAME_MAX, required=True)
    elif type_name == "rollup":
        _keys(config, {"relation", "target", "function", "format", "currency", "precision"}, f"{field}.config", "a rollup's config")
        _text(config.get("relation"), f"{field}.config.relation", NAME_MAX, required=True)
        try:
            property_type("rollup").clean_config({"relation_property_id": 1, "target_property_id": 1 if config.get("target") else None,
                                                  **{k: v for k, v in config.items() if k not in ("relation", "target")}}, Context())
        except PropertyError as error:
            raise InvalidInput(error.message, field=f"{field}.config.{error.path}" if error.path else f"{field}.config") from None
    else:
        try:
            config = property_type(type_name).clean_config(dict(config), Context())
        except PropertyError as error:
            raise InvalidInput(error.message, field=f"{field}.config.{error.path}" if error.path else f"{field}.config") from None
    return {"name": name, "type": type_name, "config": config}


def _values(value, field: str, names: dict[str, dict]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("values map property names to values", field=field)
    for name in value:
        prop = names.get(str(name).casefold())
        if prop is None:
            raise InvalidInput(f"no property {str(name)[:60]!r} in this database", field=f"{field}.{name}")
        if prop["type"] in READ_ONLY_TYPES - {"title"}:
            raise InvalidInput(f"{prop['name']!r} is computed: it takes no value", field=f"{field}.{name}")
    return dict(value)


def _database(value, field: str, keys: set[str], counter: _Counter) -> dict:
    spec = _keys(value, {"key", "title", "icon", "description", "title_property", "properties", "views", "rows", "row_templates"},
                 field, "a database")
    counter.add("databases", field, MAX_DATABASES)
    key = spec.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise InvalidInput("a database's key is 1-64 letters, digits, - or _", field=f"{field}.key")
    title_property = _text(spec.get("title_property") or "Name", f"{field}.title_property", NAME_MAX, required=True)
    properties = [_property(item, f"{field}.properties[{index}]", keys) for index, item in enumerate(_list(spec.get("properties"), f"{field}.properties", "properties"))]
    names = {title_property.casefold(): {"name": title_property, "type": "title"}}
    for index, prop in enumerate(properties):
        if prop["name"].casefold() in names:
            raise InvalidInput(f"two properties are named {prop['name']!r}", field=f"{field}.properties[{index}].name")
        names[prop["name"].casefold()] = prop
    views = []
    for index, item in enumerate(_list(spec.get("views"), f"{field}.views", "views")):
        where = f"{field}.views[{index}]"
        view = _keys(item, {"name", "type", "config"}, where, "a view")
        try:
            kind = view_type(view.get("type", "table")).type
        except Exception:
            raise InvalidInput(f"unknown view type {str(view.get('type'))[:40]!r}", field=f"{where}.type") from None
        config = view.get("config") or {}
        if not isinstance(config, dict):
            raise InvalidInput("config is an object", field=f"{where}.config")
        for setting in ("date_property",):
            if config.get(setting) is not None and str(config[setting]).casefold() not in names:
                raise InvalidInput(f"no property {str(config[setting])[:60]!r} in this database", field=f"{where}.config.{setting}")
        group = config.get("group_by")
        if isinstance(group, dict) and str(group.get("property", "")).casefold() not in names:
            raise InvalidInput("group_by names a property of this database", field=f"{where}.config.group_by")
        views.append({"name": _text(view.get("name"), f"{where}.name", NAME_MAX, required=True), "type": kind, "config": config})
    rows, row_keys = [], set()
    for index, item in enumerate(_list(spec.get("rows"), f"{field}.rows", "rows")):
        where = f"{field}.rows[{index}]"
        row = _keys(item, {"key", "title", "icon", "values", "blocks"}, where, "a row")
        counter.add("rows", where, MAX_ROWS)
        if row.get("key") is not None:
            if not isinstance(row["key"], str) or not KEY_PATTERN.fullmatch(row["key"]) or row["key"] in row_keys:
                raise InvalidInput("a row's key is 1-64 letters, digits, - or _, unique in its database", field=f"{where}.key")
            row_keys.add(row["key"])
        rows.append({**({"key": row["key"]} if row.get("key") else {}), "title": _text(row.get("title"), f"{where}.title"),
                     "icon": _text(row.get("icon"), f"{where}.icon", 64), "values": _values(row.get("values"), f"{where}.values", names),
                     "blocks": _blocks(row.get("blocks"), f"{where}.blocks", counter)})
    row_templates = []
    for index, item in enumerate(_list(spec.get("row_templates"), f"{field}.row_templates", "row templates")):
        where = f"{field}.row_templates[{index}]"
        entry = _keys(item, {"name", "icon", "default", "title", "values", "blocks"}, where, "a row template")
        row_templates.append({"name": _text(entry.get("name"), f"{where}.name", NAME_MAX, required=True), "icon": _text(entry.get("icon"), f"{where}.icon", 64),
                              "default": bool(entry.get("default")), "title": _text(entry.get("title"), f"{where}.title"),
                              "values": _values(entry.get("values"), f"{where}.values", names),
                              "blocks": _blocks(entry.get("blocks"), f"{where}.blocks", counter)})
    if sum(1 for entry in row_templates if entry["default"]) > 1:
        raise InvalidInput("at most one row template is the default", field=f"{field}.row_templates")
    return {"key": key, "title": _text(spec.get("title"), f"{field}.title"), "icon": _text(spec.get("icon"), f"{field}.icon", 64),
            "description": _text(spec.get("description"), f"{field}.description", 10_000), "title_property": title_property,
            "properties": properties, "views": views, "rows": rows, "row_templates": row_templates}


def _database_keys(content: dict) -> list[str]:
    found: list[str] = []

    def pages(page):
        if isinstance(page, dict):
            for database in page.get("databases") or []:
                if isinstance(database, dict):
                    found.append(database.get("key"))
            for child in page.get("children") or []:
                pages(child)

    if isinstance(content.get("page"), dict):
        pages(content["page"])
    for database in content.get("databases") or []:
        if isinstance(database, dict):
            found.append(database.get("key"))
    return found


def _check_links(databases: list[tuple[dict, str]]) -> None:
    """Relation targets, rollup targets and relation values point at what the template holds."""
    by_key = {spec["key"]: spec for spec, _ in databases}
    # relation properties of each database by name -> the key of the database they link to; a two-way
    # relation's pair (made by the services in the other database) counts as one of that database's
    relations: dict[str, dict[str, str]] = {spec["key"]: {} for spec, _ in databases}
    for spec, _ in databases:
        for prop in spec["properties"]:
            if prop["type"] == "relation":
                relations[spec["key"]][prop["name"].casefold()] = prop["config"]["database"]
                if prop["config"].get("two_way") and prop["config"].get("paired_name"):
                    relations[prop["config"]["database"]][prop["config"]["paired_name"].casefold()] = spec["key"]

    def names_of(key: str) -> set[str]:
        target = by_key[key]
        return {target["title_property"].casefold()} | {p["name"].casefold() for p in target["properties"]} | set(relations[key])

    for spec, field in databases:
        props = {prop["name"].casefold(): prop for prop in spec["properties"]}
        for index, prop in enumerate(spec["properties"]):
            if prop["type"] != "rollup":
                continue
            related = relations[spec["key"]].get(prop["config"]["relation"].casefold())
            if related is None:
                raise InvalidInput("a rollup's relation is a relation property of its database", field=f"{field}.properties[{index}].config.relation")
            if prop["config"].get("target") and prop["config"]["target"].casefold() not in names_of(related):
                raise InvalidInput("a rollup's target is a property of the related database", field=f"{field}.properties[{index}].config.target")
        for index, row in enumerate(spec["rows"]):
            for name, value in row["values"].items():
                prop = props.get(name.casefold())
                if prop is None or prop["type"] != "relation":
                    continue
                keys = {item.get("key") for item in by_key[prop["config"]["database"]]["rows"]}
                for link in value if isinstance(value, list) else [value]:
                    if link not in keys:
                        raise InvalidInput(f"{link!r} is not the key of a row of the related database", field=f"{field}.rows[{index}].values.{name}")


def _page(value, field: str, keys: set[str], counter: _Counter, databases: list, depth: int = 0) -> dict:
    spec = _keys(value, {"title", "icon", "cover_url", "blocks", "databases", "children"}, field, "a page")
    counter.add("pages", field, MAX_PAGES)
    if depth > MAX_DEPTH:
        raise InvalidInput(f"sub-pages nest at most {MAX_DEPTH} levels deep", field=field)
    cover = _text(spec.get("cover_url"), f"{field}.cover_url", 1024)
    if cover and not (cover.startswith(("https://", "http://")) or (cover.startswith("/") and not cover.startswith("//"))):
        raise InvalidInput("cover_url is an http(s) address or a path on this site", field=f"{field}.cover_url")
    page = {"title": _text(spec.get("title"), f"{field}.title"), "icon": _text(spec.get("icon"), f"{field}.icon", 64), "cover_url": cover,
            "blocks": _blocks(spec.get("blocks"), f"{field}.blocks", counter), "databases": [], "children": []}
    for index, item in enumerate(_list(spec.get("databases"), f"{field}.databases", "databases")):
        database = _database(item, f"{field}.databases[{index}]", keys, counter)
        databases.append((database, f"{field}.databases[{index}]"))
        page["databases"].append(database)
    page["children"] = [_page(item, f"{field}.children[{index}]", keys, counter, databases, depth + 1)
                        for index, item in enumerate(_list(spec.get("children"), f"{field}.children", "sub-pages"))]
    return page


def validate_content(kind: str, content, field: str = "content") -> dict:
    """The content of a template of ``kind``, normalised; InvalidInput naming the field otherwise."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if not isinstance(content, dict):
        raise InvalidInput("template content is an object", field=field)
    counter = _Counter()
    if kind == "row":
        _keys(content, {"row"}, field, "a row template's content")
        row = _keys(content.get("row") or {}, {"title", "icon", "values", "blocks"}, f"{field}.row", "a row")
        if row.get("values") is not None and not isinstance(row.get("values"), dict):
            raise InvalidInput("values map property names to values", field=f"{field}.row.values")
        return {"row": {"title": _text(row.get("title"), f"{field}.row.title"), "icon": _text(row.get("icon"), f"{field}.row.icon", 64),
                        "values": dict(row.get("values") or {}), "blocks": _blocks(row.get("blocks"), f"{field}.row.blocks", counter)}}
    keys_list = _database_keys(content)
    keys = {key for key in keys_list if isinstance(key, str)}
    if len(keys) != len(keys_list):
        raise InvalidInput("every database of a template has its own key", field=field)
    databases: list = []
    if kind == "page":
        if set(content) == {"blocks"}:  # the first format: a page of blocks
            content = {"page": {"blocks": content["blocks"]}}
        _keys(content, {"page"}, field, "a page template's content")
        cleaned = {"page": _page(content.get("page") or {}, f"{field}.page", keys, counter, databases)}
    else:
        _keys(content, {"databases"}, field, "a database template's content")
        items = _list(content.get("databases"), f"{field}.databases", "databases")
        if not items:
            raise InvalidInput("a database template holds at least one database", field=f"{field}.databases")
        cleaned = {"databases": []}
        for index, item in enumerate(items):
            database = _database(item, f"{field}.databases[{index}]", keys, counter)
            databases.append((database, f"{field}.databases[{index}]"))
            cleaned["databases"].append(database)
    _check_links(databases)
    return cleaned


def summary(kind: str, content: dict) -> dict:
    """What a template holds, counted (for lists and the gallery)."""
    pages = databases = rows = blocks = 0

    def count_blocks(items):
        return sum(1 + count_blocks(item.get("children") or []) for item in items)

    def database(spec):
        nonlocal databases, rows, blocks
        databases += 1
        rows += len(spec.get("rows") or [])
        blocks += sum(count_blocks(row.get("blocks") or []) for row in spec.get("rows") or [])

    def page(spec):
        nonlocal pages, blocks
        pages += 1
        blocks += count_blocks(spec.get("blocks") or [])
        for item in spec.get("databases") or []:
            database(item)
        for child in spec.get("children") or []:
            page(child)

    if kind == "page" and isinstance(content.get("page"), dict):
        page(content["page"])
    elif kind == "database":
        for item in content.get("databases") or []:
            database(item)
    elif kind == "row":
        blocks = count_blocks((content.get("row") or {}).get("blocks") or [])
    return {"pages": pages, "databases": databases, "rows": rows, "blocks": blocks}
