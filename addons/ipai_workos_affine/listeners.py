"""The page listener (core's PAGE_LISTENERS): a page that goes to the trash, is deleted or leaves its published
tree takes its public copy with it, in the same transaction."""

from __future__ import annotations

from ipai_workos_core.models import Page
from ipai_workos_core.registry import DELETED, MOVED, TRASHED

from .models import PublishedPage


def page_changed(event: str, ids, actor) -> None:
    if event in (TRASHED, DELETED):
        from .services import drop_pages

        gone = list(Page.objects.filter(pk__in=ids, archived_at__isnull=False).values_list("pk", flat=True)) if event == TRASHED else list(ids)
        if gone:
            drop_pages(gone + _published_descendants(gone))
    elif event == MOVED:
        _moved_out(ids)


def _published_descendants(ids) -> list[int]:
    from ipai_workos_core import services as core

    found = []
    for page_id in PublishedPage.objects.filter(page_id__in=list(ids)).values_list("page_id", flat=True).distinct():  # the published ones, at once
        found += list(PublishedPage.objects.filter(page_id__in=core.subtree_ids(page_id)).values_list("page_id", flat=True))
    return found


def _moved_out(ids) -> None:
    """A published sub-page moved elsewhere is no longer part of its publication."""
    from ipai_workos_core import services as core

    from .services import drop_pages

    leaving = []
    for row in PublishedPage.objects.filter(page_id__in=ids, parent__isnull=False).select_related("publication"):
        if row.publication.page_id not in [p.pk for p in core.page_ancestors(row.page)]:
            leaving.append(row.page_id)
    if leaving:
        drop_pages(leaving)
