"""The cells of a set of rows: stored values, columns, relation links, and the computed formulas and rollups.

``Cells(schema, rows)`` loads what the rows need in a few queries (one per relation property, one per rollup
— aggregated in SQL where the rolled-up property is stored, else in Python over the related rows), then
answers ``cell(row, prop)``. Formula and rollup values are computed here, in Python, for the rows being
shown: they are never stored, so they can never be stale.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime

from django.db.models import Avg, Count, FloatField, Max, Min, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from .formula import FormulaError, evaluate, parse
from .properties import parse_date, property_type
from .query import Schema, relation_owner

MAX_ROLLUP_DEPTH = 3


class Cells:
    def __init__(self, schema: Schema, rows: list, depth: int = 0, usernames: dict | None = None):
        self.schema = schema
        self.rows = {row.pk: row for row in rows}
        self.depth = depth
        self._links: dict[int, dict[int, list[int]]] = {}
        self._rollups: dict[int, dict[int, object]] = {}
        self._formulas: dict[tuple[int, int], object] = {}
        self._evaluating: set[tuple[int, int]] = set()
        self._trees: dict[int, object] = {}
        self.errors: dict[tuple[int, int], str] = {}
        self.usernames = usernames if usernames is not None else {}

    # --- cells ---

    def cell(self, row, prop):
        entry = property_type(prop.type)
        if entry.column == "page__title":
            return row.page.title
        if entry.column:
            return getattr(row, entry.column)
        if entry.relation:
            return self.links(prop).get(row.pk, [])
        if prop.type == "rollup":
            return self.rollups(prop).get(row.pk)
        if prop.type == "formula":
            return self.formula(row, prop)
        return row.values.get(prop.key)

    def links(self, prop) -> dict[int, list[int]]:
        if prop.pk not in self._links:
            from .models import RowRelation

            owner, forward = relation_owner(prop)
            found: dict[int, list[int]] = defaultdict(list)
            links = RowRelation.objects.filter(property_id=owner)
            if forward:
                pairs = links.filter(source_id__in=list(self.rows), target__archived_at__isnull=True).order_by("position", "id").values_list("source_id", "target_id")
            else:
                pairs = links.filter(target_id__in=list(self.rows), source__archived_at__isnull=True).order_by("source_id").values_list("target_id", "source_id")
            for row_id, other in pairs:
                found[row_id].append(other)
            self._links[prop.pk] = found
        return self._links[prop.pk]

    # --- rollups ---

    def rollups(self, prop) -> dict[int, object]:
        if prop.pk not in self._rollups:
            self._rollups[prop.pk] = self._compute_rollup(prop)
        return self._rollups[prop.pk]

    def _compute_rollup(self, prop) -> dict[int, object]:
        from .models import Property, Row, RowRelation

        config = prop.config
        relation = self.schema.by_id.get(config.get("relation_property_id"))
        function = config.get("function", "count")
        if relation is None or relation.type != "relation" or self.depth >= MAX_ROLLUP_DEPTH:
            return {}
        target = Property.objects.filter(pk=config.get("target_property_id"), database_id=relation.config.get("database_id")).first() \
            if config.get("target_property_id") else None
        if function != "count" and target is None:
            return {}
        owner, forward = relation_owner(relation)
        links = RowRelation.objects.filter(property_id=owner)
        if forward:
            links = links.filter(source_id__in=list(self.rows), target__archived_at__isnull=True)
            row_field, other = "source_id", "target"
        else:
            links = links.filter(target_id__in=list(self.rows), source__archived_at__isnull=True)
            row_field, other = "target_id", "source"
        target_entry = property_type(target.type) if target else None
        # Aggregated by the database when the rolled-up value is stored: a rollup over 10,000 related rows
        # then moves one number per row, not 10,000 values.
        if function == "count":
            result = {row_id: count for row_id, count in links.values(row_field).annotate(n=Count("id")).values_list(row_field, "n")}
            return {row_id: result.get(row_id, 0) for row_id in self.rows}
        if target_entry.stored and target_entry.kind in ("number", "checkbox") and function in (
                "count_values", "sum", "average", "min", "max", "percent_checked"):
            key = f"{other}__values"
            number = Cast(KeyTextTransform(target.key, key), FloatField())
            has_value = Q(**{f"{other}__values__has_key": target.key})
            aggregate = {"count_values": Count("id", filter=has_value), "sum": Sum(number), "average": Avg(number), "min": Min(number),
                         "max": Max(number), "percent_checked": Cast(Count("id", filter=has_value), FloatField()) / Cast(Count("id"), FloatField())}[function]
            result = dict(links.values(row_field).annotate(value=aggregate).values_list(row_field, "value"))
            if function == "sum":
                return {row_id: result.get(row_id) or 0 for row_id in self.rows}
            if function == "count_values":
                return {row_id: result.get(row_id) or 0 for row_id in self.rows}
            return {row_id: result.get(row_id) for row_id in self.rows}
        pairs = list(links.values_list(row_field, f"{other}_id"))
        by_row: dict[int, list[int]] = defaultdict(list)
        for row_id, other_id in pairs:
            by_row[row_id].append(other_id)
        related_ids = {other_id for _row, other_id in pairs}
        related_rows = list(Row.objects.filter(pk__in=related_ids).select_related("page"))
        target_schema = Schema(target.database) if target.database_id != self.schema.database.pk else self.schema
        target_cells = Cells(target_schema, related_rows, self.depth + 1, self.usernames)
        values_of = {row.pk: target_entry.formula_value(target_cells.cell(row, target), target.config) for row in related_rows}
        return {row_id: aggregate_values(function, [values_of[other_id] for other_id in by_row.get(row_id, []) if other_id in values_of])
                for row_id in self.rows}

    # --- formulas ---

    def formula(self, row, prop):
        key = (row.pk, prop.pk)
        if key in self._formulas:
            return self._formulas[key]
        if key in self._evaluating:
            raise FormulaError(f"{prop.name!r} refers to itself")
        self._evaluating.add(key)
        try:
            tree = self._trees.get(prop.pk)
            if tree is None:
                tree = self._trees[prop.pk] = parse(prop.config.get("expression", ""))
            value = evaluate(tree, lambda name, position: self._formula_property(row, name, position))
            if isinstance(value, float) and not math.isfinite(value):
                value = None
        except FormulaError as error:
            self.errors[key] = str(error)
            value = None
        finally:
            self._evaluating.discard(key)
        self._formulas[key] = value
        return value

    def _formula_property(self, row, name: str, position: int):
        prop = self.schema.by_name.get(name.casefold())
        if prop is None:
            raise FormulaError(f"no property named {name!r}", position)
        entry = property_type(prop.type)
        if prop.type == "formula":
            key = (row.pk, prop.pk)
            if key in self._evaluating:
                raise FormulaError(f"prop({name!r}) refers back to this formula", position)
            value = self.formula(row, prop)
            if key in self.errors:
                raise FormulaError(f"prop({name!r}) has an error", position)
            return value
        cell = self.cell(row, prop)
        if entry.relation:
            return [str(item) for item in cell]
        if prop.type in ("created_by", "last_edited_by"):
            return self.usernames.get(cell)
        return entry.formula_value(cell, prop.config)

    def error(self, row, prop) -> str | None:
        return self.errors.get((row.pk, prop.pk))


def _date_key(value):
    return parse_date(value)


def aggregate_values(function: str, values: list):
    """A rollup over the related rows' values (formula values: numbers, dates, booleans, lists ...)."""
    if function == "count":
        return len(values)
    flat = []
    for value in values:
        if isinstance(value, list):
            flat.extend(item for item in value if item is not None and item != "")
        elif value is not None and value != "":
            flat.append(value)
    if function == "count_values":
        return len([value for value in flat if value is not False])
    if function == "percent_checked":
        return (sum(1 for value in values if value is True) / len(values)) if values else None
    numbers = [float(value) for value in flat if isinstance(value, (int, float)) and not isinstance(value, bool)]
    if function == "sum":
        return sum(numbers)
    if function == "average":
        return (sum(numbers) / len(numbers)) if numbers else None
    if function in ("min", "max"):
        if numbers:
            return min(numbers) if function == "min" else max(numbers)
        dates = [value for value in flat if isinstance(value, date)]
        if dates:
            return (min if function == "min" else max)(dates, key=_date_key)
        return None
    if function in ("earliest", "latest"):
        dates = [value for value in flat if isinstance(value, (date, datetime))]
        if not dates:
            return None
        return (min if function == "earliest" else max)(dates, key=_date_key)
    return None
