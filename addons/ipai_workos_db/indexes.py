"""Per-property expression indexes on row values.

Filters and sorts on a property compile to an expression over ``Row.values`` (``query.value_expression``).
For the property types whose registry entry names ``index_orders`` (select, status, number, date), each
property gets a partial B-tree index on exactly that expression, followed by the row order::

    CREATE INDEX CONCURRENTLY ipai_workos_rowprop_d12_p34_desc_<hash> ON ipai_workos_row
        (((values #>> '{p34,start}')) COLLATE "C" DESC NULLS LAST, rank, id)
        WHERE database_id = 12 AND archived_at IS NULL

so that "first 50 rows with Tag = bug sorted by Due" reads about 50 index entries instead of sorting every
row of the database, and a kanban column (``Status = x`` in row order) is one index range.

Why here and not in a migration: properties are data, created at run time. Why after commit and
``CONCURRENTLY``: a plain ``CREATE INDEX`` would block every write to the row table (all databases) while it
builds, and ``CREATE INDEX CONCURRENTLY`` cannot run inside a transaction — and every property change runs in
one (STYLE.md: such work is a separate, idempotent step after the run commits). So:

- the property services call ``schedule_sync(database_id)``: after their transaction commits, the database's
  missing indexes are built and those of deleted or retyped properties dropped, both concurrently;
- ``sync()`` is idempotent: it compares the wanted indexes with the catalogue (by name; the name carries a
  hash of the definition, so a changed definition is a new index) and also rebuilds indexes a failed
  concurrent build left INVALID. ``workos db reindex`` runs it for every database, and ``--check`` reports
  (exit 1) what is missing — run it after an upgrade or a restore, or when a build after commit failed
  (which is logged, never silently skipped: the request that changed the property has committed anyway).

Text properties (text, URL, email, phone) get a trigram GIN index instead (``pg_trgm``, order "trgm") on the
expression their "contains", "starts with" and "ends with" filters compile to (``UPPER((values ->> 'p34')::text)``,
Django's case-insensitive lookups), partial like the others, when the ``pg_trgm`` extension is installed
(migration 0008 creates it when the database role may; otherwise a superuser runs ``CREATE EXTENSION pg_trgm``
and then ``workos db reindex``). Without the extension nothing is wanted and the filters scan, as before.
The rows' titles live on their pages: migration 0008 (or ``sync`` of every database) adds one trigram index on
``UPPER(title)`` of the page table (``TITLE_INDEX``), which the title filters and the search box of a list of
rows (``select_rows(search=)``) use.

Costs: a select or status property has one index, a number or date property two (empty values sort last in
both directions, so one B-tree order cannot serve ascending and descending sorts); each is about 5-7 MB per
100,000 rows, and every row write maintains the indexes of its own database only (they are partial). The
build after commit runs in the request that changed the property (the benchmark's 8 indexes on 100,000
rows build in 0.7-1.5 s); it waits at most ``LOCK_TIMEOUT`` for older transactions, then gives up and logs. Text sorts
are not indexed: they are rarer than filters.

On SQLite (the embedded default) the same properties get the same partial indexes, with two differences that
SQLite calls for. Its indexes keep NULLs first and cannot say ``NULLS LAST``, so the SQLite backend
(``workos.kernel.sqlite``) has Django write an ascending sort with empty values last as ``x IS NULL, x ASC``
and a descending one as ``x DESC`` (SQLite's own order), and the indexes are on exactly those terms after the
database's id: ``(database_id, (x) IS NULL, x, rank, id)`` and ``(database_id, x DESC, rank, id)``; a select or
status property, which is filtered by equality and sorted by its options' order, is indexed on its value. And SQLite matches an indexed expression
by its parse tree, where a bound parameter never equals a literal: the JSON paths of ``query.JsonText`` are
literals there. SQLite builds the indexes with plain statements (one writer at a time anyway), after the
property change commits like PostgreSQL, or inside a transaction, and gather the planner's statistics
(``analyze_sqlite``, ``rows_added``). The 100,000-row table view of the benchmark went from 279 ms to 11-19 ms
(benchmarks/README.md, "Issue 22, SQLite at 100,000 rows").
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from django.db import DatabaseError, connections, models, transaction
from django.db.models import F, Q

from .properties import property_type

logger = logging.getLogger(__name__)

PREFIX = "ipai_workos_rowprop_d"
NAME = re.compile(r"^ipai_workos_rowprop_d(\d+)_p(\d+)_(asc|desc|trgm)_[0-9a-f]{8}$")  # only these are ever dropped
LOCK_TIMEOUT = "10s"  # a concurrent build waits for older transactions; give up (and log) rather than hang


@dataclass(frozen=True)
class PropertyIndex:
    name: str
    database_id: int
    property_id: int
    order: str
    sql: str  # CREATE INDEX CONCURRENTLY IF NOT EXISTS ...


def supported(using: str = "default") -> bool:
    return connections[using].vendor in ("postgresql", "sqlite")


def _postgresql(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def _definition(prop, order: str, using: str) -> tuple[str, str]:
    """(name, CREATE statement) of one property index, compiled by Django from the expression the queries use,
    so that the planner matches them."""
    from . import query
    from .models import Row

    if not _postgresql(using):
        return _sqlite_definition(prop, order, using)
    expression = query.value_expression(prop)
    ordered = expression.desc(nulls_last=True) if order == "desc" else expression.asc(nulls_last=True)
    condition = Q(database_id=prop.database_id, archived_at__isnull=True)
    probe = models.Index(ordered, F("rank"), F("id"), name="probe", condition=condition)
    connection = connections[using]
    with connection.schema_editor(atomic=False, collect_sql=True) as editor:
        body = str(probe.create_sql(Row, editor))
    digest = hashlib.sha1(body.split(" ON ", 1)[1].encode()).hexdigest()[:8]
    name = f"{PREFIX}{prop.database_id}_p{prop.pk}_{order}_{digest}"
    statement = body.replace('CREATE INDEX "probe"', f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}"', 1)
    return name, statement


def _compiled(prop, using: str) -> str:
    """The SQL of a property's value expression as the queries compile it, without the table's name."""
    from . import query
    from .models import Row

    connection = connections[using]
    compiler = Row.objects.using(using).filter(database_id=prop.database_id).query.get_compiler(using)
    expression = query.value_expression(prop).resolve_expression(compiler.query)
    sql, params = compiler.compile(expression)
    if connection.vendor == "sqlite":
        sql = sql % tuple(connection.ops.quote_value(param) for param in params)
    else:
        sql = connection.ops.compose_sql(sql, params)
    return sql.replace('"ipai_workos_row".', "")


def _sqlite_definition(prop, order: str, using: str) -> tuple[str, str]:
    """(name, CREATE statement) of one property index on SQLite: the ORDER BY terms its queries write
    (``kernel.sqlite.DatabaseFeatures``: an ascending sort with empty values last is ``x IS NULL, x``, a
    descending one ``x DESC``), or for a property that is filtered by equality only (select, status) the value
    itself, then the row order; partial like PostgreSQL's, built with a plain CREATE INDEX. The database's id
    comes first although the index holds one database only: the queries' ``database_id = ?`` then reaches the
    index as it reaches the table's own ``(database_id, ...)`` indexes, and SQLite's planner, which weighs
    plans by estimated rows, compares like with like (its estimate for an equality does not grow with the
    database, the sort it saves does)."""
    body = _compiled(prop, using)
    if order == "desc":
        columns = f"{body} DESC"
    elif "desc" in property_type(prop.type).index_orders:  # sorted by this value: empty values last
        columns = f"({body}) IS NULL, {body}"
    else:
        columns = body
    on = f'ON "ipai_workos_row" ("database_id", {columns}, "rank", "id") WHERE ("archived_at" IS NULL AND "database_id" = {int(prop.database_id)})'
    digest = hashlib.sha1(on.encode()).hexdigest()[:8]
    name = f"{PREFIX}{prop.database_id}_p{prop.pk}_{order}_{digest}"
    return name, f'CREATE INDEX IF NOT EXISTS "{name}" {on}'


TITLE_INDEX = "ipai_workos_page_title_trgm"
TITLE_INDEX_SQL = f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{TITLE_INDEX}" ON "ipai_workos_page" USING gin ((UPPER(("title")::text)) gin_trgm_ops)'


def trigram_available(using: str = "default") -> bool:
    """Whether the ``pg_trgm`` extension is installed in the database (PostgreSQL only)."""
    if not _postgresql(using):
        return False
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def _trigram_definition(prop, using: str) -> tuple[str, str]:
    """(name, CREATE statement) of a text property's trigram index, on the expression Django's ``icontains``,
    ``istartswith`` and ``iendswith`` compile the property's value to (``query.value_expression`` under
    ``UPPER(... ::text)``), so that the planner matches the filters to it."""
    body = connections[using].ops.lookup_cast("icontains") % _compiled(prop, using)
    on = f'ON "ipai_workos_row" USING gin (({body}) gin_trgm_ops) WHERE ("archived_at" IS NULL AND "database_id" = {int(prop.database_id)})'
    digest = hashlib.sha1(on.encode()).hexdigest()[:8]
    name = f"{PREFIX}{prop.database_id}_p{prop.pk}_trgm_{digest}"
    return name, f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" {on}'


def wanted(database_id: int | None = None, using: str = "default") -> dict[str, PropertyIndex]:
    """The indexes the properties of one database (or of all) call for, by name."""
    from .models import Property

    properties = Property.objects.using(using).all()
    if database_id is not None:
        properties = properties.filter(database_id=database_id)
    found = {}
    trigram = trigram_available(using)
    for prop in properties.order_by("database_id", "id"):
        entry = property_type(prop.type) if prop.type else None
        if entry is None or not entry.stored:
            continue
        if entry.trigram_index and trigram:
            name, sql = _trigram_definition(prop, using)
            found[name] = PropertyIndex(name, prop.database_id, prop.pk, "trgm", sql)
        for order in entry.index_orders:
            name, sql = _definition(prop, order, using)
            found[name] = PropertyIndex(name, prop.database_id, prop.pk, order, sql)
    return found


def existing(database_id: int | None = None, using: str = "default") -> dict[str, bool]:
    """Property indexes in the catalogue, by name -> valid (False: a failed concurrent build left it unusable)."""
    with connections[using].cursor() as cursor:
        if not _postgresql(using):
            cursor.execute("SELECT name, 1 FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ipai_workos_row' AND name LIKE %s",
                           [PREFIX + "%"])
        else:
            cursor.execute(
                "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 'ipai_workos_row' AND starts_with(c.relname, %s)", [PREFIX])
        found = {name: bool(valid) for name, valid in cursor.fetchall() if NAME.match(name)}
    if database_id is None:
        return found
    return {name: valid for name, valid in found.items() if NAME.match(name).group(1) == str(database_id)}


def plan(database_id: int | None = None, using: str = "default") -> dict:
    """What ``sync`` would do: ``{"create": [names], "rebuild": [invalid names], "drop": [names]}``."""
    if not supported(using):
        return {"create": [], "rebuild": [], "drop": []}
    want, have = wanted(database_id, using), existing(database_id, using)
    todo = {"create": sorted(name for name in want if name not in have),
            "rebuild": sorted(name for name in want if name in have and not have[name]),
            "drop": sorted(name for name in have if name not in want)}
    if database_id is None and trigram_available(using):  # the titles' index serves every database
        valid = _title_index_valid(using)
        if valid is None:
            todo["create"].append(TITLE_INDEX)
        elif not valid:
            todo["rebuild"].append(TITLE_INDEX)
    return todo


def _title_index_valid(using: str) -> bool | None:
    """Whether the page titles' trigram index is valid (None: it does not exist)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", [TITLE_INDEX])
        found = cursor.fetchone()
    return None if found is None else bool(found[0])


