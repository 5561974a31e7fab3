"""Block identity per page (issue 10: no existence oracle through client-chosen block ids). A block is
identified by (page, id): creating a block with an id that only a page the user cannot read holds answers
exactly as with a free id; ``/blocks/{id}`` looks only at pages the user may read (409 when several of those
hold the id) and ``/pages/{page_id}/blocks/{block_id}`` names one block."""

from __future__ import annotations

import uuid

import pytest

from ipai_platform_audit.models import AuditEvent
from ipai_workos_blocks import services
from ipai_workos_blocks.models import Block
from ipai_workos_core import services as core

from .conftest import paragraph, put_document, texts

VARYING = ("id", "page_id", "created_at", "updated_at")


@pytest.fixture
def alices_block(tree):
    """A block on a page in Alice's (the admin's) private space: no one else can read it."""
    private = core.create_space(tree.admin, tree.workspace, "Admin only", visibility="private")
    page = core.create_page(tree.admin, space=private, title="Secret")
    return services.create_block(tree.admin, page, type="paragraph", content={"text": [{"text": "secret"}]})


def shape(answer) -> tuple:
    """An answer without what differs between two blocks made the same way (their ids, pages, times)."""
    def strip(value):
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if key not in VARYING}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return answer.status_code, strip(answer.json())


def untouched(block: Block) -> bool:
    kept = Block.objects.get(pk=block.pk)
    return kept.page_id == block.page_id and kept.content == {"text": [{"text": "secret"}]} and kept.updated_at == block.updated_at


def test_creating_with_the_id_of_a_block_bob_cannot_read_answers_as_with_a_fresh_id(tree, people, api_for, alices_block):
    bob = api_for(people.editor)
    fresh = str(uuid.uuid4())

    with_fresh = bob.post(f"/pages/{tree.page.pk}/blocks", paragraph("mine", id=fresh))
    with_alices = bob.post(f"/pages/{tree.subpage.pk}/blocks", paragraph("mine", id=str(alices_block.id)))

    assert with_fresh.status_code == 201 and with_fresh.json()["id"] == fresh
    assert with_alices.status_code == 201 and with_alices.json()["id"] == str(alices_block.id)
    assert shape(with_fresh) == shape(with_alices) and sorted(with_fresh.json()) == sorted(with_alices.json())
    assert untouched(alices_block)
    assert Block.objects.filter(id=alices_block.id).count() == 2


def test_bulk_create_with_the_id_of_a_block_bob_cannot_read_answers_as_with_a_fresh_id(tree, people, api_for, alices_block):
    bob = api_for(people.editor)

    def bulk_create(page, block_id):
        return bob.post(f"/pages/{page.pk}/blocks/bulk", {"operations": [{"op": "create", "type": "divider", "id": block_id}]})

    with_fresh, with_alices = bulk_create(tree.page, str(uuid.uuid4())), bulk_create(tree.subpage, str(alices_block.id))

    assert with_fresh.status_code == 200 and shape(with_fresh) == shape(with_alices)
    assert with_alices.json()["results"][0]["id"] == str(alices_block.id) and untouched(alices_block)


def test_a_whole_document_save_with_the_id_of_a_block_bob_cannot_read_answers_as_with_a_fresh_id(tree, people, api_for, alices_block):
    bob = api_for(people.editor)

    with_fresh = put_document(bob, tree.page.pk, {"blocks": [paragraph("mine", id=str(uuid.uuid4()))]})
    with_alices = put_document(bob, tree.subpage.pk, {"blocks": [paragraph("mine", id=str(alices_block.id))]})

    assert with_fresh.status_code == 200 and shape(with_fresh) == shape(with_alices)
    assert with_alices.json()["items"][0]["id"] == str(alices_block.id) and untouched(alices_block)
    assert AuditEvent.objects.filter(action="blocks.replace", target_id=str(tree.subpage.pk)).get().changes["created"] == 1
    # saved again, the block is the one on Bob's page (kept, updated), not Alice's
    again = put_document(bob, tree.subpage.pk, {"blocks": [paragraph("mine, edited", id=str(alices_block.id))]})
    assert again.status_code == 200 and texts(again.json()["items"]) == ["mine, edited"] and untouched(alices_block)


def test_an_id_taken_on_the_same_page_is_refused(tree, people, api_for):
    bob = api_for(people.editor)
    first = bob.post(f"/pages/{tree.page.pk}/blocks", paragraph("first")).json()

    again = bob.post(f"/pages/{tree.page.pk}/blocks", paragraph("again", id=first["id"]))
    in_bulk = bob.post(f"/pages/{tree.page.pk}/blocks/bulk", {"operations": [{"op": "create", "type": "divider", "id": first["id"]}]})

    assert again.status_code == 409 and again.json()["error"]["field"] == "id"
    assert in_bulk.status_code == 409 and in_bulk.json()["error"]["field"] == "operations[0].id"
    assert texts(bob.get(f"/pages/{tree.page.pk}/blocks").json()["items"]) == ["first"]


