"""Fixtures of the blocks tests: users at each access level on the shared workspace tree, and helpers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class People:
    admin: object
    editor: object  # workspace member: edit on every page of the team space
    viewer: object  # guest with a view grant on the page (and so its sub-page)
    outsider: object  # no access at all


@pytest.fixture
def people(tree, make_user, member_of):
    from ipai_platform_permissions import services as permissions

    editor = member_of(make_user(), "member")
    viewer = member_of(make_user(), "guest")
    permissions.grant(tree.admin, tree.page, "view", user_id=viewer.pk)
    return People(admin=tree.admin, editor=editor, viewer=viewer, outsider=make_user())


@pytest.fixture
def upload(api_for):
    """``upload(user, path, name, data, content_type)`` posts a multipart file as ``user`` to /api/v1``path``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def send(user, path: str, name: str, data: bytes, content_type: str = "application/octet-stream", **fields):
        api = api_for(user)
        return api.client.post("/api/v1" + path, {"file": SimpleUploadedFile(name, data, content_type=content_type), **fields}, **api.headers)

    return send


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Attachments of each test go to a folder of its own."""
    settings.MEDIA_ROOT = str(tmp_path / "filestore")
    return settings.MEDIA_ROOT


def paragraph(text: str, **extra) -> dict:
    return {"type": "paragraph", "content": {"text": [{"text": text}]}, **extra}


def put_document(api, page_id: int, body: dict):
    """PUT a whole document based on the version the page has now, as the editor does after loading it."""
    version = api.get(f"/pages/{page_id}/blocks").json()["version"]
    return api.put(f"/pages/{page_id}/blocks", {**body, "base_version": version})


def texts(items: list[dict]) -> list[str]:
    """The plain text of each top-level block of a document answer."""
    return ["".join(span.get("text", "") for span in item["content"].get("text", [])) for item in items]


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
