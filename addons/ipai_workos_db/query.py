"""Filters and sorts over rows: validated trees, translated to SQL on the JSON values, or evaluated in Python.

A filter is a tree of groups and conditions (nestable AND/OR, as in Notion)::

    {"and": [{"property": 12, "operator": "contains", "value": "bug"},
             {"or": [{"property": 14, "operator": "is", "value": "Done"},
                     {"property": 15, "operator": "within_past_days", "value": 7}]}]}

Sorts are a list ``[{"property": 12, "direction": "ascending" | "descending"}]``; empty values sort last in
both directions; ties fall back to the row order (rank, id).

Stored and column properties are filtered and sorted by the database (``KeyTextTransform``/``Cast`` over
``Row.values``, plain columns, ``EXISTS`` on the relation table), so a page of 50 rows out of 100,000 costs
one indexed query. Formula and rollup values do not exist in the database: a filter or sort that uses one
is evaluated in Python over the (SQL-narrowed) rows of the database, up to ``PYTHON_ROW_LIMIT`` rows.
``matches`` and ``sort_rows`` are that Python evaluation; the tests also use them as the oracle the SQL
translation must agree with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db.models import Case, Exists, F, FloatField, IntegerField, OuterRef, Q, Value, When
from django.db.models.expressions import Expression, Func
from django.db.models.fields.json import KeyTextTransform, KeyTransform, compile_json_path
from django.db.models.functions import Cast, Lower, NullIf
from django.db.models.lookups import (Exact, GreaterThan, GreaterThanOrEqual, IContains, IEndsWith, IExact, IsNull,
                                      IStartsWith, LessThan, LessThanOrEqual)
from django.db import models

from workos.kernel.errors import InvalidInput
from workos.kernel.prepared import Prepared

from .properties import PropertyError, option_by_id, option_by_name, parse_date, property_type, utc_today

PYTHON_ROW_LIMIT = 20_000
MAX_DEPTH = 4
MAX_CONDITIONS = 100
MAX_SORTS = 10

TEXT_OPS = ("is", "is_not", "contains", "does_not_contain", "starts_with", "ends_with", "is_empty", "is_not_empty")
NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "is_empty", "is_not_empty")
DATE_OPS = ("is", "before", "after", "on_or_before", "on_or_after", "within_past_days", "within_next_days", "is_empty", "is_not_empty")
OPERATORS = {
    "text": TEXT_OPS,
    "number": NUMBER_OPS,
    "select": ("is", "is_not", "is_empty", "is_not_empty"),
    "multi": ("contains", "does_not_contain", "is_empty", "is_not_empty"),
    "person": ("contains", "does_not_contain", "is_empty", "is_not_empty"),
    "relation": ("contains", "does_not_contain", "is_empty", "is_not_empty"),
    "files": ("is_empty", "is_not_empty"),
    "date": DATE_OPS,
    "checkbox": ("checked", "unchecked"),
    "user": ("is", "is_not", "is_empty", "is_not_empty"),
    "computed": tuple(dict.fromkeys(TEXT_OPS + NUMBER_OPS + DATE_OPS + ("checked", "unchecked"))),
}
ALIASES = {"=": "eq", "==": "eq", "≠": "ne", "!=": "ne", ">": "gt", "≥": "gte", ">=": "gte", "<": "lt", "≤": "lte", "<=": "lte",
           "is_checked": "checked", "is_not_checked": "unchecked", "on": "is", "equals": "eq", "does_not_equal": "ne"}
NO_VALUE = {"is_empty", "is_not_empty", "checked", "unchecked"}


# --- the properties of one database ---------------------------------------------------------------------


def _properties_of(database_id: int):
    from .models import Property

    return Property.objects.filter(database_id=database_id)


PROPERTIES = Prepared(_properties_of)  # every request about rows reads them: compiled once (workos.kernel.prepared)


def properties_of(database) -> list:
    """The database's properties in their order, each holding ``database``."""
    found = PROPERTIES.all(database.pk)
    for prop in found:
        prop.database = database
    return found


