"""Blocks through /api/v1 with bearer tokens: the contract the editor relies on, permissions, atomicity."""

from __future__ import annotations

import uuid

import pytest

from ipai_platform_audit.models import AuditEvent
from ipai_workos_blocks.models import Block, BlockReference

from .conftest import paragraph, put_document, texts


def test_editor_creates_blocks_in_order_and_reads_them_as_trees(tree, people, api_for):
    api = api_for(people.editor)
    first = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("first")).json()
    last = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("last")).json()
    middle = api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("middle"), "after_id": first["id"]}).json()
    top = api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("top"), "after_id": None}).json()
    item = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "bulleted_list", "content": {"text": [{"text": "item"}]}}).json()
    child = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "todo", "content": {"text": [{"text": "child"}]}, "parent_id": item["id"]})

    body = api.get(f"/pages/{tree.page.pk}/blocks").json()

    assert texts(body["items"]) == ["top", "first", "middle", "last", "item"]
    assert child.status_code == 201 and child.json()["parent_id"] == item["id"]
    nested = body["items"][-1]["children"][0]
    assert nested["content"] == {"text": [{"text": "child"}], "checked": False}
    assert set(body["items"][0]) == {"id", "page_id", "parent_id", "type", "content", "rank", "children", "created_at", "updated_at"}
    assert middle["page_id"] == tree.page.pk and top["parent_id"] is None and last["rank"] > first["rank"]


def test_user_who_cannot_view_the_page_gets_404_on_its_blocks(tree, people, api_for):
    block = api_for(people.editor).post(f"/pages/{tree.page.pk}/blocks", paragraph("secret")).json()
    api = api_for(people.outsider)

    answers = [
        api.get(f"/pages/{tree.page.pk}/blocks"),
        api.get(f"/blocks/{block['id']}"),
        api.patch(f"/blocks/{block['id']}", {"content": {"text": []}}),
        api.delete(f"/blocks/{block['id']}"),
        api.post(f"/pages/{tree.page.pk}/blocks", paragraph("x")),
        api.put(f"/pages/{tree.page.pk}/blocks", {"blocks": []}),
        api.get(f"/pages/{tree.page.pk}/html"),
        api.get(f"/pages/{tree.page.pk}/export"),
    ]

    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert answers[1].json() == api.get(f"/blocks/{uuid.uuid4()}").json()
    assert Block.objects.get(id=block["id"]).content["text"][0]["text"] == "secret"


def test_viewer_reads_blocks_but_gets_403_on_every_write(tree, people, api_for):
    block = api_for(people.editor).post(f"/pages/{tree.page.pk}/blocks", paragraph("kept")).json()
    api = api_for(people.viewer)

    read = api.get(f"/pages/{tree.page.pk}/blocks")
    writes = [
        api.post(f"/pages/{tree.page.pk}/blocks", paragraph("x")),
        api.patch(f"/blocks/{block['id']}", {"content": {"text": []}}),
        api.delete(f"/blocks/{block['id']}"),
        api.post(f"/blocks/{block['id']}/move", {"after_id": None}),
        api.put(f"/pages/{tree.page.pk}/blocks", {"blocks": []}),
        api.post(f"/pages/{tree.page.pk}/blocks/bulk", {"operations": [{"op": "delete", "id": block["id"]}]}),
    ]

    assert read.status_code == 200 and texts(read.json()["items"]) == ["kept"]
    assert [answer.status_code for answer in writes] == [403] * len(writes)
    assert all(answer.json()["error"]["code"] == "permission_denied" for answer in writes)
    assert Block.objects.filter(page=tree.page).count() == 1


