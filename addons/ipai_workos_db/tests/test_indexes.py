"""Per-property expression indexes (PostgreSQL): which properties get them, that they follow property changes
after commit, that building them is idempotent, that the planner matches them to the queries the views run,
and ``workos db reindex`` end to end."""

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


def test_sync_builds_once_and_follows_type_changes_and_deletes(tasks, people, skip_unless_postgresql):
    props = _props(tasks)

    first = indexes.sync(tasks.pk, concurrently=False)
    second = indexes.sync(tasks.pk, concurrently=False)

    assert len(first["created"]) == 6 and not first["failed"]
    assert second == {"created": [], "dropped": [], "failed": []}
    assert indexes.plan(tasks.pk) == {"create": [], "rebuild": [], "drop": []}

    databases.update_property(people.editor, props["Points"], type="text")
    databases.delete_property(people.editor, props["Tag"])
    todo = indexes.plan(tasks.pk)
    assert len(todo["drop"]) == 3 and len(todo["create"]) == 1  # Points, now text, wants a trigram index
    assert len(indexes.sync(tasks.pk, concurrently=False)["dropped"]) == 3
    assert {index.property_id for index in indexes.wanted(tasks.pk).values()} == {props["Due"].pk, props["Points"].pk, props["Notes"].pk}
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

    expected = 1 if database_kind == "postgresql" else 0
    assert (len(created), len(retyped), len(renamed), len(deleted)) == (expected, expected, 0, expected)


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
    """The real thing: a property change in another process builds its indexes after commit with CREATE INDEX
    CONCURRENTLY; `workos db reindex` repairs what is missing; a second run does nothing."""
    site.workos("module", "install", "ipai_workos_db", check=True)
    script = (
        "from workos.cli import Context\n"
        "Context(None).django('installed')\n"
        "from django.contrib.auth import get_user_model\n"
        "from ipai_workos_core import services as core\n"
        "from ipai_workos_db import services\n"
        "user = get_user_model().objects.create_user('ann', 'ann@example.com', 'correct-horse-9')\n"
        "space = core.create_space(user, core.create_workspace(user, 'W'), 'S')\n"
        "database = services.create_database(user, space=space, title='T', properties=[{'name': 'Points', 'type': 'number'}])\n"
        "print(database.pk)\n"
    )
    made = __import__("subprocess").run([__import__("sys").executable, "-c", script], cwd=site.root, env=site.environment(),
                                        capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr

    if site.database_kind == "sqlite":
        result = site.workos("db", "reindex", "--json")
        assert result.returncode == 0 and json.loads(result.stdout)["vendor"] == "sqlite"
        return
    names = [row[0] for row in site.sql("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ipai_workos_rowprop_%' ORDER BY 1")]
    assert len(names) == 2, names  # built after commit by the property service: Points ascending and descending
    import psycopg

    with psycopg.connect(site.database_url, autocommit=True) as connection:
        connection.execute(f'DROP INDEX "{names[0]}"')

    check = site.workos("db", "reindex", "--check")
    repair = site.workos("db", "reindex", "--json")
    again = site.workos("db", "reindex")

    assert check.returncode == 1 and f"missing: {names[0]}" in check.stdout
    assert repair.returncode == 0 and json.loads(repair.stdout)["created"] == [names[0]]
    assert again.returncode == 0 and "up to date" in again.stdout
    assert site.sql("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE c.relname LIKE 'ipai_workos_rowprop_%' AND i.indisvalid")[0][0] == 2
    assert site.sql("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ipai_workos_row_database_id%'")[0][0] == 1  # Django's own: untouched
