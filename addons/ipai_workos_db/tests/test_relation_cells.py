"""Relation cells of a page of rows: the first linked rows in link order and the total, in a number of statements
that does not grow with the links, read on PostgreSQL as an index range per row (LATERAL ... LIMIT)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from ipai_workos_db import services
from ipai_workos_db.cells import Cells, first_links_lateral
from ipai_workos_db.models import Row, RowRelation
from ipai_workos_db.query import Schema, relation_owner


@pytest.fixture
def linked(tree):
    """Tasks whose two-way relation Owner links to people; ``link(n)`` makes a task linked to the first n people."""
    people = services.create_database(tree.admin, space=tree.space, title="People")
    tasks = services.create_database(tree.admin, space=tree.space, title="Tasks")
    services.create_property(tree.admin, tasks, name="Owner", type="relation", config={"database_id": people.pk, "two_way": True})
    return tasks, people


def _cells(database, rows, viewer, limit):
    schema = Schema(database)
    return schema, Cells(schema, rows, viewer, relation_limit=limit)


def test_relation_cells_show_the_first_links_in_order_both_ways(tree, linked):
    tasks, people = linked
    persons = services.create_rows(tree.admin, people, [{"Name": f"person-{i}"} for i in range(7)])
    order = [persons[i].pk for i in (5, 1, 6, 0, 3, 2, 4)]  # link order is not id order
    first = services.create_row(tree.admin, tasks, {"Name": "first", "Owner": order})
    second = services.create_row(tree.admin, tasks, {"Name": "second", "Owner": order[:2]})
    services.create_row(tree.admin, tasks, {"Name": "none"})
    services.archive_row(tree.admin, persons[1])  # a linked row in the trash is not shown, nor counted
    live = [pk for pk in order if pk != persons[1].pk]

    schema, cells = _cells(tasks, [first, second], tree.admin, 3)
    owner = schema.by_name["owner"]
    assert cells.shown(first, owner) == (live[:3], len(live))
    assert cells.shown(second, owner) == (live[:1], 1)
    assert cells.titles[live[0]] == "person-5"

    # the paired property reads the links backwards: the tasks linking to a person, by row
    back_schema, back = _cells(people, [persons[5], persons[4]], tree.admin, 1)
    pair = back_schema.by_name["related to tasks"]
    assert back.shown(persons[5], pair) == ([first.pk], 2)
    assert back.shown(persons[4], pair) == ([first.pk], 1)


def test_relation_cells_cost_the_same_statements_for_3_links_as_for_300(tree, linked):
    tasks, people = linked
    persons = services.create_rows(tree.admin, people, [{"Name": f"person-{i}"} for i in range(300)])
    few = [services.create_row(tree.admin, tasks, {"Name": f"few-{i}", "Owner": [p.pk for p in persons[:3]]}) for i in range(2)]
    many = [services.create_row(tree.admin, tasks, {"Name": f"many-{i}", "Owner": [p.pk for p in persons]}) for i in range(2)]
    statements = []
    for rows in (few, many):
        schema, cells = _cells(tasks, rows, tree.admin, 25)
        with CaptureQueriesContext(connection) as captured:
            shown = [cells.shown(row, schema.by_name["owner"]) for row in rows]
        statements.append(len(captured))
        assert [len(ids) for ids, _total in shown] == ([3, 3] if rows is few else [25, 25])
        assert [total for _ids, total in shown] == ([3, 3] if rows is few else [300, 300])
    assert statements[0] == statements[1]


@pytest.mark.parametrize("backwards", [False, True])
def test_the_first_links_are_an_index_range_per_row_on_postgresql(tree, linked, skip_unless_postgresql, backwards):
    """EXPLAIN of the query a relation cell runs: the link index, read in order per row, never a scan of the links."""
    tasks, people = linked
    persons = services.create_rows(tree.admin, people, [{"Name": f"person-{i}"} for i in range(1000)])
    persons += services.create_rows(tree.admin, people, [{"Name": f"person-{i}"} for i in range(1000, 2000)])
    hub = services.create_row(tree.admin, tasks, {"Name": "hub", "Owner": [p.pk for p in persons[:1000]]})
    spokes = services.create_rows(tree.admin, tasks, [{"Name": f"spoke-{i}", "Owner": [persons[0].pk, persons[1000 + i].pk]}
                                                      for i in range(1000)])
    with connection.cursor() as cursor:
        for table in ("ipai_workos_row_relation", "ipai_workos_row", "ipai_workos_page"):
            cursor.execute(f"ANALYZE {table}")
    schema = Schema(people if backwards else tasks)
    prop = schema.by_name["related to tasks" if backwards else "owner"]
    owner, forward = relation_owner(prop)
    row_field, other = ("source_id", "target") if forward else ("target_id", "source")
    links = RowRelation.objects.filter(property_id=owner, **{f"{other}__archived_at__isnull": True})
    counted = RowRelation.objects.filter(property_id=owner).exclude(Exists(Row.objects.filter(pk=OuterRef(f"{other}_id"), archived_at__isnull=False)))
    row_ids = [persons[0].pk] if backwards else [hub.pk]

    plan = "\n".join(first_links_lateral(links, counted, row_field, other, forward, row_ids, 25, explain=True))
    found = first_links_lateral(links, counted, row_field, other, forward, row_ids, 25)

    index = "ipai_workos_relation_incoming" if backwards else "ipai_workos_relation_outgoing"
    assert index in plan, plan
    assert "Seq Scan on ipai_workos_row_relation" not in plan and "Sort" not in plan.split("->", 1)[-1], plan
    assert "Anti Join" in plan and "ipai_workos_row_trashed_id" in plan, plan  # the total: trashed rows skipped by the small index
    expected = [spoke.pk for spoke in [hub, *spokes]][:25] if backwards else [p.pk for p in persons[:25]]
    assert [other_id for _row, _total, other_id, _title in found] == expected
    assert {total for _row, total, _other, _title in found} == {1001 if backwards else 1000}
