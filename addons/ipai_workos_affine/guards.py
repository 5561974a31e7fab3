"""Guards of the shipped page review workflow (registered in the workflow module's GUARDS): Published follows the
page's publication, so the status cannot say Published while nothing is on the web, nor leave it while it is."""

from __future__ import annotations

from .models import PagePublication


def _published(page) -> bool:
    return PagePublication.objects.filter(page=page, state=PagePublication.State.PUBLISHED).exists()


def page_is_published(page, user, transition) -> str | None:
    return None if _published(page) else "publish the page to the web first (page menu → Publish to web)"


def page_is_not_published(page, user, transition) -> str | None:
    return "the page is published: unpublish it first" if _published(page) else None