@pytest.mark.parametrize("body, field", [
    ({"type": "paragraph", "content": {"text": [{"text": "a", "marks": ["blink"]}]}}, "content.text[0].marks"),
    ({"type": "paragraph", "content": {"text": [{"text": "a"}], "colour": "red"}}, "content.colour"),
    ({"type": "paragraph", "content": {"text": [{"text": "a", "href": "javascript:alert(1)"}]}}, "content.text[0].href"),
    ({"type": "todo", "content": {"checked": "yes"}}, "content.checked"),
    ({"type": "callout", "content": {"color": "magenta"}}, "content.color"),
    ({"type": "callout", "content": {"icon": "far too long an icon"}}, "content.icon"),
    ({"type": "image", "content": {"url": "data:image/png;base64,AAAA"}}, "content.url"),
    ({"type": "file", "content": {"url": "/etc/passwd"}}, "content.url"),
    ({"type": "code", "content": {"code": "x", "language": "py thon"}}, "content.language"),
    ({"type": "paragraph", "content": {"text": [{"mention": {"kind": "team", "id": 1}, "text": "x"}]}}, "content.text[0].mention.kind"),
    ({"type": "marquee", "content": {}}, "type"),
])
def test_invalid_content_is_refused_with_422_naming_the_field_and_nothing_is_stored(tree, people, api_for, body, field):
    api = api_for(people.editor)

    answer = api.post(f"/pages/{tree.page.pk}/blocks", body)

    assert answer.status_code == 422, answer.json()
    assert answer.json()["error"]["field"] == field
    assert not Block.objects.filter(page=tree.page).exists()


def test_patch_changes_content_and_type_and_refuses_bad_content(tree, people, api_for):
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("do it")).json()

    as_todo = api.patch(f"/blocks/{block['id']}", {"type": "todo"})
    checked = api.patch(f"/blocks/{block['id']}", {"content": {"text": [{"text": "done"}], "checked": True}})
    refused = api.patch(f"/blocks/{block['id']}", {"content": {"checked": 1}})
    as_code = api.patch(f"/blocks/{block['id']}", {"type": "code"})

    assert as_todo.json()["content"] == {"text": [{"text": "do it"}], "checked": False}
    assert checked.json()["content"]["checked"] is True
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "content.checked"
    assert as_code.json()["content"] == {"code": "done", "language": ""}
    assert AuditEvent.objects.filter(action="block.update", target_id=block["id"]).count() == 3


def test_blocks_that_hold_no_children_refuse_them(tree, people, api_for):
    api = api_for(people.editor)
    heading = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "heading_1", "content": {}}).json()
    item = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "bulleted_list", "content": {}}).json()
    api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("child"), "parent_id": item["id"]})

    under_heading = api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("x"), "parent_id": heading["id"]})
    item_to_divider = api.patch(f"/blocks/{item['id']}", {"type": "divider"})

    assert under_heading.status_code == 422 and under_heading.json()["error"]["field"] == "parent_id"
    assert item_to_divider.status_code == 422 and item_to_divider.json()["error"]["field"] == "type"


def test_delete_removes_the_block_with_its_children(tree, people, api_for):
    api = api_for(people.editor)
    toggle = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "toggle", "content": {"text": [{"text": "t"}]}}).json()
    api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("inside"), "parent_id": toggle["id"]})

    answer = api.delete(f"/blocks/{toggle['id']}")

    assert answer.status_code == 204
    assert not Block.objects.filter(page=tree.page).exists()
    assert AuditEvent.objects.get(action="block.delete", target_id=toggle["id"]).changes["blocks"] == 2


def test_move_reorders_and_reparents_writing_one_row(tree, people, api_for):
    api = api_for(people.editor)
    a, b, c = (api.post(f"/pages/{tree.page.pk}/blocks", {"type": "bulleted_list", "content": {"text": [{"text": t}]}}).json() for t in "abc")
    ranks_before = dict(Block.objects.filter(page=tree.page).values_list("id", "rank"))

    to_start = api.post(f"/blocks/{c['id']}/move", {"after_id": None})
    under_a = api.post(f"/blocks/{b['id']}/move", {"parent_id": a["id"]})

    body = api.get(f"/pages/{tree.page.pk}/blocks").json()
    assert to_start.status_code == 200 and under_a.status_code == 200
    assert texts(body["items"]) == ["c", "a"]
    assert texts(body["items"][1]["children"]) == ["b"]
    ranks_after = dict(Block.objects.filter(page=tree.page).values_list("id", "rank"))
    assert ranks_after[uuid.UUID(a["id"])] == ranks_before[uuid.UUID(a["id"])]


