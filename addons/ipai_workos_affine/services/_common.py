"""Helpers shared by the affine services."""

from __future__ import annotations

from ipai_workos_core.models import Page
from workos.kernel.errors import Conflict

PAGE_MODEL = "ipai.workos.page"


def not_in_trash(page: Page) -> None:
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first", code="page_trashed")
