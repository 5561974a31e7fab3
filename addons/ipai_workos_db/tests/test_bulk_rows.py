"""``create_rows``: many rows in one call — validated first, all or nothing, counted, audited per row, indexed for
search — in a number of statements that does not grow with the rows."""

from __future__ import annotations

import traceback

import pytest
from django.db import connection

from ipai_platform_audit.models import AuditEvent
from ipai_workos_db import counts
from ipai_workos_db import services
from ipai_workos_db.cells import Cells
from ipai_workos_db.models import Row, RowRelation
from ipai_workos_db.query import Schema
from ipai_workos_search import services as search
from workos.kernel.errors import InvalidInput, PermissionDenied


@pytest.fixture
def tracker(tree):
    people = services.create_database(tree.admin, space=tree.space, title="People")
    alice = services.create_row(tree.admin, people, {"Name": "Alice"})
    tasks = services.create_database(tree.admin, space=tree.space, title="Tasks", properties=[
        {"name": "Tag", "type": "select", "config": {"options": ["bug", "feature"]}}, {"name": "Points", "type": "number"}])
    services.create_property(tree.admin, tasks, name="Owner", type="relation", config={"database_id": people.pk, "two_way": True})
    return tasks, people, alice


def _rows(n: int, alice) -> list[dict]:
    return [{"Name": f"quokka-{i}", "Tag": "bug" if i % 2 else "feature", "Points": i, "Owner": [alice.pk]} for i in range(n)]


def test_rows_created_in_bulk_are_like_rows_created_one_by_one(tree, tracker):
    tasks, people, alice = tracker
    services.create_row(tree.admin, tasks, {"Name": "before"})

    made = services.create_rows(tree.admin, tasks, _rows(3, alice))

    assert [row.page.title for row in made] == ["quokka-0", "quokka-1", "quokka-2"]
    listed = services.list_rows(tree.admin, tasks)
    assert [row.page.title for row in listed["rows"]] == ["before", "quokka-0", "quokka-1", "quokka-2"]
    assert [row.number for row in Row.objects.filter(database=tasks).order_by("rank", "id")] == [1, 2, 3, 4]
    assert all(row.page.container_model == "ipai.workos.database" and row.page.container_id == str(tasks.pk) for row in made)
    owner = Schema(tasks).by_name["owner"]
    assert set(RowRelation.objects.filter(property=owner).values_list("source_id", "target_id")) == {(row.pk, alice.pk) for row in made}
    # the two-way pair reads them backwards
    pair = Schema(people).by_name["related to tasks"]
    assert services.row_json(alice, Schema(people), Cells(Schema(people), [alice], tree.admin))["relation_totals"][str(pair.pk)] == 3
    events = AuditEvent.objects.filter(action="database.row_create", target_id__in=[str(row.pk) for row in made])
    assert events.count() == 3
    assert counts.read(tasks.pk)[(0, "")] == 4
    assert search.check() == [] and {hit["title"] for hit in search.search(tree.admin, "quokka")["items"]} == {"quokka-0", "quokka-1", "quokka-2"}


def test_one_bad_row_writes_nothing_and_names_the_row(tree, tracker):
    tasks, _people, alice = tracker
    rows = _rows(3, alice)
    rows[2]["Points"] = "many"

    with pytest.raises(InvalidInput) as refused:
        services.create_rows(tree.admin, tasks, rows)

    assert refused.value.field.startswith("rows[2].values.")
    assert Row.objects.filter(database=tasks).count() == 0 and counts.read(tasks.pk).get((0, ""), 0) == 0


def test_a_viewer_cannot_create_rows(tree, tracker, make_user, member_of):
    from ipai_platform_permissions import services as permissions

    tasks, _people, alice = tracker
    viewer = member_of(make_user(), "guest")
    permissions.grant(tree.admin, tree.space, "view", user_id=viewer.pk)
    with pytest.raises(PermissionDenied):
        services.create_rows(viewer, tasks, [{"Name": "x"}])


def test_bulk_rows_cost_the_same_statements_for_3_rows_as_for_30(tree, tracker):
    """The write itself is O(1) statements. Not counted: what the page listeners do per page (the search index
    builds each page's document), and a relation value's check that its rows exist (one query per value)."""
    tasks, _people, alice = tracker
    plain = lambda n: [{key: value for key, value in row.items() if key != "Owner"} for row in _rows(n, alice)]  # noqa: E731
    services.create_rows(tree.admin, tasks, plain(1))  # warm: first-use queries (content types ...)
    costs = []
    for n in (3, 30):
        own = []

        def count(execute, sql, params, many, context, own=own):
            if not any("ipai_workos_search" in frame.filename for frame in traceback.extract_stack()):
                own.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            services.create_rows(tree.admin, tasks, plain(n))
        costs.append(len(own))
    assert costs[0] == costs[1], costs

