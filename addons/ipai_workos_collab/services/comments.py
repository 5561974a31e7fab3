"""Comments and threads on pages (and on database rows, which are pages), optionally anchored to a range of a
block's text, with reactions; and the notices they cause.

Levels: ``view`` reads comments, ``comment`` (and ``edit``, ``manage``) writes them, resolves and reopens
threads and reacts. Authors edit and delete their own comments; moderators — whoever has ``manage`` on the
page (workspace admins, full grants) and the page's creator — delete anyone's, and that is audited as such.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import MANAGE, RANK, VIEW
from ipai_workos_blocks import richtext
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Block
from ipai_workos_blocks.services.live import blocks_up_to_date
from ipai_workos_blocks.registry import BLOCK_TYPES
from ipai_workos_core.live import events as live_events
from ipai_workos_core.models import Page
from ipai_workos_search import services as search
from workos.kernel.cursors import DEFAULT_LIMIT, check_limit, decode_cursor, encode_cursor
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from ..models import Comment, Mention, Reaction
from . import follows
from ._common import COMMENT_MODEL, SEARCH_SOURCE, _is_id, _require_user, user_label
from .notifications import notify

MAX_BODY = 20_000  # characters of a comment's text
MAX_EMOJI = 16
MAX_REACTIONS_PER_COMMENT = 50  # distinct emoji


# --- reading -------------------------------------------------------------------------------------------------


def get_comment(user, comment_id, action: str = "read") -> Comment:
    """A comment the user may see (NotFound otherwise, also when it was deleted for good)."""
    _require_user(user)
    comment = Comment.objects.select_related("page", "author", "block").filter(pk=comment_id).first() if _is_id(comment_id) else None
    if comment is None:
        raise NotFound("no such comment")
    try:
        permissions.require(user, action, comment.page)
    except NotFound:
        raise NotFound("no such comment") from None
    if action != "read" and comment.page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    return comment


def threads_of(user, page: Page, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """One page of a page's threads, oldest first, each with its replies and reactions: three queries for the
    page of threads, whatever their number (threads, their replies, the reactions of both)."""
    permissions.require(user, "read", page)
    check_limit(limit)
    after = decode_cursor(cursor)
    roots = list(Comment.objects.filter(page=page, parent__isnull=True, pk__gt=after)
                 .select_related("author", "resolved_by", "block").order_by("pk")[: limit + 1])
    next_cursor = encode_cursor(roots[limit - 1].pk) if len(roots) > limit else None
    roots = roots[:limit]
    replies: dict = defaultdict(list)
    for reply in Comment.objects.filter(parent__in=[root.pk for root in roots]).select_related("author").order_by("pk"):
        replies[reply.parent_id].append(reply)
    everything = roots + [reply for thread in replies.values() for reply in thread]
    reactions = _reactions_of(everything, user)
    anchors = anchors_of(page, roots)
    threads = [comment_json(root, reactions, replies=[comment_json(reply, reactions) for reply in replies[root.pk]], anchors=anchors)
               for root in roots]
    return {"items": threads, "next_cursor": next_cursor}


def anchors_of(page: Page, threads: list[Comment]) -> dict[int, dict]:
    """Where the inline threads among ``threads`` are anchored now: {thread id: {"block_id", "start", "end",
    "text"}}, read from the ``comment`` marks in the page's blocks (one query, none when no thread is inline).
    An inline thread missing from the answer lost its text: it is orphaned."""
    wanted = {thread.pk for thread in threads if thread.anchor is not None and thread.parent_id is None}
    if not wanted:
        return {}
    found: dict[int, dict] = {}
    for block_id, block_type, content in Block.objects.filter(page=page).values_list("id", "type", "content"):
        spans = content.get("text") if isinstance(content, dict) else None
        if not isinstance(spans, list) or not any(isinstance(span, dict) and span.get("comment") in wanted for span in spans):
            continue
        text = richtext.plain_text(spans)
        for thread_id, (start, end) in richtext.comment_ranges(spans).items():
            if thread_id in wanted and thread_id not in found:
                found[thread_id] = {"block_id": str(block_id), "start": start, "end": end, "text": text[start:end]}
    return found


def _reactions_of(comments: list[Comment], viewer) -> dict:
    """{comment id: [{"emoji", "count", "mine"}]} in one query."""
    found: dict = defaultdict(dict)
    for comment_id, emoji, user_id in Reaction.objects.filter(comment__in=[c.pk for c in comments]).order_by("pk").values_list("comment_id", "emoji", "user_id"):
        entry = found[comment_id].setdefault(emoji, {"emoji": emoji, "count": 0, "mine": False})
        entry["count"] += 1
        entry["mine"] = entry["mine"] or user_id == viewer.pk
    return {comment_id: list(entries.values()) for comment_id, entries in found.items()}


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user_label(user)} if user is not None else None


def comment_json(comment: Comment, reactions: dict | None = None, replies: list | None = None, anchors: dict | None = None) -> dict:
    """A comment as the API and the page's comment panel show it. A deleted comment kept for its replies has no
    body and says so. An inline thread's ``anchor`` is where its marked text is now (``anchors``, from
    ``anchors_of``); when that text is gone it keeps the range first commented and is ``orphaned``."""
    deleted = comment.deleted_at is not None
    spans = [] if deleted else comment.body.get("text", [])
    anchor, block_id, orphaned = comment.anchor, str(comment.block.id) if comment.block_id else None, False
    if anchor is not None and anchors is not None:
        now = anchors.get(comment.pk)
        if now is None:
            orphaned = True
        else:
            block_id, anchor = now["block_id"], {"start": now["start"], "end": now["end"], "text": now["text"]}
    return {
        "id": comment.pk, "page_id": comment.page_id, "block_id": block_id, "orphaned": orphaned,
        "parent_id": comment.parent_id, "anchor": anchor, "author": None if deleted else _person(comment.author),
        "body": None if deleted else {"text": spans}, "html": "<em>comment deleted</em>" if deleted else richtext.to_html(spans),
        "deleted": deleted, "resolved": comment.resolved_at is not None, "resolved_at": comment.resolved_at,
        "resolved_by": _person(comment.resolved_by) if comment.resolved_at and comment.parent_id is None else None,
        "edited_at": comment.edited_at, "created_at": comment.created_at,
        "reactions": (reactions or {}).get(comment.pk, []), "replies": replies if replies is not None else [],
    }


# --- validation ------------------------------------------------------------------------------------------------


def _clean_body(body) -> list[dict]:
    if not isinstance(body, dict) or set(body) != {"text"}:
        raise InvalidInput('body is rich text: {"text": [span, ...]}', field="body")
    spans = richtext.without_comments(richtext.validate(body["text"], field="body.text"))
    text = richtext.plain_text(spans)
    if not text.strip():
        raise InvalidInput("a comment must not be empty", field="body")
    if len(text) > MAX_BODY:
        raise InvalidInput(f"a comment holds at most {MAX_BODY} characters", field="body")
    return spans


def _mentioned_users(spans: list[dict]) -> list:
    ids = list(dict.fromkeys(target for kind, target in richtext.mentions(spans) if kind == "user"))
    if not ids:
        return []
    found = {user.pk: user for user in get_user_model().objects.filter(pk__in=ids, is_active=True)}
    missing = [str(user_id) for user_id in ids if user_id not in found]
    if missing:
        raise InvalidInput(f"no such user: {', '.join(missing)}", field="body.text")
    return [found[user_id] for user_id in ids]


def _block_text(block: Block) -> str:
    entry = BLOCK_TYPES.find(block.type)
    return entry.plain_text(block.content) if entry is not None else ""


def _clean_anchor(page: Page, block_id, anchor) -> tuple[Block | None, dict | None]:
    if block_id is None:
        if anchor is not None:
            raise InvalidInput("an anchor needs the block it is in (block_id)", field="anchor")
        return None, None
    try:
        block_uuid = uuid.UUID(str(block_id))
    except ValueError:
        raise InvalidInput("not a block id (a UUID)", field="block_id") from None
    block = Block.objects.select_related("page").filter(id=block_uuid, page=page).first()  # ids are unique per page
    if block is None:
        raise InvalidInput("no such block on this page", field="block_id")
    if anchor is None:
        return block, None
    if not isinstance((block.content or {}).get("text"), list) or block.type == "code":
        raise InvalidInput("inline comments anchor to the text of a text block (not a code, image, file or divider)", field="block_id")
    if not isinstance(anchor, dict) or set(anchor) - {"start", "end", "text"} or not {"start", "end"} <= set(anchor):
        raise InvalidInput('an anchor is {"start": int, "end": int} (character offsets in the block\'s text)', field="anchor")
    start, end = anchor["start"], anchor["end"]
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (start, end)):
        raise InvalidInput("anchor start and end are whole numbers", field="anchor")
    text = _block_text(block)
    if not 0 <= start < end <= len(text):
        raise InvalidInput(f"the anchor must be a non-empty range inside the block's text (0..{len(text)})", field="anchor")
    quoted = text[start:end]
    if "text" in anchor and anchor["text"] != quoted:
        raise InvalidInput("the anchor's text is not what the block holds there (it changed?)", field="anchor.text")
    return block, {"start": start, "end": end, "text": quoted}


def _clean_emoji(emoji) -> str:
    if not isinstance(emoji, str) or not 0 < len(emoji) <= MAX_EMOJI or any(ord(char) < 0x80 for char in emoji):
        raise InvalidInput(f"an emoji is 1 to {MAX_EMOJI} non-ASCII characters", field="emoji")
    return emoji


# --- writing ---------------------------------------------------------------------------------------------------


def _page_url(comment: Comment) -> str:
    return f"/web/pages/{comment.page_id}#comment-{comment.pk}"


def _write_mentions(actor, comment: Comment, spans: list[dict], users: list) -> None:
    Mention.objects.filter(comment=comment).delete()
    page_ids = {target for kind, target in richtext.mentions(spans) if kind == "page"}
    # a mention of a page the author cannot view stays text, as in blocks: it must not create a backlink there
    pages = set(permissions.visible_to(actor, Page.objects.filter(pk__in=page_ids)).values_list("pk", flat=True)) if page_ids else set()
    Mention.objects.bulk_create(
        [Mention(page_id=comment.page_id, comment=comment, mentioned_user=user, created_by=actor) for user in users]
        + [Mention(page_id=comment.page_id, comment=comment, mentioned_page_id=page_id, created_by=actor) for page_id in sorted(pages)]
    )


def _readers(page: Page, user_ids) -> dict[int, bool]:
    users = list(get_user_model().objects.filter(pk__in=set(user_ids), is_active=True))
    readers = permissions.readers_among(users, "read", page)  # a fixed number of queries for any number of people
    return {user.pk: user.pk in readers for user in users}


def _notify_comment(actor, comment: Comment, mentioned: list, *, new: bool) -> list:
    """Notices for a new (or edited) comment; returns the mentioned people who may not read the page and so
    were not told. Each recipient gets one notice: a mention beats a reply, a reply beats a followed page."""
    page = comment.page
    kinds: dict[int, str] = {}
    for user in mentioned:
        kinds.setdefault(user.pk, "mention")
    if new and comment.parent_id is not None:
        thread = set(Comment.objects.filter(Q(pk=comment.parent_id) | Q(parent_id=comment.parent_id)).values_list("author_id", flat=True))
        for user_id in thread:
            if user_id is not None:
                kinds.setdefault(user_id, "reply")
    if new:
        for user_id in follows.followers_of(page):
            kinds.setdefault(user_id, "comment")
    kinds.pop(actor.pk, None)
    readable = _readers(page, kinds)
    not_notified = [user for user in mentioned if user.pk != actor.pk and not readable.get(user.pk)]
    who, where = user_label(actor), page.title or "Untitled"
    excerpt = richtext.plain_text(comment.body.get("text", []))[:280]
    titles = {"mention": f"{who} mentioned you in a comment on {where}", "reply": f"{who} replied in a thread on {where}",
              "comment": f"{who} commented on {where}"}
    for kind, title in titles.items():
        notify([user_id for user_id, wanted in kinds.items() if wanted == kind], kind=kind, title=title, actor=actor,
               target_model=COMMENT_MODEL, target_id=comment.pk, url=_page_url(comment), body=excerpt,
               may_read=lambda user: readable.get(user.pk, False))
    return not_notified


@transaction.atomic
def create_comment(actor, page: Page, body, *, parent_id=None, block_id=None, anchor=None, mark_text: bool = True) -> tuple[Comment, list]:
    """Comment on a page (a reply with ``parent_id``; an inline thread on a range of a block's text with
    ``block_id`` + ``anchor``). An inline thread's text gets the ``comment`` mark with the thread's id, written
    into the block here (``anchor_comment``, which needs only ``comment`` access) — unless ``mark_text`` is
    False: an editor that can change the text marks it in its own document (live, through Yjs), so that its
    edits and the mark never race. Returns (comment, mentioned people who cannot read the page and so were not
    notified)."""
    _require_user(actor)
    permissions.require(actor, "comment", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    if not isinstance(mark_text, bool):
        raise InvalidInput("mark_text is true or false", field="mark_text")
    if not mark_text and not permissions.can(actor, "edit", page):
        raise InvalidInput("only someone who may edit the page marks the text themselves: leave mark_text out", field="mark_text")
    if anchor is not None:
        blocks_up_to_date(page)  # offsets are about the text as live editors have it now
    spans = _clean_body(body)
    mentioned = _mentioned_users(spans)
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, page=page).first() if _is_id(parent_id) else None
        if parent is None:
            raise InvalidInput("no such comment on this page to reply to", field="parent_id")
        if parent.parent_id is not None:  # threads are one level deep: a reply to a reply joins its thread
            parent = Comment.objects.get(pk=parent.parent_id)
        if block_id is not None or anchor is not None:
            raise InvalidInput("a reply belongs to its thread's place: leave block_id and anchor out", field="block_id")
    block, anchor = _clean_anchor(page, block_id, anchor)
    comment = Comment.objects.create(page=page, block=block, parent=parent, author=actor, body={"text": spans}, anchor=anchor)
    comment.page = page
    if anchor is not None and mark_text:
        blocks.anchor_comment(actor, block, anchor["start"], anchor["end"], comment.pk, text=anchor["text"])
    _write_mentions(actor, comment, spans, mentioned)
    follows.follow_automatically(actor, page)
    not_notified = _notify_comment(actor, comment, mentioned, new=True)
    search.refresh([page.pk], sources=[SEARCH_SOURCE])
    live_events.comments_changed(page.pk)
    record_event(actor=actor, action="comment.create", target=comment, changes={
        "page": page.pk, "parent": parent.pk if parent else None, "block": str(block.id) if block else None,
        "anchor": anchor, "mentions": [user.pk for user in mentioned], "not_notified": [user.pk for user in not_notified],
    })
    return comment, not_notified


def _own(actor, comment: Comment) -> None:
    if comment.author_id != actor.pk:
        raise PermissionDenied("only its author can change a comment")
    if comment.deleted_at is not None:
        raise Conflict("this comment was deleted")


@transaction.atomic
def update_comment(actor, comment_id: int, body) -> tuple[Comment, list]:
    """The author rewrites their comment; people newly mentioned are notified."""
    comment = get_comment(actor, comment_id, "comment")
    _own(actor, comment)
    spans = _clean_body(body)
    mentioned = _mentioned_users(spans)
    before_text, before_mentions = comment.body, set(Mention.objects.filter(comment=comment, mentioned_user__isnull=False).values_list("mentioned_user_id", flat=True))
    comment.body, comment.edited_at = {"text": spans}, timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    _write_mentions(actor, comment, spans, mentioned)
    not_notified = _notify_comment(actor, comment, [user for user in mentioned if user.pk not in before_mentions], new=False)
    search.refresh([comment.page_id], sources=[SEARCH_SOURCE])
    live_events.comments_changed(comment.page_id)
    record_event(actor=actor, action="comment.update", target=comment, changes={"body": {"before": before_text, "after": comment.body}})
    return comment, not_notified


def _may_moderate(actor, page: Page) -> bool:
    level = permissions.level_of(actor, page)
    return RANK[level] >= RANK[MANAGE] or (page.created_by_id == actor.pk and RANK[level] > RANK[VIEW])


@transaction.atomic
def delete_comment(actor, comment_id: int) -> Comment | None:
    """Delete a comment: one's own, or anyone's for moderators. A comment with replies stays as "comment
    deleted" so the thread keeps its shape; returns it then, else None."""
    comment = get_comment(actor, comment_id, "read")
    page = comment.page
    own = comment.author_id == actor.pk
    if comment.deleted_at is not None:
        raise NotFound("no such comment")
    if own:
        permissions.require(actor, "comment", page)
    elif not _may_moderate(actor, page):
        raise PermissionDenied("only its author, the page's owner or an admin can delete a comment")
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    record_event(actor=actor, action="comment.delete" if own else "comment.moderate_delete", target=comment, changes={
        "author": comment.author_id, "body": comment.body, "page": page.pk, "moderated": not own,
    })
    if comment.parent_id is None and comment.replies.exists():
        comment.body, comment.deleted_at = {}, timezone.now()
        comment.save(update_fields=["body", "deleted_at", "updated_at"])
        Mention.objects.filter(comment=comment).delete()
        Reaction.objects.filter(comment=comment).delete()
        search.refresh([page.pk], sources=[SEARCH_SOURCE])
        live_events.comments_changed(page.pk)
        return comment
    parent_id = comment.parent_id
    comment.delete()
    if parent_id is not None:  # the last reply of a deleted thread start takes the tombstone with it
        Comment.objects.filter(pk=parent_id, deleted_at__isnull=False).exclude(replies__isnull=False).delete()
    search.refresh([page.pk], sources=[SEARCH_SOURCE])
    live_events.comments_changed(page.pk)
    return None


