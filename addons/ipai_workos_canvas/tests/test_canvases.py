"""Canvases over the API: a canvas is a page of the tree; elements are saved incrementally by id and version,
merged with Excalidraw's rule, validated (a bad one is refused by name and nothing is written), audited,
indexed for search and kept in the page's history; cards never show a viewer what they cannot read."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ipai_platform_audit.models import AuditEvent
from ipai_workos_canvas.models import CanvasElement

from .elements import arrow, card, shape, text

NO_ACCESS = "No access"


@dataclass
class People:
    admin: object
    editor: object  # workspace member: edits the team space
    viewer: object  # guest with a view grant on the space
    outsider: object


@pytest.fixture
def people(tree, make_user, member_of):
    from ipai_platform_permissions import services as permissions

    editor = member_of(make_user(), "member")
    viewer = member_of(make_user(), "guest")
    permissions.grant(tree.admin, tree.space, "view", user_id=viewer.pk)
    return People(admin=tree.admin, editor=editor, viewer=viewer, outsider=make_user())


@pytest.fixture
def board(tree, people, api_for) -> dict:
    answer = api_for(people.editor).post("/canvases", {"space_id": tree.space.pk, "title": "Roadmap"})
    assert answer.status_code == 201, answer.json()
    return answer.json()


def save(api, board, elements):
    return api.post(f"/canvases/{board['id']}/elements", {"elements": elements})


def scene(api, board, **params):
    answer = api.get(f"/canvases/{board['id']}/elements", **params)
    assert answer.status_code == 200, answer.json()
    return answer.json()


# --- a canvas is a page --------------------------------------------------------------------------------


def test_a_canvas_is_a_page_of_the_tree_with_its_trash_and_favourites(tree, people, api_for, board):
    api = api_for(people.editor)

    page = api.get(f"/pages/{board['page_id']}").json()
    listed = [item["id"] for item in api.get("/pages", space_id=tree.space.pk).json()["items"]]
    favourite = api.post("/favorites", {"page_id": board["page_id"]})
    trashed = api.delete(f"/canvases/{board['id']}")
    in_trash = [item["id"] for item in api.get("/canvases", archived="true").json()["items"]]
    restored = api.post(f"/canvases/{board['id']}/restore")

    assert (page["title"], page["icon"], board["url"]) == ("Roadmap", "🎨", f"/web/canvases/{board['id']}")
    assert board["page_id"] in listed
    assert favourite.status_code in (200, 201), favourite.json()
    assert trashed.status_code == 200 and trashed.json()["archived_at"] is not None
    assert in_trash == [board["id"]]
    assert restored.json()["archived_at"] is None


def test_renaming_a_canvas_is_a_page_save_in_its_history(people, api_for, board):
    api = api_for(people.editor)

    renamed = api.patch(f"/canvases/{board['id']}", {"title": "Roadmap 2027", "viewport": {"scrollX": 10, "scrollY": 5}})
    history = api.get(f"/pages/{board['page_id']}/history").json()

    assert renamed.status_code == 200 and renamed.json()["title"] == "Roadmap 2027"
    assert renamed.json()["viewport"] == {"scrollX": 10, "scrollY": 5}
    assert "Roadmap 2027" in str(history)


def test_the_page_address_of_a_canvas_opens_the_canvas(client, people, board):
    client.force_login(people.editor)

    answer = client.get(f"/web/pages/{board['page_id']}")

    assert answer.status_code == 302 and answer["Location"] == f"/web/canvases/{board['id']}"


def test_the_canvas_page_renders_its_scene_for_a_reader(client, people, api_for, board):
    save(api_for(people.editor), board, [text("t1", "Launch plan")])
    client.force_login(people.viewer)

    answer = client.get(f"/web/canvases/{board['id']}")

    assert answer.status_code == 200
    assert b"workos-canvas-scene" in answer.content and b"Launch plan" in answer.content


def test_an_outsider_finds_no_canvas(people, api_for, board, client):
    api = api_for(people.outsider)
    client.force_login(people.outsider)

    assert api.get(f"/canvases/{board['id']}").status_code == 404
    assert api.get(f"/canvases/{board['id']}/elements").status_code == 404
    assert save(api, board, [shape("x")]).status_code == 404
    assert api.get("/canvases").json()["items"] == []
    assert client.get(f"/web/canvases/{board['id']}").status_code == 404


# --- incremental upserts -------------------------------------------------------------------------------


def test_only_changed_elements_are_written_and_read_since_a_sequence(people, api_for, board):
    api = api_for(people.editor)
    first = save(api, board, [shape("a"), shape("b", x=300), text("t", "Hello")]).json()

    moved = save(api, board, [shape("a", x=50, version=2, nonce=7), shape("b", x=300)]).json()
    since = scene(api, board, since=first["sequence"])
    written = CanvasElement.objects.get(element_id="b").sequence

    assert sorted(first["applied"]) == ["a", "b", "t"]
    assert moved["applied"] == ["a"] and moved["unchanged"] == ["b"] and moved["sequence"] == first["sequence"] + 1
    assert [element["id"] for element in since["elements"]] == ["a"] and since["elements"][0]["x"] == 50
    assert written == first["sequence"]  # b was not rewritten
    assert len(scene(api, board)["elements"]) == 3


def test_version_conflicts_resolve_like_excalidraw_and_are_reported(people, api_for, board):
    api = api_for(people.editor)
    save(api, board, [shape("a", version=5, nonce=500)])

    stale = save(api, board, [shape("a", x=999, version=4, nonce=1)]).json()
    tie_higher_nonce = save(api, board, [shape("a", x=888, version=5, nonce=900)]).json()
    tie_lower_nonce = save(api, board, [shape("a", x=10, version=5, nonce=100)]).json()
    newer = save(api, board, [shape("a", x=20, version=6, nonce=999)]).json()

    assert stale["applied"] == [] and stale["rejected"][0]["id"] == "a" and stale["rejected"][0]["element"]["version"] == 5
    assert tie_higher_nonce["applied"] == [] and tie_higher_nonce["rejected"][0]["element"]["versionNonce"] == 500
    assert tie_lower_nonce["applied"] == ["a"]
    assert newer["applied"] == ["a"]
    assert scene(api, board)["elements"][0]["x"] == 20


def test_the_same_saves_in_either_order_end_in_the_same_scene(people, api_for, tree):
    api = api_for(people.editor)
    one = api.post("/canvases", {"space_id": tree.space.pk}).json()
    two = api.post("/canvases", {"space_id": tree.space.pk}).json()
    alice, bob = shape("a", x=1, version=3, nonce=40), shape("a", x=2, version=3, nonce=30)

    save(api, one, [alice]), save(api, one, [bob])
    save(api, two, [bob]), save(api, two, [alice])

    assert scene(api, one)["elements"] == scene(api, two)["elements"]
    assert scene(api, one)["elements"][0]["x"] == 2  # equal versions: the lower nonce wins


def test_deleting_elements_leaves_tombstones_that_sync(people, api_for, board):
    api = api_for(people.editor)
    first = save(api, board, [shape("a"), shape("b")]).json()

    deleted = api.delete(f"/canvases/{board['id']}/elements", ids="a,nope")
    since = scene(api, board, since=first["sequence"])

    assert deleted.status_code == 200 and deleted.json()["applied"] == ["a"] and deleted.json()["missing"] == ["nope"]
    assert [(e["id"], e["isDeleted"], e["version"]) for e in since["elements"]] == [("a", True, 2)]
    assert [e["id"] for e in scene(api, board)["elements"]] == ["b"]


def test_connectors_keep_their_bindings(people, api_for, board):
    api = api_for(people.editor)

    save(api, board, [shape("s1"), shape("s2", x=400), arrow("c1", "s1", "s2")])
    stored = {e["id"]: e for e in scene(api, board)["elements"]}

    assert stored["c1"]["startBinding"]["elementId"] == "s1" and stored["c1"]["endBinding"]["elementId"] == "s2"


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad, field", [
    ({"type": "spaceship"}, "type"),
    ({"x": float("1e12")}, "x"),
    ({"width": -5}, "width"),
    ({"version": 0}, "version"),
    ({"id": "has spaces"}, "id"),
    ({"link": "javascript:alert(1)"}, "link"),
    ({"strokeColor": "red;background:url(x)"}, "strokeColor"),
    ({"type": "text", "text": "x" * 10_001}, "text"),
    ({"type": "image", "fileId": "data:image/png;base64,AAAA"}, "fileId"),
    ({"type": "embeddable", "link": "https://evil.example/"}, "customData.workos"),
    ({"type": "arrow", "points": [[0, 0], ["a", 1]]}, "points[1]"),
])
def test_a_bad_element_is_refused_by_name_and_nothing_is_written(people, api_for, board, bad, field):
    api = api_for(people.editor)
    good = shape("good")
    element = {**shape("bad1"), **bad}

    answer = api.post(f"/canvases/{board['id']}/elements", {"elements": [good, element]})

    assert answer.status_code == 400, answer.json()
    error = answer.json()["error"]
    assert error["code"] == "invalid_element" and error["field"] == f"elements[1].{field}"
    assert ("bad1" in error["message"]) or error["element_id"] is None
    assert not CanvasElement.objects.exists()


def test_text_is_sanitised(people, api_for, board):
    api = api_for(people.editor)

    save(api, board, [text("t", "Hi\u202e<b>there\u0000</b>\r\nnext")])

    assert scene(api, board)["elements"][0]["text"] == "Hi<b>there</b>\nnext"


def test_images_point_only_to_attachments_the_writer_can_read(tree, people, api_for, board, make_user):
    from ipai_workos_blocks import services as blocks
    from ipai_workos_core import services as core

    private = core.create_space(tree.admin, tree.workspace, "Board room", visibility="private")
    secret_page = core.create_page(tree.admin, space=private, title="Salaries")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    secret = blocks.upload_attachment(tree.admin, secret_page, "s.png", png, "image/png")
    mine = api_for(people.editor).client.post(
        f"/api/v1/pages/{board['page_id']}/attachments", {"file": _upload("a.png", png)}, **api_for(people.editor).headers)
    assert mine.status_code == 201, mine.content
    api = api_for(people.editor)

    allowed = save(api, board, [shape("img1", type="image", fileId=f"attachment-{mine.json()['id']}", status="saved", scale=[1, 1])])
    refused = save(api, board, [shape("img2", type="image", fileId=f"attachment-{secret.pk}", status="saved", scale=[1, 1])])

    assert allowed.status_code == 200, allowed.json()
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "elements[0].fileId"


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


# --- permissions, audit, search, history ---------------------------------------------------------------


def test_a_viewer_reads_but_cannot_write_and_a_write_is_audited(people, api_for, board):
    before = AuditEvent.objects.count()

    refused = save(api_for(people.viewer), board, [shape("v")])
    read_only_token = save(api_for(people.editor, read_only=True), board, [shape("v")])
    written = save(api_for(people.editor), board, [shape("e")])

    assert refused.status_code == 403 and read_only_token.status_code == 403
    assert written.status_code == 200
    event = AuditEvent.objects.filter(action="canvas.elements").last()
    assert AuditEvent.objects.count() > before and event.changes["created"] == 1 and event.changes["ids"] == ["e"]


def test_a_canvas_in_the_trash_refuses_element_writes(people, api_for, board):
    api = api_for(people.editor)
    api.delete(f"/canvases/{board['id']}")

    assert save(api, board, [shape("late")]).status_code == 409


def test_text_on_a_canvas_is_found_by_search(people, api_for, board):
    api = api_for(people.editor)

    save(api, board, [text("t", "Quarterly zeppelin launch")])
    found = api.get("/search", q="zeppelin").json()["items"]

    assert [(item["object"], item["id"], item["title"]) for item in found] == [("page", board["page_id"], "Roadmap")]
    assert found[0]["snippet"] == "Quarterly <mark>zeppelin</mark> launch"
    assert api_for(people.outsider).get("/search", q="zeppelin").json()["items"] == []


def test_restoring_a_version_brings_the_scene_back(people, api_for, board):
    from ipai_workos_core import services as core
    from ipai_workos_core.models import Page, PageVersion

    api = api_for(people.editor)
    versions = PageVersion.objects.filter(page_id=board["page_id"])
    versions.update(updated_at="2000-01-01T00:00:00Z")  # a quiet spell: the next save is kept in the history
    save(api, board, [shape("a")])
    kept = versions.order_by("-number").first()
    versions.update(updated_at="2000-01-01T00:00:00Z")
    save(api, board, [shape("b")])

    core.restore_version(people.editor, Page.objects.get(pk=board["page_id"]), kept.number)

    assert [e["id"] for e in kept.content["canvas"]] == ["a"]
    assert [e["id"] for e in scene(api, board)["elements"]] == ["a"]


def test_saves_in_quick_succession_do_not_rewrite_the_history(people, api_for, board):
    from ipai_workos_core.models import PageVersion

    api = api_for(people.editor)
    versions = PageVersion.objects.filter(page_id=board["page_id"])
    versions.update(updated_at="2000-01-01T00:00:00Z")
    save(api, board, [shape("a")])
    snapshot = versions.order_by("-number").first()

    save(api, board, [shape("a", x=40, version=2)])

    assert versions.order_by("-number").first().content == snapshot.content  # one snapshot per quiet spell


# --- cards: the permission oracle ----------------------------------------------------------------------


@pytest.fixture
def hidden(tree, people):
    """A page and a database in a private space the viewer cannot read (the editor neither: the admin cards them)."""
    from ipai_workos_core import services as core
    from ipai_workos_db import services as databases

    private = core.create_space(tree.admin, tree.workspace, "Board room", visibility="private")
    page = core.create_page(tree.admin, space=private, title="Secret merger", icon="🤫")
    database = databases.create_database(tree.admin, space=private, title="Salaries")
    databases.create_row(tree.admin, database, values={"Name": "CEO pay"})
    return page, database


def test_page_cards_show_a_readable_page_and_no_access_for_the_rest(tree, people, api_for, board, hidden):
    from ipai_workos_blocks import services as blocks
    from ipai_workos_db import services as databases

    secret_page, secret_database = hidden
    blocks.replace_document(tree.admin, tree.page, [{"type": "paragraph", "content": {"text": [{"text": "First line of the handbook"}]}}],
                        base_version=blocks.document_version(tree.page))
    open_database = databases.create_database(tree.admin, space=tree.space, title="Tasks")
    databases.create_row(tree.admin, open_database, values={"Name": "Ship canvas"})
    admin = api_for(tree.admin)
    written = save(admin, board, [card("c-open", "page", tree.page.pk), card("c-secret", "page", secret_page.pk),
                                  card("d-open", "database", open_database.pk), card("d-secret", "database", secret_database.pk)])
    assert written.status_code == 200, written.json()

    seen = scene(api_for(people.viewer), board)
    raw = api_for(people.viewer).get(f"/canvases/{board['id']}/elements").content.decode()
    cards = seen["cards"]

    assert cards["c-open"]["access"] is True and cards["c-open"]["title"] == "Handbook"
    assert cards["c-open"]["lines"] == ["First line of the handbook"]
    assert cards["d-open"]["table"]["rows"][0][0] == "Ship canvas"
    for hidden_card in ("c-secret", "d-secret"):
        assert cards[hidden_card] == {"card": cards[hidden_card]["card"], "id": cards[hidden_card]["id"], "access": False,
                                      "title": NO_ACCESS, "icon": "", "lines": [], "url": None, "archived": False, "table": None}
    for leak in ("Secret merger", "🤫", "Salaries", "CEO pay"):
        assert leak not in raw


def test_a_card_of_an_unreadable_page_cannot_be_placed_but_can_be_moved(tree, people, api_for, board, hidden):
    secret_page, _database = hidden
    save(api_for(tree.admin), board, [card("c", "page", secret_page.pk)])
    editor = api_for(people.editor)

    placed = save(editor, board, [card("c2", "page", secret_page.pk)])
    moved = save(editor, board, [card("c", "page", secret_page.pk, x=500, version=2)])

    assert placed.status_code == 400 and "no such page" in placed.json()["error"]["message"]
    assert moved.status_code == 200 and moved.json()["applied"] == ["c"]


def test_card_titles_never_reach_the_search_index(tree, people, api_for, board):
    save(api_for(people.editor), board, [card("c", "page", tree.subpage.pk)])

    found = api_for(people.editor).get("/search", q="Onboarding").json()["items"]

    assert [item["id"] for item in found] == [tree.subpage.pk]  # the page itself, not the canvas that cards it


def test_openapi_documents_the_canvas_endpoints_with_the_error_responses(api_for, people):
    document = api_for(people.editor).get("/openapi.json").json()

    operation = document["paths"]["/api/v1/canvases/{canvas_id}/elements"]["post"]

    assert {"200", "400", "401", "403", "404", "409", "422"} <= {str(status) for status in operation["responses"]}
    assert "/api/v1/canvases" in document["paths"]


def test_text_cannot_close_the_script_that_embeds_the_scene(client, people, api_for, board):
    save(api_for(people.editor), board, [text("t", "</script><script>alert(1)</script> & more")])
    client.force_login(people.editor)

    html = client.get(f"/web/canvases/{board['id']}").content.decode()

    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in html and "\\u0026 more" in html


# --- a canvas embedded in a page ------------------------------------------------------------------------


def test_the_preview_draws_the_scene_for_readers_and_does_not_exist_for_others(tree, people, api_for, board):
    save(api_for(people.editor), board, [shape("box", x=10, y=20), text("label", value="<script>alert(1)</script> & plans", x=0, y=200),
                                         arrow("link", "box", "box", x=50, y=50)])

    answer = api_for(people.viewer).get(f"/canvases/{board['id']}/preview.svg")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("image/svg+xml")
    svg = answer.content.decode()
    assert svg.startswith("<svg") and "<rect" in svg and "<polyline" in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; plans" in svg and "<script" not in svg
    assert "sandbox" in answer["Content-Security-Policy"]

    refused = api_for(people.outsider).get(f"/canvases/{board['id']}/preview.svg")
    assert refused.status_code == 404 and "plans" not in refused.content.decode()
    assert api_for(people.viewer).get("/canvases/999999/preview.svg").status_code == 404


def test_a_canvas_block_holds_only_the_canvas_id(tree, people, api_for, board):
    api = api_for(people.editor)
    page = api.post("/pages", {"space_id": tree.space.pk, "title": "Notes"}).json()
    bad = api.post(f"/pages/{page['id']}/blocks", {"type": "canvas", "content": {"canvas_id": "twelve"}})
    assert bad.status_code in (400, 422) and bad.json()["error"]["field"].endswith("canvas_id")
    made = api.post(f"/pages/{page['id']}/blocks", {"type": "canvas", "content": {"canvas_id": board["id"]}})
    assert made.status_code == 201, made.json()

    from ipai_workos_blocks.markdown import to_markdown
    from ipai_workos_blocks.rendering import to_html

    block = {"type": "canvas", "content": {"canvas_id": board["id"]}, "children": []}
    # what every reader of the page gets names the canvas by id only: its title is shown to those who may read it
    assert to_html([block]) == f'<div class="canvas-embed" data-block-type="canvas"><a href="/web/canvases/{board["id"]}" rel="noopener noreferrer nofollow">Canvas</a></div>'
    assert to_markdown([block]).strip() == f"[Canvas](/web/canvases/{board['id']}) <!-- canvas -->"
    assert "Roadmap" not in to_html([block])


# --- open any page as a canvas --------------------------------------------------------------------------


def test_any_page_opens_as_its_canvas_side_and_stays_a_document(tree, people, api_for, client):
    editor, viewer = api_for(people.editor), api_for(people.viewer)
    page = editor.post("/pages", {"space_id": tree.space.pk, "title": "Spec"}).json()

    assert viewer.post(f"/pages/{page['id']}/canvas").status_code == 403  # a viewer may not make the canvas side
    side = editor.post(f"/pages/{page['id']}/canvas")
    assert side.status_code == 200, side.json()
    side = side.json()
    assert (side["page_id"], side["side"], side["title"]) == (page["id"], True, "Spec")
    assert editor.post(f"/pages/{page['id']}/canvas").json()["id"] == side["id"]  # one canvas side per page
    assert viewer.post(f"/pages/{page['id']}/canvas").json()["id"] == side["id"]  # and readers open it
    assert api_for(people.outsider).post(f"/pages/{page['id']}/canvas").status_code == 404
    assert save(editor, {"id": side["id"]}, [shape("sketch")]).status_code == 200

    client.force_login(people.viewer)
    # readers reach the canvas side from the link under the page title (the menu's "Open as canvas" is for editors)
    assert f'href="/web/canvases/{side["id"]}" data-canvas-side'.encode() in client.get(f"/web/pages/{page['id']}").content
    other = editor.post("/pages", {"space_id": tree.space.pk, "title": "No canvas"}).json()
    assert b"data-canvas-side" not in client.get(f"/web/pages/{other['id']}").content
    client.force_login(people.editor)
    assert client.get(f"/web/pages/{page['id']}").status_code == 200  # the page still opens as its document
    opened = client.get(f"/web/canvases/{side['id']}")
    assert opened.status_code == 200 and b'data-action="open-as-page"' in opened.content


def test_a_canvas_page_is_its_own_canvas_side(people, api_for, board):
    assert api_for(people.editor).post(f"/pages/{board['page_id']}/canvas").json()["id"] == board["id"]
