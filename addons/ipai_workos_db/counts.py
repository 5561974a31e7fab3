"""Maintained row counts, and counts that never scan more than ``COUNT_BOUND`` rows.

``RowCount`` holds, per database, the number of live rows (``property_id`` 0) and, per select or status
property, the number of live rows per stored value (an option id; "" for no value). The row services change
them in the same transaction as the rows (``add_rows``, ``remove_rows``, ``move_row``); property changes that
rewrite values (a conversion, deleted options) recount that property (``recount``). Deltas are applied as one
upsert (``INSERT ... ON CONFLICT DO UPDATE SET count = count + delta``, on both databases), in key order so that
two writers never wait on each other crosswise.

From them ``known_count`` answers, without touching the rows, the exact count of: all live rows, and any filter
that is a single condition ``is`` / ``is_not`` / ``is_empty`` / ``is_not_empty`` on a select or status property
— the unfiltered total, a kanban column, a single-option filter. Any other filter is counted by
``bounded_count``: exactly up to ``COUNT_BOUND`` rows, else ``COUNT_BOUND`` with ``exact`` False ("10,000+"),
until the client asks for the exact count. A number is never presented as exact when it is not.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection

from workos.kernel.prepared import Prepared

from . import indexes
from .properties import option_by_id
from .query import conditions

COUNTED_TYPES = ("select", "status")
TOTAL = 0
COUNT_BOUND = 10_000


def counted_properties(schema) -> list:
    return [prop for prop in schema.properties if prop.type in COUNTED_TYPES]


def _value_key(value) -> str:
    return value if isinstance(value, str) else ""


def keys_of(props, values: dict) -> list[tuple[int, str]]:
    """The counters one live row with ``values`` adds 1 to."""
    return [(TOTAL, "")] + [(prop.pk, _value_key((values or {}).get(prop.key))) for prop in props]


def apply(database_id: int, deltas: Counter) -> None:
    """Add ``deltas`` ({(property_id, value): n}) to the database's counters, in one statement."""
    changed = sorted((key, n) for key, n in deltas.items() if n)
    if not changed:
        return
    from .models import RowCount

    table = RowCount._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(changed))
    params = [item for (prop_id, value), n in changed for item in (database_id, prop_id, value, n)]
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO {table} (database_id, property_id, "value", "count") VALUES {rows} '
                       f'ON CONFLICT (database_id, property_id, "value") DO UPDATE SET "count" = {table}."count" + EXCLUDED."count"', params)


def add_rows(database_id: int, props, values_list, sign: int = 1) -> None:
    """Rows with these ``values`` became live (``sign`` 1: created, restored) or stopped being live (-1)."""
    deltas: Counter = Counter()
    for values in values_list:
        for key in keys_of(props, values):
            deltas[key] += sign
    apply(database_id, deltas)
    if sign > 0:
        indexes.rows_added()  # SQLite's planner needs statistics of the row table (indexes.py)


def remove_rows(database_id: int, props, values_list) -> None:
    add_rows(database_id, props, values_list, -1)


def move_row(database_id: int, props, before: dict, after: dict) -> None:
    """A live row's values changed from ``before`` to ``after``."""
    deltas: Counter = Counter()
    for prop in props:
        old, new = _value_key(before.get(prop.key)), _value_key(after.get(prop.key))
        if old != new:
            deltas[(prop.pk, old)] -= 1
            deltas[(prop.pk, new)] += 1
    apply(database_id, deltas)


def lock(database_id: int) -> list:
    """Lock the database row (the writers of its counters take turns: a row created while a select property is
    added is counted once, under it or not) and answer its counted properties as they are now."""
    from .models import Database, Property

    Database.objects.select_for_update(no_key=True).filter(pk=database_id).exists()
    return list(Property.objects.filter(database_id=database_id, type__in=COUNTED_TYPES))


def property_added(prop) -> None:
    """A new select or status property: every live row holds no value of it."""
    if prop.type in COUNTED_TYPES:
        lock(prop.database_id)
        total = read(prop.database_id).get((TOTAL, ""), 0)
        apply(prop.database_id, Counter({(prop.pk, ""): total}))


def clear_options(database_id: int, prop_id: int, option_ids) -> None:
    """Deleted options were taken out of the rows that held them: their rows now hold no value."""
    from .models import RowCount

    held = RowCount.objects.select_for_update(no_key=True).filter(database_id=database_id, property_id=prop_id, value__in=list(option_ids))
    deltas: Counter = Counter()
    for value, n in held.values_list("value", "count"):
        deltas[(prop_id, value)] -= n
        deltas[(prop_id, "")] += n
    apply(database_id, deltas)


def _tally(database_id: int, prop) -> Counter:
    """{value: live rows} of a select/status property, counted by the database (one GROUP BY)."""
    from django.db.models import Count
    from django.db.models.fields.json import KeyTextTransform

    from .models import Row

    live = Row.objects.filter(database_id=database_id, archived_at__isnull=True)
    tally: Counter = Counter()
    for value, n in live.annotate(held=KeyTextTransform(prop.key, "values")).values("held").annotate(n=Count("id")).order_by().values_list("held", "n"):
        tally[value or ""] += n
    return tally


