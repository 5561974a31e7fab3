"""Saved views over /api/v1: filters, sorts, grouping (kanban), calendar windows, columns, footer, personal vs
shared, permissions, CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from ipai_workos_views import services
from workos.kernel.errors import NotFound

from .conftest import add_rows


def test_table_view_applies_filter_sorts_columns_and_footer(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": "a", "Points": 1, "Tag": "bug"}, {"Name": "b", "Points": 5, "Tag": "bug"},
                          {"Name": "c", "Points": 3, "Tag": "chore"}, {"Name": "d", "Tag": "bug"}])
    view = api.post(f"/databases/{board.id}/views", {"name": "Bugs", "config": {
        "filter": {"and": [{"property": "Tag", "operator": "is", "value": "bug"}]},
        "sorts": [{"property": "Points", "direction": "descending"}],
        "properties": [{"property": board.props["Points"]["id"], "width": 120}, {"property": board.props["Notes"]["id"], "visible": False}],
        "calculations": {board.pid("Points"): "sum", board.pid("Tag"): "unique", board.pid("Notes"): "empty", board.pid("Double"): "max"},
    }})
    assert view.status_code == 201, view.json()

    body = api.get(f"/views/{view.json()['id']}/rows", limit=2).json()

    assert [item["title"] for item in body["items"]] == ["b", "a"] and body["count"] == 3 and body["next_cursor"]
    assert body["footer"][board.pid("Points")] == {"function": "sum", "value": 6, "display": "6"}
    assert body["footer"][board.pid("Tag")]["value"] == 1 and body["footer"][board.pid("Notes")]["value"] == 3
    assert body["footer"][board.pid("Double")]["value"] == 10
    columns = body["view"]["config"]["properties"]
    assert columns[0] == {"property": board.props["Points"]["id"], "visible": True, "width": 120}
    assert columns[1]["visible"] is False and board.pid("Notes") not in body["items"][0]["values"]
    rest = api.get(f"/views/{view.json()['id']}/rows", limit=2, cursor=body["next_cursor"]).json()
    assert [item["title"] for item in rest["items"]] == ["d"] and rest["next_cursor"] is None


def test_kanban_groups_rows_and_a_card_moves_between_columns(board, people, api_for):
    api = api_for(people.editor)
    rows = add_rows(api, board, [{"Name": "a", "Status": "Not started"}, {"Name": "b", "Status": "Done"}, {"Name": "c"}])
    view = api.post(f"/databases/{board.id}/views", {"name": "Board", "type": "kanban"}).json()
    status = board.props["Status"]
    options = {option["name"]: option["id"] for option in status["config"]["options"]}
    assert view["config"]["group_by"]["property"] == status["id"]

    body = api.get(f"/views/{view['id']}/rows").json()
    assert [(group["label"], group["count"], group["status_group"]) for group in body["groups"][:3]] == [
        ("Not started", 1, "todo"), ("In progress", 0, "in_progress"), ("Done", 1, "done")]
    assert body["groups"][-1] == {"key": "", "label": "No Status", "color": None, "count": 1, "status_group": None}
    assert [(item["title"], item["group"]) for item in body["items"]] == [("a", options["Not started"]), ("b", options["Done"]), ("c", "")]

    moved = api.patch(f"/rows/{rows[0]['id']}", {"values": {"Status": options["In progress"]}})
    column = api.get(f"/views/{view['id']}/rows", group=options["In progress"]).json()
    empty_column = api.get(f"/views/{view['id']}/rows", group="").json()

    assert moved.status_code == 200 and [item["title"] for item in column["items"]] == ["a"] and column["count"] == 1
    assert [item["title"] for item in empty_column["items"]] == ["c"]
    hidden = api.patch(f"/views/{view['id']}", {"config": {"group_by": {"property": status["id"], "hide_empty": True}}}).json()
    assert [group["label"] for group in api.get(f"/views/{hidden['id']}/rows").json()["groups"]] == ["In progress", "Done", "No Status"]


def test_calendar_window_shows_rows_whose_dates_meet_it(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": "jan", "Due": "2024-01-31"}, {"Name": "span", "Due": {"start": "2024-01-30", "end": "2024-02-02"}},
                          {"Name": "feb", "Due": "2024-02-10T09:00:00Z"}, {"Name": "none"}])
    view = api.post(f"/databases/{board.id}/views", {"name": "Calendar", "type": "calendar", "config": {"calendar_mode": "week"}}).json()

    february = api.get(f"/views/{view['id']}/rows", date_from="2024-02-01", date_to="2024-03-01").json()

    assert view["config"]["date_property"] == board.props["Due"]["id"]
    assert sorted(item["title"] for item in february["items"]) == ["feb", "span"]
    assert api.get(f"/views/{view['id']}/rows", date_from="garbage").status_code == 422


def test_personal_views_are_private_to_their_owner_and_shared_views_need_edit(board, people, api_for):
    editor, viewer = api_for(people.editor), api_for(people.viewer)

    mine = viewer.post(f"/databases/{board.id}/views", {"name": "Mine", "personal": True})
    shared_by_viewer = viewer.post(f"/databases/{board.id}/views", {"name": "Shared"})
    shared = editor.post(f"/databases/{board.id}/views", {"name": "Team"}).json()

    assert mine.status_code == 201 and mine.json()["personal"] and shared_by_viewer.status_code == 403
    assert [view["name"] for view in viewer.get(f"/databases/{board.id}/views").json()] == ["Mine", "Team"]
    assert [view["name"] for view in editor.get(f"/databases/{board.id}/views").json()] == ["Team"]
    assert editor.get(f"/views/{mine.json()['id']}").status_code == 404
    assert editor.patch(f"/views/{mine.json()['id']}", {"name": "x"}).status_code == 404
    assert viewer.patch(f"/views/{shared['id']}", {"name": "x"}).status_code == 403
    assert viewer.patch(f"/views/{mine.json()['id']}", {"name": "Still mine"}).json()["name"] == "Still mine"
    assert viewer.delete(f"/views/{mine.json()['id']}").status_code == 204


def test_user_without_access_gets_404_and_no_rows(board, people, api_for):
    editor = api_for(people.editor)
    add_rows(editor, board, [{"Name": "secret"}])
    view = editor.post(f"/databases/{board.id}/views", {"name": "All"}).json()
    outsider = api_for(people.outsider)

    answers = [outsider.get(f"/views/{view['id']}"), outsider.get(f"/views/{view['id']}/rows"), outsider.get(f"/views/{view['id']}/export.csv"),
               outsider.get(f"/databases/{board.id}/views"), outsider.post(f"/databases/{board.id}/views", {"name": "x", "personal": True})]

    assert [answer.status_code for answer in answers] == [404] * len(answers)


def test_bad_view_settings_answer_422(board, people, api_for):
    api = api_for(people.editor)
    cases = [({"name": "x", "type": "pie"}, "type"), ({"name": "", "type": "table"}, "name"),
             ({"name": "x", "config": {"group_by": {"property": "Points"}}}, "config.group_by.property"),
             ({"name": "x", "config": {"properties": [{"property": "Points", "width": 5}]}}, "config.properties[0].width"),
             ({"name": "x", "config": {"calculations": {"Notes": "sum"}}}, "config.calculations.Notes"),
             ({"name": "x", "config": {"sorts": [{"property": "Points", "direction": "up"}]}}, "config.sorts[0].direction"),
             ({"name": "x", "config": {"colour": "red"}}, "config.colour"),
             ({"name": "x", "config": {"filter": {"property": "Points", "operator": "before", "value": 1}}}, "config.filter.operator")]
    for body, field in cases:
        answer = api.post(f"/databases/{board.id}/views", body)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field, (body, answer.json())


def test_view_survives_deleting_a_property_it_uses(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": "a", "Points": 1}, {"Name": "b", "Points": 2}])
    view = api.post(f"/databases/{board.id}/views", {"name": "Points", "config": {
        "filter": {"and": [{"property": "Points", "operator": "gt", "value": 1}]}, "sorts": [{"property": "Points", "direction": "descending"}],
        "calculations": {board.pid("Points"): "sum"}}}).json()

    api.delete(f"/properties/{board.props['Points']['id']}")
    body = api.get(f"/views/{view['id']}/rows").json()

    assert [item["title"] for item in body["items"]] == ["a", "b"] and body["footer"] == {}
    assert body["view"]["config"]["filter"] == {"and": []} and body["view"]["config"]["sorts"] == []


def test_view_exports_its_rows_as_csv(board, people, api_for):
    api = api_for(people.editor)
    add_rows(api, board, [{"Name": "a", "Points": 1}, {"Name": "b", "Points": 2}, {"Name": "=cmd", "Points": 3}])
    view = api.post(f"/databases/{board.id}/views", {"name": "Export", "config": {
        "filter": {"property": "Points", "operator": "gte", "value": 2}, "sorts": [{"property": "Points", "direction": "descending"}],
        "properties": [{"property": board.props["Points"]["id"]}] + [{"property": p["id"], "visible": False} for n, p in board.props.items()
                                                                     if n not in ("Points", "Name")]}}).json()

    answer = api.get(f"/views/{view['id']}/export.csv")

    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    assert list(csv.reader(io.StringIO(answer.content.decode()))) == [["Points", "Name"], ["3", "'=cmd"], ["2", "b"]]


def test_a_view_id_that_is_not_an_id_is_no_view(board, people, api_for):
    view = api_for(people.editor).post(f"/databases/{board.id}/views", {"name": "All"}).json()

    assert services.get_view(people.editor, str(view["id"])).pk == view["id"]
    for not_an_id in ("²", "1²", "", "-1", True):  # "²" is a digit to str.isdigit, not to int()
        with pytest.raises(NotFound):
            services.get_view(people.editor, not_an_id)