@transaction.atomic
def set_resolved(actor, comment_id: int, resolved: bool) -> Comment:
    """Resolve (or reopen) a thread, by its first comment."""
    comment = get_comment(actor, comment_id, "comment")
    if comment.parent_id is not None:
        raise InvalidInput("resolve or reopen the thread by its first comment", field="id")
    if (comment.resolved_at is not None) != resolved:
        comment.resolved_at, comment.resolved_by = (timezone.now(), actor) if resolved else (None, None)
        comment.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
        search.refresh([comment.page_id], sources=[SEARCH_SOURCE])
        live_events.comments_changed(comment.page_id)
        record_event(actor=actor, action="comment.resolve" if resolved else "comment.reopen", target=comment)
    return comment


@transaction.atomic
def react(actor, comment_id: int, emoji, add: bool = True) -> Comment:
    """Add (or take back) the actor's emoji reaction on a comment."""
    comment = get_comment(actor, comment_id, "comment")
    emoji = _clean_emoji(emoji)
    if comment.deleted_at is not None:
        raise Conflict("this comment was deleted")
    if add:
        if not Reaction.objects.filter(comment=comment, emoji=emoji).exists() and \
                Reaction.objects.filter(comment=comment).values("emoji").distinct().count() >= MAX_REACTIONS_PER_COMMENT:
            raise InvalidInput(f"a comment holds at most {MAX_REACTIONS_PER_COMMENT} different reactions", field="emoji")
        _reaction, created = Reaction.objects.get_or_create(comment=comment, user=actor, emoji=emoji)
        changed = created
    else:
        changed = Reaction.objects.filter(comment=comment, user=actor, emoji=emoji).delete()[0] > 0
    if changed:
        record_event(actor=actor, action="comment.react" if add else "comment.unreact", target=comment, changes={"emoji": emoji})
        live_events.comments_changed(comment.page_id)
    return comment