def sync(database_id: int | None = None, using: str = "default", concurrently: bool = True) -> dict:
    """Build the missing property indexes and drop the unwanted ones, concurrently; idempotent.

    Must run outside a transaction (it is what ``schedule_sync`` runs after commit). Answers
    ``{"created", "dropped", "failed": [{"name", "error"}]}``; one failing index does not stop the others.
    ``concurrently=False`` builds with plain (table-locking) statements, which a transaction may hold: only
    for a caller that knows nobody else uses the table, such as a test inside its own transaction. On SQLite the
    statements are always plain (SQLite has one writer at a time anyway) and may run in a transaction."""
    report = {"created": [], "dropped": [], "failed": []}
    if not supported(using):
        return report
    connection = connections[using]
    if not _postgresql(using):
        concurrently = False  # SQLite writes one transaction at a time: plain statements, in a transaction or not
    if concurrently and connection.in_atomic_block:
        raise RuntimeError("property indexes are built concurrently, outside a transaction: call sync() after commit")
    mode = "CONCURRENTLY " if concurrently else ""
    todo = plan(database_id, using)
    want = {name: index.sql for name, index in wanted(database_id, using).items()} if todo["create"] or todo["rebuild"] else {}
    want[TITLE_INDEX] = TITLE_INDEX_SQL
    with connection.cursor() as cursor:
        if concurrently:
            cursor.execute("SET lock_timeout = %s", [LOCK_TIMEOUT])
        elif _postgresql(using):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # an index cannot be built with deferred checks pending
        try:
            for name in todo["drop"] + todo["rebuild"]:
                try:
                    cursor.execute(f'DROP INDEX {mode}IF EXISTS "{name}"')
                    if name in todo["drop"]:
                        report["dropped"].append(name)
                except DatabaseError as error:
                    if not concurrently:
                        raise  # the transaction is aborted: nothing more can run in it
                    report["failed"].append({"name": name, "error": str(error).strip()})
            for name in todo["create"] + todo["rebuild"]:
                try:
                    cursor.execute(want[name] if concurrently else want[name].replace(" CONCURRENTLY", "", 1))
                    report["created"].append(name)
                except DatabaseError as error:
                    if not concurrently:
                        raise
                    report["failed"].append({"name": name, "error": str(error).strip()})
                    try:  # an interrupted concurrent build leaves an INVALID index behind: never keep it
                        cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
                    except DatabaseError:
                        pass
        finally:
            if concurrently:
                cursor.execute("RESET lock_timeout")
    if report["created"] and not _postgresql(using):
        analyze_sqlite(using)
    for failure in report["failed"]:
        logger.warning("property index %s: %s (run `workos db reindex`)", failure["name"], failure["error"])
    return report


