"""Benchmark: views over a database of 100,000 rows with 12 properties, on a throwaway PostgreSQL cluster or (issue
22's "SQLite at 100,000 rows: table view < 100 ms") on a SQLite file in a temporary folder.

    cd /work/main && .venv/bin/python benchmarks/databases/bench_views.py [--database postgresql|sqlite] [--rows 100000] [--related 10000] [--repeat 9]

Measures server-side time (the service call that the API handler makes, without HTTP) of:
1. the first page (50 rows) of a table view with one filter and two sorts, with the exact total count
   (and, apart, the page query and the count query alone);
2. a kanban view grouped by a status property: first page + column counts, and one column (``?group=``);
3. a row whose rollups (count, sum, average) run over 10,000 related rows (the row's JSON, relation cell
   with its 10,000 titles included);
then prints the load average, the property indexes and their sizes, and EXPLAIN (ANALYZE, BUFFERS) of every
statement on the row and link tables that those service calls ran (on SQLite: the indexes' names, their rebuild
and EXPLAIN QUERY PLAN; the seed and the measurements are the same on both). Seeding bypasses the services (bulk
inserts of pages and rows) because creating 100,000 audited rows one by one is not what is measured; the
properties are created through the services, so their indexes are built the way production builds them
(after commit, concurrently) and maintained during the bulk insert.

The script also runs against code from before the property indexes (the "before" figures of the README):
copy it into such a checkout and run it there."""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--related", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from workos.testing.bench import on_fresh_site

    on_fresh_site(args.database, lambda: run(args))