def test_a_block_never_moves_into_its_own_descendant(tree, people, api_for):
    api = api_for(people.editor)
    outer = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "toggle", "content": {}}).json()
    inner = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "toggle", "content": {}, "parent_id": outer["id"]}).json()

    into_child = api.post(f"/blocks/{outer['id']}/move", {"parent_id": inner["id"]})
    into_itself = api.post(f"/blocks/{outer['id']}/move", {"parent_id": outer["id"]})

    assert into_child.status_code == into_itself.status_code == 422
    assert into_child.json()["error"]["field"] == "parent_id"
    assert Block.objects.get(id=inner["id"]).parent.id == uuid.UUID(outer["id"])
    assert Block.objects.get(id=outer["id"]).parent_id is None


def test_move_to_another_page_takes_children_references_and_attachments(tree, people, api_for, upload):
    from .conftest import PNG

    api = api_for(people.editor)
    image = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "pic.png", PNG, "image/png").json()
    item = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "bulleted_list", "content": {"text": [
        {"text": "see "}, {"mention": {"kind": "page", "id": tree.subpage.pk}, "text": "Onboarding"}]}}).json()
    picture = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "image", "content": {"attachment_id": image["id"]}, "parent_id": item["id"]}).json()

    moved = api.post(f"/blocks/{item['id']}/move", {"page_id": tree.subpage.pk})

    assert moved.status_code == 200, moved.json()
    assert moved.json()["page_id"] == tree.subpage.pk and moved.json()["parent_id"] is None
    assert not Block.objects.filter(page=tree.page).exists()
    child = Block.objects.get(id=picture["id"])
    assert child.page_id == tree.subpage.pk
    new_attachment = child.content["attachment_id"]
    assert new_attachment != image["id"] and child.content["url"] == f"/api/v1/attachments/{new_attachment}/content"
    assert api.get(child.content["url"].removeprefix("/api/v1")).status_code == 200
    assert BlockReference.objects.get(block__id=item["id"]).page_id == tree.subpage.pk


def test_move_to_a_page_the_user_cannot_edit_is_refused(tree, people, api_for, make_user):
    from ipai_platform_permissions import services as permissions
    from ipai_workos_core import services as core

    other = core.create_page(tree.admin, space=tree.space, title="Locked")
    permissions.grant(tree.admin, other, "view", user_id=people.editor.pk)
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("stay")).json()

    answer = api.post(f"/blocks/{block['id']}/move", {"page_id": other.pk})

    assert answer.status_code == 403
    assert Block.objects.get(id=block["id"]).page_id == tree.page.pk


def test_put_document_keeps_ids_creates_updates_reorders_and_deletes(tree, people, api_for):
    api = api_for(people.editor)
    kept = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("kept")).json()
    gone = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("gone")).json()
    item = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "bulleted_list", "content": {"text": [{"text": "item"}]}}).json()
    chosen = str(uuid.uuid4())
    before = AuditEvent.objects.count()

    saved = put_document(api, tree.page.pk, {"blocks": [
        {"id": item["id"], "type": "bulleted_list", "content": {"text": [{"text": "item"}]}, "children": [
            {"id": kept["id"], "type": "paragraph", "content": {"text": [{"text": "kept, edited"}]}},
        ]},
        {"id": chosen, "type": "heading_2", "content": {"text": [{"text": "new with id"}]}},
        {"type": "divider", "content": {}},
    ]})

    assert saved.status_code == 200, saved.json()
    items = saved.json()["items"]
    assert [block["type"] for block in items] == ["bulleted_list", "heading_2", "divider"]
    assert items[0]["id"] == item["id"] and items[1]["id"] == chosen
    assert items[0]["children"][0]["id"] == kept["id"] and items[0]["children"][0]["parent_id"] == item["id"]
    assert not Block.objects.filter(id=gone["id"]).exists()
    assert api.get(f"/pages/{tree.page.pk}/blocks").json()["items"] == items
    events = AuditEvent.objects.filter(pk__gt=0).order_by("-id")[: AuditEvent.objects.count() - before]
    replaced = [event for event in events if event.action == "blocks.replace"]
    assert len(replaced) == 1  # one event for the whole save (the page history may add its own)
    assert replaced[0].changes == {"created": 2, "updated": 1, "moved": 1, "deleted": 1, "blocks": 4}
    assert {event.action for event in events} <= {"blocks.replace", "page.version"}


