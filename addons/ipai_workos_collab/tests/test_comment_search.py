"""Comments in search: found by whoever may read their page (and nobody else), opening the page at the comment,
fresh after every comment write (no reindex here: ``check()`` rebuilds every document from the live data and
finds nothing to fix), mentions' labels never searched."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_collab import services as collab
from ipai_workos_collab.models import Comment
from ipai_workos_core import services as core
from ipai_workos_core.registry import batched_content_notices
from ipai_workos_search import services as search

from .conftest import text


def _comments(user, query):
    return [item for item in search.search(user, query)["items"] if item["object"] == "comment"]


def test_a_comment_is_found_and_opens_its_page_at_the_comment(tree, person, api_for):
    ana = person("member")
    comment, _ = collab.create_comment(ana, tree.page, text("The walrus budget needs a second look"))
    answer = api_for(ana).get("/search", q="walrus")
    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert (item["object"], item["id"], item["comment_id"], item["block_id"]) == ("comment", tree.page.pk, comment.pk, None)
    assert item["title"] == "Comment on Handbook"
    assert "<mark>walrus</mark>" in item["snippet"]
    assert [step["title"] for step in item["path"]] == ["Engineering"]
    assert api_for(ana).get("/search", q="walrus", type="comment").json()["items"][0]["comment_id"] == comment.pk
    assert api_for(ana).get("/search", q="walrus", type="page").json()["items"] == []


def test_a_pages_title_does_not_make_its_comments_title_hits(tree, person):
    collab.create_comment(tree.admin, tree.page, text("first"))
    collab.create_comment(tree.admin, tree.page, text("second"))
    assert [item["object"] for item in search.search(tree.admin, "handbook")["items"]] == ["page"]
    assert search.search(tree.admin, "handbook", title_only=True)["items"][0]["object"] == "page"


def test_comment_writes_keep_the_index_fresh(tree, person):
    ana = person("member")
    root, _ = collab.create_comment(ana, tree.page, text("penguin rota"))
    reply, _ = collab.create_comment(tree.admin, tree.page, text("albatross too"), parent_id=root.pk)
    assert [item["comment_id"] for item in _comments(ana, "penguin")] == [root.pk]
    assert search.check() == []
    collab.update_comment(ana, root.pk, text("puffin rota"))
    assert _comments(ana, "penguin ") == [] and [item["comment_id"] for item in _comments(ana, "puffin")] == [root.pk]
    collab.set_resolved(ana, root.pk, True)
    assert [item["title"] for item in _comments(ana, "puffin albatross OR puffin")] == ["Resolved comment on Handbook"]
    assert _comments(ana, "albatross")[0]["title"] == "Resolved comment on Handbook"  # the thread's replies too
    collab.set_resolved(ana, root.pk, False)
    assert _comments(ana, "albatross")[0]["title"] == "Comment on Handbook"
    assert search.check() == []
    collab.delete_comment(ana, root.pk)  # it has a reply: stays as "comment deleted", with no text
    assert _comments(ana, "puffin ") == [] and len(_comments(ana, "albatross")) == 1
    collab.delete_comment(tree.admin, reply.pk)  # the last reply takes the tombstone with it
    assert _comments(ana, "albatross ") == []
    assert search.check() == []


def test_a_renamed_page_renames_its_comment_results(tree):
    collab.create_comment(tree.admin, tree.page, text("heron"))
    core.update_page(tree.admin, tree.page, title="Guide")
    assert _comments(tree.admin, "heron")[0]["title"] == "Comment on Guide"
    assert search.check() == []


def test_a_comment_is_found_only_by_those_who_may_read_its_page(tree, person, make_user, member_of):
    member, denied, outsider = person("member"), person("member", "none"), person("outsider")
    collab.create_comment(tree.admin, tree.page, text("narwhal"))
    assert len(_comments(member, "narwhal")) == 1
    assert search.search(denied, "narwhal")["items"] == []
    assert search.search(outsider, "narwhal")["items"] == []
    private = core.create_space(tree.admin, tree.workspace, "Board", visibility="private")
    secret = core.create_page(tree.admin, space=private, title="Merger")
    collab.create_comment(tree.admin, secret, text("narwhal acquisition"))
    assert len(_comments(member, "narwhal")) == 1
    permissions.grant(tree.admin, secret, "view", user_id=member.pk)  # read live: no index update needed
    assert len(_comments(member, "narwhal")) == 2
    core.archive_page(tree.admin, secret)  # comments go to the trash with their page
    assert len(_comments(member, "narwhal")) == 1 and len(_comments(tree.admin, "narwhal")) == 1
    core.restore_page(tree.admin, secret)
    assert len(_comments(tree.admin, "narwhal")) == 2
    assert search.check() == []


def test_a_mentions_label_in_a_comment_is_not_searched(tree, person):
    private = core.create_space(tree.admin, tree.workspace, "Board", visibility="private")
    secret = core.create_page(tree.admin, space=private, title="Quokka takeover")
    member = person("member")
    body = {"text": [{"text": "see "}, {"mention": {"kind": "page", "id": secret.pk}, "text": "Quokka takeover"}]}
    collab.create_comment(tree.admin, tree.page, body)
    assert search.search(member, "quokka")["items"] == []
    assert [item["object"] for item in search.search(tree.admin, "quokka")["items"]] == ["page"]
    assert len(_comments(member, "see")) == 1


def test_a_block_edit_leaves_the_pages_comments_alone(tree):
    """A block write tells ``body_changed``: the page's own document is rebuilt, its comments' (which hold its
    title, never its blocks) are not even read — a page of a hundred comments costs a keystroke nothing more."""
    collab.create_comment(tree.admin, tree.page, text("heron"))
    block = blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "first"}]})
    with CaptureQueriesContext(connection) as queries:
        blocks.update_block(tree.admin, block, content={"text": [{"text": "kingfisher"}]})
    assert not [query["sql"] for query in queries if Comment._meta.db_table in query["sql"]]
    assert [item["object"] for item in search.search(tree.admin, "kingfisher")["items"]] == ["page"]
    assert _comments(tree.admin, "heron")[0]["title"] == "Comment on Handbook"
    assert search.check() == []


def test_a_batch_that_renames_a_page_and_edits_its_body_renames_its_comments(tree):
    collab.create_comment(tree.admin, tree.page, text("heron"))
    with transaction.atomic(), batched_content_notices():
        blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "egret"}]})
        core.update_page(tree.admin, tree.page, title="Guide")
        blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "ibis"}]})
    assert _comments(tree.admin, "heron")[0]["title"] == "Comment on Guide"
    assert [item["title"] for item in search.search(tree.admin, "egret ibis")["items"]] == ["Guide"]
    assert search.check() == []
