"""The trash: what is in it, how long it is kept, and purging it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import InvalidInput, PermissionDenied

from ..models import CoreSetting, Page
from ..registry import DELETED, notify_pages
from .tree import visible_pages, _lock_pages_to_delete, _subtree


def trash_for(user, workspace_id: int | None = None) -> list[Page]:
    """What ``user`` sees in the trash, newest first: each page in the trash they may view whose parent is not
    itself in the trash and visible to them (the sub-pages that went along are restored with it)."""
    # A contained page (a database row's) goes to the trash with its row: its module lists and restores it.
    pages = Page.objects.filter(archived_at__isnull=False, container_model="").select_related("space", "archived_by")
    if workspace_id is not None:
        pages = pages.filter(space__workspace_id=workspace_id)
    visible = visible_pages(user, pages)
    ids = {page.pk for page in visible}
    entries = [page for page in visible if page.parent_id not in ids]
    return sorted(entries, key=lambda page: (page.archived_at, page.pk), reverse=True)


def trash_retention_days() -> int:
    setting = CoreSetting.objects.order_by("id").first()
    return setting.trash_retention_days if setting else CoreSetting._meta.get_field("trash_retention_days").default


@transaction.atomic
def set_trash_retention(actor, days: int) -> CoreSetting:
    """Set how many days pages stay in the trash before ``purge_trash`` deletes them (0: keep them). Administrators."""
    if actor is None or not getattr(actor, "is_superuser", False):
        raise PermissionDenied("only administrators change the trash retention")
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 36500:
        raise InvalidInput("retention must be a number of days from 0 (keep forever) to 36500", field="trash_retention_days")
    setting = CoreSetting.objects.select_for_update(no_key=True).order_by("id").first() or CoreSetting()
    before = setting.trash_retention_days if setting.pk else trash_retention_days()
    setting.trash_retention_days = days
    setting.save()
    record_event(actor=actor, action="trash.retention", target_model="ipai.workos.core.setting", target_id=str(setting.pk),
                 target_name="trash retention", changes=diff({"trash_retention_days": before}, {"trash_retention_days": days}))
    return setting


def purge_trash(actor=None, days: int | None = None, *, now: datetime | None = None, dry_run: bool = False) -> dict:
    """Delete for good the pages that have been in the trash longer than ``days`` (default: the retention
    setting; with the setting at 0 nothing goes). ``actor`` None is the system (the CLI); anyone else must be an
    administrator. Each trashed tree goes in its own transaction with its own audit event, so a long run that
    stops half-way leaves every tree either whole in the trash or gone."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("only administrators empty the trash")
    explicit = days is not None
    days = trash_retention_days() if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise InvalidInput("days must be zero or more", field="days")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    result = {"days": days, "cutoff": cutoff.isoformat(), "trees": 0, "pages": 0, "dry_run": dry_run}
    if days == 0 and not explicit:
        return result
    old = Page.objects.filter(archived_at__lt=cutoff)
    # the top of each old trashed tree: its parent is not in the trash for as long (sub-pages go with it)
    roots = list(old.filter(Q(parent__isnull=True) | Q(parent__archived_at__isnull=True) | Q(parent__archived_at__gte=cutoff))
                 .order_by("archived_at", "pk").values_list("pk", flat=True))
    for root_id in roots:
        with transaction.atomic():
            page = Page.objects.select_for_update().filter(pk=root_id, archived_at__lt=cutoff).first()
            if page is None:
                continue  # restored or deleted meanwhile
            subtree = _subtree(page)
            if not dry_run:
                _lock_pages_to_delete(subtree)
            result["trees"] += 1
            result["pages"] += len(subtree)
            if dry_run:
                continue
            permissions.forget_objects(actor, subtree)
            record_event(actor=actor, action="page.purge", target=page,
                         changes={"pages": len(subtree), "archived_at": page.archived_at, "retention_days": days})
            notify_pages(DELETED, [p.pk for p in subtree], actor)
            page.delete()
    return result
