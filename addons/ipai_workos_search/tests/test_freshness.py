"""The index stays right in the same transaction as every kind of write, through the services of core, blocks
and databases (no reindex in these tests): what a search finds, and ``check()`` — which rebuilds every document
from the live data and compares — finding nothing to fix."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Block
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_db import services as databases
from ipai_workos_db.models import Row
from ipai_workos_search import services as search

from workos.kernel.errors import ServiceError

from .conftest import text, titles


def _found(user, query):
    return titles(search.search(user, query))


def _fresh():
    assert search.check() == []


def test_page_create_rename_and_history_restore(tree, make_user, member_of):
    editor = member_of(make_user())  # another user's save makes a new version (one user's saves coalesce)
    page = core.create_page(tree.admin, space=tree.space, title="Kickoff")
    assert _found(tree.admin, "kickoff") == ["Kickoff"]
    core.update_page(editor, page, title="Retrospective")
    assert _found(tree.admin, "kickoff ") == [] and _found(tree.admin, "retrospective") == ["Retrospective"]
    core.restore_version(tree.admin, page, 1)
    assert _found(tree.admin, "kickoff") == ["Kickoff"]
    _fresh()


def test_block_writes_one_by_one(tree):
    page = core.create_page(tree.admin, space=tree.space, title="Notes")
    other = core.create_page(tree.admin, space=tree.space, title="Elsewhere")
    block = blocks.create_block(tree.admin, page, type="paragraph", content=text("pineapple"))
    assert _found(tree.admin, "pineapple") == ["Notes"]
    blocks.update_block(tree.admin, block, content=text("mango"))
    assert _found(tree.admin, "pineapple ") == [] and _found(tree.admin, "mango") == ["Notes"]
    blocks.update_block(tree.admin, block, type="heading_1")
    assert _found(tree.admin, "mango") == ["Notes"]
    blocks.move_block(tree.admin, blocks.get_block(tree.admin, block.id), page=other)
    assert _found(tree.admin, "mango") == ["Elsewhere"]
    blocks.delete_block(tree.admin, blocks.get_block(tree.admin, block.id))
    assert _found(tree.admin, "mango ") == []
    _fresh()


def test_bulk_and_put_document(tree):
    page = core.create_page(tree.admin, space=tree.space, title="Bulk")
    created = blocks.bulk(tree.admin, page, [{"op": "create", "type": "paragraph", "content": text("kiwi")},
                                             {"op": "create", "type": "paragraph", "content": text("lemon")}])
    assert _found(tree.admin, "kiwi") == ["Bulk"]
    blocks.bulk(tree.admin, page, [{"op": "delete", "id": created[0]["id"]}, {"op": "update", "id": created[1]["id"], "content": text("lime")}])
    assert _found(tree.admin, "kiwi ") == [] and _found(tree.admin, "lime") == ["Bulk"]
    blocks.replace_document(tree.admin, page, [{"type": "heading_2", "content": text("papaya")}], base_version=blocks.document_version(page))
    assert _found(tree.admin, "papaya") == ["Bulk"] and _found(tree.admin, "lime ") == []
    _fresh()


def test_markdown_import_and_duplicate(tree):
    result = blocks.import_file(tree.admin, tree.space, "plan.md", b"# Imported plan\n\nwatermelon seeds\n")
    assert _found(tree.admin, "watermelon") == ["Imported plan"]
    page = core.get_page(tree.admin, result["items"][0]["id"])
    core.duplicate_page(tree.admin, page)
    assert sorted(_found(tree.admin, "watermelon")) == ["Imported plan", "Imported plan (copy)"]
    _fresh()


def test_move_trash_restore_and_delete(tree, make_user, member_of):
    member = member_of(make_user())
    private = core.create_space(tree.admin, tree.workspace, "Board", visibility="private")
    top = core.create_page(tree.admin, space=tree.space, title="Strategy")
    below = core.create_page(tree.admin, parent=top, title="Strategy details")
    assert sorted(_found(member, "strategy")) == ["Strategy", "Strategy details"]
    core.move_page(tree.admin, top, space=private)
    assert _found(member, "strategy") == [] and len(_found(tree.admin, "strategy")) == 2
    assert _found(tree.admin, "details") and search.search(tree.admin, "details", scope="space", scope_id=private.pk)["items"]
    core.move_page(tree.admin, core.get_page(tree.admin, top.pk), space=tree.space)
    core.move_page(tree.admin, core.get_page(tree.admin, below.pk), parent=tree.page)
    assert titles(search.search(tree.admin, "details", scope="page", scope_id=tree.page.pk)) == ["Strategy details"]
    core.archive_page(tree.admin, core.get_page(tree.admin, tree.page.pk))
    assert _found(tree.admin, "details") == [] and _found(tree.admin, "onboarding") == []
    core.restore_page(tree.admin, core.get_page(tree.admin, tree.page.pk))
    assert _found(tree.admin, "details") == ["Strategy details"]
    core.archive_page(tree.admin, core.get_page(tree.admin, below.pk))
    core.delete_page(tree.admin, core.get_page(tree.admin, below.pk))
    assert _found(tree.admin, "details") == []
    _fresh()


def test_purge_trash_and_delete_space(tree):
    sales = core.create_space(tree.admin, tree.workspace, "Sales")
    old = core.create_page(tree.admin, space=sales, title="Lemonade")
    core.archive_page(tree.admin, old)
    core.purge_trash(None, days=0, now=timezone.now() + timedelta(seconds=1))
    kept = core.create_page(tree.admin, space=sales, title="Lemonade stand")
    assert _found(tree.admin, "lemonade") == ["Lemonade stand"]
    core.delete_space(tree.admin, sales)
    assert _found(tree.admin, "lemonade") == []
    assert not search.document_of(kept)
    _fresh()


def test_rows_values_properties_and_database_trash(tree, make_user, member_of):
    member = member_of(make_user())
    database = databases.create_database(tree.admin, space=tree.space, title="Inventory")
    notes = databases.create_property(tree.admin, database, name="Notes", type="text")
    stage = databases.create_property(tree.admin, database, name="Stage", type="select", config={"options": [{"name": "Ordered"}]})
    row = databases.create_row(tree.admin, database, {"Name": "Bolts", "Notes": "galvanised", "Stage": "Ordered"})
    assert _found(member, "galvanised") == ["Bolts"] and _found(member, "ordered") == ["Bolts"]
    databases.update_row(tree.admin, row, {"Name": "Screws", "Notes": "stainless"})
    assert _found(member, "stainless") == ["Screws"] and _found(member, "galvanised ") == []
    databases.bulk_update_rows(tree.admin, database, row_ids=[row.pk], values={"Notes": "brass"})
    assert _found(member, "brass") == ["Screws"]
    databases.update_property(tree.admin, stage, config={"options": [{**stage.config["options"][0], "name": "Delivered"}]})
    assert _found(member, "delivered") == ["Screws"] and _found(member, "ordered ") == []
    databases.delete_property(tree.admin, databases.get_property(tree.admin, notes.pk))
    assert _found(member, "brass ") == []
    copy = databases.duplicate_row(tree.admin, databases.get_row(tree.admin, row.pk))
    assert [item["id"] for item in search.search(member, "screws")["items"]] in ([row.page_id, copy.page_id], [copy.page_id, row.page_id])
    databases.archive_row(tree.admin, databases.get_row(tree.admin, copy.pk))
    assert [item["id"] for item in search.search(member, "screws")["items"]] == [row.page_id]
    databases.restore_row(tree.admin, databases.get_row(tree.admin, copy.pk))
    databases.archive_database(tree.admin, database)
    assert _found(member, "screws") == []
    database = databases.restore_database(tree.admin, databases.get_database(tree.admin, database.pk))
    assert len(_found(member, "screws")) == 2
    databases.import_csv(tree.admin, database, b"Name,Stage\nNuts,Delivered\n")
    assert "Nuts" in _found(member, "delivered")
    _fresh()


def test_permission_changes_apply_at_the_next_search(tree, make_user, member_of):
    member = member_of(make_user())
    page = core.create_page(tree.admin, space=tree.space, title="Salaries")
    assert _found(member, "salaries") == ["Salaries"]
    grant = permissions.grant(tree.admin, page, "none", user_id=member.pk)
    assert _found(member, "salaries") == []
    permissions.revoke_grant(tree.admin, grant.pk)
    core.update_space(tree.admin, tree.space, visibility="private")
    assert _found(member, "salaries") == []
    core.change_member_role(tree.admin, tree.workspace, member.pk, "admin")
    assert _found(member, "salaries") == ["Salaries"]


# --- random sequences of writes, compared with the live data after each ------------------------------------

WRITES = st.lists(st.tuples(st.sampled_from(["create", "rename", "block", "edit", "move", "trash", "restore", "row", "row_edit",
                                             "put", "duplicate"]), st.integers(0, 50), st.sampled_from(["apple", "pear", "plum"])),
                  min_size=1, max_size=10)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(writes=WRITES)
def test_random_writes_keep_the_index_equal_to_the_live_data(tree, writes):
    with transaction.atomic():
        database = databases.create_database(tree.admin, space=tree.space, title="Log")
        for kind, number, word in writes:
            pages = list(Page.objects.filter(container_model="").order_by("pk"))
            live = [page for page in pages if page.archived_at is None]
            page = live[number % len(live)] if live else None
            if kind == "create" or page is None:
                core.create_page(tree.admin, parent=page if number % 2 and page else None, space=None if number % 2 and page else tree.space, title=word)
            elif kind == "rename":
                core.update_page(tree.admin, page, title=f"{word} {number}")
            elif kind == "block":
                blocks.create_block(tree.admin, page, type="paragraph", content=text(word))
            elif kind == "edit":
                block = Block.objects.filter(page=page).first()
                if block:
                    blocks.update_block(tree.admin, block, content=text(f"{word} edited"))
            elif kind == "move":
                target = live[(number // 3) % len(live)]
                try:
                    core.move_page(tree.admin, page, parent=target)
                except ServiceError:
                    pass  # into itself: refused, nothing changed
            elif kind == "trash":
                core.archive_page(tree.admin, page)
            elif kind == "restore":
                trashed = [p for p in pages if p.archived_at is not None]
                if trashed:
                    core.restore_page(tree.admin, trashed[number % len(trashed)])
            elif kind == "row":
                databases.create_row(tree.admin, database, {"Name": word})
            elif kind == "row_edit":
                row = Row.objects.filter(database=database).first()
                if row:
                    databases.update_row(tree.admin, row, {"Name": f"{word} row"})
            elif kind == "put":
                blocks.replace_document(tree.admin, page, [{"type": "paragraph", "content": text(word)}], base_version=blocks.document_version(page))
            elif kind == "duplicate":
                core.duplicate_page(tree.admin, page)
            assert search.check() == [], (kind, number, word)
        transaction.set_rollback(True)


def test_a_long_page_save_tokenises_only_the_chunks_that_changed(tree, skip_unless_postgresql):
    """PostgreSQL keeps a vector per chunk of lines: a save that changes one block stores one new chunk (the
    others are reused), and the page's vector is still the whole text's — every word found, a phrase across a
    chunk's end too, and ``check()`` (which tokenises the text afresh) agrees."""
    from ipai_workos_search import backends
    from ipai_workos_search.models import SearchChunk

    page = core.create_page(tree.admin, space=tree.space, title="Long page")
    lines = [f"line{n} filler words here" for n in range(300)]
    blocks.replace_document(tree.admin, page, [{"type": "paragraph", "content": text(line)} for line in lines],
                            base_version=blocks.document_version(page))
    document = search.document_of(page)
    before = set(SearchChunk.objects.filter(document=document).values_list("part", "digest"))
    assert len(backends.chunks_of(document.body)) == len([part for part, _digest in before if part == "C"]) > 4
    current = blocks.document(page)
    current[150]["content"] = text("mangosteen appears once")
    blocks.replace_document(tree.admin, page, current, base_version=blocks.document_version(page))
    after = set(SearchChunk.objects.filter(document=document).values_list("part", "digest"))
    assert len(after - before) == 1 and len(before - after) == 1
    assert _found(tree.admin, "mangosteen") == ["Long page"]
    assert _found(tree.admin, "line299") == ["Long page"] and _found(tree.admin, "line0") == ["Long page"]
    chunks = backends.chunks_of(search.document_of(page).body)
    last_word, first_word = chunks[0].split()[-1], chunks[1].split()[0]
    assert _found(tree.admin, f'"{last_word} {first_word}"') == ["Long page"]  # a phrase across two chunks
    _fresh()
