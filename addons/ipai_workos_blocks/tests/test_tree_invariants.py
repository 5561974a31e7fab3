"""Random creates, moves (also across pages and into descendants) and deletes through the services keep every
page's blocks one well-formed tree, also when blocks of both pages share ids (ids are unique per page only);
PUT keeps references in step."""

from __future__ import annotations

import random
import uuid

import pytest

from ipai_workos_blocks import services
from ipai_workos_blocks.models import Block, BlockReference
from workos.kernel.errors import Conflict, InvalidInput

from .conftest import put_document


def check_tree(page) -> int:
    blocks = {block.id: block for block in Block.objects.filter(page=page)}
    seen = []

    def walk(trees, parent):  # parent: the parent's key (what rows point at)
        ranks = [tree["rank"] for tree in trees]
        assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
        for tree in trees:
            block = blocks[uuid.UUID(tree["id"])]
            assert block.parent_id == parent and block.page_id == page.pk
            seen.append(block.id)
            walk(tree["children"], block.pk)

    walk(services.document(page), None)
    assert sorted(seen) == sorted(blocks)  # every block exactly once: no cycles, no orphans
    return len(seen)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_operations_keep_each_page_a_tree(tree, people, seed):
    rng = random.Random(seed)
    pages = [tree.page, tree.subpage]
    editor = people.editor

    for _ in range(120):
        page = rng.choice(pages)
        existing = list(Block.objects.filter(page=page))
        action = rng.choice(["create", "create", "move", "move", "move", "delete"]) if existing else "create"
        if action == "create":
            parents = [None] + [block for block in existing if block.type in ("toggle", "bulleted_list", "quote")]
            parent = rng.choice(parents)
            siblings = [block for block in existing if block.parent_id == (parent.pk if parent else None)]
            after = rng.choice([services.UNSET, None] + siblings)
            ids = {block.id for block in existing}
            elsewhere = [block.id for block in Block.objects.exclude(page=page) if block.id not in ids]
            block_id = rng.choice([None, None] + elsewhere[:1])  # now and then the id of a block of the other page
            services.create_block(editor, page, type=rng.choice(["paragraph", "toggle", "bulleted_list", "quote", "divider"]),
                                  content={}, parent_id=str(parent.id) if parent else None,
                                  after_id=str(after.id) if isinstance(after, Block) else after, block_id=block_id)
        elif action == "move":
            block = rng.choice(existing)
            target = rng.choice(pages)
            candidates = [None] + [b for b in Block.objects.filter(page=target) if b.type in ("toggle", "bulleted_list", "quote")]
            parent = rng.choice(candidates)
            try:
                services.move_block(editor, block, page=target, parent_id=str(parent.id) if parent else None)
            except InvalidInput as error:
                assert error.field == "parent_id"
            except Conflict as error:  # the target page has a block with the id of one of the moved blocks
                assert error.field == "page_id" and target != block.page

        else:
            services.delete_block(editor, rng.choice(existing))
        for each in pages:
            check_tree(each)
    assert sum(check_tree(page) for page in pages) == Block.objects.count()
    assert Block.objects.values("id").distinct().count() < Block.objects.count()  # some ids are on both pages


def test_put_document_rewrites_references(tree, people, api_for):
    api = api_for(people.editor)
    mention = {"mention": {"kind": "page", "id": tree.subpage.pk}, "text": "Onboarding"}
    saved = put_document(api, tree.page.pk, {"blocks": [{"type": "paragraph", "content": {"text": [mention]}}]}).json()["items"]
    block_id = saved[0]["id"]
    assert BlockReference.objects.filter(block__id=block_id, target_page=tree.subpage).count() == 1

    put_document(api, tree.page.pk, {"blocks": [{"id": block_id, "type": "paragraph", "content": {"text": [{"text": "plain"}]}}]})

    assert not BlockReference.objects.filter(block__id=block_id).exists()
    assert list(services.backlinks(people.editor, tree.subpage)) == []


def test_backlinks_and_mentions_are_permission_filtered(tree, people, api_for):
    from ipai_platform_permissions import services as permissions

    api = api_for(people.editor)
    api.post(f"/pages/{tree.page.pk}/blocks", {"type": "paragraph", "content": {"text": [
        {"mention": {"kind": "page", "id": tree.subpage.pk}, "text": "Onboarding"},
        {"mention": {"kind": "user", "id": people.viewer.pk}, "text": "Viewer"}]}})

    assert list(services.backlinks(people.editor, tree.subpage)) == [tree.page]
    assert services.mentions_of_user(people.editor, people.viewer.pk).count() == 1
    permissions.grant(tree.admin, tree.page, "none", user_id=people.editor.pk)
    assert list(services.backlinks(people.editor, tree.subpage)) == []
    assert services.mentions_of_user(people.outsider, people.viewer.pk).count() == 0
