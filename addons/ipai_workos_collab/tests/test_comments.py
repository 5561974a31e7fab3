"""Comments and threads over the API: writing, replies, anchors, edits, deletion, resolution, reactions, bad input."""

from __future__ import annotations

import pytest

from ipai_platform_audit.models import AuditEvent
from ipai_workos_blocks import services as blocks
from ipai_workos_collab.models import Comment, Mention, Notification, Reaction
from ipai_workos_core import services as core

from .conftest import mention, text


@pytest.fixture
def block(tree):
    return blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "Ship the release on Friday"}]})


def test_member_comments_replies_and_reads_the_thread(tree, person, api_for):
    ana = person("member")
    api = api_for(ana)
    first = api.post("/comments", {"page_id": tree.page.pk, "body": text("Looks good")})
    assert first.status_code == 201, first.json()
    reply = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "parent_id": first.json()["id"], "body": text("Thanks")})
    assert reply.status_code == 201
    listed = api.get("/comments", page_id=tree.page.pk).json()
    assert [item["body"]["text"][0]["text"] for item in listed["items"]] == ["Looks good"]
    assert [r["body"]["text"][0]["text"] for r in listed["items"][0]["replies"]] == ["Thanks"]
    assert listed["items"][0]["author"]["id"] == ana.pk
    assert AuditEvent.objects.filter(action="comment.create").count() == 2


def test_reply_to_a_reply_joins_the_thread(tree, api_for):
    api = api_for(tree.admin)
    root = api.post("/comments", {"page_id": tree.page.pk, "body": text("root")}).json()
    reply = api.post("/comments", {"page_id": tree.page.pk, "parent_id": root["id"], "body": text("one")}).json()
    nested = api.post("/comments", {"page_id": tree.page.pk, "parent_id": reply["id"], "body": text("two")}).json()
    assert nested["parent_id"] == root["id"]


def test_anchor_is_stored_with_its_text_and_must_lie_inside_the_block(tree, api_for, block):
    api = api_for(tree.admin)
    made = api.post("/comments", {"page_id": tree.page.pk, "block_id": str(block.id), "anchor": {"start": 5, "end": 16}, "body": text("which?")})
    assert made.status_code == 201, made.json()
    assert made.json()["anchor"] == {"start": 5, "end": 16, "text": "the release"}
    for anchor in ({"start": 5, "end": 500}, {"start": 3, "end": 3}, {"start": -1, "end": 2}, {"start": "a", "end": 2}, [1, 2]):
        refused = api.post("/comments", {"page_id": tree.page.pk, "block_id": str(block.id), "anchor": anchor, "body": text("x")})
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "anchor", (anchor, refused.json())
    changed = api.post("/comments", {"page_id": tree.page.pk, "block_id": str(block.id), "anchor": {"start": 0, "end": 4, "text": "Stop"}, "body": text("x")})
    assert changed.status_code == 422 and changed.json()["error"]["field"] == "anchor.text"
    other_page = blocks.create_block(tree.admin, tree.subpage, type="paragraph", content={"text": [{"text": "elsewhere"}]})
    wrong = api.post("/comments", {"page_id": tree.page.pk, "block_id": str(other_page.pk), "body": text("x")})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "block_id"
    assert api.post("/comments", {"page_id": tree.page.pk, "anchor": {"start": 0, "end": 1}, "body": text("x")}).status_code == 422
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("body, field", [
    ({"text": []}, "body"),
    ({"text": [{"text": "   "}]}, "body"),
    ({"text": [{"text": "x" * 20_001}]}, "body"),
    ("just a string", "body"),
    ({"text": [{"text": "hi", "marks": ["blink"]}]}, "body.text[0].marks"),
    ({"text": [{"text": "a", "href": "javascript:alert(1)"}]}, "body.text[0].href"),
    ({"text": [{"mention": {"kind": "user", "id": 987654}, "text": "@ghost"}]}, "body.text"),
    ({"text": [{"text": "hi"}], "html": "<script>"}, "body"),
])
def test_bad_bodies_are_refused_and_nothing_is_written(tree, api_for, body, field):
    answer = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": body})
    assert answer.status_code == 422, answer.json()
    assert answer.json()["error"]["field"] == field
    assert not Comment.objects.exists() and not Notification.objects.exists() and not AuditEvent.objects.filter(action__startswith="comment.").exists()


def test_twenty_thousand_characters_are_accepted(tree, api_for):
    assert api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": text("x" * 20_000)}).status_code == 201


def test_unknown_page_parent_and_comment_answer_404_or_422(tree, api_for):
    api = api_for(tree.admin)
    assert api.post("/comments", {"page_id": 99999, "body": text("x")}).status_code == 404
    assert api.post("/comments", {"page_id": 2**70, "body": text("x")}).status_code in (404, 422)
    assert api.get("/comments", page_id=99999).status_code == 404
    assert api.post("/comments", {"page_id": tree.page.pk, "parent_id": 99999, "body": text("x")}).status_code == 422
    assert api.patch("/comments/99999", {"body": text("x")}).status_code == 404
    assert api.delete("/comments/99999").status_code == 404
    assert api.post("/comments/99999/resolve").status_code == 404