def analyze_sqlite(using: str = "default") -> None:
    """Statistics of the row table for SQLite's planner (``ANALYZE``, sampled: ``analysis_limit``). Without
    any, SQLite takes every equality to match ten rows, so that sorting "the rows of database 12" looks cheaper
    than walking a property index; with them, even from when the table was small, it walks the index. Run
    when property indexes are built; ``workos db reindex`` runs it too."""
    with connections[using].cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 1000")
        try:
            cursor.execute('ANALYZE "ipai_workos_row"')
        finally:
            cursor.execute("PRAGMA analysis_limit = 0")


_analyzed: set[str] = set()  # database aliases whose row table this process has seen statistics of


def rows_added(using: str = "default") -> None:
    """Rows were written: on SQLite, once the row table has rows but no statistics (a new site: its first
    property indexes were built on an empty table, where ``ANALYZE`` records nothing), gather them after
    commit. Statistics from a small table already lead the planner to the property indexes; after that this
    process checks no more."""
    if using in _analyzed or connections[using].vendor != "sqlite":
        return

    def run():
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is not None:
                cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'ipai_workos_row' LIMIT 1")
                if cursor.fetchone() is not None:
                    _analyzed.add(using)
                    return
        analyze_sqlite(using)

    transaction.on_commit(run, using=using)


def schedule_sync(database_id: int, using: str = "default") -> None:
    """After the current transaction commits, bring the database's property indexes up to date.
    A failure is logged and left for ``workos db reindex``; the committed change stands."""
    if not supported(using):
        return

    def run():
        try:
            sync(database_id, using)
        except Exception:  # the change is committed; an index is an optimisation that the CLI can repair
            logger.exception("property indexes of database %s were not brought up to date (run `workos db reindex`)", database_id)

    transaction.on_commit(run, using=using)