class Schema:
    """The properties of a database, loaded once per request."""

    def __init__(self, database, properties=None):
        self.database = database
        self.properties = prepared(properties if properties is not None else properties_of(database), database)
        self.by_id = {prop.pk: prop for prop in self.properties}
        self.by_name = {prop.name.casefold(): prop for prop in self.properties}

    def find(self, reference, field: str = "property"):
        """A property named by id (number or digits) or by name; InvalidInput naming ``field`` otherwise."""
        prop = None
        if isinstance(reference, int) and not isinstance(reference, bool):
            prop = self.by_id.get(reference)
        elif isinstance(reference, str):
            prop = self.by_id.get(int(reference)) if reference.isdigit() else self.by_name.get(reference.strip().casefold())
        if prop is None:
            raise InvalidInput(f"no property {str(reference)[:60]!r} in this database", field=field)
        return prop

    def title(self):
        return next((prop for prop in self.properties if prop.type == "title"), None)

    @cached_property
    def columns(self) -> list[tuple]:
        """(property, its type, its key in a row's JSON) of each property, in order: what rendering a page of rows
        looks up once, not once per cell."""
        return [(prop, property_type(prop.type), str(prop.id)) for prop in self.properties]


def prepared(props, database=None) -> list:
    """The properties with the configuration reads use (``PropertyType.read_config``), filled in once per object."""
    props = list(props)
    for prop in props:
        if not getattr(prop, "read_config_ready", False):
            prop.config = property_type(prop.type).read_config(prop, database if database is not None else prop.database)
            prop.read_config_ready = True
    return props


def kind_of(prop) -> str:
    return property_type(prop.type).kind


def needs_python(prop) -> bool:
    kind = property_type(prop.type)
    return kind.computed


# --- validation ------------------------------------------------------------------------------------------


@dataclass
class Condition:
    prop: object
    operator: str
    value: object


def clean_filter(schema: Schema, raw, field: str = "filter"):
    """The filter tree with every property resolved and every value checked; None when there is no filter.
    Stored back in views as ``{"and"|"or": [...]}`` / ``{"property": id, "operator", "value"}``."""
    if raw in (None, {}, []):
        return None
    counter = [0]
    return _clean_node(schema, raw, field, 1, counter)


def _clean_node(schema: Schema, node, field: str, depth: int, counter: list[int]):
    if not isinstance(node, dict):
        raise InvalidInput("a filter is {and: [...]}, {or: [...]} or {property, operator, value}", field=field)
    groups = [key for key in ("and", "or") if key in node]
    if groups:
        if len(groups) > 1 or len(node) > 1:
            raise InvalidInput("a filter group has exactly one key: and or or", field=field)
        if depth > MAX_DEPTH:
            raise InvalidInput(f"filter groups nest at most {MAX_DEPTH} levels deep", field=field)
        key = groups[0]
        children = node[key]
        if not isinstance(children, list):
            raise InvalidInput(f"{key} holds a list of filters", field=f"{field}.{key}")
        return {key: [_clean_node(schema, child, f"{field}.{key}[{index}]", depth + 1, counter) for index, child in enumerate(children)]}
    counter[0] += 1
    if counter[0] > MAX_CONDITIONS:
        raise InvalidInput(f"at most {MAX_CONDITIONS} filter conditions", field=field)
    unknown = set(node) - {"property", "operator", "value"}
    if unknown:
        raise InvalidInput(f"unknown filter field {sorted(unknown)[0]!r}", field=field)
    prop = schema.find(node.get("property"), f"{field}.property")
    kind = kind_of(prop)
    operator = node.get("operator")
    operator = ALIASES.get(operator, operator)
    if operator not in OPERATORS[kind]:
        raise InvalidInput(f"{prop.name!r} ({prop.type}) is filtered with {', '.join(OPERATORS[kind])}; not {node.get('operator')!r}",
                           field=f"{field}.operator")
    value = None if operator in NO_VALUE else _clean_operand(prop, kind, operator, node.get("value"), f"{field}.value")
    return {"property": prop.pk, "operator": operator, "value": value}