def test_put_document_that_changes_nothing_writes_nothing(tree, people, api_for):
    api = api_for(people.editor)
    api.post(f"/pages/{tree.page.pk}/blocks", paragraph("a"))
    api.post(f"/pages/{tree.page.pk}/blocks", paragraph("b"))
    document = api.get(f"/pages/{tree.page.pk}/blocks").json()["items"]
    before = AuditEvent.objects.count()

    again = put_document(api, tree.page.pk, {"blocks": document})

    assert again.json()["items"] == document
    assert AuditEvent.objects.count() == before


def test_put_document_is_atomic_and_names_the_bad_field(tree, people, api_for):
    api = api_for(people.editor)
    api.post(f"/pages/{tree.page.pk}/blocks", paragraph("original"))
    before = api.get(f"/pages/{tree.page.pk}/blocks").json()

    bad = put_document(api, tree.page.pk, {"blocks": [
        paragraph("fine"), {"type": "toggle", "content": {}, "children": [{"type": "todo", "content": {"checked": "no"}}]},
    ]})
    duplicate = put_document(api, tree.page.pk, {"blocks": [{**paragraph("a"), "id": str(uuid.UUID(int=1))},
                                                                  {**paragraph("b"), "id": str(uuid.UUID(int=1))}]})

    assert bad.status_code == 422 and bad.json()["error"]["field"] == "blocks[1].children[0].content.checked"
    assert duplicate.status_code == 422 and duplicate.json()["error"]["field"] == "blocks[1].id"
    assert api.get(f"/pages/{tree.page.pk}/blocks").json() == before


def test_put_document_creates_a_block_with_an_id_used_on_another_page(tree, people, api_for):
    api = api_for(people.editor)
    elsewhere = api.post(f"/pages/{tree.subpage.pk}/blocks", paragraph("elsewhere")).json()

    answer = put_document(api, tree.page.pk, {"blocks": [{**paragraph("copy"), "id": elsewhere["id"]}]})

    assert answer.status_code == 200 and answer.json()["items"][0]["id"] == elsewhere["id"]
    assert sorted(Block.objects.filter(id=elsewhere["id"]).values_list("page_id", flat=True)) == sorted([tree.page.pk, tree.subpage.pk])
    assert texts(api.get(f"/pages/{tree.subpage.pk}/blocks").json()["items"]) == ["elsewhere"]


def test_bulk_applies_all_operations_in_order(tree, people, api_for):
    api = api_for(people.editor)
    old = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("old")).json()
    new_id = str(uuid.uuid4())

    answer = api.post(f"/pages/{tree.page.pk}/blocks/bulk", {"operations": [
        {"op": "create", "id": new_id, "type": "toggle", "content": {"text": [{"text": "new"}]}},
        {"op": "create", "type": "paragraph", "content": {"text": [{"text": "inside"}]}, "parent_id": new_id},
        {"op": "update", "id": old["id"], "content": {"text": [{"text": "old, edited"}]}},
        {"op": "move", "id": old["id"], "after_id": new_id},
    ]})

    assert answer.status_code == 200, answer.json()
    assert len(answer.json()["results"]) == 4
    body = api.get(f"/pages/{tree.page.pk}/blocks").json()["items"]
    assert texts(body) == ["new", "old, edited"] and texts(body[0]["children"]) == ["inside"]
    assert AuditEvent.objects.filter(action="blocks.bulk").get().changes == {"create": 2, "update": 1, "move": 1}


def test_bulk_with_one_bad_operation_changes_nothing(tree, people, api_for):
    api = api_for(people.editor)
    keep = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("keep")).json()
    before = api.get(f"/pages/{tree.page.pk}/blocks").json()
    events = AuditEvent.objects.count()

    answer = api.post(f"/pages/{tree.page.pk}/blocks/bulk", {"operations": [
        {"op": "create", "type": "paragraph", "content": {"text": [{"text": "would be new"}]}},
        {"op": "delete", "id": keep["id"]},
        {"op": "update", "id": str(uuid.uuid4()), "content": {}},
    ]})
    bad_content = api.post(f"/pages/{tree.page.pk}/blocks/bulk", {"operations": [
        {"op": "update", "id": keep["id"], "content": {"text": [{"text": "x"}]}},
        {"op": "create", "type": "quote", "content": {"text": "not a list"}},
    ]})

    assert answer.status_code == 422 and answer.json()["error"]["field"] == "operations[2].id"
    assert bad_content.status_code == 422 and bad_content.json()["error"]["field"] == "operations[1].content.text"
    assert api.get(f"/pages/{tree.page.pk}/blocks").json() == before
    assert AuditEvent.objects.count() == events


