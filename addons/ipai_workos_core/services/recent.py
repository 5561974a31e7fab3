"""The pages a user opened last."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import InvalidInput

from ..models import Page, PageVisit
from ._common import _require_user, _user_or_none
from .tree import visible_pages


RECENT_KEPT = 100  # visits kept per user; older ones are dropped as new ones come


@transaction.atomic
def record_visit(actor, page: Page) -> PageVisit:
    """Note that the actor opened ``page`` (for "recently visited"). One row per user and page."""
    _require_user(actor)
    permissions.require(actor, "read", page)
    now = timezone.now()
    if not PageVisit.objects.filter(user=actor, page=page).update(visited_at=now):
        try:
            with transaction.atomic():
                PageVisit.objects.create(user=actor, page=page, visited_at=now)
        except IntegrityError:  # the same user opened it twice at once
            PageVisit.objects.filter(user=actor, page=page).update(visited_at=now)
        stale = list(PageVisit.objects.filter(user=actor).order_by("-visited_at", "-pk").values_list("pk", flat=True)[RECENT_KEPT:RECENT_KEPT + 50])
        if stale:
            PageVisit.objects.filter(pk__in=stale).delete()
    record_event(actor=actor, action="page.visit", target=page)
    return PageVisit.objects.get(user=actor, page=page)


def recent_pages(user, limit: int = 20) -> list[tuple[Page, datetime]]:
    """The pages ``user`` opened last, newest first, with when; pages in the trash or hidden from them left out."""
    if not isinstance(limit, int) or not 1 <= limit <= RECENT_KEPT:
        raise InvalidInput(f"limit must be from 1 to {RECENT_KEPT}", field="limit")
    if _user_or_none(user) is None:
        return []
    visits = list(PageVisit.objects.filter(user=user, page__archived_at__isnull=True).select_related("page", "page__space")
                  .order_by("-visited_at", "-pk")[:RECENT_KEPT])
    visible = {page.pk for page in visible_pages(user, [visit.page for visit in visits])}
    return [(visit.page, visit.visited_at) for visit in visits if visit.page_id in visible][:limit]
