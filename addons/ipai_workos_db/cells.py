"""The cells of a set of rows: stored values, columns, relation links, and the computed formulas and rollups.

``Cells(schema, rows, viewer)`` loads what the rows need in a few queries — one per relation property (with
the linked rows' titles), one per relation for all its rollups that SQL aggregates (stored numbers and
checkboxes, counts), one per other rollup (computed in Python over the related rows) — never one per row,
then answers ``cell(row, prop)``. Formula and rollup values are computed here, in Python, for the rows being
shown: they are never stored, so they can never be stale.

What one object shows of another follows one rule: the viewer sees only related rows they can read. A
relation cell holds the ids of the linked rows the viewer can read (``hidden(row, prop)`` says whether others
exist: they are shown as "No access", never by title, id or number); rollups and formulas are computed over
the readable rows only. The id of an unreadable row is never shown: writing a link needs read access to the
row's database, so there is no link a user could write to a row they cannot see. Readability is decided per
related database (a row takes its database's access), see ``Readable``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime

from django.db import DatabaseError, connections
from django.db.models import Avg, Count, FloatField, Max, Min, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK
from ipai_workos_core.scopes import PAGE

from .formula import FormulaError, evaluate, parse
from .properties import parse_date, property_type
from .query import Schema, prepared, relation_owner

MAX_ROLLUP_DEPTH = 3
NO_ACCESS = "No access"
RELATION_SHOWN = 25  # linked rows a relation cell of a page of rows shows; the rest load on demand


class Readable:
    """Which related rows one viewer may read: ``permissions.can(viewer, "read", row.page)``, decided once per
    database. A row's page takes its database's access, so the database answers for all its rows; the only
    rows that differ are those whose page carries a grant of its own, found among the viewer's grants (already
    loaded to decide the database) — usually none, so no query at all is spent on rows.

    Make one per request and share it between the ``Cells`` of that request: it remembers its answers."""

    def __init__(self, user):
        self.user = user
        self.access = permissions.Access(user)
        self._databases: dict[int, bool] = {}
        self._exceptions: dict[int, set[int]] = {}
        self._objects: dict[int, object] = {}

    def remember(self, database) -> None:
        """A database object already at hand: no query to load it when its access is decided."""
        self._objects[database.pk] = database

    def _can_read(self, obj) -> bool:
        return RANK[self.access.level(obj)] >= RANK[permissions.required_level("read", obj)]

    def database(self, database_id) -> bool:
        """Whether the viewer can read the database (and so, barring exceptions, every row of it)."""
        if database_id is None:
            return False
        if database_id not in self._databases:
            from .models import Database

            database = self._objects.get(database_id) or Database.objects.filter(pk=database_id).first()
            self._databases[database_id] = database is not None and self._can_read(database)
        return self._databases[database_id]

    def exceptions(self, database_id) -> set[int]:
        """Ids of the rows of the database whose readability differs from the database's (their page has a grant)."""
        if database_id not in self._exceptions:
            from .models import Row

            readable = self.database(database_id)
            granted = [int(pk) for model, pk in self.access.grants if model == PAGE and pk.isdigit()]
            found = set()
            if granted:
                for row in Row.objects.filter(database_id=database_id, page_id__in=granted).select_related("page"):
                    if self._can_read(row.page) != readable:
                        found.add(row.pk)
            self._exceptions[database_id] = found
        return self._exceptions[database_id]

    def rows_q(self, database_id) -> Q:
        """The rows of a database the viewer can read, as a filter: a row whose page carries a grant of its own (an
        explicit "none", say) is left out of the database's lists, its values (title, status ...) never shown. No query
        unless the viewer holds grants on pages."""
        if not any(model == PAGE for model, _pk in self.access.grants):
            return Q()
        exceptions = self.exceptions(database_id)
        if self.database(database_id):
            return ~Q(pk__in=exceptions) if exceptions else Q()
        return Q(pk__in=exceptions)

    def row(self, database_id, row_id) -> bool:
        return self.database(database_id) != (row_id in self.exceptions(database_id))

    def filter_tree(self, schema: Schema, tree):
        """A cleaned filter ``tree`` whose relation conditions name only rows the viewer can read: "contains" a row
        they cannot read is asked as "contains no row", so that a filter never tells who links to it."""
        if tree is None:
            return None
        if "property" in tree:
            prop = schema.by_id.get(tree["property"])
            value = tree.get("value")
            if (prop is not None and property_type(prop.type).relation and tree.get("operator") in ("contains", "does_not_contain")
                    and isinstance(value, int) and not self.row(prop.config.get("database_id"), value)):
                return {**tree, "value": 0}  # row ids start at 1
            return tree
        key, children = next(iter(tree.items()))
        return {key: [self.filter_tree(schema, child) for child in children]}

    def narrow(self, links, field: str, database_id):
        """``links`` (a queryset) kept to those whose ``field`` (a row id) names a row the viewer can read."""
        exceptions = self.exceptions(database_id)
        if self.database(database_id):
            return links.exclude(**{f"{field}__in": exceptions}) if exceptions else links
        return links.filter(**{f"{field}__in": exceptions}) if exceptions else links.none()


