"""Querysets compiled once: the hot lookups of every request without Django's compiler on each call (issue 19).

Django compiles a queryset to SQL every time it runs: for ``Page.objects.select_related("space__workspace")
.filter(pk=...)`` that takes four to five times as long as PostgreSQL takes to answer it, and every API request
runs a few such lookups (its token, the object it names, the objects of the permission walk). ``Prepared`` keeps
what the compiler made — the SQL, the columns and how to build the instances from a row (``select_related``
included) — and runs it again with new values::

    PAGE = Prepared(lambda pk: Page.objects.select_related("space__workspace").filter(pk=pk))
    page = PAGE.first(page_id)

The builder is called once per process with stand-in values (one per argument, of the argument's
type); where each stand-in lands in the statement's parameters is where that argument goes on later calls. The
instances are built as Django's ``ModelIterable`` builds them, with the connection's own converters; a
``values_list`` queryset (flat or not) gives its tuples or values. A queryset this cannot replay — an argument
the lookup transforms (``icontains``), one of another type than the first call's (a page id given as text), a
stand-in the field refuses, annotations, ``values()`` dicts, ``prefetch_related`` — simply runs as a queryset,
every time, so the answer never depends on whether it was prepared. ``tests/kernel/test_prepared.py``
compares both ways.

``instances(queryset)`` lists a queryset that is compiled each time (a page of rows, filtered and sorted as the
view says) but builds its instances as a plan does, without ``Model.__init__`` (``build``).
"""

from __future__ import annotations

import uuid
from typing import Callable

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators

INT64 = (-(2 ** 63), 2 ** 63 - 1)
_STAND_INS = {
    int: lambda n: -(2 ** 53) - 7919 * (n + 1),
    str: lambda n: f"\x01workos-prepared-{n}\x01",
    uuid.UUID: lambda n: uuid.UUID(int=(0x5EED_0F_9A_E9A2ED << 64) + n),
}
UNPREPARABLE = object()  # the plan of a queryset that runs as a queryset


class Prepared:
    """A queryset built by ``build(*arguments)``, compiled once per process and argument types. ``first``
    is the first instance in the queryset's own order (none is added: for a lookup by a unique key)."""

    def __init__(self, build: Callable, using: str = DEFAULT_DB_ALIAS):
        self.build, self.using = build, using
        # for the process, not per connection: under ASGI each request has a connection object of its own
        self._plans: dict[tuple, object] = {}

    def first(self, *arguments):
        found = self.all(*arguments, limit=1)
        return found[0] if found else None

    def all(self, *arguments, limit: int | None = None) -> list:
        types = tuple(type(argument) for argument in arguments)
        plan = UNPREPARABLE
        # an integer past 64 bits is for the queryset to refuse (or find nothing), as it always did
        if all(kind in _STAND_INS for kind in types) and not any(kind is int and not INT64[0] <= value <= INT64[1] for kind, value in zip(types, arguments)):
            key = (types, limit)
            plan = self._plans.get(key)
            if plan is None:  # two threads may both make it: the same plan, the later one kept
                plan = self._plans[key] = _Plan.make(self.build, types, limit, self.using)
        if plan is UNPREPARABLE:
            queryset = self.build(*arguments)
            return list(queryset[:limit] if limit is not None else queryset)
        return plan.run(arguments)


_BY_PK: dict[type, Prepared] = {}


def by_pk(model) -> Prepared:
    """``model``'s instance by primary key (no ORDER BY): the lookup of every permission walk."""
    if model not in _BY_PK:
        _BY_PK[model] = Prepared(lambda pk: model._default_manager.filter(pk=pk).order_by())
    return _BY_PK[model]


def pk_value(pk):
    """A key's id as the lookup takes it: keys hold ids as text, and an integer id compiles once as an integer
    (other text, "²" too, is left to the queryset)."""
    text = str(pk)
    return int(text) if text.isascii() and text.isdigit() else text


