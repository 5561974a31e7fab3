"""The notifications inbox: creating notices (inside the event's transaction), reading and marking them.

Every notice is checked against the recipient's access to what it is about before it is written: nobody is
ever told about something they cannot read. A notice of the same kind about the same target for the same
recipient within ``DEDUP_SECONDS`` is the same notice: ten edits mentioning someone within a minute make one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Callable, Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_workos_core.live import events as live_events
from workos.kernel.cursors import DEFAULT_LIMIT, check_limit, decode_cursor, encode_cursor
from workos.kernel.errors import InvalidInput, NotFound

from ..models import Notification
from ._common import _is_id, _require_user

DEDUP_SECONDS = 60
INBOX_CHANGED = {"kind": "notification"}  # the live notice (/ws/events): the inbox changed, refetch it
KINDS = ("mention", "reply", "comment", "approval_requested", "approval_decided", "review_requested", "review_decided", "workflow",
         "shared", "assigned")
BOXES = ("unread", "all", "archived")


def notify(user_ids: Iterable[int], *, kind: str, title: str, actor=None, target_model: str = "", target_id="",
           url: str = "", body: str = "", may_read: Callable[[object], bool]) -> list[Notification]:
    """Write one notice per recipient who ``may_read`` the target, except the actor and inactive users, and
    except those who got the same notice within the last minute. Call it inside the event's transaction."""
    assert kind in KINDS, kind
    wanted = {user_id for user_id in user_ids if user_id is not None and (actor is None or user_id != actor.pk)}
    if not wanted:
        return []
    users = [user for user in get_user_model().objects.filter(pk__in=wanted, is_active=True) if may_read(user)]
    if not users:
        return []
    target_id = str(target_id)
    recent = set(Notification.objects.filter(
        recipient__in=users, kind=kind, target_model=target_model, target_id=target_id,
        created_at__gte=timezone.now() - timedelta(seconds=DEDUP_SECONDS),
    ).values_list("recipient_id", flat=True))
    fresh = [Notification(recipient=user, kind=kind, title=title[:256], body=body[:2000], target_model=target_model,
                          target_id=target_id, url=url[:512], actor=actor) for user in users if user.pk not in recent]
    created = Notification.objects.bulk_create(fresh)
    if created:
        from .email import queue_immediate

        transaction.on_commit(lambda ids=[n.pk for n in created if n.pk]: queue_immediate(ids))
        live_events.publish_to_users([n.recipient_id for n in created], INBOX_CHANGED)  # badge and inbox, live
    return created


def inbox(user, box: str = "all", *, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """One page of the user's inbox, newest first: ``unread`` (not read, not archived), ``all`` (not archived)
    or ``archived``. One indexed query for the page (actor joined), and one count of unread items."""
    _require_user(user)
    if box not in BOXES:
        raise InvalidInput(f"box must be one of {', '.join(BOXES)}", field="box")
    check_limit(limit)
    before = decode_cursor(cursor)
    rows = Notification.objects.filter(recipient=user)
    rows = rows.filter(archived_at__isnull=False) if box == "archived" else rows.filter(archived_at__isnull=True)
    if box == "unread":
        rows = rows.filter(read_at__isnull=True)
    if before:
        rows = rows.filter(pk__lt=before)
    items = list(rows.select_related("actor").order_by("-pk")[: limit + 1])
    next_cursor = encode_cursor(items[limit - 1].pk) if len(items) > limit else None
    return {"items": items[:limit], "next_cursor": next_cursor, "unread": unread_count(user)}


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True, archived_at__isnull=True).count()


def get_notification(user, notification_id) -> Notification:
    _require_user(user)
    found = Notification.objects.filter(pk=notification_id, recipient=user).first() if _is_id(notification_id) else None
    if found is None:
        raise NotFound("no such notification")
    return found


@transaction.atomic
def mark_read(actor, notification_id: int, read: bool = True) -> Notification:
    """Mark one of the actor's notices read (or unread again)."""
    notification = get_notification(actor, notification_id)
    if (notification.read_at is not None) != read:
        notification.read_at = timezone.now() if read else None
        notification.save(update_fields=["read_at"])
        record_event(actor=actor, action="notification.read" if read else "notification.unread", target=notification)
        live_events.publish_to_users([actor.pk], INBOX_CHANGED)  # the badge of the actor's other tabs
    return notification


@transaction.atomic
def mark_all_read(actor) -> int:
    """Mark every unread notice of the actor read; returns how many."""
    _require_user(actor)
    count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        record_event(actor=actor, action="notification.read_all", target_model="ipai.workos.notification", changes={"count": count})
        live_events.publish_to_users([actor.pk], INBOX_CHANGED)
    return count


@transaction.atomic
def archive(actor, notification_id: int, archived: bool = True) -> Notification:
    """Archive one of the actor's notices (it is read too), or bring it back to the inbox."""
    notification = get_notification(actor, notification_id)
    if (notification.archived_at is not None) != archived:
        now = timezone.now()
        notification.archived_at = now if archived else None
        fields = ["archived_at"]
        if archived and notification.read_at is None:
            notification.read_at = now
            fields.append("read_at")
        notification.save(update_fields=fields)
        record_event(actor=actor, action="notification.archive" if archived else "notification.unarchive", target=notification)
        live_events.publish_to_users([actor.pk], INBOX_CHANGED)
    return notification