def test_mentions_become_references(tree, people, api_for):
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "paragraph", "content": {"text": [
        {"text": "ask "}, {"mention": {"kind": "user", "id": people.viewer.pk}, "text": "Viewer"},
        {"text": " about "}, {"mention": {"kind": "page", "id": tree.subpage.pk}, "text": "Onboarding"},
        {"mention": {"kind": "user", "id": 987654}, "text": "ghost"},
    ]}}).json()

    rows = sorted(BlockReference.objects.filter(block__id=block["id"]).values_list("kind", "target_user_id", "target_page_id"))
    api.patch(f"/blocks/{block['id']}", {"content": {"text": [{"text": "no mentions"}]}})

    assert rows == [("page", None, tree.subpage.pk), ("user", people.viewer.pk, None)]
    assert not BlockReference.objects.filter(block__id=block["id"]).exists()


def test_an_edit_that_adds_a_mention_to_a_plain_block_makes_its_reference(tree, people, api_for):
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "paragraph", "content": {"text": [{"text": "plain"}]}}).json()
    plain = BlockReference.objects.filter(block__id=block["id"]).exists()

    api.patch(f"/blocks/{block['id']}", {"content": {"text": [{"text": "ask "}, {"mention": {"kind": "user", "id": people.viewer.pk}, "text": "Viewer"}]}})

    assert plain is False
    assert list(BlockReference.objects.filter(block__id=block["id"]).values_list("kind", "target_user_id")) == [("user", people.viewer.pk)]


def test_a_block_with_children_keeps_a_type_that_takes_them(tree, people, api_for):
    api = api_for(people.editor)
    item = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "toggle", "content": {"text": [{"text": "item"}]}}).json()
    api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("child"), "parent_id": item["id"]})

    to_paragraph = api.patch(f"/blocks/{item['id']}", {"type": "paragraph"})
    to_quote = api.patch(f"/blocks/{item['id']}", {"type": "quote"})

    assert to_paragraph.status_code == 422 and "has children" in to_paragraph.json()["error"]["message"]
    assert to_quote.status_code == 200 and to_quote.json()["type"] == "quote"


def test_pages_in_the_trash_refuse_block_changes(tree, people, api_for):
    from ipai_workos_core import services as core

    api = api_for(people.editor)
    core.archive_page(tree.admin, tree.subpage)

    answer = api.post(f"/pages/{tree.subpage.pk}/blocks", paragraph("x"))

    assert answer.status_code == 409


@pytest.mark.parametrize("path, body", [
    ("/blocks/not-a-uuid", None),
    ("/blocks/00000000-0000-0000-0000-000000000000", None),
])
def test_unknown_block_ids_answer_404(tree, people, api_for, path, body):
    assert api_for(people.editor).get(path).status_code == 404


@pytest.mark.parametrize("body", [
    {"blocks": "nope"}, {"blocks": [1]}, {"blocks": [{"type": "paragraph", "content": [], "children": []}]},
    {"blocks": [{"type": "paragraph", "content": {}, "children": "x"}]}, {"blocks": [{"type": "paragraph", "id": "xyz"}]},
    {"blocks": [{"type": "paragraph", "colour": 1}]}, {},
])
def test_malformed_documents_answer_4xx_not_500(tree, people, api_for, body):
    answer = put_document(api_for(people.editor), tree.page.pk, body)

    assert answer.status_code == 422, answer.content
    assert "error" in answer.json()


@pytest.mark.parametrize("body", [
    {"after_id": "x"}, {"parent_id": str(uuid.uuid4())}, {"page_id": 987654}, {"after_id": 5},
])
def test_malformed_moves_answer_4xx(tree, people, api_for, body):
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("x")).json()

    answer = api.post(f"/blocks/{block['id']}/move", body)

    assert answer.status_code in (404, 422), answer.content


