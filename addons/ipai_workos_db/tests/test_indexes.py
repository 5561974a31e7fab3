"""Per-property expression indexes (PostgreSQL and SQLite): which properties get them, that they follow property
changes after commit, that building them is idempotent, that the planner matches them to the queries the views
run, and ``workos db reindex`` end to end."""

from __future__ import annotations

import json

import pytest

from ipai_workos_db import indexes, query
from ipai_workos_db import services as databases


@pytest.fixture
def tasks(tree, people):
    """A database with one property of each indexed type and one that is not indexed, made by the editor."""
    return databases.create_database(people.editor, space=tree.space, title="Tasks", properties=[
        {"name": "Tag", "type": "select", "config": {"options": ["bug", "feature"]}},
        {"name": "Points", "type": "number"},
        {"name": "Due", "type": "date"},
        {"name": "Notes", "type": "text"},
    ])


def _props(database) -> dict:
    return {prop.name: prop for prop in database.properties.all()}


def test_select_number_and_date_properties_want_btree_indexes_and_text_a_trigram_one(tasks, skip_unless_postgresql):
    props = _props(tasks)

    wanted = indexes.wanted(tasks.pk)

    orders = sorted((index.property_id, index.order) for index in wanted.values())
    assert orders == sorted([(props["Tag"].pk, "asc"), (props["Points"].pk, "asc"), (props["Points"].pk, "desc"),
                             (props["Due"].pk, "asc"), (props["Due"].pk, "desc"), (props["Notes"].pk, "trgm")])
    trigram = next(index.sql for index in wanted.values() if index.order == "trgm")
    assert f"""USING gin ((UPPER(("values" ->> 'p{props["Notes"].pk}')::text)) gin_trgm_ops)""" in trigram
    statement = next(index.sql for index in wanted.values() if index.property_id == props["Due"].pk and index.order == "desc")
    assert statement.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS")
    assert 'COLLATE "C") DESC NULLS LAST, "rank", "id")' in statement
    assert statement.endswith(f'WHERE ("archived_at" IS NULL AND "database_id" = {tasks.pk})')


def test_on_sqlite_the_indexes_are_on_the_order_by_terms_with_literal_json_paths(tasks, skip_unless_sqlite):
    props = _props(tasks)

    wanted = indexes.wanted(tasks.pk)

    orders = sorted((index.property_id, index.order) for index in wanted.values())
    assert orders == sorted([(props["Tag"].pk, "asc"), (props["Points"].pk, "asc"), (props["Points"].pk, "desc"),
                             (props["Due"].pk, "asc"), (props["Due"].pk, "desc")])  # no trigram indexes on SQLite
    statements = {(index.property_id, index.order): index.sql for index in wanted.values()}
    due = f"""JSON_EXTRACT("values", '$."{props["Due"].key}"."start"')"""
    assert all(sql.startswith("CREATE INDEX IF NOT EXISTS") and "?" not in sql and "%s" not in sql for sql in statements.values())
    assert due in statements[(props["Due"].pk, "desc")] and ' END) DESC, "rank", "id")' in statements[(props["Due"].pk, "desc")]
    assert ' END)) IS NULL, (CASE ' in statements[(props["Due"].pk, "asc")]  # (x) IS NULL, x: ascending, empty values last
    assert ') IS NULL, ' not in statements[(props["Tag"].pk, "asc")]  # filtered by equality: the value itself
    assert statements[(props["Tag"].pk, "asc")].endswith(f'WHERE ("archived_at" IS NULL AND "database_id" = {tasks.pk})')


def test_sync_builds_once_and_follows_type_changes_and_deletes(tasks, people, database_kind):
    props = _props(tasks)
    trigram = 1 if indexes.trigram_available() else 0  # PostgreSQL with pg_trgm: one for Notes

    first = indexes.sync(tasks.pk, concurrently=False)
    second = indexes.sync(tasks.pk, concurrently=False)

    assert len(first["created"]) == 5 + trigram and not first["failed"]
    assert second == {"created": [], "dropped": [], "failed": []}
    assert indexes.plan(tasks.pk) == {"create": [], "rebuild": [], "drop": []}
    assert set(indexes.existing(tasks.pk)) == set(indexes.wanted(tasks.pk))

    databases.update_property(people.editor, props["Points"], type="text")
    databases.delete_property(people.editor, props["Tag"])
    todo = indexes.plan(tasks.pk)
    assert len(todo["drop"]) == 3 and len(todo["create"]) == trigram  # Points, now text, wants a trigram index
    assert len(indexes.sync(tasks.pk, concurrently=False)["dropped"]) == 3
    assert {index.property_id for index in indexes.wanted(tasks.pk).values()} == (
        {props["Due"].pk, props["Points"].pk, props["Notes"].pk} if trigram else {props["Due"].pk})
    assert set(indexes.existing(tasks.pk)) == set(indexes.wanted(tasks.pk))


