"""``/api/v1/comments``, ``/notifications``, ``/follows``: parse, call the service, shape the answer.

A comment's ``body`` is rich text in the blocks' format: ``{"text": [{"text": "hi "}, {"mention": {"kind":
"user", "id": 7}, "text": "@ana"}]}`` (1 to 20,000 characters). ``anchor`` pins a comment to a range of its
block's plain text: ``{"start": 0, "end": 5}`` (the answer adds the quoted ``text``). Threads are one level
deep: a reply names its thread's first comment (or any comment of the thread) as ``parent_id``. An inline
thread (``block_id`` + ``anchor``) marks its text with the ``comment`` mark (span key ``comment``: the thread
id) so that the anchor follows edits; ``mark_text: false`` leaves that to an editor that can change the text.
Threads answer with their ``anchor`` as it is now, and ``orphaned: true`` once the marked text is gone. Writing
answers carry ``not_notified``: people the comment mentions who cannot read the page and so were not told.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema
from ninja.responses import NinjaJSONEncoder

from ipai_workos_core import services as core
from workos.kernel.cursors import DEFAULT_LIMIT
from workos.kernel.errors import InvalidInput, NotFound

from . import services
from .services._common import _is_id, user_label

router = Router(tags=["collaboration"])


class PersonOut(Schema):
    id: int
    name: str


class ReactionOut(Schema):
    emoji: str
    count: int
    mine: bool


class CommentOut(Schema):
    id: int
    page_id: int
    block_id: str | None
    orphaned: bool
    parent_id: int | None
    anchor: dict[str, Any] | None
    author: PersonOut | None
    body: dict[str, Any] | None
    html: str
    deleted: bool
    resolved: bool
    resolved_at: datetime | None
    resolved_by: PersonOut | None
    edited_at: datetime | None
    created_at: datetime
    reactions: list[ReactionOut]
    replies: list["CommentOut"]


CommentOut.model_rebuild()


class CommentWriteOut(CommentOut):
    not_notified: list[PersonOut]


class ThreadsOut(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class CommentIn(Schema):
    page_id: int
    body: Any
    parent_id: int | None = None
    block_id: str | None = None
    anchor: Any = None
    mark_text: Any = True


class CommentPatchIn(Schema):
    body: Any


class ReactionIn(Schema):
    emoji: Any


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    target_model: str
    target_id: str
    actor: PersonOut | None
    read: bool
    archived: bool
    created_at: datetime


class InboxOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class CountOut(Schema):
    count: int


class FollowIn(Schema):
    page_id: int


class FollowOut(Schema):
    page_id: int
    title: str
    following: bool


class FollowsOut(Schema):
    items: list[FollowOut]


class MentionPersonOut(Schema):
    id: int
    username: str
    name: str
    can_read: bool


class MentionPeopleOut(Schema):
    items: list[MentionPersonOut]
    can_share: bool


class EmailPreferenceIn(Schema):
    mode: Any


class EmailPreferenceOut(Schema):
    mode: str


def _page(request, page_id, action: str = "read"):
    if not _is_id(page_id):
        raise NotFound("no such page")
    return core.get_page(request.user, page_id, action)


def _one(request, comment) -> dict:
    return services.comment_json(comment, {comment.pk: services.reactions_json(comment, request.user)},
                                 anchors=services.anchors_of(comment.page, [comment]))


def _written(request, comment, not_notified) -> dict:
    # the anchor as written (an editor marks its text after this answer: it is not orphaned meanwhile)
    answer = services.comment_json(comment, {comment.pk: services.reactions_json(comment, request.user)})
    answer["not_notified"] = [{"id": user.pk, "name": user_label(user)} for user in not_notified]
    return answer


# --- comments ----------------------------------------------------------------------------------------------


@router.get("/comments", response=ThreadsOut, summary="A page's threads (first comments with their replies), oldest first")
def list_comments(request, page_id: int, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    threads = services.threads_of(request.user, _page(request, page_id), limit=limit, cursor=cursor)
    # Already in ThreadsOut's shape (comment_json; test_thread_list_answers_the_documented_schema checks it):
    # checking hundreds of nested comments through the schema again took longer than reading them.
    return HttpResponse(json.dumps(threads, cls=NinjaJSONEncoder), content_type="application/json")


@router.post("/comments", response={201: CommentWriteOut}, summary="Comment on a page, reply in a thread, or comment on a range of a block")
def create_comment(request, payload: CommentIn):
    page = _page(request, payload.page_id)
    comment, not_notified = services.create_comment(request.user, page, payload.body, parent_id=payload.parent_id,
                                                    block_id=payload.block_id, anchor=payload.anchor, mark_text=payload.mark_text)
    return 201, _written(request, comment, not_notified)


@router.get("/comments/{comment_id}", response=CommentOut, summary="One comment")
def get_comment(request, comment_id: int):
    return _one(request, services.get_comment(request.user, comment_id))


@router.patch("/comments/{comment_id}", response=CommentWriteOut, summary="Rewrite your comment")
def update_comment(request, comment_id: int, payload: CommentPatchIn):
    comment, not_notified = services.update_comment(request.user, comment_id, payload.body)
    return _written(request, comment, not_notified)


@router.delete("/comments/{comment_id}", response={204: None}, summary="Delete a comment (yours; anyone's for the page's owner and admins)")
def delete_comment(request, comment_id: int):
    services.delete_comment(request.user, comment_id)
    return 204, None


@router.post("/comments/{comment_id}/resolve", response=CommentOut, summary="Resolve a thread")
def resolve_comment(request, comment_id: int):
    return _one(request, services.set_resolved(request.user, comment_id, True))


@router.post("/comments/{comment_id}/reopen", response=CommentOut, summary="Reopen a resolved thread")
def reopen_comment(request, comment_id: int):
    return _one(request, services.set_resolved(request.user, comment_id, False))


@router.post("/comments/{comment_id}/reactions", response=list[ReactionOut], summary="React to a comment with an emoji")
def add_reaction(request, comment_id: int, payload: ReactionIn):
    comment = services.react(request.user, comment_id, payload.emoji, add=True)
    return services.reactions_json(comment, request.user)


@router.delete("/comments/{comment_id}/reactions/{emoji}", response=list[ReactionOut], summary="Take back your reaction")
def remove_reaction(request, comment_id: int, emoji: str):
    comment = services.react(request.user, comment_id, emoji, add=False)
    return services.reactions_json(comment, request.user)


@router.get("/mentions/people", response=MentionPeopleOut,
            summary="Workspace members to @mention on a page, with whether each may read it (and whether you may share it)")
def mention_people(request, page_id: int, q: str = "", limit: int = 8, ids: str | None = None):
    wanted = None
    if ids is not None:
        parts = [part for part in ids.split(",") if part]
        if not all(part.isdigit() and len(part) < 19 for part in parts):
            raise InvalidInput("ids is a comma-separated list of user ids", field="ids")
        wanted = [int(part) for part in parts]
    return services.mention_candidates(request.user, _page(request, page_id), q, limit=limit if wanted is None else max(1, min(len(wanted), 20)), ids=wanted)


# --- notifications -----------------------------------------------------------------------------------------


def _notification_out(notification) -> dict:
    return {
        "id": notification.pk, "kind": notification.kind, "title": notification.title, "body": notification.body,
        "url": notification.url, "target_model": notification.target_model, "target_id": notification.target_id,
        "actor": {"id": notification.actor.pk, "name": user_label(notification.actor)} if notification.actor else None,
        "read": notification.read_at is not None, "archived": notification.archived_at is not None,
        "created_at": notification.created_at,
    }


@router.get("/notifications", response=InboxOut, summary="Your inbox, newest first (unread=true: unread only; archived=true: the archive)")
def list_notifications(request, unread: bool = False, archived: bool = False, limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    box = "archived" if archived else "unread" if unread else "all"
    page = services.inbox(request.user, box, limit=limit, cursor=cursor)
    return {**page, "items": [_notification_out(item) for item in page["items"]]}


@router.post("/notifications/read-all", response=CountOut, summary="Mark every notification read")
def read_all(request):
    return {"count": services.mark_all_read(request.user)}


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="Mark a notification read")
def read_notification(request, notification_id: int):
    return _notification_out(services.mark_read(request.user, notification_id))


@router.post("/notifications/{notification_id}/unread", response=NotificationOut, summary="Mark a notification unread again")
def unread_notification(request, notification_id: int):
    return _notification_out(services.mark_read(request.user, notification_id, read=False))


@router.post("/notifications/{notification_id}/archive", response=NotificationOut, summary="Archive a notification")
def archive_notification(request, notification_id: int):
    return _notification_out(services.archive(request.user, notification_id))


@router.get("/notifications/email-preference", response=EmailPreferenceOut, summary="How notifications reach you by e-mail")
def get_email_preference(request):
    services.notifications._require_user(request.user)
    return {"mode": services.preference_of(request.user)}


@router.put("/notifications/email-preference", response=EmailPreferenceOut, summary="immediately, daily (a digest) or never")
def set_email_preference(request, payload: EmailPreferenceIn):
    return {"mode": services.set_preference(request.user, payload.mode)}


# --- follows -----------------------------------------------------------------------------------------------


@router.get("/follows", response=FollowsOut, summary="Pages you follow (their comments reach your inbox)")
def list_follows(request):
    services.notifications._require_user(request.user)
    return {"items": [{"page_id": page.pk, "title": page.title, "following": True} for page in services.follows_of(request.user)[:500]]}


@router.post("/follows", response=FollowOut, summary="Follow a page")
def follow(request, payload: FollowIn):
    page = _page(request, payload.page_id)
    services.set_following(request.user, page, True)
    return {"page_id": page.pk, "title": page.title, "following": True}


@router.delete("/follows/{page_id}", response=FollowOut, summary="Stop following a page")
def unfollow(request, page_id: int):
    page = _page(request, page_id)
    services.set_following(request.user, page, False)
    return {"page_id": page.pk, "title": page.title, "following": False}
