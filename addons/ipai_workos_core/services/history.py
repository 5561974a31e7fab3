"""Page history: versions of a page's title, icon, cover and content, and restoring one."""

from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound, TooLarge

from ..models import Page, PageVersion
from ..registry import CONTENT_CHANGED, PAGE_CONTENT_HANDLERS, notify_pages
from ._common import _user_or_none
from .tree import lock_pages


COALESCE_SECONDS = 60  # saves by one user within this long of their last one update that version
MAX_VERSIONS = 200  # per page; the oldest go first
MAX_VERSION_BYTES = 8 * 1024 * 1024
_RESTORING: ContextVar[int | None] = ContextVar("ipai_workos_core_restoring", default=None)


def _snapshot(page: Page) -> dict:
    content = {}
    for _name, handler in PAGE_CONTENT_HANDLERS.items():
        content.update(handler.snapshot(page) or {})
    return content


def _save_version(actor, page: Page, content: dict | None = None, *, restored_from: int | None = None,
                  separate: bool = False, label: str = "") -> tuple[PageVersion, bool]:
    """Record the page's present state; returns (version, whether a new one was made)."""
    content = _snapshot(page) if content is None else content
    size = len(json.dumps(content, cls=DjangoJSONEncoder))
    if size > MAX_VERSION_BYTES:
        raise TooLarge(f"a page version holds at most {MAX_VERSION_BYTES // (1024 * 1024)} MB of content", field="content")
    user, now = _user_or_none(actor), timezone.now()
    lock_pages(page.pk)  # numbers are handed out one at a time
    latest = PageVersion.objects.filter(page=page).order_by("-number").first()
    state = {"title": page.title, "icon": page.icon, "cover_url": page.cover_url, "content": content}
    if (restored_from is None and not separate and latest is not None and latest.restored_from is None and not latest.label and user is not None
            and latest.created_by_id == user.pk and now - latest.updated_at < timedelta(seconds=COALESCE_SECONDS)):
        for name, value in state.items():
            setattr(latest, name, value)
        latest.updated_at = now
        latest.save(update_fields=[*state, "updated_at"])
        return latest, False
    number = latest.number + 1 if latest else 1
    version = PageVersion.objects.create(page=page, number=number, created_by=user, updated_at=now, restored_from=restored_from,
                                         label=label, **state)
    PageVersion.objects.filter(page=page, number__lte=number - MAX_VERSIONS).delete()
    return version, True


@transaction.atomic
def record_version(actor, page: Page, content: dict | None = None, *, separate: bool = False, label: str = "") -> PageVersion | None:
    """Record a save of ``page`` in its history — for modules that keep a page's body, after each save of it
    (the blocks document). ``content``: what to keep (e.g. ``{"blocks": [...]}``); None takes it from every
    ``PAGE_CONTENT_HANDLERS`` snapshot. Saves by the same user within a minute update their latest version,
    unless ``separate`` (a save that knowingly replaced changes made elsewhere: those stay in the history).
    While a version is being restored, the restore records the result itself: calls for that page return None.
    ``label`` marks the version for the history ("Sent for review"): it is a version of its own, kept as it is."""
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    if content is not None and not isinstance(content, dict):
        raise InvalidInput("content is an object", field="content")
    if not isinstance(label, str) or len(label) > 64:
        raise InvalidInput("label is text of at most 64 characters", field="label")
    if _RESTORING.get() == page.pk:
        return None
    version, created = _save_version(actor, page, content, separate=separate or bool(label), label=label)
    if created:
        record_event(actor=actor, action="page.version", target=page, changes={"number": version.number})
    return version


def versions_of(user, page: Page):
    """The page's versions, newest first (content deferred: read one with ``get_version``)."""
    permissions.require(user, "read", page)
    return PageVersion.objects.filter(page=page).select_related("created_by").defer("content").order_by("-number")


def get_version(user, page: Page, number) -> PageVersion:
    permissions.require(user, "read", page)
    version = PageVersion.objects.select_related("created_by").filter(page=page, number=number).first() if isinstance(number, int) else None
    if version is None:
        raise NotFound("no such version of this page")
    return version


@transaction.atomic
def restore_version(actor, page: Page, number: int) -> PageVersion:
    """Make the page what version ``number`` was: title, icon, cover and, through ``PAGE_CONTENT_HANDLERS``, its
    body. The result is a new version (marked as restored from ``number``); nothing in the history is lost."""
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    version = get_version(actor, page, number)
    before = {"title": page.title, "icon": page.icon, "cover_url": page.cover_url}
    page.title, page.icon, page.cover_url, page.updated_by = version.title, version.icon, version.cover_url, actor
    page.save()
    token = _RESTORING.set(page.pk)
    try:
        for _name, handler in PAGE_CONTENT_HANDLERS.items():
            handler.restore(actor, page, version.content or {})
    finally:
        _RESTORING.reset(token)
    restored, _ = _save_version(actor, page, restored_from=version.number)
    record_event(actor=actor, action="page.version_restore", target=page,
                 changes={"restored": number, "number": restored.number, **diff(before, {"title": page.title, "icon": page.icon, "cover_url": page.cover_url})})
    notify_pages(CONTENT_CHANGED, [page.pk], actor)
    return restored