def _clean_operand(prop, kind: str, operator: str, value, field: str):
    if operator in ("within_past_days", "within_next_days"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
            raise InvalidInput("within the past/next N days takes a whole number of days (0 to 36500)", field=field)
        return value
    if kind == "computed":
        if operator in DATE_OPS and operator not in ("is",) or (operator == "is" and isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value)):
            if operator in ("before", "after", "on_or_before", "on_or_after") or operator == "is":
                return _date_operand(value, field)
        if operator in NUMBER_OPS:
            return _number_operand(value, field)
        return _text_operand(value, field)
    if kind == "text":
        return _text_operand(value, field)
    if kind == "number":
        if prop.type == "unique_id" and isinstance(value, str) and re.fullmatch(r"(?:[A-Za-z0-9]+-)?\d+", value.strip()):
            value = int(value.strip().rsplit("-", 1)[-1])
        return _number_operand(value, field)
    if kind == "select":
        if not isinstance(value, str):
            raise InvalidInput("choose an option by id or name", field=field)
        option = option_by_id(prop.config, value) or option_by_name(prop.config, value)
        if option is None:
            raise InvalidInput(f"{value[:60]!r} is not an option of {prop.name!r}", field=field)
        return option["id"]
    if kind == "multi":
        if not isinstance(value, str):
            raise InvalidInput("choose an option by id or name", field=field)
        option = option_by_id(prop.config, value) or option_by_name(prop.config, value)
        if option is None:
            raise InvalidInput(f"{value[:60]!r} is not an option of {prop.name!r}", field=field)
        return option["id"]
    if kind in ("person", "relation", "user"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("this filter takes an id (a whole number)", field=field)
        return value
    if kind == "date":
        return _date_operand(value, field)
    raise InvalidInput(f"{operator} takes no value", field=field)


def _text_operand(value, field):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > 1000:
        raise InvalidInput("this filter takes text (at most 1000 characters)", field=field)
    return value


def _number_operand(value, field):
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InvalidInput("this filter takes a number", field=field) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e15:
        raise InvalidInput("this filter takes a number", field=field)
    return value


def _date_operand(value, field):
    if isinstance(value, str) and value.strip().casefold() == "today":
        return utc_today().isoformat()
    try:
        stored = parse_date(value)
    except PropertyError as error:
        raise InvalidInput(error.message, field=field) from None
    return stored[:10]


def clean_sorts(schema: Schema, raw, field: str = "sorts") -> list[dict]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_SORTS:
        raise InvalidInput(f"sorts is a list of at most {MAX_SORTS} {{property, direction}}", field=field)
    cleaned, seen = [], set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) - {"property", "direction"}:
            raise InvalidInput("a sort is {property, direction: ascending|descending}", field=f"{field}[{index}]")
        prop = schema.find(item.get("property"), f"{field}[{index}].property")
        direction = {"asc": "ascending", "desc": "descending"}.get(item.get("direction"), item.get("direction", "ascending"))
        if direction not in ("ascending", "descending"):
            raise InvalidInput("direction is ascending or descending", field=f"{field}[{index}].direction")
        if prop.pk not in seen:
            seen.add(prop.pk)
            cleaned.append({"property": prop.pk, "direction": direction})
    return cleaned


def conditions(tree) -> list[dict]:
    if tree is None:
        return []
    if "property" in tree:
        return [tree]
    return [leaf for child in next(iter(tree.values())) for leaf in conditions(child)]


def tree_needs_python(schema: Schema, tree, sorts) -> bool:
    props = [schema.by_id[c["property"]] for c in conditions(tree)] + [schema.by_id[s["property"]] for s in sorts]
    return any(needs_python(prop) or (prop.type == "relation" and prop in [schema.by_id[s["property"]] for s in sorts]) for prop in props)


