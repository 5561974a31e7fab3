"""Trigram indexes (pg_trgm) for text "contains" filters and the search box of a list of rows (PostgreSQL): the
results do not change, the planner reads the indexes on a big enough table, and without the extension (a role that
may not create it) the migration says so and carries on."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipai_workos_db import indexes
from ipai_workos_db import services as databases

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


@pytest.fixture
def notes(tree):
    """2,000 rows whose Notes and titles hold common words; 3 of them also hold "zanzibar"."""
    database = databases.create_database(tree.admin, space=tree.space, title="Notes", properties=[{"name": "Notes", "type": "text"}])
    for start in (0, 1000):
        databases.create_rows(tree.admin, database, [
            {"Name": f"{WORDS[i % 8]} {WORDS[i // 8 % 8]} {i}" + (" Zanzibar" if i % 997 == 5 else ""),
             "Notes": f"{WORDS[(i + 3) % 8]} note {i}" + (" zanzibar trip" if i % 997 == 5 else "")}
            for i in range(start, start + 1000)])
    return database


def _ids(answer) -> list[int]:
    return [row.pk for row in answer["rows"]]


def _plan_of_the_rows_query(run) -> str:
    """EXPLAIN of the statement that read the rows (the first SELECT of ``ipai_workos_row`` ``run`` makes)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    statement = next(q["sql"] for q in captured.captured_queries
                     if q["sql"].startswith("SELECT") and 'FROM "ipai_workos_row"' in q["sql"] and "LIMIT" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        return "\n".join(line for (line,) in cursor.fetchall())


def test_text_filters_and_the_search_box_read_trigram_indexes_with_the_same_results(tree, notes, skip_unless_postgresql):
    contains = {"property": "Notes", "operator": "contains", "value": "ZANZIBAR"}
    before_filter = _ids(databases.list_rows(tree.admin, notes, filter=contains))
    before_search = _ids(databases.list_rows(tree.admin, notes, search="zanzibar"))
    before_start = _ids(databases.list_rows(tree.admin, notes, filter={"property": "Notes", "operator": "starts_with", "value": "echo"}, limit=200))

    assert indexes.trigram_available()
    notes_index = next(name for name, index in indexes.wanted(notes.pk).items() if index.order == "trgm")
    report = indexes.sync(None, concurrently=False)
    assert notes_index in report["created"] and indexes._title_index_valid("default") is True
    assert indexes.plan() == {"create": [], "rebuild": [], "drop": []}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ipai_workos_row")
        cursor.execute("ANALYZE ipai_workos_page")

    assert len(before_filter) == 3 and len(before_search) == 3 and len(before_start) == 200
    assert _ids(databases.list_rows(tree.admin, notes, filter=contains)) == before_filter
    assert _ids(databases.list_rows(tree.admin, notes, search="zanzibar")) == before_search
    assert _ids(databases.list_rows(tree.admin, notes, filter={"property": "Notes", "operator": "starts_with", "value": "echo"},
                                    limit=200)) == before_start
    filter_plan = _plan_of_the_rows_query(lambda: databases.list_rows(tree.admin, notes, filter=contains))
    assert notes_index in filter_plan, filter_plan
    # 2,000 pages are few enough for the planner to scan them all: that the titles' index serves this query (its
    # expression matches) is what is checked here, with scans made unattractive — sequential scans and plain index
    # scans both (with only the first off, one CI run read the pages through their primary key with a filter)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    search_plan = _plan_of_the_rows_query(lambda: databases.list_rows(tree.admin, notes, search="zanzibar"))
    assert indexes.TITLE_INDEX in search_plan, search_plan


def test_a_role_that_may_not_create_pg_trgm_gets_a_clear_message_and_no_index(tree, notes, skip_unless_postgresql, capsys):
    migration = importlib.import_module("ipai_workos_db.migrations.0008_trigram_extension")
    contains = {"property": "Notes", "operator": "contains", "value": "zanzibar"}
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION IF EXISTS pg_trgm CASCADE")  # undone with the test's transaction
        cursor.execute("CREATE ROLE workos_no_extensions NOSUPERUSER")
        cursor.execute("SET ROLE workos_no_extensions")
        try:
            migration.create_extension(None, SimpleNamespace(connection=connection))
        finally:
            cursor.execute("RESET ROLE")

    assert "pg_trgm extension could not be created" in capsys.readouterr().out
    assert not indexes.trigram_available()
    assert all(index.order != "trgm" for index in indexes.wanted(notes.pk).values())
    assert indexes.TITLE_INDEX not in indexes.plan()["create"]
    assert len(_ids(databases.list_rows(tree.admin, notes, filter=contains))) == 3  # the filter still works, unindexed
