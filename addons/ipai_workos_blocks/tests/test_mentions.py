"""A page mention shows the mentioned page's live title to those who can read it and "No access" to the others, in
every output of block content: the blocks API, one block, the editor's document, the HTML view, Markdown export (a
file, a zip with portable or instance links, a space's zip)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from .conftest import put_document

STORED = "Secret plan"  # the title as typed into the mention
RENAMED = "Renamed acquisition"


@pytest.fixture
def mentioned(tree, make_user, member_of, api_for):
    """The team page "Handbook" holds a block mentioning a page of the admin's private space (then renamed), and
    a child block mentioning it too. ``reader`` has a view grant on the private page; ``stranger`` has none."""
    from ipai_platform_permissions import services as permissions
    from ipai_workos_core import services as core

    vault = core.create_space(tree.admin, tree.workspace, "Vault", visibility="private")
    secret = core.create_page(tree.admin, space=vault, title=STORED)
    reader, stranger = member_of(make_user("reader"), "member"), member_of(make_user("stranger"), "member")
    permissions.grant(tree.admin, secret, "view", user_id=reader.pk)
    mention = {"mention": {"kind": "page", "id": secret.pk}, "text": STORED}
    answer = put_document(api_for(tree.admin), tree.page.pk, {"blocks": [
        {"type": "toggle", "content": {"text": [{"text": "see "}, mention]},
         "children": [{"type": "paragraph", "content": {"text": [mention, {"text": " again"}]}}]},
        {"type": "paragraph", "content": {"text": [{"text": "plain"}]}},
    ]})
    assert answer.status_code == 200, answer.json()
    core.update_page(tree.admin, secret, title=RENAMED)
    return {"reader": reader, "stranger": stranger, "block_id": answer.json()["items"][0]["id"], "secret": secret}


def _bodies(tree, user, api_for, block_id: str) -> dict[str, str]:
    """The raw bodies of every output of the page's block content, as ``user`` gets them."""
    api = api_for(user)
    page = tree.page.pk
    answers = {
        "blocks": api.get(f"/pages/{page}/blocks"),
        "block": api.get(f"/blocks/{block_id}"),
        "html": api.get(f"/pages/{page}/html"),
        "markdown": api.get(f"/pages/{page}/export"),
        "portable markdown": api.get(f"/pages/{page}/export", links="portable"),
        "moved": api.post(f"/blocks/{block_id}/move", {"after_id": None}),
    }
    bodies = {}
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.content[:300])
        bodies[name] = answer.content.decode()
    for name, path, params in (("markdown zip", f"/pages/{page}/export", {"subpages": "true"}),
                               ("markdown zip with instance links", f"/pages/{page}/export", {"subpages": "true", "links": "instance"}),
                               ("space zip", f"/spaces/{tree.space.pk}/export", {})):
        archive = api.get(path, **params)
        assert archive.status_code == 200, name
        with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
            bodies[name] = "\n".join(opened.read(name).decode(errors="replace") for name in opened.namelist() if name.endswith(".md"))
    browser = Client()
    browser.force_login(user)
    editor_page = browser.get(f"/web/pages/{page}")
    assert editor_page.status_code == 200
    bodies["editor document"] = editor_page.content.decode()
    return bodies


def test_a_reader_of_the_mentioned_page_sees_its_live_title_everywhere(tree, mentioned, api_for):
    bodies = _bodies(tree, mentioned["reader"], api_for, mentioned["block_id"])

    for name, body in bodies.items():
        assert RENAMED in body, name
        assert STORED not in body, name
        assert "No access" not in body, name


def test_a_user_who_cannot_read_the_mentioned_page_sees_no_access_and_never_its_title(tree, mentioned, api_for):
    bodies = _bodies(tree, mentioned["stranger"], api_for, mentioned["block_id"])

    for name, body in bodies.items():
        assert "No access" in body, name
        assert STORED not in body and RENAMED not in body, name
    blocks = api_for(mentioned["stranger"]).get(f"/pages/{tree.page.pk}/blocks").json()["items"]
    assert blocks[0]["content"]["text"][1] == {"mention": {"kind": "page", "id": mentioned["secret"].pk}, "text": "No access"}
    assert blocks[0]["children"][0]["content"]["text"][0]["text"] == "No access"


def test_a_share_link_reader_sees_no_access_for_a_page_outside_the_link(tree, mentioned, api_for):
    from ipai_platform_permissions import services as permissions

    _token, raw = permissions.create_share_token(tree.admin, tree.page, "view", audience="public")
    anonymous = api_for(None)

    body = anonymous.get(f"/pages/{tree.page.pk}/blocks", share=raw).content.decode()
    html = anonymous.get(f"/pages/{tree.page.pk}/html", share=raw).content.decode()

    for text in (body, html):
        assert "No access" in text and STORED not in text and RENAMED not in text


def test_mention_titles_cost_the_same_queries_for_2_mentions_as_for_20(tree, mentioned):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ipai_workos_blocks import services
    from ipai_workos_core import services as core

    many = [core.create_page(tree.admin, space=tree.space, title=f"Team page {number}") for number in range(20)]

    def mentioning(pages):
        return [{"type": "paragraph", "content": {"text": [{"mention": {"kind": "page", "id": page.pk}, "text": "typed"}]},
                 "children": []} for page in pages]

    costs, answers = [], []
    for pages in (many[:2], many):
        trees = mentioning(pages)
        with CaptureQueriesContext(connection) as captured:
            answers.append(services.live_mentions(mentioned["reader"], trees))
        costs.append(len(captured.captured_queries))

    assert costs[0] == costs[1], costs
    assert [block["content"]["text"][0]["text"] for block in answers[1]] == [f"Team page {number}" for number in range(20)]
    assert trees[0]["content"]["text"][0]["text"] == "typed"  # the stored trees are not changed