def first_links_sql(links, counted, row_field: str, other: str, forward: bool, row_ids: list[int], limit: int) -> tuple[str, list]:
    """PostgreSQL: for each of ``row_ids``, how many links it has in ``counted`` and the first ``limit`` of ``links``
    with the linked rows' titles, as one statement (both querysets of one property's links to live rows, already
    narrowed to what the viewer may read; ``counted`` without a join to the row table, see ``Cells._load_shown``).
    Per row, a LATERAL subquery with LIMIT reads an index range of the link index in order (``(source, property,
    position, id)`` forwards, ``(target, property, source)`` backwards) and stops after ``limit`` live rows, and a
    LATERAL count reads that row's index range, skipping links to rows in the trash by an anti-join on the index of
    trashed rows — so a cell costs its own links, never a scan or a hash of the row table, and a row linked to
    10,000 rows fetches 25 titles, not 10,000. Answers (sql, params) of rows ``(row id, total, linked row id,
    title)`` in order (linked row id and title None for a row without links)."""
    order = ("position", "id") if forward else (f"{other}_id",)
    mine = links.filter(**{row_field: RawSQL("_shown.id", ())})
    first_sql, first_params = (mine.order_by(*order).values_list(f"{other}_id", f"{other}__page__title", *(order if forward else ()))
                               [:limit].query.sql_with_params())
    every_sql, every_params = counted.filter(**{row_field: RawSQL("_shown.id", ())}).order_by().values_list("id").query.sql_with_params()
    # the order of a LATERAL subquery's rows does not survive the outer query: order again by the same keys
    columns, keys = ("other_id, title, k1, k2", "_first.k1, _first.k2") if forward else ("other_id, title", "_first.other_id")
    sql = (f"SELECT _shown.id, _total.n, _first.other_id, _first.title FROM unnest(%s::bigint[]) AS _shown(id) "
           f"CROSS JOIN LATERAL (SELECT count(*) AS n FROM ({every_sql}) AS _every) AS _total "
           f"LEFT JOIN LATERAL ({first_sql}) AS _first({columns}) ON true ORDER BY _shown.id, {keys}")
    return sql, [sorted(row_ids), *every_params, *first_params]


def first_links_lateral(links, counted, row_field: str, other: str, forward: bool, row_ids: list[int], limit: int, explain: bool = False) -> list[tuple]:
    """Run ``first_links_sql`` (``explain``: its plan instead, as lines).

    Bitmap scans, hash and merge joins are off for this one statement. The planner estimates a row's links from
    statistics over all rows (the average: a few per row; or, for a row holding most links, all of them), and
    then either bitmap-scans the index and sorts — which loses the index order: a row with 10,000 links would
    fetch and sort all of them to show 25 — or hashes the whole row table to skip trashed rows (O(rows in the
    database)). A cell wants per-row index ranges joined by primary key: O(links of the rows shown)."""
    sql, params = first_links_sql(links, counted, row_field, other, forward, row_ids, limit)
    with connections[links.db].cursor() as cursor:
        cursor.execute("SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off")
        failed = True
        try:
            cursor.execute(("EXPLAIN " if explain else "") + sql, params)
            found = cursor.fetchall()
            failed = False
        finally:
            try:
                cursor.execute("RESET enable_bitmapscan; RESET enable_hashjoin; RESET enable_mergejoin")
            except DatabaseError:
                if not failed:
                    raise  # else: the statement failed in a transaction, whose rollback undoes the SET
    return [line for (line,) in found] if explain else found