def test_a_block_on_a_page_bob_cannot_read_answers_like_a_missing_one(tree, people, api_for, alices_block):
    bob = api_for(people.editor)
    hidden, missing = str(alices_block.id), str(uuid.uuid4())
    page = alices_block.page_id

    for path in ("/blocks/{id}", f"/pages/{page}/blocks/{{id}}"):
        answers = [(bob.get(path.format(id=block_id)), bob.patch(path.format(id=block_id), {"content": {"text": []}}),
                    bob.delete(path.format(id=block_id)), bob.post(path.format(id=block_id) + "/move", {"page_id": tree.page.pk}))
                   for block_id in (hidden, missing)]
        assert [answer.status_code for answer in answers[0]] == [404] * 4
        assert [answer.json() for answer in answers[0]] == [answer.json() for answer in answers[1]]
    assert untouched(alices_block)


def test_the_same_id_on_two_readable_pages_must_be_addressed_through_its_page(tree, people, api_for, alices_block):
    bob = api_for(people.editor)
    shared = str(uuid.uuid4())
    on_page = bob.post(f"/pages/{tree.page.pk}/blocks", paragraph("on the page", id=shared)).json()
    bob.post(f"/pages/{tree.subpage.pk}/blocks", paragraph("on the sub-page", id=shared))

    ambiguous = bob.get(f"/blocks/{shared}")
    assert ambiguous.status_code == 409 and ambiguous.json()["error"]["code"] == "ambiguous_block_id"
    assert "/api/v1/pages/{page_id}/blocks/{block_id}" in ambiguous.json()["error"]["message"]
    assert bob.patch(f"/blocks/{shared}", {"content": {"text": []}}).status_code == 409

    read = bob.get(f"/pages/{tree.subpage.pk}/blocks/{shared}")
    assert read.status_code == 200 and texts([read.json()]) == ["on the sub-page"]
    patched = bob.patch(f"/pages/{tree.subpage.pk}/blocks/{shared}", paragraph("sub-page, edited"))
    assert patched.status_code == 200 and texts([patched.json()]) == ["sub-page, edited"]
    assert texts(bob.get(f"/pages/{tree.page.pk}/blocks").json()["items"]) == ["on the page"]
    toggle = bob.post(f"/pages/{tree.subpage.pk}/blocks", {"type": "toggle", "content": {"text": [{"text": "box"}]}}).json()
    moved = bob.post(f"/pages/{tree.subpage.pk}/blocks/{shared}/move", {"parent_id": toggle["id"]})
    assert moved.status_code == 200 and moved.json()["parent_id"] == toggle["id"]

    assert bob.delete(f"/pages/{tree.subpage.pk}/blocks/{shared}").status_code == 204
    alone = bob.get(f"/blocks/{shared}")  # one readable page holds it now
    assert alone.status_code == 200 and alone.json() == bob.get(f"/pages/{tree.page.pk}/blocks/{on_page['id']}").json()
    # a block Bob cannot read never makes his id ambiguous
    bob.post(f"/pages/{tree.subpage.pk}/blocks", paragraph("mine", id=str(alices_block.id)))
    assert bob.get(f"/blocks/{alices_block.id}").status_code == 200 and untouched(alices_block)


def test_a_block_moves_to_another_page_only_when_no_block_there_has_its_id(tree, people, api_for):
    bob = api_for(people.editor)
    toggle = bob.post(f"/pages/{tree.page.pk}/blocks", {"type": "toggle", "content": {"text": [{"text": "box"}]}}).json()
    child = bob.post(f"/pages/{tree.page.pk}/blocks", paragraph("inside", parent_id=toggle["id"])).json()
    bob.post(f"/pages/{tree.subpage.pk}/blocks", paragraph("same id as the child", id=child["id"]))
    version = bob.get(f"/pages/{tree.page.pk}/blocks").json()["version"]

    refused = bob.post(f"/pages/{tree.page.pk}/blocks/{toggle['id']}/move", {"page_id": tree.subpage.pk})

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "id_taken" and child["id"] in refused.json()["error"]["message"]
    assert bob.get(f"/pages/{tree.page.pk}/blocks").json()["version"] == version
    assert Block.objects.get(page=tree.page, id=child["id"]).parent.id == uuid.UUID(toggle["id"])
    bob.delete(f"/pages/{tree.subpage.pk}/blocks/{child['id']}")
    moved = bob.post(f"/blocks/{toggle['id']}/move", {"page_id": tree.subpage.pk})
    assert moved.status_code == 200 and moved.json()["page_id"] == tree.subpage.pk and moved.json()["children"][0]["id"] == child["id"]


def test_a_move_that_names_no_parent_keeps_the_block_under_its_parent(tree, people, api_for):
    """Rows point at keys, clients send ids: a move to the start of its siblings finds the parent by its id."""
    bob = api_for(people.editor)
    toggle = bob.post(f"/pages/{tree.page.pk}/blocks", {"type": "toggle", "content": {"text": [{"text": "box"}]}}).json()
    first = bob.post(f"/pages/{tree.page.pk}/blocks", paragraph("first", parent_id=toggle["id"])).json()
    second = bob.post(f"/pages/{tree.page.pk}/blocks", paragraph("second", parent_id=toggle["id"])).json()
    assert Block.objects.get(id=toggle["id"]).key != uuid.UUID(toggle["id"])

    moved = bob.post(f"/blocks/{second['id']}/move", {"after_id": None})

    assert moved.status_code == 200 and moved.json()["parent_id"] == toggle["id"]
    children = bob.get(f"/pages/{tree.page.pk}/blocks").json()["items"][0]["children"]
    assert [child["id"] for child in children] == [second["id"], first["id"]]