def test_deep_nesting_is_refused(tree, people, api_for):
    node = {"type": "toggle", "content": {}, "children": []}
    root = node
    for _ in range(40):
        child = {"type": "toggle", "content": {}, "children": []}
        node["children"].append(child)
        node = child

    answer = put_document(api_for(people.editor), tree.page.pk, {"blocks": [root]})

    assert answer.status_code == 422


def test_a_public_share_link_reads_blocks_html_and_attachments_without_login(tree, people, api_for, upload):
    from ipai_platform_permissions import services as permissions

    from .conftest import PNG

    image = upload(people.editor, f"/pages/{tree.page.pk}/attachments", "a.png", PNG, "image/png").json()
    put_document(api_for(people.editor), tree.page.pk, {"blocks": [paragraph("shared"), {"type": "image", "content": {"attachment_id": image["id"]}}]})
    _token, raw = permissions.create_share_token(tree.admin, tree.page, "view", audience="public")
    anonymous = api_for(None)

    blocks = anonymous.get(f"/pages/{tree.page.pk}/blocks", share=raw)
    html = anonymous.get(f"/pages/{tree.page.pk}/html", share=raw)
    content = anonymous.get(f"/attachments/{image['id']}/content", share=raw)
    other_page = anonymous.get(f"/pages/{tree.subpage.pk}/blocks", share=raw)
    write = anonymous.post(f"/pages/{tree.page.pk}/blocks", paragraph("x"), share=raw)

    assert blocks.status_code == 200 and texts(blocks.json()["items"]) == ["shared", ""]
    assert html.status_code == 200 and "shared" in html.content.decode()
    assert content.status_code == 200
    assert other_page.status_code == 200  # a share link covers the page's subtree
    assert write.status_code == 401
    assert anonymous.get(f"/pages/{tree.page.pk}/blocks", share="wss_wrong").status_code == 404


@pytest.mark.parametrize("operation, field", [
    ({"op": "move", "id": None, "page_id": "abc"}, "operations[0].page_id"),
    ({"op": "explode"}, "operations[0].op"),
    ({"op": "update"}, "operations[0].id"),
    ({"op": "create", "type": "paragraph", "colour": 1}, "operations[0].colour"),
])
def test_malformed_bulk_operations_answer_422_naming_the_operation(tree, people, api_for, operation, field):
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("x")).json()
    if operation.get("id", 0) is None:
        operation = {**operation, "id": block["id"]}

    answer = api.post(f"/pages/{tree.page.pk}/blocks/bulk", {"operations": [operation]})

    assert answer.status_code == 422 and answer.json()["error"]["field"] == field


def test_after_id_must_be_a_sibling_under_the_given_parent(tree, people, api_for):
    api = api_for(people.editor)
    item = api.post(f"/pages/{tree.page.pk}/blocks", {"type": "bulleted_list", "content": {}}).json()
    top = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("top")).json()

    answer = api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("x"), "parent_id": item["id"], "after_id": top["id"]})
    elsewhere = api.post(f"/pages/{tree.subpage.pk}/blocks", {**paragraph("x"), "after_id": top["id"]})

    assert answer.status_code == 422 and answer.json()["error"]["field"] == "after_id"
    assert elsewhere.status_code == 422 and elsewhere.json()["error"]["field"] == "after_id"


def test_openapi_documents_the_block_endpoints(db):
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()

    for path in ("/api/v1/pages/{page_id}/blocks", "/api/v1/pages/{page_id}/blocks/bulk", "/api/v1/blocks/{block_id}",
                 "/api/v1/blocks/{block_id}/move", "/api/v1/pages/{page_id}/attachments", "/api/v1/attachments/{attachment_id}/content",
                 "/api/v1/pages/{page_id}/html", "/api/v1/pages/{page_id}/export", "/api/v1/spaces/{space_id}/import"):
        assert path in schema["paths"], path
    assert "BlockOut" in schema["components"]["schemas"]
    assert "Replace the page's whole document" in schema["paths"]["/api/v1/pages/{page_id}/blocks"]["put"]["summary"]