def readable_for(viewer) -> Readable:
    return viewer if isinstance(viewer, Readable) else Readable(viewer)


class Cells:
    def __init__(self, schema: Schema, rows: list, viewer, depth: int = 0, usernames: dict | None = None, relation_limit: int | None = None):
        """``viewer``: the user the cells are computed for (or their ``Readable``, to share it). ``relation_limit``:
        how many linked rows ``shown`` gives per relation cell (None: all) — a page of rows shows the first ones
        and the total, whatever the number of links (``RELATION_SHOWN``)."""
        self.schema = schema
        self.readable = readable_for(viewer)
        self.readable.remember(schema.database)
        self.rows = {row.pk: row for row in rows}
        self.depth = depth
        self._links: dict[int, dict[int, list[int]]] = {}
        self._hidden: dict[int, dict[int, list[int]]] = {}  # links to rows the viewer cannot read, by property and row
        self._rollups: dict[int, dict[int, object]] = {}
        self._formulas: dict[tuple[int, int], object] = {}
        self._evaluating: set[tuple[int, int]] = set()
        self._trees: dict[int, object] = {}
        self.errors: dict[tuple[int, int], str] = {}
        self.usernames = usernames if usernames is not None else {}
        self.titles: dict[int, str] = {}  # titles of linked rows, loaded with the links
        self._target_props: dict | None = None
        self.relation_limit = relation_limit
        self._shown: dict[int, dict[int, tuple[list[int], int]]] = {}  # by property and row: (first linked ids, total)
        self._hidden_rows: dict[int, set[int]] = {}  # by property: rows linking to rows the viewer cannot read

    # --- cells ---

    def cell(self, row, prop, entry=None):
        """``entry``: the property's type, when the caller has it (a page of rows looks each up once)."""
        entry = entry or property_type(prop.type)
        if entry.column == "page__title":
            return row.page.title
        if entry.column:
            value = row
            for part in entry.column.split("__"):  # "page__workflow_state": a column of the row's page
                value = getattr(value, part)
            return entry.column_value(value, prop.config)
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
            hidden: dict[int, list[int]] = defaultdict(list)
            links = RowRelation.objects.filter(property_id=owner)
            # the linked rows' titles come in the same query: rendering the cell needs them
            if forward:
                pairs = links.filter(source_id__in=list(self.rows), target__archived_at__isnull=True).order_by("position", "id").values_list(
                    "source_id", "target_id", "target__database_id", "target__page__title")
            else:
                pairs = links.filter(target_id__in=list(self.rows), source__archived_at__isnull=True).order_by("source_id").values_list(
                    "target_id", "source_id", "source__database_id", "source__page__title")
            for row_id, other, database_id, title in pairs:
                if self.readable.row(database_id, other):
                    found[row_id].append(other)
                    self.titles[other] = title
                else:
                    hidden[row_id].append(other)
            self._links[prop.pk] = found
            self._hidden[prop.pk] = hidden
        return self._links[prop.pk]

    def hidden(self, row, prop) -> bool:
        """Whether the row links (through relation ``prop``) to rows the viewer cannot read: shown as "No access"."""
        if not property_type(prop.type).relation:
            return False
        if prop.pk in self._links or self.relation_limit is None:
            self.links(prop)
            return bool(self._hidden[prop.pk].get(row.pk))
        self.shown(row, prop)
        return row.pk in self._hidden_rows[prop.pk]

    def shown(self, row, prop) -> tuple[list[int], int]:
        """(the first ``relation_limit`` linked rows the viewer can read, how many they can read in all) of a
        relation cell. Paged: on PostgreSQL one statement for the totals and the first rows of every row of the page
        (LATERAL subqueries per row over the link index, ``first_links_sql``), on SQLite one for the totals and one
        for the first rows (a window), one for whether unreadable links exist — O(rows shown), not O(links). The
        total and the ids count readable rows only: what the viewer cannot read is one "No access", never a number."""
        if self.relation_limit is None or prop.pk in self._links:
            ids = self.links(prop).get(row.pk, [])
            limit = self.relation_limit if self.relation_limit is not None else len(ids)
            return ids[:limit], len(ids)
        if prop.pk not in self._shown:
            self._load_shown(prop)
        return self._shown[prop.pk].get(row.pk, ([], 0))

    def _load_shown(self, prop) -> None:
        from django.db.models import Exists, F, OuterRef, Window
        from django.db.models.functions import RowNumber

        from .models import Row, RowRelation

        owner, forward = relation_owner(prop)
        row_field, other = ("source_id", "target") if forward else ("target_id", "source")
        mine = RowRelation.objects.filter(property_id=owner, **{f"{row_field}__in": list(self.rows)})
        links = mine.filter(**{f"{other}__archived_at__isnull": True})
        readable = self.readable.narrow(links, f"{other}_id", prop.config.get("database_id"))
        order = [F("position").asc(), F("id").asc()] if forward else [F(f"{other}_id").asc()]
        first: dict[int, list[int]] = defaultdict(list)
        totals: dict[int, int] = {}
        if not self.rows or readable.query.is_empty():
            pass  # nothing the viewer can read
        elif connections[readable.db].vendor == "postgresql":
            # The total skips links to trashed rows by NOT EXISTS on the small index of trashed rows
            # (``ipai_workos_row_trashed_id``), not by a join to the live rows: a join probes the row table's
            # index once per link (10,000 probes, ~45 ms at 1,000,000 rows), the anti-join a near-empty index.
            counted = self.readable.narrow(mine.exclude(Exists(Row.objects.filter(pk=OuterRef(f"{other}_id"), archived_at__isnull=False))),
                                           f"{other}_id", prop.config.get("database_id"))
            for row_id, total, other_id, title in first_links_lateral(readable, counted, row_field, other, forward, list(self.rows), self.relation_limit):
                if total:
                    totals[row_id] = total
                if other_id is not None:
                    first[row_id].append(other_id)
                    self.titles[other_id] = title
        else:
            totals = dict(readable.values(row_field).annotate(n=Count("id")).order_by().values_list(row_field, "n"))
            if totals:
                numbered = readable.annotate(place=Window(RowNumber(), partition_by=[F(row_field)], order_by=order))
                for row_id, other_id, title in numbered.filter(place__lte=self.relation_limit).values_list(
                        row_field, f"{other}_id", f"{other}__page__title").order_by(row_field, "place"):
                    first[row_id].append(other_id)
                    self.titles[other_id] = title
        self._shown[prop.pk] = {row_id: (first.get(row_id, []), n) for row_id, n in totals.items()}
        database_id = prop.config.get("database_id")
        if not self.readable.exceptions(database_id):
            # the whole related database is readable (nothing hidden) or not (every link hidden): no comparison needed
            hidden = set() if self.readable.database(database_id) else set(links.values_list(row_field, flat=True).distinct())
        else:
            hidden = set(links.exclude(pk__in=readable.values("pk")).values_list(row_field, flat=True).distinct())
        self._hidden_rows[prop.pk] = hidden

    def filter_cell(self, row, prop):
        """The cell as a filter sees it: a relation that links only to rows the viewer cannot read is not empty
        (it shows "No access"), as the SQL filter (which counts every link) says too."""
        cell = self.cell(row, prop)
        return cell + [None] if property_type(prop.type).relation and self.hidden(row, prop) else cell

    def hidden_links(self, row, prop) -> list[int]:
        """The ids of those rows — for the write path only, which keeps the links a user cannot see."""
        self.links(prop)
        return list(self._hidden[prop.pk].get(row.pk, []))

    # --- rollups ---

    def rollups(self, prop) -> dict[int, object]:
        if prop.pk not in self._rollups:
            self._compute_rollups(prop)
        return self._rollups[prop.pk]

    def _targets(self) -> dict[int, object]:
        """The rolled-up properties of every rollup of the schema, loaded in one query."""
        if self._target_props is None:
            from .models import Property

            wanted = {prop.config.get("target_property_id") for prop in self.schema.properties if prop.type == "rollup"} - {None}
            found = prepared(Property.objects.filter(pk__in=wanted).select_related("database")) if wanted else []
            self._target_props = {prop.pk: prop for prop in found}
        return self._target_props

    def _rollup_parts(self, prop):
        """(relation property, function, target property or None) of a rollup that can be computed, else None."""
        config = prop.config
        relation = self.schema.by_id.get(config.get("relation_property_id"))
        function = config.get("function", "count")
        if relation is None or relation.type != "relation" or self.depth >= MAX_ROLLUP_DEPTH:
            return None
        target = self._targets().get(config.get("target_property_id")) if config.get("target_property_id") else None
        if target is not None and target.database_id != relation.config.get("database_id"):
            target = None
        if function != "count" and target is None:
            return None
        return relation, function, target

    @staticmethod
    def _in_sql(function: str, target) -> bool:
        """Aggregated by the database: a rollup over 10,000 related rows then moves one number per row."""
        if function == "count":
            return True
        entry = property_type(target.type)
        return entry.stored and entry.kind in ("number", "checkbox") and function in (
            "count_values", "sum", "average", "min", "max", "percent_checked")

    def _links_of(self, relation):
        from .models import RowRelation

        owner, forward = relation_owner(relation)
        links = RowRelation.objects.filter(property_id=owner)
        if forward:
            links, row_field, other = links.filter(source_id__in=list(self.rows), target__archived_at__isnull=True), "source_id", "target"
        else:
            links, row_field, other = links.filter(target_id__in=list(self.rows), source__archived_at__isnull=True), "target_id", "source"
        # a rollup is computed over the related rows the viewer can read, and only those
        return self.readable.narrow(links, f"{other}_id", relation.config.get("database_id")), row_field, other

    def _compute_rollups(self, prop) -> None:
        """Compute ``prop``; the rollups over the same relation that SQL aggregates come in the same query (one
        join of the links with the related rows, however many rollups a relation feeds)."""
        parts = self._rollup_parts(prop)
        if parts is None:
            self._rollups[prop.pk] = {}
            return
        relation, function, target = parts
        if not self._in_sql(function, target):
            self._rollups[prop.pk] = self._python_rollup(relation, function, target)
            return
        batch = {}
        for other_prop in self.schema.properties:
            if other_prop.type != "rollup" or other_prop.pk in self._rollups:
                continue
            other_parts = self._rollup_parts(other_prop)
            if other_parts and other_parts[0].pk == relation.pk and self._in_sql(other_parts[1], other_parts[2]):
                batch[other_prop.pk] = other_parts
        links, row_field, other = self._links_of(relation)
        aggregates = {}
        for prop_id, (_relation, rollup_function, rollup_target) in batch.items():
            if rollup_function == "count":
                aggregates[f"r{prop_id}"] = Count("id")
                continue
            number = Cast(KeyTextTransform(rollup_target.key, f"{other}__values"), FloatField())
            has_value = Q(**{f"{other}__values__has_key": rollup_target.key})
            aggregates[f"r{prop_id}"] = {
                "count_values": Count("id", filter=has_value), "sum": Sum(number), "average": Avg(number), "min": Min(number),
                "max": Max(number),
                "percent_checked": Cast(Count("id", filter=has_value), FloatField()) / Cast(Count("id"), FloatField())}[rollup_function]
        found = {item[row_field]: item for item in links.values(row_field).annotate(**aggregates).order_by()}
        for prop_id, (_relation, rollup_function, _target) in batch.items():
            empty = 0 if rollup_function in ("count", "sum", "count_values") else None
            self._rollups[prop_id] = {row_id: (found[row_id][f"r{prop_id}"] if row_id in found else None) for row_id in self.rows}
            if empty is not None:
                self._rollups[prop_id] = {row_id: value or empty for row_id, value in self._rollups[prop_id].items()}

    def _python_rollup(self, relation, function: str, target) -> dict[int, object]:
        from .models import Row

        links, row_field, other = self._links_of(relation)
        target_entry = property_type(target.type)
        pairs = list(links.values_list(row_field, f"{other}_id"))
        by_row: dict[int, list[int]] = defaultdict(list)
        for row_id, other_id in pairs:
            by_row[row_id].append(other_id)
        # a subquery, not a list of (perhaps 10,000) ids in the statement
        related_rows = list(Row.objects.filter(pk__in=links.values(f"{other}_id")).select_related("page"))
        target_schema = Schema(target.database) if target.database_id != self.schema.database.pk else self.schema
        target_cells = Cells(target_schema, related_rows, self.readable, self.depth + 1, self.usernames)
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