def test_commenting_on_a_trashed_page_is_refused(tree, api_for):
    core.archive_page(tree.admin, tree.page)
    answer = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": text("x")})
    assert answer.status_code == 409 and "trash" in answer.json()["error"]["message"]
    assert not Comment.objects.exists()


def test_markup_in_text_is_escaped_in_html(tree, api_for):
    made = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": text("<img src=x onerror=alert(1)>")}).json()
    assert "<img" not in made["html"] and "&lt;img" in made["html"]


def test_author_edits_own_comment_and_nobody_else_can(tree, person, api_for):
    ana, bob = person("member"), person("member")
    made = api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("v1")}).json()
    edited = api_for(ana).patch(f"/comments/{made['id']}", {"body": text("v2")})
    assert edited.status_code == 200 and edited.json()["edited_at"] and edited.json()["body"] == text("v2")
    assert api_for(bob).patch(f"/comments/{made['id']}", {"body": text("mine now")}).status_code == 403
    assert api_for(tree.admin).patch(f"/comments/{made['id']}", {"body": text("admin")}).status_code == 403
    assert Comment.objects.get(pk=made["id"]).body == text("v2")
    assert AuditEvent.objects.filter(action="comment.update").count() == 1


def test_deleted_comment_with_replies_shows_comment_deleted(tree, person, api_for):
    ana = person("member")
    root = api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("root")}).json()
    api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "parent_id": root["id"], "body": text("reply")})
    assert api_for(ana).delete(f"/comments/{root['id']}").status_code == 204
    thread = api_for(ana).get("/comments", page_id=tree.page.pk).json()["items"][0]
    assert thread["deleted"] and thread["body"] is None and thread["author"] is None and "comment deleted" in thread["html"]
    assert len(thread["replies"]) == 1
    # the last reply going takes the tombstone with it
    assert api_for(tree.admin).delete(f"/comments/{thread['replies'][0]['id']}").status_code == 204
    assert api_for(ana).get("/comments", page_id=tree.page.pk).json()["items"] == []


def test_deleting_a_comment_without_replies_removes_it(tree, api_for):
    made = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": text("gone")}).json()
    assert api_for(tree.admin).delete(f"/comments/{made['id']}").status_code == 204
    assert not Comment.objects.exists()
    assert api_for(tree.admin).delete(f"/comments/{made['id']}").status_code == 404


def test_admin_deletes_anyones_comment_and_it_is_audited_as_moderation(tree, person, api_for):
    ana = person("member")
    made = api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("spam")}).json()
    assert api_for(tree.admin).delete(f"/comments/{made['id']}").status_code == 204
    event = AuditEvent.objects.get(action="comment.moderate_delete")
    assert event.actor_id == tree.admin.pk and event.changes["author"] == ana.pk


def test_resolve_and_reopen_a_thread(tree, person, api_for):
    ana = person("member")
    root = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": text("q")}).json()
    reply = api_for(ana).post("/comments", {"page_id": tree.page.pk, "parent_id": root["id"], "body": text("a")}).json()
    resolved = api_for(ana).post(f"/comments/{root['id']}/resolve")
    assert resolved.status_code == 200 and resolved.json()["resolved"] and resolved.json()["resolved_by"]["id"] == ana.pk
    assert api_for(ana).post(f"/comments/{reply['id']}/resolve").status_code == 422
    reopened = api_for(tree.admin).post(f"/comments/{root['id']}/reopen").json()
    assert not reopened["resolved"] and reopened["resolved_by"] is None
    assert [e.action for e in AuditEvent.objects.filter(action__in=["comment.resolve", "comment.reopen"]).order_by("pk")] == ["comment.resolve", "comment.reopen"]


def test_reactions_count_per_emoji_and_mark_mine(tree, person, api_for):
    ana = person("member")
    made = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": text("ship it")}).json()
    api_for(tree.admin).post(f"/comments/{made['id']}/reactions", {"emoji": "👍"})
    mine = api_for(ana).post(f"/comments/{made['id']}/reactions", {"emoji": "👍"}).json()
    assert mine == [{"emoji": "👍", "count": 2, "mine": True}]
    again = api_for(ana).post(f"/comments/{made['id']}/reactions", {"emoji": "👍"}).json()
    assert again[0]["count"] == 2
    assert api_for(ana).post(f"/comments/{made['id']}/reactions", {"emoji": "thumbs"}).status_code == 422
    assert api_for(ana).post(f"/comments/{made['id']}/reactions", {"emoji": ""}).status_code == 422
    taken_back = api_for(ana).delete(f"/comments/{made['id']}/reactions/👍").json()
    assert taken_back == [{"emoji": "👍", "count": 1, "mine": False}]
    assert Reaction.objects.count() == 1


def test_comment_mentions_are_stored(tree, person, api_for):
    ana = person("member")
    made = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": mention(ana)}).json()
    assert list(Mention.objects.filter(comment_id=made["id"]).values_list("mentioned_user_id", flat=True)) == [ana.pk]
    assert 'data-mention-id="%d"' % ana.pk in made["html"]
