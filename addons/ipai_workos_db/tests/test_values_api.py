"""Every property type over /api/v1: valid values stored and rendered, invalid ones refused with 422 naming the
property, and nothing stored on error."""

from __future__ import annotations

import pytest

from ipai_workos_db.models import Row

from .conftest import add_rows

VALID = [
    ("Notes", "hello", "hello", "hello"),
    ("Points", 12.5, 12.5, "12.5"),
    ("Price", "€1,234.5", 1234.5, "€1,234.50"),
    ("Tag", "bug", None, "bug"),  # stored as the option id
    ("Labels", ["ui", "db"], None, "ui, db"),
    ("Status", "In progress", None, "In progress"),
    ("Due", {"start": "2024-03-01", "end": "2024-03-04"}, {"start": "2024-03-01", "end": "2024-03-04"}, "Mar 1, 2024 → Mar 4, 2024"),
    ("Due", "2024-03-01T09:30:00+02:00", {"start": "2024-03-01T07:30:00Z"}, "Mar 1, 2024 07:30"),
    ("Done", True, True, "Yes"),
    ("Link", "https://example.com/a?b=1", "https://example.com/a?b=1", "https://example.com/a?b=1"),
    ("Mail", "ada@example.com", "ada@example.com", "ada@example.com"),
    ("Phone", "+1 (555) 010-2030", "+1 (555) 010-2030", "+1 (555) 010-2030"),
    ("Files", [{"name": "spec.pdf", "url": "https://example.com/spec.pdf"}], [{"name": "spec.pdf", "url": "https://example.com/spec.pdf"}], "spec.pdf"),
]

INVALID = [
    ("Notes", 12 * [1]), ("Notes", "x" * 10_001), ("Points", "twelve"), ("Points", True), ("Points", float("1e300")),
    ("Tag", "nope"), ("Tag", 3), ("Labels", ["ui", "nope"]), ("Labels", {"a": 1}), ("Status", "Someday"),
    ("Due", "2024-02-30"), ("Due", {"start": "2024-03-04", "end": "2024-03-01"}), ("Due", {"start": "2024-03-04", "when": 1}),
    ("Due", {"start": "2024-03-04", "end": "2024-03-05T10:00"}), ("Owner", [999999]), ("Owner", ["ada"]), ("Done", "maybe"),
    ("Link", "javascript:alert(1)"), ("Link", "not a url"), ("Mail", "ada@"), ("Phone", "call me"), ("Files", [{"url": "ftp://x/y"}]),
    ("Double", 3), ("Created", "2024-01-01"), ("Key", 5), ("Creator", 1),
]


@pytest.mark.parametrize("name, value, api_value, display", VALID)
def test_valid_value_is_stored_and_rendered(board, people, api_for, name, value, api_value, display):
    api = api_for(people.editor)

    row = api.post(f"/databases/{board.id}/rows", {"values": {"Name": "Row", name: value}}).json()

    again = api.get(f"/rows/{row['id']}").json()
    assert again["display"][board.pid(name)] == display
    if api_value is not None:
        assert again["values"][board.pid(name)] == api_value
    assert again == row | {"updated_at": again["updated_at"]}


@pytest.mark.parametrize("name, value", INVALID)
def test_invalid_value_answers_422_naming_the_property_and_stores_nothing(board, people, api_for, name, value):
    api = api_for(people.editor)
    rows_before = Row.objects.count()
    if value == float("1e300"):
        value = 1e300

    answer = api.post(f"/databases/{board.id}/rows", {"values": {"Name": "Bad", name: value}})

    assert answer.status_code == 422, answer.json()
    error = answer.json()["error"]
    assert error["field"].startswith(f"values.{board.pid(name)}") and name in error["message"]
    assert Row.objects.count() == rows_before


def test_invalid_value_in_an_update_leaves_the_row_unchanged(board, people, api_for):
    api = api_for(people.editor)
    row = add_rows(api, board, [{"Name": "Keep", "Points": 1, "Notes": "a"}])[0]

    answer = api.patch(f"/rows/{row['id']}", {"values": {"Notes": "changed", "Points": "NaN?", "Name": "Renamed"}})

    assert answer.status_code == 422 and answer.json()["error"]["field"] == f"values.{board.pid('Points')}"
    again = api.get(f"/rows/{row['id']}").json()
    assert again["title"] == "Keep" and again["values"][board.pid("Notes")] == "a" and again["values"][board.pid("Points")] == 1


def test_person_value_must_be_a_workspace_member(board, people, api_for):
    api = api_for(people.editor)

    good = api.post(f"/databases/{board.id}/rows", {"values": {"Owner": [people.viewer.pk, people.editor.pk]}})
    bad = api.post(f"/databases/{board.id}/rows", {"values": {"Owner": [people.outsider.pk]}})

    assert good.status_code == 201
    assert good.json()["display"][board.pid("Owner")] == f"{people.viewer.username}, {people.editor.username}"
    assert bad.status_code == 422 and "not a member" in bad.json()["error"]["message"]


def test_column_types_are_computed_from_the_row(board, people, api_for):
    api = api_for(people.editor)
    first, second = add_rows(api, board, [{"Name": "A", "Points": 4}, {"Name": "B"}])

    assert first["values"][board.pid("Key")] == "TASK-1" and second["values"][board.pid("Key")] == "TASK-2"
    assert first["display"][board.pid("Creator")] == people.editor.username
    assert first["values"][board.pid("Double")] == 8 and second["values"][board.pid("Double")] == 0
    assert first["values"][board.pid("Created")]["start"].endswith("Z")
    changed = api_for(people.admin).patch(f"/rows/{first['id']}", {"values": {"Points": 5}}).json()
    assert changed["display"][board.pid("Editor")] == people.admin.username and changed["values"][board.pid("Double")] == 10


def test_clearing_values_removes_them_from_storage(board, people, api_for):
    api = api_for(people.editor)
    row = add_rows(api, board, [{"Name": "A", "Notes": "x", "Labels": ["ui"], "Done": True, "Due": "2024-01-01"}])[0]

    api.patch(f"/rows/{row['id']}", {"values": {"Notes": "", "Labels": [], "Done": False, "Due": None}})

    assert Row.objects.get(pk=row["id"]).values == {}


def test_row_title_is_its_page_title(board, people, api_for, tree):
    api = api_for(people.editor)
    row = add_rows(api, board, [{"Name": "Write spec"}])[0]

    renamed = api.patch(f"/pages/{row['page_id']}", {"title": "Write the spec"})

    assert renamed.status_code == 200
    assert api.get(f"/rows/{row['id']}").json()["title"] == "Write the spec"
    assert api.get(f"/pages/{row['page_id']}").json()["space_id"] == tree.space.pk