def recount(database_id: int, prop_ids, recounted_props=()) -> None:
    """Drop the counters of ``prop_ids`` and count ``recounted_props`` (select/status properties) again from the
    rows — for property changes that rewrite many rows at once (a conversion, options deleted)."""
    from .models import RowCount

    lock(database_id)
    RowCount.objects.filter(database_id=database_id, property_id__in=list(prop_ids)).delete()
    made = []
    for prop in recounted_props:
        if prop.type in COUNTED_TYPES:
            made.extend(RowCount(database_id=database_id, property_id=prop.pk, value=key, count=n) for key, n in _tally(database_id, prop).items() if n)
    RowCount.objects.bulk_create(made, batch_size=500)


def expected(database_id: int) -> dict[tuple[int, str], int]:
    """What the counters of the database must hold, counted from its rows (one COUNT, one GROUP BY per property)."""
    from .models import Row

    props = lock(database_id)
    found = {(TOTAL, ""): Row.objects.filter(database_id=database_id, archived_at__isnull=True).count()}
    for prop in props:
        found.update({(prop.pk, value): n for value, n in _tally(database_id, prop).items()})
    return {key: n for key, n in found.items() if n}


def rebuild(database_id: int, check: bool = False) -> dict:
    """Count the database's rows again and make its counters say so (``check``: change nothing). Answers the
    drift found: ``{"database_id", "wrong": [[property_id, value, counter, actual], ...]}`` — empty when right.
    For rows written around the services (a restore of part of a table, a bulk load, a bug)."""
    from .models import RowCount

    actual = expected(database_id)
    held = {key: n for key, n in read(database_id).items() if n}
    wrong = [[prop_id, value, held.get((prop_id, value), 0), actual.get((prop_id, value), 0)]
             for prop_id, value in sorted(set(actual) | set(held)) if held.get((prop_id, value), 0) != actual.get((prop_id, value), 0)]
    if wrong and not check:
        RowCount.objects.filter(database_id=database_id).delete()
        RowCount.objects.bulk_create([RowCount(database_id=database_id, property_id=prop_id, value=value, count=n)
                                      for (prop_id, value), n in actual.items()], batch_size=500)
    return {"database_id": database_id, "wrong": wrong}


def _counters_of(database_id: int):
    from .models import RowCount

    return RowCount.objects.filter(database_id=database_id).values_list("property_id", "value", "count")


COUNTERS = Prepared(_counters_of)  # every page of rows reads them: compiled once (workos.kernel.prepared)


def read(database_id: int) -> dict[tuple[int, str], int]:
    """Every counter of the database, in one query."""
    return {(prop_id, value): n for prop_id, value, n in COUNTERS.all(database_id)}


def option_counts(prop, counters: dict) -> dict[str, int]:
    """{option id: live rows holding it, "": rows with no value or a value that is no longer an option}."""
    found = {"": 0}
    for (prop_id, value), n in counters.items():
        if prop_id != prop.pk or not n:
            continue
        key = value if value and option_by_id(prop.config, value) else ""
        found[key] = found.get(key, 0) + n
    return found


def single_condition(tree):
    """The one condition of ``tree`` (also inside a one-child group), or None."""
    while tree is not None and "property" not in tree:
        children = next(iter(tree.values()))
        if len(children) != 1:
            return None
        tree = children[0]
    return tree


def known_count(schema, tree, counters: dict | None = None) -> int | None:
    """The exact number of live rows under ``tree`` from the maintained counters, or None when they cannot tell.
    ``tree`` is the filter alone: the caller has no search and no other condition."""
    counters = read(schema.database.pk) if counters is None else counters
    total = counters.get((TOTAL, ""), 0)
    if not conditions(tree):
        return total  # no filter, or groups without a condition: every row
    condition = single_condition(tree)
    if condition is None:
        return None
    prop = schema.by_id.get(condition["property"])
    if prop is None or prop.type not in COUNTED_TYPES or condition["operator"] not in ("is", "is_not", "is_empty", "is_not_empty"):
        return None
    per_option = option_counts(prop, counters)
    operator = condition["operator"]
    if operator in ("is_empty", "is_not_empty"):
        empty = per_option.get("", 0)
        return empty if operator == "is_empty" else total - empty
    holding = per_option.get(condition["value"], 0) if condition["value"] else 0
    return holding if operator == "is" else total - holding


def bounded_count(rows_qs, exact: bool = False, at_least: int = 0) -> tuple[int, bool]:
    """(count, exact): the rows of ``rows_qs`` counted up to ``COUNT_BOUND`` (or ``at_least``, the rows the client
    has paged past: a LIMIT inside the COUNT), all of them when ``exact``. Not exact: there are more than that."""
    if exact:
        return rows_qs.order_by().count(), True
    bound = max(COUNT_BOUND, at_least)
    found = rows_qs.order_by()[: bound + 1].count()
    return (found, True) if found <= bound else (bound, False)
