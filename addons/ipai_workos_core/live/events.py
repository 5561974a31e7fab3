"""Publishing live notices to ``/ws/events`` (see the package docstring for what a notice says).

``publish_about(items)`` sends notices about objects: every events connection, in every process, receives them
through the channel layer and passes on only those its user may read. ``publish_to_users(user_ids, notice)``
sends a notice to those users' connections only. Both send once the transaction commits (nothing is told about
a write that rolls back) and never make the write fail: a channel layer that cannot be reached is logged.
"""

from __future__ import annotations

import hashlib
import logging

from django.db import transaction

from workos.kernel.aio import group_send
from workos.kernel.prepared import Prepared

from ..models import Page
from ..registry import BODY_CHANGED, CHANGED, CONTENT_CHANGED, DELETED, MOVED, SCOPE_CHANGED, TRASHED

logger = logging.getLogger("workos.live")

PAGE_MODEL = "ipai.workos.page"
EVENTS_GROUP = "workos.events"  # every events connection of every process
PAGE_EVENTS = {CONTENT_CHANGED: "changed", BODY_CHANGED: "changed", MOVED: "moved", TRASHED: "trashed"}
# More rows of one container (a database) changed in one write than this: one notice about the container
# ("id": null) instead of one per row — what an open view does with either is fetch its rows again, and a
# 1,000,000-row import kept a notice per row in memory until commit, then had each connection check each.
MANY_ROWS = 100


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's events connections."""
    return f"workos.events.user.{int(user_id)}"


def _send(group: str, message: dict) -> None:
    try:
        group_send(group, message)
    except Exception:  # the write has committed: a live notice lost is a reload away, a failed request is not
        logger.exception("live events: could not publish to %s", group)


def publish_about(items: list[dict]) -> None:
    """Tell every events connection whose user may read the object of an item: ``{"notice": {...}, "about":
    [technical model name, id], "fingerprint": ""}``. A connection passes on a notice with a fingerprint only when
    the fingerprint differs from the last one it passed on for that object (a page whose body changed but whose
    place in the tree did not)."""
    if not items:
        return
    transaction.on_commit(lambda: _send_items(items))


def _send_items(items: list[dict]) -> None:
    if items:
        _send(EVENTS_GROUP, {"type": "events.notice", "items": items})


def publish_to_users(user_ids, notice: dict) -> None:
    """Tell these users' events connections ``notice`` (nothing about an object they may not read: the caller
    chose them as readers)."""
    wanted = sorted({int(user_id) for user_id in user_ids if user_id is not None})

    def send():
        for user_id in wanted:
            _send(user_group(user_id), {"type": "events.user", "notice": notice})

    if wanted:
        transaction.on_commit(send)


def comments_changed(page_id: int) -> None:
    """A comment on this page was written, edited, resolved, reacted to or deleted."""
    publish_about([{"notice": {"kind": "comments", "page_id": int(page_id)}, "about": [PAGE_MODEL, str(page_id)], "fingerprint": ""}])


def _fingerprint(*parts) -> str:
    return hashlib.blake2s(repr(parts).encode(), digest_size=8).hexdigest()


def pages_listener(event: str, ids, actor) -> None:
    """Page listener (``ipai_workos_core.registry``): the sidebar tree and database views hear of pages created,
    renamed, moved, trashed or restored, and of rows changed. A page deleted for good was in the trash, which no
    tree shows: nothing to tell (and nobody left to check access against). The pages are read once the write has
    committed (what the notices say is what is stored then), not inside its transaction: on SQLite a read there
    would lengthen the write's turn."""
    if event == DELETED:
        return
    if event == SCOPE_CHANGED:
        publish_about([{"notice": {"kind": "scope", "model": model, "id": str(object_id)}, "about": [model, str(object_id)], "fingerprint": ""}
                       for model, object_id in ids])
        return
    page_ids = [i for i in ids if isinstance(i, int)]
    if page_ids:
        transaction.on_commit(lambda: _send_page_items(event, page_ids))


def _send_page_items(event: str, page_ids: list[int]) -> None:
    try:
        items = _page_items(event, page_ids)
    except Exception:  # as in _send: the write has committed, a lost notice must not fail its request
        logger.exception("live events: could not read the pages %s", page_ids[:10])
        return
    _send_items(items)


ITEM_FIELDS = ("id", "title", "icon", "parent_id", "rank", "space_id", "archived_at", "container_model", "container_id")
PAGE_ITEM = Prepared(lambda pk: Page.objects.filter(pk=pk).values_list(*ITEM_FIELDS))  # after every write of one page


def _page_items(event: str, page_ids: list[int]) -> list[dict]:
    items, contained = [], {}
    pages = PAGE_ITEM.all(page_ids[0]) if len(page_ids) == 1 else Page.objects.filter(pk__in=page_ids).values_list(*ITEM_FIELDS)
    for page_id, title, icon, parent_id, rank, space_id, archived_at, container_model, container_id in pages:
        if container_model:
            contained.setdefault((container_model, container_id), []).append(page_id)
            continue
        # A tree page whose body changed looks the same in the tree: its connections pass on the first notice only.
        fingerprint = _fingerprint(title, icon, parent_id, rank, space_id, archived_at) if event in CHANGED else ""
        items.append({"notice": {"kind": "page", "event": PAGE_EVENTS[event], "id": page_id, "container": None},
                      "about": [PAGE_MODEL, str(page_id)], "fingerprint": fingerprint})
    for (model, object_id), page_ids_of in contained.items():
        container = {"model": model, "id": object_id}
        if len(page_ids_of) > MANY_ROWS:  # an import or a bulk edit: one notice about the container, checked against it
            items.append({"notice": {"kind": "page", "event": PAGE_EVENTS[event], "id": None, "container": container},
                          "about": [model, str(object_id)], "fingerprint": ""})
            continue
        items.extend({"notice": {"kind": "page", "event": PAGE_EVENTS[event], "id": page_id, "container": container},
                      "about": [PAGE_MODEL, str(page_id)], "fingerprint": ""} for page_id in page_ids_of)
    return items


def recheck_all(_keys=None) -> None:
    """Access changed somewhere: every events connection checks that its user is still active (access listener)."""
    transaction.on_commit(lambda: _send(EVENTS_GROUP, {"type": "events.recheck"}))
