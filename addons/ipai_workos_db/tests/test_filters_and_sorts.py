"""Filters and sorts: the SQL translation agrees with the Python evaluation (hypothesis), empty values,
and every operator of every kind."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipai_workos_db import query
from ipai_workos_db import services
from ipai_workos_db.cells import Cells
from ipai_workos_db.models import Database

from .conftest import add_rows, titles


def _filter(api, board, tree, sorts=None):
    return api.post(f"/databases/{board.id}/rows/query", {"filter": tree, "sorts": sorts or [], "limit": 200})


def test_text_operators_and_empty_values(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": "a", "Notes": "Fix the Login bug"}, {"Name": "b", "Notes": "login page"}, {"Name": "c"}])
    cases = {
        ("contains", "LOGIN"): ["a", "b"], ("does_not_contain", "page"): ["a", "c"], ("is", "login page"): ["b"],
        ("is_not", "login page"): ["a", "c"], ("starts_with", "fix"): ["a"], ("ends_with", "BUG"): ["a"],
        ("is_empty", None): ["c"], ("is_not_empty", None): ["a", "b"],
    }
    for (operator, value), expected in cases.items():
        assert titles(_filter(api, board, {"property": "Notes", "operator": operator, "value": value})) == expected, operator


def test_number_select_date_checkbox_operators(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [
        {"Name": "a", "Points": 1, "Tag": "bug", "Due": "2024-01-10", "Done": True, "Labels": ["ui", "api"]},
        {"Name": "b", "Points": 5, "Tag": "feature", "Due": "2024-01-11T23:30:00Z", "Labels": ["api"]},
        {"Name": "c"},
    ])
    cases = [
        ("Points", "gt", 1, ["b"]), ("Points", ">=", 1, ["a", "b"]), ("Points", "<", 5, ["a"]), ("Points", "≤", 5, ["a", "b"]),
        ("Points", "eq", 5, ["b"]), ("Points", "ne", 5, ["a", "c"]), ("Points", "is_empty", None, ["c"]),
        ("Tag", "is", "bug", ["a"]), ("Tag", "is_not", "bug", ["b", "c"]), ("Tag", "is_empty", None, ["c"]),
        ("Labels", "contains", "api", ["a", "b"]), ("Labels", "does_not_contain", "ui", ["b", "c"]), ("Labels", "is_not_empty", None, ["a", "b"]),
        ("Due", "is", "2024-01-11", ["b"]), ("Due", "before", "2024-01-11", ["a"]), ("Due", "after", "2024-01-10", ["b"]),
        ("Due", "on_or_before", "2024-01-11", ["a", "b"]), ("Due", "on_or_after", "2024-01-11", ["b"]), ("Due", "is_empty", None, ["c"]),
        ("Done", "checked", None, ["a"]), ("Done", "unchecked", None, ["b", "c"]),
        ("Key", "eq", "TASK-2", ["b"]), ("Created", "within_past_days", 1, ["a", "b", "c"]), ("Created", "within_next_days", 3, ["a", "b", "c"]),
        ("Creator", "is", people.editor.pk, ["a", "b", "c"]), ("Double", "gt", 4, ["b"]), ("Double", "eq", 0, ["c"]),
    ]
    for name, operator, value, expected in cases:
        assert titles(_filter(api, board, {"property": name, "operator": operator, "value": value})) == expected, (name, operator)


def test_nested_and_or_groups(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": "a", "Points": 1, "Tag": "bug"}, {"Name": "b", "Points": 5, "Tag": "bug"},
                          {"Name": "c", "Points": 9, "Tag": "chore"}, {"Name": "d"}])

    tree = {"or": [{"and": [{"property": "Tag", "operator": "is", "value": "bug"}, {"property": "Points", "operator": "gt", "value": 2}]},
                   {"property": "Tag", "operator": "is", "value": "chore"}]}

    assert titles(_filter(api, board, tree)) == ["b", "c"]


def test_multi_level_sorts_put_empty_values_last_both_ways(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": "a", "Tag": "chore", "Points": 1}, {"Name": "b", "Tag": "bug", "Points": 2},
                          {"Name": "c", "Points": 3}, {"Name": "d", "Tag": "bug", "Points": 4}, {"Name": "e", "Tag": "chore"}])

    by_tag_then_points = _filter(api, board, None, [{"property": "Tag", "direction": "ascending"}, {"property": "Points", "direction": "descending"}])
    by_points_desc = _filter(api, board, None, [{"property": "Points", "direction": "descending"}])

    assert titles(by_tag_then_points) == ["d", "b", "a", "e", "c"]  # options in their order: bug, feature, chore
    assert titles(by_points_desc) == ["d", "c", "b", "a", "e"]


def test_bad_filters_answer_422_with_the_field(board, people, api_for):
    api = api_for(people.editor)
    cases = [
        ({"property": "Nope", "operator": "is", "value": "x"}, "filter.property"),
        ({"property": "Points", "operator": "contains", "value": "x"}, "filter.operator"),
        ({"property": "Tag", "operator": "is", "value": "unknown"}, "filter.value"),
        ({"property": "Due", "operator": "before", "value": "yesterday-ish"}, "filter.value"),
        ({"and": [{"property": "Points", "operator": "gt", "value": "x"}]}, "filter.and[0].value"),
        ({"and": [], "or": []}, "filter"),
    ]
    for tree, field in cases:
        answer = _filter(api, board, tree)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field, (tree, answer.json())
    assert api.get(f"/databases/{board.id}/rows", filter="{not json").status_code == 422
    assert api.get(f"/databases/{board.id}/rows", cursor="%%%").status_code == 422


def test_query_parameters_and_cursor_pagination(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": f"row {n}", "Points": n} for n in range(7)])
    seen, cursor = [], None
    while True:
        params = {"sorts": '[{"property": "Points", "direction": "descending"}]', "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get(f"/databases/{board.id}/rows", **params).json()
        seen += [item["title"] for item in body["items"]]
        assert body["count"] == 7
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"row {n}" for n in range(6, -1, -1)]
    assert titles(api.get(f"/databases/{board.id}/rows", q="ROW 3")) == ["row 3"]


# --- the SQL translation against the Python evaluation ---------------------------------------------------

NAMES = ["alpha", "Beta", "gamma", "delta"]
row_values = st.fixed_dictionaries({}, optional={
    "Notes": st.sampled_from(NAMES + ["alphabet", "zeta"]),
    "Points": st.one_of(st.integers(-5, 5), st.sampled_from([0.5, -2.25])),
    "Tag": st.sampled_from(["bug", "feature", "chore"]),
    "Labels": st.lists(st.sampled_from(["ui", "api", "db"]), max_size=3, unique=True),
    "Due": st.sampled_from(["2024-01-01", "2024-01-02", "2024-01-02T10:00:00Z", "2023-12-31"]),
    "Done": st.booleans(),
})
conditions = st.one_of(
    st.tuples(st.just("Notes"), st.sampled_from(query.TEXT_OPS), st.sampled_from(["alpha", "BETA", "a", "zz"])),
    st.tuples(st.just("Points"), st.sampled_from(query.NUMBER_OPS), st.sampled_from([0, 1, -2.25, 5])),
    st.tuples(st.just("Tag"), st.sampled_from(query.OPERATORS["select"]), st.sampled_from(["bug", "chore"])),
    st.tuples(st.just("Labels"), st.sampled_from(query.OPERATORS["multi"]), st.sampled_from(["ui", "db"])),
    st.tuples(st.just("Due"), st.sampled_from(query.DATE_OPS[:5] + ("is_empty", "is_not_empty")), st.sampled_from(["2024-01-01", "2024-01-02"])),
    st.tuples(st.just("Done"), st.sampled_from(("checked", "unchecked")), st.none()),
    st.tuples(st.just("Double"), st.sampled_from(("gt", "lte", "is_empty")), st.sampled_from([0, 2])),
)
trees = st.recursive(conditions.map(lambda c: {"property": c[0], "operator": c[1], "value": c[2]}),
                     lambda children: st.fixed_dictionaries({"and": st.lists(children, max_size=3)})
                     | st.fixed_dictionaries({"or": st.lists(children, max_size=3)}), max_leaves=5)
sort_lists = st.lists(st.tuples(st.sampled_from(["Notes", "Points", "Tag", "Labels", "Due", "Done", "Key", "Double"]),
                                st.sampled_from(["ascending", "descending"])), max_size=3, unique_by=lambda s: s[0])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(row_values, min_size=0, max_size=8), tree=trees, sorts=sort_lists)
def test_sql_filters_and_sorts_agree_with_python(django_db_blocker, hypothesis_board, rows, tree, sorts):
    from django.db import transaction

    editor, database = hypothesis_board
    with transaction.atomic():
        for index, values in enumerate(rows):
            services.create_row(editor, database, {"Name": f"r{index}", **values})
        schema = query.Schema(database)
        cleaned = query.clean_filter(schema, tree)
        cleaned_sorts = query.clean_sorts(schema, [{"property": name, "direction": direction} for name, direction in sorts])
        plain_sorts = [s for s in cleaned_sorts if schema.by_id[s["property"]].type != "formula"]
        sql_rows = [] if query.tree_needs_python(schema, cleaned, []) else list(
            services._live_rows(database).select_related("page").filter(query.filter_q(schema, cleaned)).order_by(*query.order_by(schema, plain_sorts)))
        everything = list(services._live_rows(database).select_related("page"))
        cells = Cells(schema, everything, editor)
        python_rows = [row for row in everything if query.matches(schema, cleaned, lambda prop, row=row: cells.cell(row, prop))]
        python_sorted = query.sort_rows(schema, python_rows, [s for s in cleaned_sorts if schema.by_id[s["property"]].type != "formula"], cells.cell)
        via_service = services.select_rows(schema, tree=cleaned, sorts=cleaned_sorts, limit=200, viewer=editor)
        python_all = query.sort_rows(schema, python_rows, cleaned_sorts, cells.cell)
        transaction.set_rollback(True)
    if not query.tree_needs_python(schema, cleaned, []):
        assert [row.pk for row in sql_rows] == [row.pk for row in python_sorted], (tree, sorts)
    assert [row.pk for row in via_service["rows"]] == [row.pk for row in python_all]


@pytest.fixture
def hypothesis_board(board, people):
    return people.editor, Database.objects.get(pk=board.id)