def reactions_json(comment: Comment, viewer) -> list:
    return _reactions_of([comment], viewer).get(comment.pk, [])


# --- blocks that move to another page ---------------------------------------------------------------------------


def blocks_moved(actor, block_keys: list, source_page: Page, target_page: Page) -> None:
    """The blocks module's move listener: threads anchored in the moved blocks (with their replies) and the
    mentions those blocks hold go to the page the blocks went to, in the move's transaction; the comment search
    documents of both pages follow (they carry the page, which decides who finds them), and open comment
    panels of both pages hear of it. The block move itself is the audited change."""
    threads = list(Comment.objects.filter(block_id__in=block_keys, page_id=source_page.pk, parent__isnull=True).values_list("pk", flat=True))
    if threads:
        Comment.objects.filter(Q(pk__in=threads) | Q(parent_id__in=threads)).update(page_id=target_page.pk)
    Mention.objects.filter(block_id__in=block_keys).update(page_id=target_page.pk)
    if threads:
        search.refresh([source_page.pk, target_page.pk], sources=[SEARCH_SOURCE])
        live_events.comments_changed(source_page.pk)
        live_events.comments_changed(target_page.pk)


# --- mentions in blocks ----------------------------------------------------------------------------------------


def notify_block_mentions(actor, block: Block, user_ids: list[int]) -> None:
    """The blocks module's mention listener: people a block now mentions hear about it, if they can read the page."""
    if actor is None:
        return
    page = Page.objects.get(pk=block.page_id)
    readable = _readers(page, user_ids)
    notify(user_ids, kind="mention", title=f"{user_label(actor)} mentioned you on {page.title or 'Untitled'}", actor=actor,
           target_model="ipai.workos.page", target_id=page.pk, url=f"/web/pages/{page.pk}#block-{block.id}",
           body=_block_text(block)[:280], may_read=lambda user: readable.get(user.pk, False))
