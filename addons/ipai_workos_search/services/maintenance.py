"""Rebuilding and checking the index, and refreshing documents when pages change."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from ipai_platform_audit.services import record_event
from ipai_workos_core.models import Page, Space
from workos.kernel.errors import NotFound, PermissionDenied

from .. import backends
from ..indexing import Chains, Placement, forget, index_pages, scope_key, texts_of
from ..models import SearchDocument
from ..registry import SOURCES, Entry
from ._common import DOCUMENT


# --- rebuilding and checking ----------------------------------------------------------------------------


def _pages_to_index(space_id: int | None = None):
    pages = Page.objects.all()
    if space_id is not None:
        pages = pages.filter(space_id=space_id)
    return pages.order_by("pk")


def reindex(actor=None, space_id: int | None = None, progress=None, batch: int = 200) -> dict:
    """Rebuild the documents of every page (of one space); each batch in its own transaction. ``progress(done,
    total)`` is called after each batch. Documents of pages that no longer exist are dropped. ``actor`` None is
    the system (the CLI); anyone else must be an administrator."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("only administrators rebuild the search index")
    if space_id is not None and not Space.objects.filter(pk=space_id).exists():
        raise NotFound("no such space")
    if connection.vendor == "postgresql":
        backends.ensure_configuration()
    page_ids = list(_pages_to_index(space_id).values_list("pk", flat=True))
    total, written = len(page_ids), 0
    for start in range(0, total, batch):
        with transaction.atomic():
            written += index_pages(page_ids[start:start + batch], force=True)
        if progress:
            progress(min(start + batch, total), total)
    with transaction.atomic():
        gone = SearchDocument.objects.filter(page__isnull=True) if space_id is None else SearchDocument.objects.none()
        removed = forget(gone)
        orphans = backends.orphans() if space_id is None else []
        backends.forget_text(orphans)
        result = {"pages": total, "documents": written, "removed": removed + len(orphans)}
        backends.settle()
        record_event(actor=actor, action="search.reindex", target_model="ipai.workos.search.document", target_id="",
                     target_name="search index", changes={**result, "space_id": space_id})
    return result


def refresh(page_ids, sources: list[str] | None = None, actor=None) -> int:
    """Bring the documents of these pages up to date, inside the caller's transaction: the modules whose data a
    source reads call it from their services after a write (the comment services, with ``sources=["comments"]``:
    a comment rebuilds the page's comment documents, not the page's own). Derived data, so no audit event: the
    write that called it is the audited change. Returns the number of documents written."""
    unknown = [name for name in sources or [] if name not in SOURCES]
    if unknown:
        raise ValueError(f"unknown search source {unknown[0]!r}; known: {', '.join(name for name, _source in SOURCES.items())}")
    return index_pages(page_ids, actor, sources=sources)


@dataclass
class Drift:
    source: str  # "ipai.workos.page:12"
    problem: str  # missing, stale text, stale place, extra, orphan


def _drift_of(document: SearchDocument | None, entry: Entry, placement: Placement) -> str | None:
    if document is None:
        return "missing"
    texts = texts_of(entry)
    if (document.title, document.headings, document.body, document.object) != (texts.title, texts.headings, texts.body, entry.object):
        return "stale text"
    if backends.stored_text(document.pk) != backends.expected_text(texts.indexed_title, texts.headings, texts.body):
        return "stale full-text index"
    scopes = {scope.scope_key: scope.depth for scope in document.scopes.all()}
    if ((document.workspace_id, document.space_id, document.trashed) != (placement.workspace_id, placement.space_id, placement.trashed)
            or scopes != {key: depth for depth, key in enumerate(placement.scopes)}):
        return "stale place"
    return None


def check(space_id: int | None = None, progress=None, batch: int = 200) -> list[Drift]:
    """Compare the index with the live data without changing anything; the differences found."""
    if space_id is not None and not Space.objects.filter(pk=space_id).exists():
        raise NotFound("no such space")
    drift: list[Drift] = []
    page_ids = list(_pages_to_index(space_id).values_list("pk", flat=True))
    seen: set[int] = set()
    chains = Chains()
    for start in range(0, len(page_ids), batch):
        chunk = page_ids[start:start + batch]
        documents = {(d.source_model, d.source_id): d for d in SearchDocument.objects.filter(page_id__in=chunk).prefetch_related("scopes")}
        for page in Page.objects.filter(pk__in=chunk).order_by("pk"):
            placement = chains.placement(page)
            entries = [] if placement is None else [entry for _name, source in SOURCES.items() for entry in source.entries(page)]
            for entry in entries:
                document = documents.get((entry.source_model, str(entry.source_id)))
                if document is not None:
                    seen.add(document.pk)
                problem = _drift_of(document, entry, placement)
                if problem:
                    drift.append(Drift(scope_key(entry.source_model, entry.source_id), problem))
        for document in documents.values():
            if document.pk not in seen:
                drift.append(Drift(scope_key(document.source_model, document.source_id), "extra"))
        if progress:
            progress(min(start + batch, len(page_ids)), len(page_ids))
    if space_id is None:
        for document in SearchDocument.objects.filter(page__isnull=True):
            drift.append(Drift(scope_key(document.source_model, document.source_id), "extra"))
        drift.extend(Drift(f"full-text row {rowid}", "orphan") for rowid in backends.orphans())
    return drift


def document_of(page: Page) -> SearchDocument | None:
    return SearchDocument.objects.filter(source_model=DOCUMENT, source_id=str(page.pk)).first()
