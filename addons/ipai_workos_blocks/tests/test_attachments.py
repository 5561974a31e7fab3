"""Attachments: upload with limits through Django's storage, served only to those who can view the page."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from ipai_workos_blocks.models import Attachment, Block

from .conftest import PNG


def test_editor_uploads_an_image_and_uses_it_in_a_block(tree, people, api_for, upload):
    answer = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "diagram.png", PNG, "image/png")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["name"] == "diagram.png" and body["content_type"] == "image/png" and body["size"] == len(PNG)
    assert body["url"] == f"/api/v1/attachments/{body['id']}/content"
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.sha256 == hashlib.sha256(PNG).hexdigest() and default_storage.exists(attachment.file.name)
    assert "diagram" not in attachment.file.name  # stored under a random name
    block = api_for(people.editor).post(f"/pages/{tree.page.pk}/blocks", {"type": "image", "content": {"attachment_id": body["id"]}})
    assert block.json()["content"]["url"] == body["url"]


def test_attachment_content_is_served_to_viewers_and_hidden_from_everyone_else(tree, people, api_for, upload):
    body = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "diagram.png", PNG, "image/png").json()
    path = f"/attachments/{body['id']}/content"

    as_viewer = api_for(people.viewer).get(path)
    as_outsider = api_for(people.outsider).get(path)
    anonymous = api_for(None).get(path)
    missing = api_for(people.outsider).get("/attachments/987654/content")

    assert as_viewer.status_code == 200 and b"".join(as_viewer.streaming_content) == PNG
    assert as_viewer["Content-Type"] == "image/png" and as_viewer["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in as_viewer["Content-Security-Policy"]
    assert as_outsider.status_code == 404 and as_outsider.json() == missing.json()
    assert anonymous.status_code == 401


def test_viewer_cannot_upload_and_outsider_gets_404(tree, people, upload):
    assert upload(people.viewer, f"/pages/{tree.page.pk}/attachments", "a.png", PNG, "image/png").status_code == 403
    assert upload(people.outsider, f"/pages/{tree.page.pk}/attachments", "a.png", PNG, "image/png").status_code == 404
    assert not Attachment.objects.exists()


def test_uploads_over_the_size_limit_answer_413(tree, people, upload, settings):
    settings.WORKOS_ATTACHMENT_MAX_BYTES = 100

    answer = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "big.txt", b"x" * 101, "text/plain")

    assert answer.status_code == 413 and answer.json()["error"]["field"] == "file"
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name, data, declared", [
    ("page.html", b"<script>alert(1)</script>", "text/html"),
    ("evil.png", b"<html><script>alert(1)</script>", "image/png"),
    ("run.js", b"alert(1)", "text/javascript"),
    ("icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
    ("icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    ("icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><a x:href="javascript:alert(1)"><text>x</text></a></svg>', "image/svg+xml"),
    ("icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><a href="&#106;avascript:alert(1)">x</a></svg>', "image/svg+xml"),
    ("icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></body></foreignObject></svg>', "image/svg+xml"),
    ("icon.svg", b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>', "image/svg+xml"),
])
def test_unsafe_or_mislabelled_files_are_refused(tree, people, upload, name, data, declared):
    answer = upload(people.editor, f"/pages/{tree.page.pk}/attachments", name, data, declared)

    assert answer.status_code == 422, answer.json()
    assert not Attachment.objects.exists()


def test_a_clean_svg_is_accepted_and_served_sandboxed(tree, people, api_for, upload):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>'

    body = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "dot.svg", svg, "image/svg+xml").json()
    served = api_for(people.editor).get(f"/attachments/{body['id']}/content")

    assert served.status_code == 200 and "sandbox" in served["Content-Security-Policy"]


def test_files_that_are_not_shown_inline_are_downloads(tree, people, api_for, upload):
    body = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "data.csv", b"a,b\n1,2\n", "text/csv").json()

    served = api_for(people.editor).get(f"/attachments/{body['id']}/content")

    assert served["Content-Disposition"].startswith("attachment")


def test_a_block_cannot_use_an_attachment_of_another_page(tree, people, api_for, upload):
    body = upload(people.editor, f"/pages/{tree.subpage.pk}/attachments", "a.png", PNG, "image/png").json()

    answer = api_for(people.editor).post(f"/pages/{tree.page.pk}/blocks", {"type": "file", "content": {"attachment_id": body["id"], "name": "a"}})
    by_url = api_for(people.editor).post(f"/pages/{tree.page.pk}/blocks", {"type": "image", "content": {"url": body["url"]}})

    assert answer.status_code == 422 and answer.json()["error"]["field"] == "content.attachment_id"
    assert by_url.status_code == 422
    assert not Block.objects.filter(page=tree.page).exists()


def test_an_attachment_whose_file_is_gone_answers_404(tree, people, api_for, upload):
    body = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "a.png", PNG, "image/png").json()
    default_storage.delete(Attachment.objects.get(pk=body["id"]).file.name)

    answer = api_for(people.editor).get(f"/attachments/{body['id']}/content")

    assert answer.status_code == 404