def test_an_index_left_invalid_is_rebuilt(tasks, skip_unless_postgresql):
    from django.db import connection

    indexes.sync(tasks.pk, concurrently=False)
    broken = sorted(indexes.existing(tasks.pk))[0]
    with connection.cursor() as cursor:  # what an interrupted CREATE INDEX CONCURRENTLY leaves behind
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", [broken])

    assert indexes.plan(tasks.pk)["rebuild"] == [broken]
    indexes.sync(tasks.pk, concurrently=False)
    assert indexes.existing(tasks.pk)[broken] is True


def test_property_changes_schedule_the_sync_after_commit(tasks, people, database_kind, django_capture_on_commit_callbacks):
    props = _props(tasks)

    with django_capture_on_commit_callbacks() as created:
        databases.create_property(people.editor, tasks, name="Estimate", type="number")
    with django_capture_on_commit_callbacks() as retyped:
        databases.update_property(people.editor, props["Points"], type="text")
    with django_capture_on_commit_callbacks() as renamed:
        databases.update_property(people.editor, props["Due"], name="Deadline")
    with django_capture_on_commit_callbacks() as deleted:
        databases.delete_property(people.editor, props["Tag"])

    assert (len(created), len(retyped), len(renamed), len(deleted)) == (1, 1, 0, 1)


def test_a_sync_that_cannot_run_is_logged_and_the_change_stands(tasks, people, skip_unless_postgresql, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):  # runs inside the test's transaction: no CONCURRENTLY there
        prop = databases.create_property(people.editor, tasks, name="Estimate", type="number")

    assert prop.pk and "workos db reindex" in caplog.text
    assert indexes.plan(tasks.pk)["create"]


def test_the_planner_reads_a_sorted_filtered_page_from_the_index(tasks, people, skip_unless_postgresql):
    from django.db import connection

    from ipai_workos_db.models import Row

    props = _props(tasks)
    for number in range(30):
        databases.create_row(people.editor, tasks, {"Name": f"t{number}", "Tag": "bug" if number % 2 else "feature", "Points": number,
                                                    "Due": f"2024-01-{number % 28 + 1:02d}"})
    indexes.sync(tasks.pk, concurrently=False)
    schema = query.Schema(tasks)
    tree = query.clean_filter(schema, {"property": "Tag", "operator": "is", "value": "bug"})
    sorts = query.clean_sorts(schema, [{"property": "Due", "direction": "descending"}, {"property": "Points", "direction": "ascending"}])
    page = (Row.objects.filter(database=tasks, archived_at__isnull=True).filter(query.filter_q(schema, tree))
            .order_by(*query.order_by(schema, sorts))[:10])
    sql, params = page.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ipai_workos_row")
        # 30 rows: a seq scan or a sort is cheaper here, rightly. With both off the planner still sorts when no
        # index gives the order, so choosing the index shows that it matches the ORDER BY expression.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    due_desc = next(index.name for index in indexes.wanted(tasks.pk).values() if index.property_id == props["Due"].pk and index.order == "desc")
    assert f"Index Scan using {due_desc}" in plan, plan
    assert [row.values[props["Due"].key]["start"] for row in page] == sorted(
        (row.values[props["Due"].key]["start"] for row in Row.objects.filter(database=tasks) if row.values.get(props["Tag"].key) == props["Tag"].config["options"][0]["id"]),
        reverse=True)[:10]


def test_sqlite_reads_sorted_and_filtered_pages_from_the_indexes(tasks, people, skip_unless_sqlite):
    """Each index matches the query the views write, as SQLite compares them (parse trees, literals): a page
    sorted by a number or a date in either direction walks its index without sorting, and a select filter
    in row order is an index range; the rows are those of the Python oracle, empty values last."""
    from django.db import connection

    from ipai_workos_db.models import Row

    props = _props(tasks)
    for number in range(30):
        values = {"Name": f"t{number}", "Tag": "bug" if number % 2 else "feature"}
        if number % 5:  # some empty values, which sort last in both directions
            values.update({"Points": number % 7, "Due": f"2024-01-{number % 28 + 1:02d}"})
        databases.create_row(people.editor, tasks, values)
    indexes.sync(tasks.pk)
    schema = query.Schema(tasks)
    names = {(index.property_id, index.order): name for name, index in indexes.wanted(tasks.pk).items()}
    live = Row.objects.filter(database=tasks, archived_at__isnull=True)

    def cell(row, prop):
        return row.values.get(prop.key)

    def plan(rows) -> str:
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())

    for name, direction in (("Due", "descending"), ("Due", "ascending"), ("Points", "ascending"), ("Points", "descending")):
        sorts = query.clean_sorts(schema, [{"property": name, "direction": direction}])
        page = live.order_by(*query.order_by(schema, sorts))[:10]
        order = "desc" if direction == "descending" else "asc"
        explained = plan(page)
        assert f"USING INDEX {names[(props[name].pk, order)]}" in explained and "TEMP B-TREE" not in explained, explained
        assert [row.pk for row in page] == [row.pk for row in query.sort_rows(schema, list(live), sorts, cell)][:10]
    tree = query.clean_filter(schema, {"property": "Tag", "operator": "is", "value": "bug"})
    filtered = live.filter(query.filter_q(schema, tree)).order_by("rank", "id")
    explained = plan(filtered)
    assert f"USING INDEX {names[(props['Tag'].pk, 'asc')]} (database_id=? AND <expr>=?)" in explained, explained
    assert [row.pk for row in filtered] == [row.pk for row in live.order_by("rank", "id") if query.matches(schema, tree, lambda prop, row=row: cell(row, prop))]


