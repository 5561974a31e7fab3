"""Fixtures of the database tests: people at each access level, and a database with a property of every type."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class People:
    admin: object
    editor: object  # workspace member: edit on the team space
    viewer: object  # guest with a view grant on the space
    outsider: object  # no access at all


@pytest.fixture
def people(tree, make_user, member_of):
    from ipai_platform_permissions import services as permissions

    editor = member_of(make_user(), "member")
    viewer = member_of(make_user(), "guest")
    permissions.grant(tree.admin, tree.space, "view", user_id=viewer.pk)
    return People(admin=tree.admin, editor=editor, viewer=viewer, outsider=make_user())


EVERY_TYPE = [
    {"name": "Notes", "type": "text"},
    {"name": "Points", "type": "number"},
    {"name": "Price", "type": "number", "config": {"format": "currency", "currency": "EUR"}},
    {"name": "Tag", "type": "select", "config": {"options": [{"name": "bug", "color": "red"}, {"name": "feature", "color": "blue"}, "chore"]}},
    {"name": "Labels", "type": "multi_select", "config": {"options": ["ui", "api", "db"]}},
    {"name": "Status", "type": "status"},
    {"name": "Due", "type": "date"},
    {"name": "Owner", "type": "person"},
    {"name": "Done", "type": "checkbox"},
    {"name": "Link", "type": "url"},
    {"name": "Mail", "type": "email"},
    {"name": "Phone", "type": "phone"},
    {"name": "Files", "type": "files"},
    {"name": "Double", "type": "formula", "config": {"expression": 'prop("Points") * 2'}},
    {"name": "Created", "type": "created_time"},
    {"name": "Creator", "type": "created_by"},
    {"name": "Edited", "type": "last_edited_time"},
    {"name": "Editor", "type": "last_edited_by"},
    {"name": "Key", "type": "unique_id", "config": {"prefix": "TASK"}},
]


@dataclass
class Board:
    id: int
    props: dict  # name -> property json

    def pid(self, name: str) -> str:
        return str(self.props[name]["id"])


@pytest.fixture
def board(tree, people, api_for) -> Board:
    """A database in the team space with a property of every stored and column type, made by the editor."""
    answer = api_for(people.editor).post("/databases", {"space_id": tree.space.pk, "title": "Tasks", "properties": EVERY_TYPE})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    return Board(body["id"], {prop["name"]: prop for prop in body["properties"]})


def add_rows(api, board: Board, rows: list[dict]) -> list[dict]:
    created = []
    for values in rows:
        answer = api.post(f"/databases/{board.id}/rows", {"values": values})
        assert answer.status_code == 201, answer.json()
        created.append(answer.json())
    return created


def titles(answer) -> list[str]:
    body = answer.json()
    assert answer.status_code == 200, body
    return [item["title"] for item in body["items"]]


@pytest.fixture
def upload_csv(api_for):
    """``upload_csv(user, path, data, **fields)`` posts a CSV file as multipart field ``file``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def send(user, path: str, data: bytes, **fields):
        api = api_for(user)
        return api.client.post("/api/v1" + path, {"file": SimpleUploadedFile("data.csv", data, content_type="text/csv"), **fields}, **api.headers)

    return send