def timed(function, repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), result


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from ipai_workos_db import cells as cells_module

    from ipai_workos_core import services as core
    from ipai_workos_core.models import Page
    from ipai_workos_db import query, services
    from ipai_workos_db.cells import Cells
    from ipai_workos_db.models import Row, RowRelation
    from ipai_workos_views import services as views
    from workos.kernel import ranks

    user = get_user_model().objects.create_user("bench", "bench@example.com", "x")
    workspace = core.create_workspace(user, "Bench")
    space = core.create_space(user, workspace, "Space")
    specs = [
        {"name": "Notes", "type": "text"}, {"name": "Points", "type": "number"},
        {"name": "Tag", "type": "select", "config": {"options": ["bug", "feature", "chore", "docs", "test"]}},
        {"name": "Labels", "type": "multi_select", "config": {"options": ["ui", "api", "db", "ops"]}},
        {"name": "Status", "type": "status"}, {"name": "Due", "type": "date"}, {"name": "Done", "type": "checkbox"},
        {"name": "Link", "type": "url"}, {"name": "Mail", "type": "email"}, {"name": "Estimate", "type": "number"},
        {"name": "Owner", "type": "person"},
    ]
    database = services.create_database(user, space=space, title="Tasks", properties=specs)  # + title = 12 properties
    props = {prop.name: prop for prop in database.properties.all()}
    options = {name: [o["id"] for o in props[name].config.get("options", [])] for name in ("Tag", "Labels", "Status")}
    random.seed(7)
    started = time.perf_counter()
    keys = ranks.ranks_between(None, None, args.rows)
    batch = 5000
    for offset in range(0, args.rows, batch):
        count = min(batch, args.rows - offset)
        pages = Page.objects.bulk_create([Page(space=space, title=f"Task {offset + n} {random.choice(['alpha', 'beta', 'gamma'])}",
                                               created_by=user, updated_by=user) for n in range(count)])
        rows = []
        for n, page in enumerate(pages):
            day = date(2024, 1, 1) + timedelta(days=random.randrange(730))
            values = {props["Notes"].key: f"note {random.randrange(1000)}", props["Points"].key: random.randrange(100),
                      props["Tag"].key: random.choice(options["Tag"]), props["Labels"].key: random.sample(options["Labels"], 2),
                      props["Status"].key: random.choice(options["Status"]), props["Due"].key: {"start": day.isoformat()},
                      props["Link"].key: "https://example.com/x", props["Mail"].key: "a@example.com",
                      props["Estimate"].key: round(random.random() * 10, 2), props["Owner"].key: [user.pk]}
            if random.random() < 0.5:
                values[props["Done"].key] = True
            rows.append(Row(database=database, page=page, number=offset + n + 1, values=values, rank=keys[offset + n], created_by=user, updated_by=user))
        Row.objects.bulk_create(rows)
    print(f"seeded {args.rows} rows in {time.perf_counter() - started:.1f}s", flush=True)
    # the rows were inserted around the services: count them as `workos db recount` does
    from ipai_workos_db import counts

    started = time.perf_counter()
    with transaction.atomic():
        counts.rebuild(database.pk)
    print(f"maintained counts rebuilt in {time.perf_counter() - started:.1f}s", flush=True)

    projects = services.create_database(user, space=space, title="Projects")
    relation = services.create_property(user, projects, name="Tasks", type="relation", config={"database_id": database.pk})
    rollups = [services.create_property(user, projects, name=f"{function} points", type="rollup",
                                        config={"relation_property_id": relation.pk, "target_property_id": props["Points"].pk, "function": function})
               for function in ("count", "sum", "average")]
    project = services.create_row(user, projects, {"Name": "Big project"})
    task_ids = list(Row.objects.filter(database=database).order_by("?").values_list("pk", flat=True)[: args.related])
    RowRelation.objects.bulk_create([RowRelation(property=relation, source=project, target_id=task_id, position=n) for n, task_id in enumerate(task_ids)])
    with connection.cursor() as cursor:
        # as autovacuum leaves a table of this age: statistics, and the visibility map that index-only scans read
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")
    if connection.vendor == "sqlite":  # what the site runs (sampled statistics): the rows were inserted around the services
        from ipai_workos_db import indexes as _indexes

        _indexes.analyze_sqlite()

    table = views.create_view(user, database, name="Open bugs", config={
        "filter": {"property": "Tag", "operator": "is", "value": "bug"},
        "sorts": [{"property": "Due", "direction": "descending"}, {"property": "Points", "direction": "ascending"}]})
    kanban = views.create_view(user, database, name="Board", type="kanban", config={"group_by": {"property": props["Status"].pk}})

    results = {}
    median, best, body = timed(lambda: views.view_rows(user, table, limit=50), args.repeat)
    results["table view: first 50 rows, 1 filter + 2 sorts, with count"] = (median, best, f"count={body['count']}")
    schema = query.Schema(database)
    config = views.effective_config(table, schema)
    matching = Row.objects.filter(database=database, archived_at__isnull=True).filter(query.filter_q(schema, config["filter"]))
    page_query = matching.select_related("page").order_by(*query.order_by(schema, config["sorts"]))[:51]
    median, best, _ = timed(lambda: list(page_query.all()), args.repeat)
    results["  of which the page query alone"] = (median, best, "")
    median, best, _ = timed(lambda: matching.count(), args.repeat)
    results["  of which the exact count alone"] = (median, best, "")
    wide = views.create_view(user, database, name="Big points", config={
        "filter": {"property": "Points", "operator": "gt", "value": 20}, "sorts": [{"property": "Due", "direction": "descending"}]})
    median, best, body = timed(lambda: views.view_rows(user, wide, limit=50), args.repeat)
    results["table view: first 50 rows, filter `Points > 20` + 1 sort, bounded count"] = (
        median, best, f"count={body['count']}{'' if body['count_exact'] else '+'}")
    median, best, body = timed(lambda: views.view_rows(user, wide, limit=50, exact_count=True), args.repeat)
    results["  the same, `exact_count=true` (\"Count exactly\")"] = (median, best, f"count={body['count']}")
    median, best, body = timed(lambda: views.view_rows(user, kanban, limit=50), args.repeat)
    results["kanban view: first 50 rows + column counts"] = (median, best, "groups=" + ",".join(f"{g['label']}:{g['count']}" for g in body["groups"]))
    second = body["groups"][1]["key"]
    median, best, body = timed(lambda: views.view_rows(user, kanban, limit=50, group=second), args.repeat)
    results["kanban view: one column (?group=), 50 cards + column counts"] = (median, best, f"count={body['count']}")
    project_schema = query.Schema(projects)

    def rollup():
        # as a list of rows renders it (views, GET .../rows): the relation cell holds its first linked rows and the total
        cells = Cells(project_schema, [Row.objects.select_related("page").get(pk=project.pk)], user, relation_limit=cells_module.RELATION_SHOWN)
        return services.row_json(cells.rows[project.pk], project_schema, cells)

    median, best, body = timed(rollup, args.repeat)
    results[f"row with rollups (count, sum, average) over {args.related} related rows, as in a list of rows"] = (
        median, best, ", ".join(f"{body['values'][str(r.pk)]}" for r in rollups) + f"; relation cell {len(body['values'][str(relation.pk)])} shown "
        f"of {body['relation_totals'][str(relation.pk)]}")

    def rollups_only():
        cells = Cells(project_schema, [Row.objects.select_related("page").get(pk=project.pk)], user)
        return [cells.rollups(prop)[project.pk] for prop in rollups]

    median, best, body = timed(rollups_only, args.repeat)
    results["  of which the three rollups alone (relation cell not rendered)"] = (median, best, ", ".join(map(str, body)))

    if connection.vendor == "postgresql":
        engine = f"PostgreSQL {connection.cursor().connection.info.server_version}"
    else:
        import sqlite3

        engine = f"SQLite {sqlite3.sqlite_version} (file {connection.settings_dict['NAME']})"
    print(f"\n{date.today()} · {platform.node()} · {os.cpu_count()} cores · {platform.processor() or platform.machine()} · "
          f"{engine} · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"| measurement ({args.rows} rows, 12 properties) | median ms | best ms | notes |\n|---|---|---|---|")
    for name, (median, best, note) in results.items():
        print(f"| {name} | {median:.1f} | {best:.1f} | {note} |")

    try:
        from ipai_workos_db import indexes
    except ImportError:  # code from before the property indexes (the "before" column of the README)
        indexes = None

    cases = {"table view": lambda: views.view_rows(user, table, limit=50), "table view, Points > 20": lambda: views.view_rows(user, wide, limit=50),
             "kanban view": lambda: views.view_rows(user, kanban, limit=50),
             "kanban column": lambda: views.view_rows(user, kanban, limit=50, group=second), "rollup row": rollup}
    if connection.vendor != "postgresql":
        sqlite_report(connection, indexes, database, args, cases)
        return
    with connection.cursor() as cursor:
        if indexes is not None and indexes.supported():
            cursor.execute("SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c WHERE starts_with(c.relname, %s) ORDER BY 1",
                           [indexes.PREFIX])
            print("\nproperty indexes:\n" + "\n".join(f"  {name} ({size})" for name, size in cursor.fetchall()))
            rebuild_indexes(connection, indexes, database, args.rows, "CREATE INDEX CONCURRENTLY")
            cursor.execute("ANALYZE ipai_workos_row")
    print_plans(connection, cases, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ", lambda row: row[0])


def rebuild_indexes(connection, indexes, database, rows: int, how: str) -> None:
    """Drop the database's property indexes and build them again as `workos db reindex` does, timed."""
    with connection.cursor() as cursor:
        for name in indexes.existing(database.pk):
            cursor.execute(f'DROP INDEX "{name}"')
    started = time.perf_counter()
    report = indexes.sync(database.pk)
    print(f"building them again with `workos db reindex` ({how}, {len(report['created'])} indexes, {rows} rows): "
          f"{time.perf_counter() - started:.1f}s; failed: {report['failed'] or 'none'}")


def print_plans(connection, cases, explain: str, line) -> None:
    """The plans of the statements the services really ran (row and link tables only; permission checks and the
    like are left out), each re-run under ``explain``; ``line(row)`` is one line of a plan."""
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        for title, function in cases.items():
            with CaptureQueriesContext(connection) as captured:
                function()
            print(f"\n### {title}: {len(captured.captured_queries)} queries")
            for item in captured.captured_queries:
                sql = item["sql"]
                if not sql.lstrip().startswith("SELECT") or not any(f'FROM "{name}"' in sql for name in ("ipai_workos_row", "ipai_workos_row_relation")):
                    continue
                cursor.execute(explain + sql)
                print(f"\n{sql[:300]}{' ...' if len(sql) > 300 else ''}\n" + "\n".join(line(row) for row in cursor.fetchall()))


def sqlite_report(connection, indexes, database, args, cases) -> None:
    """SQLite: the property indexes (names; SQLite has no size function by default), their rebuild, and
    EXPLAIN QUERY PLAN of the statements the service calls ran on the row and link tables."""
    if indexes is None or not indexes.supported():
        print("\nno property indexes on SQLite in this code")
    else:
        print("\nproperty indexes:\n" + "\n".join(f"  {name}" for name in sorted(indexes.existing(database.pk))))
        rebuild_indexes(connection, indexes, database, args.rows, "statistics included")
    print_plans(connection, cases, "EXPLAIN QUERY PLAN ", lambda row: f"  {row[-1]}")


if __name__ == "__main__":
    main()
