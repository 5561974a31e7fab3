"""What a view page costs and what it answers: queries that do not grow with the rows shown (no N+1), the
exact count and next cursor on every page, and a board read column by column in the same order as one
sorted query would give."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipai_workos_db import services as databases
from ipai_workos_views import services as views


@pytest.fixture
def linked(tree, people):
    """Tasks (select, status, number, person, formula) and Projects linking to them with count/sum rollups."""
    editor = people.editor
    tasks = databases.create_database(editor, space=tree.space, title="Tasks", properties=[
        {"name": "Tag", "type": "select", "config": {"options": ["bug", "feature"]}},
        {"name": "Status", "type": "status"},
        {"name": "Points", "type": "number"},
        {"name": "Owner", "type": "person"},
        {"name": "Double", "type": "formula", "config": {"expression": 'prop("Points") * 2'}},
    ])
    projects = databases.create_database(editor, space=tree.space, title="Projects")
    relation = databases.create_property(editor, projects, name="Tasks", type="relation", config={"database_id": tasks.pk, "two_way": True})
    for function in ("count", "sum"):
        databases.create_property(editor, projects, name=f"{function} points", type="rollup", config={
            "relation_property_id": relation.pk, "target_property_id": tasks.properties.get(name="Points").pk, "function": function})
    return tasks, projects, relation


def _fill(editor, tasks, projects, relation, count: int, start: int = 0) -> None:
    statuses = ["Not started", "In progress", "Done", None]
    for number in range(start, start + count):
        values = {"Name": f"t{number}", "Tag": "bug" if number % 2 else "feature", "Points": number, "Owner": [editor.pk]}
        if statuses[number % 4]:
            values["Status"] = statuses[number % 4]
        task = databases.create_row(editor, tasks, values)
        databases.create_row(editor, projects, {"Name": f"p{number}", relation.pk: [task.pk]})


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def test_a_page_costs_the_same_queries_for_4_rows_as_for_30(linked, people, django_assert_max_num_queries):
    tasks, projects, relation = linked
    editor = people.editor
    task_view = views.create_view(editor, tasks, name="All", config={"sorts": [{"property": "Points", "direction": "descending"}],
                                                                      "calculations": {str(tasks.properties.get(name="Points").pk): "sum"}})
    board = views.create_view(editor, tasks, name="Board", type="kanban")
    project_view = views.create_view(editor, projects, name="All")
    _fill(editor, tasks, projects, relation, 4)  # a card in every column: a board reads one range per column it shows
    few = [_queries(lambda view=view: views.view_rows(editor, view, limit=50)) for view in (task_view, board, project_view)]

    _fill(editor, tasks, projects, relation, 26, start=4)
    with django_assert_max_num_queries(20):
        answer = views.view_rows(editor, project_view, limit=50)
    many = [_queries(lambda view=view: views.view_rows(editor, view, limit=50)) for view in (task_view, board, project_view)]

    assert few == many, (few, many)
    assert len(answer["items"]) == 30 and {item["display"][str(relation.pk)] for item in answer["items"]} >= {"t0", "t29"}
    rollups = {prop.name: str(prop.pk) for prop in projects.properties.filter(type="rollup")}
    assert {(item["values"][rollups["count points"]], item["values"][rollups["sum points"]]) for item in answer["items"]} == {
        (1, number) for number in range(30)}


def test_count_and_next_cursor_on_every_page(board, people, api_for):
    from .conftest import add_rows

    api = api_for(people.editor)
    add_rows(api, board, [{"Name": f"r{n}", "Points": n} for n in range(5)])
    view = api.post(f"/databases/{board.id}/views", {"name": "By points", "config": {
        "sorts": [{"property": "Points", "direction": "ascending"}]}}).json()

    pages, cursor = [], None
    while True:
        body = api.get(f"/views/{view['id']}/rows", limit=2, **({"cursor": cursor} if cursor else {})).json()
        pages.append(([item["title"] for item in body["items"]], body["count"], body["next_cursor"] is not None))
        cursor = body["next_cursor"]
        if not cursor:
            break
    with CaptureQueriesContext(connection) as captured:
        whole = api.get(f"/views/{view['id']}/rows", limit=10).json()
    past_the_end = api.get(f"/views/{view['id']}/rows", limit=2, cursor="MTA").json()  # offset 10

    assert pages == [(["r0", "r1"], 5, True), (["r2", "r3"], 5, True), (["r4"], 5, False)]
    assert whole["count"] == 5 and whole["next_cursor"] is None
    assert not [query for query in captured.captured_queries if 'COUNT(*)' in query["sql"] and "ipai_workos_row" in query["sql"]]
    assert past_the_end["items"] == [] and past_the_end["count"] == 5 and past_the_end["next_cursor"] is None


@pytest.mark.parametrize("sorts", [[], [{"property": "Points", "direction": "descending"}]])
def test_a_board_pages_through_its_columns_in_board_order(linked, people, sorts):
    tasks, projects, relation = linked
    editor = people.editor
    _fill(editor, tasks, projects, relation, 11)
    board = views.create_view(editor, tasks, name="Board", type="kanban", config={"sorts": sorts})
    status = tasks.properties.get(name="Status")
    order = {option["id"]: index for index, option in enumerate(status.config["options"])}
    rows = [(row.values.get(status.key), row.values[tasks.properties.get(name="Points").key], row.page.title)
            for row in tasks.rows.select_related("page")]
    expected = [title for _status, _points, title in sorted(
        rows, key=lambda item: (order.get(item[0], len(order)), -item[1] if sorts else item[1]))]  # rank follows creation, like Points

    seen, counts, cursor = [], set(), None
    while True:
        answer = views.view_rows(editor, board, limit=3, cursor=cursor)
        seen += [item["title"] for item in answer["items"]]
        counts.add(answer["count"])
        cursor = answer["next_cursor"]
        if not cursor:
            break
    column = views.view_rows(editor, board, limit=50, group=status.config["options"][1]["id"])
    empty = views.view_rows(editor, board, limit=50, group="")

    assert seen == expected and counts == {11}
    assert column["count"] == 3 and [item["title"] for item in column["items"]] == [title for title in expected if title in {"t1", "t5", "t9"}]
    assert empty["count"] == 2 and sorted(item["title"] for item in empty["items"]) == ["t3", "t7"]
    assert [group["count"] for group in answer["groups"]] == [3, 3, 3, 2]