def test_sqlite_gathers_statistics_once_the_row_table_has_rows(tasks, people, skip_unless_sqlite, monkeypatch, django_capture_on_commit_callbacks):
    """Indexes built on an empty table leave SQLite without statistics (it would then sort rather than walk
    them): the first rows written gather them, after commit."""
    from django.db import connection

    monkeypatch.setattr(indexes, "_analyzed", set())
    indexes.sync(tasks.pk)  # on an empty row table: ANALYZE records nothing

    def statistics() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return 0
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'ipai_workos_row'")
            return cursor.fetchone()[0]

    before = statistics()
    with django_capture_on_commit_callbacks(execute=True):
        databases.create_row(people.editor, tasks, {"Name": "first", "Points": 1})
    after = statistics()
    with django_capture_on_commit_callbacks(execute=True):
        databases.create_row(people.editor, tasks, {"Name": "second", "Points": 2})

    assert before == 0 and after > 0
    assert indexes._analyzed == {"default"}  # seen: later writes check no more


def test_a_number_index_never_refuses_a_write(tasks, people, skip_unless_postgresql):
    """The number expression is guarded: converting a number property to text (and storing words) while its
    index still exists must not fail on a cast."""
    from ipai_workos_db.models import Row

    props = _props(tasks)
    row = databases.create_row(people.editor, tasks, {"Name": "a", "Points": 3})
    indexes.sync(tasks.pk, concurrently=False)

    databases.update_property(people.editor, props["Points"], type="text")
    databases.update_row(people.editor, row, {"Points": "three apples"})

    assert Row.objects.get(pk=row.pk).values[props["Points"].key] == "three apples"


def test_reindex_command_builds_what_is_missing_once(site):
    """The real thing: a property change in another process builds its indexes after commit (CREATE INDEX
    CONCURRENTLY on PostgreSQL); `workos db reindex` repairs what is missing; a second run does nothing."""
    site.install("ipai_workos_db")
    script = (
        "from workos.cli import Context\n"
        "Context(None).django('installed')\n"
        "from django.contrib.auth import get_user_model\n"
        "from ipai_workos_core import services as core\n"
        "from ipai_workos_db import services\n"
        "user = get_user_model().objects.create_user('ann', 'ann@example.com', 'correct-horse-9')\n"
        "space = core.create_space(user, core.create_workspace(user, 'W'), 'S')\n"
        "database = services.create_database(user, space=space, title='T', properties=[{'name': 'Points', 'type': 'number'}])\n"
        "services.create_row(user, database, {'Name': 'a', 'Points': 1})\n"
        "print(database.pk)\n"
    )
    made = __import__("subprocess").run([__import__("sys").executable, "-c", script], cwd=site.root, env=site.environment(),
                                        capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr

    sqlite = site.database_kind == "sqlite"
    catalogue = ("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ipai_workos_rowprop_%' ORDER BY 1" if sqlite
                 else "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ipai_workos_rowprop_%' ORDER BY 1")
    names = [row[0] for row in site.sql(catalogue)]
    assert len(names) == 2, names  # built after commit by the property service: Points ascending and descending
    if sqlite:
        import sqlite3

        connection = sqlite3.connect(site.database_url[len("sqlite:///"):])
        assert connection.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'ipai_workos_row'").fetchone()[0] > 0  # after the first row
        connection.execute(f'DROP INDEX "{names[0]}"')
        connection.execute("DELETE FROM sqlite_stat1")
        connection.commit()
        connection.close()
    else:
        import psycopg

        with psycopg.connect(site.database_url, autocommit=True) as connection:
            connection.execute(f'DROP INDEX "{names[0]}"')

    check = site.workos("db", "reindex", "--check")
    repair = site.workos("db", "reindex", "--json")
    again = site.workos("db", "reindex")

    assert check.returncode == 1 and f"missing: {names[0]}" in check.stdout
    assert repair.returncode == 0 and json.loads(repair.stdout)["created"] == [names[0]]
    assert again.returncode == 0 and "up to date" in again.stdout
    assert [row[0] for row in site.sql(catalogue)] == names
    if sqlite:
        assert site.sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'ipai_workos_row'")[0][0] > 0  # gathered again by reindex
        return
    assert site.sql("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE c.relname LIKE 'ipai_workos_rowprop_%' AND i.indisvalid")[0][0] == 2
    assert site.sql("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ipai_workos_row_database_id%'")[0][0] == 1  # Django's own: untouched
