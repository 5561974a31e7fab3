"""Migration 0004 (block identity per page) on a database that already has blocks, nested blocks, comments
anchored to blocks, mentions and references: forwards every block keeps its id and everything that pointed at
it still does; backwards the blocks are known by their keys again. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Block
from ipai_workos_collab.models import Comment, Mention

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("ipai_workos_blocks", "0003_live_document")
AFTER = ("ipai_workos_blocks", "0004_block_identity_per_page")
COLLAB = ("ipai_workos_collab", "0003_comment_block_set_null")


def migrate(target):
    """Migrate the blocks module to ``target``; the historical models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor = MigrationExecutor(connection)
    return executor.loader.project_state([target, COLLAB]).apps


def test_migrating_a_populated_database_keeps_every_block_and_what_points_at_it(tree, make_user):
    reader = make_user()
    toggle_id, child_id, mentioning_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        old = migrate(BEFORE)
        OldBlock, OldReference = old.get_model("ipai_workos_blocks", "Block"), old.get_model("ipai_workos_blocks", "BlockReference")
        OldComment, OldMention = old.get_model("ipai_workos_collab", "Comment"), old.get_model("ipai_workos_collab", "Mention")
        toggle = OldBlock.objects.create(id=toggle_id, page_id=tree.page.pk, type="toggle", content={"text": [{"text": "Plans"}]}, rank="a")
        OldBlock.objects.create(id=child_id, page_id=tree.page.pk, parent=toggle, type="paragraph",
                                content={"text": [{"text": "release soon"}]}, rank="a")
        mentioning = OldBlock.objects.create(id=mentioning_id, page_id=tree.subpage.pk, type="paragraph", rank="a", content={"text": [
            {"mention": {"kind": "user", "id": reader.pk}, "text": "Reader"}]})
        OldReference.objects.create(block=mentioning, page_id=tree.subpage.pk, kind="user", target_user_id=reader.pk)
        thread = OldComment.objects.create(page_id=tree.page.pk, block_id=child_id, author_id=tree.admin.pk, body={"text": [{"text": "when?"}]},
                                           anchor={"start": 0, "end": 7, "text": "release"})
        OldMention.objects.create(page_id=tree.subpage.pk, block=mentioning, mentioned_user_id=reader.pk, created_by_id=tree.admin.pk)

        migrate(AFTER)

        assert sorted(Block.objects.values_list("id", flat=True)) == sorted([toggle_id, child_id, mentioning_id])
        assert all(block.key == block.id for block in Block.objects.all())  # a block's key is its old id
        child = Block.objects.get(page=tree.page, id=child_id)
        assert child.parent.id == toggle_id and child.parent.page_id == tree.page.pk
        assert Comment.objects.get(pk=thread.pk).block.id == child_id
        assert Mention.objects.get(block__id=mentioning_id).mentioned_user_id == reader.pk
        assert blocks.references_to("user", reader.pk).get().block.id == mentioning_id
        assert [item["id"] for item in blocks.document(tree.page)] == [str(toggle_id)]
        assert blocks.document(tree.page)[0]["children"][0]["id"] == str(child_id)
        # ids are unique per page now: the sub-page may hold a block with the child's id
        twin = blocks.create_block(tree.admin, tree.subpage, type="paragraph", content={"text": [{"text": "twin"}]}, block_id=str(child_id))
        assert twin.id == child_id and twin.key != child_id
        blocks.delete_block(tree.admin, twin)

        older = migrate(BEFORE)  # backwards: blocks are known by their keys again, the comment still points at its block
        assert older.get_model("ipai_workos_collab", "Comment").objects.get(pk=thread.pk).block.id == child_id
        assert older.get_model("ipai_workos_blocks", "Block").objects.get(id=child_id).parent_id == toggle_id
    finally:
        migrate(AFTER)