class _Plan:
    def __init__(self, compiler, sql, params, places, alias, shape):
        self.compiler, self.sql, self.params, self.places, self.alias, self.shape = compiler, sql, params, places, alias, shape
        select = compiler.select
        self.converters = compiler.get_converters([column[0] for column in select[0:compiler.col_count]])
        if shape is ModelIterable:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            fields = klass_info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [column[0].target.attname for column in select[self.start:self.end]]
            self.populators = get_related_populators(klass_info, select, alias)

    @classmethod
    def make(cls, build, types, limit, alias):
        stand_ins = [_STAND_INS[kind](n) for n, kind in enumerate(types)]
        try:
            queryset = build(*stand_ins)
        except Exception:  # a field that refuses the stand-in: run it as a queryset
            return UNPREPARABLE
        shape = queryset._iterable_class
        if (shape not in (ModelIterable, ValuesListIterable, FlatValuesListIterable) or queryset._prefetch_related_lookups
                or queryset.query.annotations or queryset.query.extra or queryset._known_related_objects):
            return UNPREPARABLE
        if limit is not None:
            queryset = queryset[:limit]
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet):  # nothing to replay
            return UNPREPARABLE
        # (a values list maps its own columns as annotations since Django 5.2: they are its tuple, in order; a model's
        # annotations would be attributes to set, and the queryset has none — checked above)
        if (shape is ModelIterable and (compiler.klass_info is None or compiler.annotation_col_map)) or compiler.has_composite_fields(
                [column[0] for column in compiler.select[0:compiler.col_count]]):
            return UNPREPARABLE
        places = {}
        for position, value in enumerate(params):
            for n, stand_in in enumerate(stand_ins):
                for convert in _FORMS[type(stand_in)]:
                    form = convert(stand_in)
                    if type(value) is type(form) and value == form:
                        places[position] = (n, convert)
        if sorted({n for n, _ in places.values()}) != list(range(len(stand_ins))):
            return UNPREPARABLE  # an argument the lookup transformed (or dropped): not replayable
        return cls(compiler, sql, list(params), places, alias, shape)

    def run(self, arguments) -> list:
        params = list(self.params)
        for position, (n, convert) in self.places.items():
            params[position] = convert(arguments[n])
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.shape is ValuesListIterable:
            return [tuple(row) for row in rows]
        if self.shape is FlatValuesListIterable:
            return [row[0] for row in rows]
        return build(self.model, self.alias, self.init_list, self.start, self.end, self.populators, rows)


def instances(queryset) -> list:
    """A model queryset's instances, as ``list(queryset)`` gives them, built by ``build``: for a page of rows
    (a hundred instances and their ``select_related`` ones). A queryset ``build`` does not cover (annotations,
    ``prefetch_related``, known related objects, values) is listed as it is."""
    if (queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups or queryset._known_related_objects
            or queryset._result_cache is not None or queryset.query.annotations or queryset.query.extra):
        return list(queryset)
    compiler = queryset.query.get_compiler(using=queryset.db)
    results = compiler.execute_sql()  # a filter that can match nothing gives no rows, not EmptyResultSet
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    return build(klass_info["model"], queryset.db, init_list, start, end, get_related_populators(klass_info, select, queryset.db),
                 compiler.results_iter(results))


def build(model, alias: str, init_list: list[str], start: int, end: int, populators: list, rows) -> list:
    """Instances of ``model`` from rows (``init_list``: the attribute names of columns ``start:end``), with their
    ``select_related`` instances (Django's ``RelatedPopulator``s), as Django's ``ModelIterable`` builds them —
    but each without ``Model.__init__``: its attributes set at once, as ``Model.from_db`` leaves them (a deferred
    column is absent, and loads when read). That is a fifth of the cost of a model's ``from_db`` (~1 ms of a
    100-row page, issue 19). A model with an ``__init__`` or ``from_db`` of its own, or with listeners of
    ``pre_init``/``post_init``, is built by its ``from_db``."""
    make = _maker(model)
    related = [_Related(populator) for populator in populators]
    found = []
    for row in rows:
        obj = make(alias, init_list, row[start:end])
        for populator in related:
            populator.populate(row, obj)
        found.append(obj)
    return found


class _Related:
    """A ``RelatedPopulator`` whose instances ``_maker`` builds."""

    def __init__(self, populator):
        self.populator, self.make = populator, _maker(populator.model_cls)
        self.nested = [_Related(nested) for nested in populator.related_populators]

    def populate(self, row, from_obj) -> None:
        populator = self.populator
        data = populator.reorder_for_init(row) if populator.reorder_for_init else row[populator.cols_start:populator.cols_end]
        if data[populator.pk_idx] is None:
            obj = None
        else:
            obj = self.make(populator.db, populator.init_list, data)
            for nested in self.nested:
                nested.populate(row, obj)
        populator.local_setter(from_obj, obj)
        if obj is not None:
            populator.remote_setter(obj, from_obj)


def _maker(model):
    if (model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__
            or signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)):
        return model.from_db
    new = object.__new__

    def make(alias, names, values):
        obj = new(model)
        obj.__dict__.update(zip(names, values))
        state = obj._state = ModelState()
        state.adding, state.db = False, alias
        return obj

    return make


_FORMS = {  # how a value of each type may reach the parameters: as it is, or as the database adapter stores it
    int: (lambda value: value,),
    str: (lambda value: value,),
    uuid.UUID: (lambda value: value, lambda value: value.hex, str),
}
