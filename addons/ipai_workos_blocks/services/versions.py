"""The document version of a page: what a whole-document save must be based on.

Every block write of these services — create, update, delete, move (on both pages), bulk and a whole-document
save — adds one to the page's number in the transaction of the write. ``replace_document`` takes the number
the client loaded and refuses the save (409, nothing written) when the page has moved on since, so the later of
two tabs never replaces the earlier one's words without the user choosing to.
"""

from __future__ import annotations

from django.db.models import F

from ipai_workos_core.models import Page
from workos.kernel.errors import Conflict, InvalidInput
from workos.kernel.prepared import Prepared

from ..models import DocumentVersion


class StaleVersion(Conflict):
    """A whole-document save based on a version the page no longer has (or on none)."""

    code = "stale_version"


VERSION_NUMBER = Prepared(lambda page_id: DocumentVersion.objects.filter(page_id=page_id).values_list("number", flat=True))


def document_version(page: Page) -> int:
    """The page's document version (0 until its first block write)."""
    return VERSION_NUMBER.first(page.pk) or 0


def _check_version(page: Page, base_version) -> None:
    """Refuse unless ``base_version`` is the page's present version, and hold the version until the transaction
    ends: the no-op UPDATE takes the row lock on PostgreSQL (a concurrent save waits, then sees the new number)
    and the write lock on SQLite, so two saves based on one version cannot both pass."""
    if base_version is None:
        current = document_version(page)
        raise StaleVersion("base_version is required: send the version of the document you loaded (the GET of the document "
                           "answers it as `version`)", field="base_version", code="version_required", details={"current_version": current})
    if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 0:
        raise InvalidInput("base_version is the document's version as loaded (an integer from 0)", field="base_version")
    DocumentVersion.objects.get_or_create(page_id=page.pk)
    if not DocumentVersion.objects.filter(page_id=page.pk, number=base_version).update(number=F("number")):
        current = document_version(page)
        raise StaleVersion(f"this page changed elsewhere: your save is based on version {base_version}, the page is at "
                           f"version {current}. Reload it, or send your document again with base_version {current} to replace "
                           "those changes", field="base_version", details={"current_version": current})


def _bump_version(*pages: Page) -> None:
    """One more block write on each of ``pages`` (a move touches two)."""
    for page_id in sorted({page.pk for page in pages}):
        version = DocumentVersion.objects.filter(page_id=page_id)
        if not version.update(number=F("number") + 1):  # the page's first block write: its row first
            DocumentVersion.objects.get_or_create(page_id=page_id)
            version.update(number=F("number") + 1)
