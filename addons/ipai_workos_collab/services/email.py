"""Notices by e-mail, by each recipient's preference: immediately, in a daily digest, or never.

Sending happens after the event's transaction commits and never raises into it: a failed send is logged and
the notice stays ``pending`` (its attempts counted), so that ``workos collab send-emails`` retries it. Users
without an address get no e-mail (their notices are marked ``skipped``).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import record_event
from workos.kernel.errors import InvalidInput

from ..models import EmailPreference, Notification
from ._common import _require_user

log = logging.getLogger("workos.collab.email")
MAX_ATTEMPTS = 5
MODES = tuple(EmailPreference.Mode.values)


def preference_of(user) -> str:
    mode = EmailPreference.objects.filter(user=user).values_list("mode", flat=True).first()
    return mode or EmailPreference.Mode.IMMEDIATELY


@transaction.atomic
def set_preference(actor, mode: str) -> str:
    """Choose how notices reach the actor by e-mail: immediately, daily (a digest) or never."""
    _require_user(actor)
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}", field="mode")
    before = preference_of(actor)
    EmailPreference.objects.update_or_create(user=actor, defaults={"mode": mode})
    if before != mode:
        record_event(actor=actor, action="notification.email_preference", target=actor, changes={"mode": {"before": before, "after": mode}})
    return mode


def _link(notification: Notification) -> str:
    return settings.WORKOS_EMAIL_BASE_URL + (notification.url or "/web/inbox")


def _message(recipient, notifications: list[Notification], connection) -> mail.EmailMessage:
    if len(notifications) == 1:
        only = notifications[0]
        subject = only.title
        body = f"{only.title}\n\n{only.body}\n\nOpen it: {_link(only)}\n".replace("\n\n\n", "\n\n")
    else:
        subject = f"WorkOS: {len(notifications)} new notifications"
        lines = [f"- {item.title}\n  {_link(item)}" for item in notifications]
        body = "Since your last digest:\n\n" + "\n".join(lines) + f"\n\nYour inbox: {settings.WORKOS_EMAIL_BASE_URL}/web/inbox\n"
    return mail.EmailMessage(subject=subject, body=body, to=[recipient.email], connection=connection)


def send_pending(*, digest: bool = False, notification_ids: list[int] | None = None) -> dict:
    """Send what is due: each pending notice of a recipient who wants e-mail immediately (one message each)
    and, with ``digest``, one message per daily-digest recipient with all their pending notices. Returns counts."""
    counts = {"sent": 0, "messages": 0, "skipped": 0, "failed": 0}
    pending = Notification.objects.filter(email_state="pending", email_attempts__lt=MAX_ATTEMPTS).select_related("recipient").order_by("pk")
    if notification_ids is not None:
        pending = pending.filter(pk__in=notification_ids)
    by_recipient: dict = defaultdict(list)
    for notification in pending:
        by_recipient[notification.recipient].append(notification)
    if not by_recipient:
        return counts
    modes = dict(EmailPreference.objects.filter(user__in=list(by_recipient)).values_list("user_id", "mode"))
    connection = mail.get_connection()
    for recipient, notifications in by_recipient.items():
        mode = modes.get(recipient.pk, EmailPreference.Mode.IMMEDIATELY)
        if mode == EmailPreference.Mode.NEVER or not recipient.email or not recipient.is_active:
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(email_state="skipped")
            counts["skipped"] += len(notifications)
            continue
        if mode == EmailPreference.Mode.DAILY and not digest:
            continue
        batches = [notifications] if mode == EmailPreference.Mode.DAILY else [[n] for n in notifications]
        for batch in batches:
            ids = [n.pk for n in batch]
            try:
                _message(recipient, batch, connection).send()
            except Exception as error:  # any transport failure: keep it pending for the next run
                log.warning("e-mail to user %s failed (notices %s): %s", recipient.pk, ids, error)
                Notification.objects.filter(pk__in=ids).update(email_attempts=batch[0].email_attempts + 1)
                counts["failed"] += len(batch)
                continue
            Notification.objects.filter(pk__in=ids).update(email_state="sent", emailed_at=timezone.now())
            counts["sent"] += len(batch)
            counts["messages"] += 1
    return counts


def queue_immediate(notification_ids: list[int]) -> None:
    """After the event's commit: e-mail the new notices of recipients who want them at once. Never raises."""
    try:
        send_pending(notification_ids=notification_ids)
    except Exception:
        log.exception("sending notification e-mails failed; `workos collab send-emails` retries them")