def drop_missing(schema: Schema, tree):
    """A saved filter without the conditions on properties that were deleted since (never an error)."""
    if tree is None:
        return None
    if "property" in tree:
        return tree if tree["property"] in schema.by_id else None
    key = next(iter(tree))
    kept = [child for child in (drop_missing(schema, child) for child in tree[key]) if child is not None]
    return {key: kept}


# --- SQL -------------------------------------------------------------------------------------------------


class CText(Func):
    """Text compared byte-wise: dates are compared as ISO strings, which a locale's collation may not keep in
    time order on PostgreSQL (it may skip the punctuation); ``COLLATE "C"`` does. SQLite compares bytes already."""

    template = '(%(expressions)s) COLLATE "C"'
    output_field = models.TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])


class JsonArrayContains(Expression):
    """``values[key]`` is a JSON array holding ``item``: ``@>`` on PostgreSQL (GIN-indexable), ``json_each`` on SQLite."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, key: str, item):
        super().__init__()
        self.key, self.item = key, item

    def as_sql(self, compiler, connection):
        import json

        column, params = compiler.compile(F("values").resolve_expression(compiler.query))
        if connection.vendor == "postgresql":
            return f"({column} -> %s) @> %s::jsonb", (*params, self.key, json.dumps([self.item]))
        return (f"EXISTS (SELECT 1 FROM json_each({column}, %s) AS _items WHERE _items.value = %s)",
                (*params, f'$."{self.key}"', self.item))

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.is_summary = summarize
        return clone

    def get_group_by_cols(self):
        return []


class JsonNumber(Func):
    """A stored number as a float. On PostgreSQL the cast is guarded by ``jsonb_typeof`` so that it can never
    fail: an expression index on it (``indexes.py``) is evaluated for every row written to the table, also
    while a property is converted to another type, and a failing cast there would refuse the write."""

    output_field = FloatField()

    def __init__(self, key: str):
        super().__init__(KeyTransform(key, "values"), Cast(JsonText(key, "values"), FloatField()))

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[1])

    def as_postgresql(self, compiler, connection, **extra):
        json_sql, json_params = compiler.compile(self.source_expressions[0])
        number_sql, number_params = compiler.compile(self.source_expressions[1])
        return f"(CASE WHEN jsonb_typeof({json_sql}) = 'number' THEN {number_sql} END)", (*json_params, *number_params)


class JsonText(KeyTextTransform):
    """``KeyTextTransform`` whose SQLite form is one fixed text, so that an expression index (``indexes.py``) on it
    matches the queries: SQLite matches an indexed expression against a query's by their parse trees, where a
    bound parameter never equals a literal, and Django binds the JSON path as a parameter and writes its
    ``IN ('false', 'null', 'true')`` list from a frozenset, in a string-hash order that differs per process. Here
    the path is an SQL literal (escaped) and the list in a fixed order; the value is the same as Django's. Other
    databases compile it as Django does."""

    def as_sqlite(self, compiler, connection):
        lhs, params, keys = self.preprocess_lhs(compiler, connection)
        path = "'" + compile_json_path(keys).replace("'", "''") + "'"
        return (f"(CASE WHEN JSON_TYPE({lhs}, {path}) IN ('false', 'null', 'true') THEN JSON_TYPE({lhs}, {path}) "
                f"ELSE JSON_EXTRACT({lhs}, {path}) END)"), tuple(params) * 3


def _json_text(key: str, *path):
    if path:
        transform = KeyTransform(key, "values")
        for part in path[:-1]:
            transform = KeyTransform(part, transform)
        return JsonText(path[-1], transform)
    return JsonText(key, "values")


def value_expression(prop):
    """The SQL expression of a property's comparable scalar (text, number, date text, user id ...)."""
    entry = property_type(prop.type)
    if entry.column == "page__title":
        return NullIf(F("page__title"), Value(""))
    custom = entry.column_expression(prop) if entry.column else None
    if custom is not None:
        return custom
    if entry.column:
        return F(entry.column)
    key = prop.key
    if entry.kind == "number":
        return JsonNumber(key)
    if entry.kind == "date":
        return CText(_json_text(key, "start"))
    return _json_text(key)


