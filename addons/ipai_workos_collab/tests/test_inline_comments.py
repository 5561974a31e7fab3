"""Inline comments: a thread anchored to a range of a block's text by the ``comment`` mark (span key ``comment``),
which follows the text through edits, reaches live editors through the Yjs document, and leaves the thread
"orphaned" (still listed on the page) when the marked text is deleted."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ipai_platform_audit.models import AuditEvent
from ipai_workos_blocks import richtext, services as blocks
from ipai_workos_blocks.live.ydoc import doc_to_json
from ipai_workos_blocks.models import Block
from ipai_workos_blocks.services import live
from ipai_workos_collab.models import Comment

from .conftest import text

SENTENCE = "Ship the release on Friday"


@pytest.fixture
def block(tree):
    return blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": SENTENCE}]})


def inline(api, page, block, start, end, body="which?", **extra):
    return api.post("/comments", {"page_id": page.pk, "block_id": str(block.id), "anchor": {"start": start, "end": end}, "body": text(body), **extra})


def spans_of(block) -> list:
    return Block.objects.get(pk=block.pk).content["text"]


def test_a_commenter_who_cannot_edit_anchors_a_thread_and_the_text_gets_its_mark(tree, person, api_for, block):
    ana = person("guest", "comment")
    made = inline(api_for(ana), tree.page, block, 9, 16)
    assert made.status_code == 201, made.json()
    thread = made.json()
    assert thread["anchor"] == {"start": 9, "end": 16, "text": "release"} and thread["orphaned"] is False
    assert spans_of(block) == [{"text": "Ship the "}, {"text": "release", "comment": thread["id"]}, {"text": " on Friday"}]
    assert AuditEvent.objects.filter(action="block.anchor_comment", actor=ana).count() == 1
    assert AuditEvent.objects.filter(action="comment.create", actor=ana).count() == 1
    # the text itself stays closed to her
    assert api_for(ana).put(f"/pages/{tree.page.pk}/blocks", {"blocks": [], "base_version": blocks.document_version(tree.page)}).status_code in (403, 404)
    listed = api_for(tree.admin).get("/comments", page_id=tree.page.pk).json()["items"]
    assert [(item["id"], item["block_id"], item["anchor"], item["orphaned"]) for item in listed] == [
        (thread["id"], str(block.id), {"start": 9, "end": 16, "text": "release"}, False)]


def test_a_viewer_cannot_comment_inline_and_nothing_is_marked(tree, person, api_for, block):
    bob = person("guest", "view")
    refused = inline(api_for(bob), tree.page, block, 0, 4)
    assert refused.status_code == 403, refused.json()
    assert spans_of(block) == [{"text": SENTENCE}] and Comment.objects.count() == 0
    with pytest.raises(Exception):
        blocks.anchor_comment(bob, Block.objects.get(pk=block.pk), 0, 4, 1)


def test_the_anchor_follows_edits_and_the_thread_is_orphaned_when_its_text_is_deleted(tree, api_for, block):
    api = api_for(tree.admin)
    thread = inline(api, tree.page, block, 20, 26).json()  # "Friday"
    current = blocks.document(tree.page)
    current[0]["content"]["text"] = [{"text": "Please: "}] + current[0]["content"]["text"]
    blocks.replace_document(tree.admin, tree.page, current, base_version=blocks.document_version(tree.page))
    moved = api.get(f"/comments/{thread['id']}").json()
    assert moved["anchor"] == {"start": 28, "end": 34, "text": "Friday"} and moved["orphaned"] is False

    current = blocks.document(tree.page)
    current[0]["content"]["text"] = [{"text": "Please: Ship the release soon"}]  # the marked word is gone
    blocks.replace_document(tree.admin, tree.page, current, base_version=blocks.document_version(tree.page))
    listed = api.get("/comments", page_id=tree.page.pk).json()["items"]
    assert [(item["id"], item["orphaned"], item["anchor"]["text"]) for item in listed] == [(thread["id"], True, "Friday")]


def test_deleting_the_block_keeps_its_inline_threads_on_the_page(tree, api_for, block):
    api = api_for(tree.admin)
    thread = inline(api, tree.page, block, 0, 4).json()
    api.post("/comments", {"page_id": tree.page.pk, "parent_id": thread["id"], "body": text("a reply")})
    blocks.delete_block(tree.admin, Block.objects.get(pk=block.pk))
    listed = api.get("/comments", page_id=tree.page.pk).json()["items"]
    assert len(listed) == 1 and listed[0]["orphaned"] is True and listed[0]["block_id"] is None
    assert [reply["body"]["text"][0]["text"] for reply in listed[0]["replies"]] == ["a reply"]


def test_moving_the_block_keeps_its_thread_anchored(tree, api_for, block):
    api = api_for(tree.admin)
    toggle = blocks.create_block(tree.admin, tree.page, type="toggle", content={"text": [{"text": "Plans"}]})
    thread = inline(api, tree.page, block, 9, 16).json()  # "release"
    blocks.move_block(tree.admin, Block.objects.get(pk=block.pk), parent_id=toggle.id)
    moved = api.get(f"/comments/{thread['id']}").json()
    assert (moved["block_id"], moved["anchor"], moved["orphaned"]) == (str(block.id), {"start": 9, "end": 16, "text": "release"}, False)
    assert [(item["id"], item["orphaned"]) for item in api.get("/comments", page_id=tree.page.pk).json()["items"]] == [(thread["id"], False)]


def test_moving_the_block_to_another_page_takes_its_thread_replies_and_search_documents_along(tree, person, api_for, block):
    from ipai_workos_core import services as core
    from ipai_workos_search import services as search

    api = api_for(tree.admin)
    private = core.create_space(tree.admin, tree.workspace, "Admin only", visibility="private")
    target = core.create_page(tree.admin, space=private, title="Private plans")
    thread = inline(api, tree.page, block, 9, 16, body="walrus question").json()
    reply = api.post("/comments", {"page_id": tree.page.pk, "parent_id": thread["id"], "body": text("walrus answer")}).json()
    reader = person("member")  # reads the tree's page, not the private space
    assert len([item for item in search.search(reader, "walrus")["items"] if item["object"] == "comment"]) == 2

    blocks.move_block(tree.admin, Block.objects.get(pk=block.pk), page=target)

    assert api.get("/comments", page_id=tree.page.pk).json()["items"] == []
    listed = api.get("/comments", page_id=target.pk).json()["items"]
    assert [(item["id"], item["block_id"], item["orphaned"]) for item in listed] == [(thread["id"], str(block.id), False)]
    assert set(Comment.objects.filter(pk__in=[thread["id"], reply["id"]]).values_list("page_id", flat=True)) == {target.pk}
    # who finds the comments follows the page they are on now
    assert [item for item in search.search(reader, "walrus")["items"] if item["object"] == "comment"] == []
    assert len([item for item in search.search(tree.admin, "walrus")["items"] if item["object"] == "comment"]) == 2


def test_an_editor_may_mark_the_text_in_its_own_document_and_a_commenter_may_not_skip_the_mark(tree, person, api_for, block):
    made = inline(api_for(tree.admin), tree.page, block, 0, 4, mark_text=False)
    assert made.status_code == 201, made.json()
    assert spans_of(block) == [{"text": SENTENCE}]  # the editor's own document carries the mark to the blocks
    assert made.json()["orphaned"] is False  # not marked yet: the answer does not call it lost
    ana = person("guest", "comment")
    refused = inline(api_for(ana), tree.page, block, 0, 4, mark_text=False)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "mark_text"
    bad = inline(api_for(tree.admin), tree.page, block, 0, 4, mark_text="yes")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "mark_text"
    assert Comment.objects.count() == 1


def test_a_newer_thread_over_the_same_words_takes_them_and_the_older_keeps_the_rest(tree, api_for, block):
    api = api_for(tree.admin)
    older = inline(api, tree.page, block, 0, 16).json()  # "Ship the release"
    newer = inline(api, tree.page, block, 9, 26).json()  # "release on Friday"
    anchors = {item["id"]: item["anchor"]["text"] for item in api.get("/comments", page_id=tree.page.pk).json()["items"]}
    assert anchors == {older["id"]: "Ship the ", newer["id"]: "release on Friday"}


def test_inline_comments_refuse_code_blocks_and_keep_mentions_whole(tree, api_for):
    api = api_for(tree.admin)
    code = blocks.create_block(tree.admin, tree.page, type="code", content={"code": "print(1)", "language": "python"})
    refused = inline(api, tree.page, code, 0, 5)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "block_id"
    with_mention = blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [
        {"text": "ask "}, {"mention": {"kind": "user", "id": tree.admin.pk}, "text": "owner"}, {"text": " now"}]})
    thread = inline(api, tree.page, with_mention, 0, 13).json()  # "ask owner now"
    assert spans_of(with_mention) == [{"text": "ask ", "comment": thread["id"]}, {"mention": {"kind": "user", "id": tree.admin.pk}, "text": "owner"},
                                      {"text": " now", "comment": thread["id"]}]
    assert thread["anchor"]["text"] == "ask owner now"


def test_resolving_and_reopening_keep_the_anchor(tree, api_for, block):
    api = api_for(tree.admin)
    thread = inline(api, tree.page, block, 0, 4).json()
    resolved = api.post(f"/comments/{thread['id']}/resolve").json()
    assert resolved["resolved"] is True and resolved["anchor"]["text"] == "Ship" and not resolved["orphaned"]
    reopened = api.post(f"/comments/{thread['id']}/reopen").json()
    assert reopened["resolved"] is False and reopened["anchor"]["text"] == "Ship"


def test_the_mark_reaches_the_live_document_of_an_open_page(tree, person, api_for, block):
    live.load(tree.page)  # the page is open live: it has a Yjs document
    ana = person("guest", "comment")
    thread = inline(api_for(ana), tree.page, block, 21, 26, body="Thursday?").json()
    update, _pending = live.load(tree.page)
    from pycrdt import Doc

    doc = Doc()
    doc.apply_update(update)
    paragraph = doc_to_json(doc)["content"][0]
    assert {"type": "text", "text": "riday", "marks": [{"type": "comment", "attrs": {"threadId": thread["id"]}}]} in paragraph["content"]


def test_on_a_live_page_the_mark_is_a_formatting_edit_that_keeps_what_an_editor_types_meanwhile(tree, api_for):
    from pycrdt import Doc, XmlFragment, XmlText

    blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "Intro"}]})
    toggle = blocks.create_block(tree.admin, tree.page, type="toggle", content={"text": [{"text": "Details"}]})
    blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "inside"}]}, parent_id=toggle.id)
    item = blocks.create_block(tree.admin, tree.page, type="bulleted_list", content={"text": [
        {"text": "ask "}, {"mention": {"kind": "user", "id": tree.admin.pk}, "text": "owner"}, {"text": " now\nplease"}]})
    state, _pending = live.load(tree.page)
    editor = Doc()  # someone's editor, typing in the list item before the server hears of it
    editor.apply_update(state)
    item_text = editor.get("default", type=XmlFragment).children[2].children[0].children[0]
    last_run = [child for child in item_text.children if isinstance(child, XmlText)][-1]
    last_run.insert(len(last_run), "!!!")

    thread = inline(api_for(tree.admin), tree.page, item, 0, 13, body="who?").json()  # "ask owner now"
    merged = Doc()
    merged.apply_update(live.load(tree.page)[0])
    merged.apply_update(editor.get_update())
    paragraph = doc_to_json(merged)["content"][2]["content"][0]["content"][0]
    marked = [node["text"] for node in paragraph["content"] if node.get("marks") == [{"type": "comment", "attrs": {"threadId": thread["id"]}}]]
    assert marked == ["ask ", " now"]  # the mention keeps no mark, as in the blocks
    assert [node.get("text") for node in paragraph["content"]] == ["ask ", None, " now", None, "please!!!"]
    assert spans_of(item)[0] == {"text": "ask ", "comment": thread["id"]}


def test_the_mark_is_rendered_for_readers_and_left_out_of_markdown(tree, api_for, block):
    api = api_for(tree.admin)
    thread = inline(api, tree.page, block, 0, 4).json()
    html = blocks.page_html(tree.page, tree.admin)
    assert f'<span class="comment-anchor" data-comment-thread="{thread["id"]}">Ship</span>' in html
    from ipai_workos_blocks import richtext

    assert richtext.to_markdown(spans_of(block)) == richtext.to_markdown([{"text": SENTENCE}])


def test_a_comment_mark_with_a_bad_thread_id_is_refused(tree, api_for, block):
    api = api_for(tree.admin)
    for bad in ("3", 0, -1, True, 1.5):
        answer = api.put(f"/pages/{tree.page.pk}/blocks", {"blocks": [{"type": "paragraph", "content": {"text": [{"text": "x", "comment": bad}]}}],
                                                          "base_version": blocks.document_version(tree.page)})
        assert answer.status_code == 422 and answer.json()["error"]["field"].endswith(".comment"), (bad, answer.json())


def test_thread_list_answers_the_documented_schema(tree, person, api_for, block):
    from ipai_workos_collab.api import ThreadsOut

    api = api_for(tree.admin)
    thread = inline(api, tree.page, block, 0, 4).json()
    api.post("/comments", {"page_id": tree.page.pk, "parent_id": thread["id"], "body": text("reply")})
    api.post(f"/comments/{thread['id']}/reactions", {"emoji": "👍"})
    api.post("/comments", {"page_id": tree.page.pk, "body": text("page comment")})
    answer = api.get("/comments", page_id=tree.page.pk)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    # what the schema would have answered through ninja (its encoder, over the validated model)
    import json

    from ninja.responses import NinjaJSONEncoder

    from ipai_workos_collab import services

    checked = ThreadsOut.model_validate(services.threads_of(tree.admin, tree.page))
    assert json.loads(json.dumps(checked.model_dump(), cls=NinjaJSONEncoder)) == answer.json()


EDITS = st.lists(st.tuples(st.sampled_from(["type", "delete"]), st.integers(0, 60), st.integers(1, 6)), max_size=10)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=st.integers(0, 25), length=st.integers(1, 15), edits=EDITS)
def test_an_anchor_follows_random_live_edits_and_is_orphaned_only_when_all_its_text_is_gone(tree, api_for, start, length, edits):
    """A live editor types and deletes at random places, as y-prosemirror does (``comment`` is not inclusive: typed
    text joins the anchor only strictly inside it); the thread's anchor is then the marked text, from its first
    marked character to its last, or the thread is orphaned when none is left."""
    from pycrdt import Doc, XmlFragment, XmlText

    end = min(start + length, len(SENTENCE))
    block = blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": SENTENCE}]})
    live.load(tree.page)
    thread = inline(api_for(tree.admin), tree.page, block, start, end).json()["id"]
    doc = Doc()
    doc.apply_update(live.load(tree.page)[0])
    before = doc.get_state()
    element = next(child for child in doc.get("default", type=XmlFragment).children if dict(child.attributes).get("blockId") == str(block.id))
    run = next(child for child in element.children if isinstance(child, XmlText))
    model = [(character, start <= index < end) for index, character in enumerate(SENTENCE)]  # (character, marked)
    for number, (kind, at, size) in enumerate(edits):
        at = min(at, len(model))
        if kind == "type":
            inside = 0 < at < len(model) and model[at - 1][1] and model[at][1]
            letters = "xyzw"[number % 4] * size
            run.insert(at, letters, {"comment": {"threadId": thread}} if inside else None)
            model[at:at] = [(letter, inside) for letter in letters]
        elif at < len(model):
            del run[at: min(at + size, len(model))]
            del model[at: at + size]
    assert _runs([(character, bool(attrs)) for text, attrs in run.diff() for character in text]) == _runs(model)
    live.append_update(tree.admin, tree.page.pk, doc.get_update(before))
    assert live.derive_blocks(tree.page.pk, tree.admin)

    now = api_for(tree.admin).get(f"/comments/{thread}").json()
    marked = [index for index, (_character, is_marked) in enumerate(model) if is_marked]
    text = "".join(character for character, _marked in model)
    if marked:
        assert now["orphaned"] is False and now["block_id"] == str(block.id)
        assert now["anchor"] == {"start": marked[0], "end": marked[-1] + 1, "text": text[marked[0]: marked[-1] + 1]}
    else:
        assert now["orphaned"] is True and now["anchor"]["text"] == SENTENCE[start:end]
    assert richtext.plain_text(spans_of(block)) == text


def _runs(model: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    runs: list[tuple[str, bool]] = []
    for character, marked in model:
        if runs and runs[-1][1] == marked:
            runs[-1] = (runs[-1][0] + character, marked)
        else:
            runs.append((character, marked))
    return runs