def _has_value(prop) -> Q:
    entry = property_type(prop.type)
    if entry.relation:
        owner, forward = relation_owner(prop)
        links = _links(owner, forward)
        return Q(Exists(links))
    if entry.column:
        return Q(IsNull(value_expression(prop), False))
    return Q(values__has_key=prop.key)


def relation_owner(prop) -> tuple[int, bool]:
    """The property whose links a relation property reads, and whether it reads them forwards."""
    if prop.config.get("reverse") and prop.config.get("paired_property_id"):
        return prop.config["paired_property_id"], False
    return prop.pk, True


def _links(owner: int, forward: bool, target=None):
    from .models import RowRelation

    links = RowRelation.objects.filter(property_id=owner)
    if forward:
        links = links.filter(source=OuterRef("pk"), target__archived_at__isnull=True)
        return links.filter(target_id=target) if target is not None else links
    links = links.filter(target=OuterRef("pk"), source__archived_at__isnull=True)
    return links.filter(source_id=target) if target is not None else links


def _negated(prop, condition: Q) -> Q:
    """Not ``condition``, with empty values included (an empty value "is not" anything, "does not contain" anything)."""
    return ~condition | ~_has_value(prop)


def _day_bounds(operator: str, value) -> tuple[str | None, str | None]:
    """[lower, upper) as ISO dates for a date operator."""
    today = utc_today()
    if operator == "within_past_days":
        return (today - timedelta(days=value)).isoformat(), (today + timedelta(days=1)).isoformat()
    if operator == "within_next_days":
        return today.isoformat(), (today + timedelta(days=value + 1)).isoformat()
    day = date.fromisoformat(value)
    next_day = (day + timedelta(days=1)).isoformat()
    return {"is": (value, next_day), "before": (None, value), "after": (next_day, None), "on_or_before": (None, next_day),
            "on_or_after": (value, None)}[operator]


def _bound(prop, day: str):
    if property_type(prop.type).column:
        return datetime.fromisoformat(day + "T00:00:00+00:00")
    return day


def condition_q(prop, operator: str, value) -> Q:
    entry = property_type(prop.type)
    kind = entry.kind
    if operator == "is_empty":
        return ~_has_value(prop)
    if operator == "is_not_empty":
        return _has_value(prop)
    if kind == "checkbox":
        return _has_value(prop) if operator == "checked" else ~_has_value(prop)
    if kind == "relation":
        owner, forward = relation_owner(prop)
        contains = Q(Exists(_links(owner, forward, value)))
        return contains if operator == "contains" else ~contains
    if kind in ("multi", "person"):
        contains = Q(JsonArrayContains(prop.key, value))
        return contains if operator == "contains" else _negated(prop, contains)
    expression = value_expression(prop)
    if kind == "text":
        lookup = {"is": IExact, "is_not": IExact, "contains": IContains, "does_not_contain": IContains, "starts_with": IStartsWith,
                  "ends_with": IEndsWith}[operator]
        condition = Q(lookup(expression, value))
        return _negated(prop, condition) if operator in ("is_not", "does_not_contain") else condition
    if kind in ("select", "user"):
        condition = Q(Exact(expression, value))
        return _negated(prop, condition) if operator == "is_not" else condition
    if kind == "number":
        if operator in ("eq", "ne"):
            condition = Q(Exact(expression, float(value)))
            return _negated(prop, condition) if operator == "ne" else condition
        lookup = {"gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}[operator]
        return Q(lookup(expression, float(value)))
    if kind == "date":
        lower, upper = _day_bounds(operator, value)
        condition = Q()
        if lower is not None:
            condition &= Q(GreaterThanOrEqual(expression, _bound(prop, lower)))
        if upper is not None:
            condition &= Q(LessThan(expression, _bound(prop, upper)))
        return condition
    raise InvalidInput(f"{prop.name!r} cannot be filtered in the database")


def filter_q(schema: Schema, tree) -> Q:
    if tree is None:
        return Q()
    if "property" in tree:
        return condition_q(schema.by_id[tree["property"]], tree["operator"], tree["value"])
    key, children = next(iter(tree.items()))
    if not children:
        return Q(pk__isnull=False)  # an empty group matches every row (also inside an "or"), as in matches()
    combined = None
    for child in children:
        condition = filter_q(schema, child)
        combined = condition if combined is None else (combined & condition if key == "and" else combined | condition)
    return combined


def sort_expression(prop):
    entry = property_type(prop.type)
    kind = entry.kind
    if kind == "text":
        return Lower(value_expression(prop))
    if kind in ("select", "multi"):
        expression = _json_text(prop.key, "0") if kind == "multi" else value_expression(prop)
        whens = [When(Exact(expression, option["id"]), then=Value(index)) for index, option in enumerate(prop.config.get("options", []))]
        return Case(*whens, default=Value(None), output_field=IntegerField()) if whens else Value(None, output_field=IntegerField())
    if kind == "checkbox":
        return Case(When(values__has_key=prop.key, then=Value(1)), default=Value(0), output_field=IntegerField())
    if kind == "person":
        return Cast(_json_text(prop.key, "0"), IntegerField())
    if kind == "files":
        return Lower(_json_text(prop.key, "0", "name"))
    if kind == "user":
        return Lower(F(entry.column.replace("_id", "__username")))
    return value_expression(prop)


def order_by(schema: Schema, sorts: list[dict]) -> list:
    ordering = []
    for sort in sorts:
        expression = sort_expression(schema.by_id[sort["property"]])
        ordering.append(expression.desc(nulls_last=True) if sort["direction"] == "descending" else expression.asc(nulls_last=True))
    return ordering + ["rank", "id"]


# --- Python (computed values, and the oracle of the tests) -----------------------------------------------


def comparable(prop, cell):
    """The scalar a cell is filtered and sorted by, as the SQL translation computes it."""
    entry = property_type(prop.type)
    kind = entry.kind
    if kind == "computed":
        return cell
    if entry.is_empty(cell) and kind != "checkbox":
        return None
    if kind == "date":
        if entry.column:
            return parse_date(cell)
        return cell["start"]
    if kind == "number":
        return float(cell)
    if kind == "select":
        return cell if option_by_id(prop.config, cell) else None
    if kind == "checkbox":
        return bool(cell)
    return cell


def _match_text(operator, value, operand) -> bool:
    if operator == "is_empty":
        return value is None or value == ""
    if operator == "is_not_empty":
        return not (value is None or value == "")
    text = "" if value is None else str(value).lower()
    operand = operand.lower()
    if value is None or value == "":
        return operator in ("is_not", "does_not_contain")
    return {"is": text == operand, "is_not": text != operand, "contains": operand in text, "does_not_contain": operand not in text,
            "starts_with": text.startswith(operand), "ends_with": text.endswith(operand)}[operator]


def _match_number(operator, value, operand) -> bool:
    if operator == "is_empty":
        return value is None
    if operator == "is_not_empty":
        return value is not None
    if value is None:
        return operator == "ne"
    return {"eq": value == operand, "ne": value != operand, "gt": value > operand, "gte": value >= operand, "lt": value < operand,
            "lte": value <= operand}[operator]


def _match_date(operator, value, operand) -> bool:
    if operator == "is_empty":
        return value is None
    if operator == "is_not_empty":
        return value is not None
    if value is None:
        return False
    lower, upper = _day_bounds(operator, operand)
    return (lower is None or value >= lower) and (upper is None or value < upper)


def _computed_scalar(cell):
    if isinstance(cell, (date, datetime)):
        return parse_date(cell)
    return cell


def match_condition(prop, operator: str, operand, cell) -> bool:
    entry = property_type(prop.type)
    kind = entry.kind
    if kind == "computed":
        value = _computed_scalar(cell)
        if operator in ("checked", "unchecked"):
            return bool(value) == (operator == "checked")
        if operator in ("is_empty", "is_not_empty"):
            empty = value is None or value == "" or value == []
            return empty == (operator == "is_empty")
        if isinstance(value, list):
            texts = [str(_computed_scalar(item)).lower() for item in value]
            if operator in ("contains", "is"):
                return str(operand).lower() in texts
            if operator in ("does_not_contain", "is_not"):
                return str(operand).lower() not in texts
            return False
        if operator in DATE_OPS and isinstance(operand, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", operand) or operator.startswith("within"):
            return isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value or "") is not None and _match_date(operator, value, operand)
        if operator in NUMBER_OPS:
            number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
            return _match_number(operator, number, operand)
        return _match_text(operator, None if value is None else (("true" if value else "false") if isinstance(value, bool) else str(value)), operand)
    value = comparable(prop, cell)
    if kind == "text":
        return _match_text(operator, value, operand)
    if kind == "number":
        return _match_number(operator, value, float(operand) if operand is not None else None)
    if kind == "date":
        return _match_date(operator, value, operand)
    if kind == "checkbox":
        return bool(value) == (operator == "checked")
    if kind in ("select", "user"):
        if operator == "is_empty":
            return value is None
        if operator == "is_not_empty":
            return value is not None
        return (value == operand) if operator == "is" else (value != operand)
    if kind in ("multi", "person", "relation", "files"):
        items = list(cell or [])
        if kind == "multi":
            items = [item for item in items if option_by_id(prop.config, item)]
        if operator == "is_empty":
            return not items
        if operator == "is_not_empty":
            return bool(items)
        return (operand in items) if operator == "contains" else (operand not in items)
    raise InvalidInput(f"{prop.name!r} cannot be filtered")


def matches(schema: Schema, tree, cell_of) -> bool:
    """Whether a row passes ``tree``; ``cell_of(prop)`` gives the row's cell."""
    if tree is None:
        return True
    if "property" in tree:
        prop = schema.by_id[tree["property"]]
        return match_condition(prop, tree["operator"], tree["value"], cell_of(prop))
    key, children = next(iter(tree.items()))
    if not children:
        return True
    results = (matches(schema, child, cell_of) for child in children)
    return all(results) if key == "and" else any(results)


def python_sort_key(prop, cell):
    entry = property_type(prop.type)
    kind = entry.kind
    if kind == "computed":
        value = _computed_scalar(cell)
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, bool):
            return (0, int(value))
        if isinstance(value, (int, float)):
            return (1, value)
        if isinstance(value, list):
            return (2, ", ".join(str(_computed_scalar(item)) for item in value).lower())
        return (2, str(value).lower())
    if kind == "relation":
        return len(cell) if cell else None
    value = comparable(prop, cell)
    if value is None:
        return None
    if kind == "text":
        return value.lower()
    if kind == "select":
        return next((index for index, option in enumerate(prop.config.get("options", [])) if option["id"] == value), None)
    if kind == "multi":
        first = next((item for item in value if option_by_id(prop.config, item)), None)
        return python_sort_key(type("P", (), {"type": "select", "config": prop.config})(), first) if first else None
    if kind == "checkbox":
        return int(value)
    if kind == "person":
        return value[0]
    if kind == "files":
        return value[0]["name"].lower()
    return value


def sort_rows(schema: Schema, rows: list, sorts: list[dict], cell_of) -> list:
    """Rows sorted like ``order_by`` sorts them: empty last in both directions, then by (rank, id)."""
    rows = sorted(rows, key=lambda row: (row.rank, row.pk))
    for sort in reversed(sorts):
        prop = schema.by_id[sort["property"]]
        keyed = [(python_sort_key(prop, cell_of(row, prop)), row) for row in rows]
        present = [item for item in keyed if item[0] is not None]
        empty = [row for key, row in keyed if key is None]
        present.sort(key=lambda item: item[0], reverse=sort["direction"] == "descending")
        rows = [row for _key, row in present] + empty
    return rows
