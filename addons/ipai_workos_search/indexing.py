"""Keeping the index in step with the pages: the documents of pages that changed are rebuilt, and those of pages
that moved or went to the trash get their place again, inside the transaction of the write that changed them.

Core, blocks and databases call core's ``notify_pages`` from their services; ``on_page_event`` is this module's
listener (registered in ``apps.ready``). What is written here is derived data — the audited change is the write
that triggered it — so these functions record no audit event; a full rebuild is ``services.reindex``.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.db import connection

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import SCOPES
from ipai_workos_core.models import Page
from ipai_workos_core.registry import BODY_CHANGED, CONTENT_CHANGED, DELETED, MOVED, SCOPE_CHANGED, TRASHED
from ipai_workos_core.scopes import PAGE, SPACE, WORKSPACE
from workos.kernel.prepared import Prepared, by_pk, pk_value

from . import backends
from .models import SearchDocument, SearchScope
from .query import normalise
from .registry import SOURCES, Entry


PRELOAD_PAGES = 500  # pages indexed together: their sources' reads and their documents loaded at once
# what the write of one page (every block edit) reads, compiled once: the page, its documents and their scopes
PAGE_WITH_SPACE = Prepared(lambda pk: Page.objects.select_related("space").filter(pk=pk))
PAGE_DOCUMENTS = Prepared(lambda page_id: SearchDocument.objects.filter(page_id=page_id))
PAGE_SCOPES = Prepared(lambda page_id: SearchScope.objects.filter(document__page_id=page_id))


def scope_key(model: str, pk) -> str:
    return f"{model}:{pk}"


# --- where a document sits ------------------------------------------------------------------------------


@dataclass
class Placement:
    workspace_id: int
    space_id: int
    scopes: list[str] = field(default_factory=list)  # below the space, the document's own page first
    trashed: bool = False


class Chains:
    """Walks pages up their permission chain (the same ``SCOPES`` parents the permission check walks), with a
    memo so that a batch of pages loads each ancestor once."""

    def __init__(self):
        self._objects: dict[tuple[str, str], object] = {}

    def remember(self, obj) -> None:
        self._objects[permissions.key_of(obj)] = obj

    def _object(self, key):
        key = (key[0], str(key[1]))
        if key not in self._objects:
            scope_type = SCOPES.find(key[0])
            self._objects[key] = by_pk(scope_type.model).first(pk_value(key[1])) if scope_type else None
        return self._objects[key]

    def placement(self, page: Page) -> Placement | None:
        """None when the chain is broken (an object above was deleted meanwhile)."""
        self.remember(page)
        scopes, trashed, seen = [], False, set()
        key = (PAGE, str(page.pk))
        while True:
            obj = self._object(key)
            if obj is None or key in seen or len(seen) > 256:
                return None
            seen.add(key)
            if key[0] == SPACE:
                return Placement(workspace_id=obj.workspace_id, space_id=obj.pk, scopes=scopes, trashed=trashed)
            if key[0] == WORKSPACE:
                return None
            scopes.append(scope_key(key[0], key[1]))
            trashed = trashed or getattr(obj, "archived_at", None) is not None
            parent = SCOPES.get(key[0]).parent(obj)
            if parent is None:
                return None
            key = (parent[0], str(parent[1]))


# --- writing the index ----------------------------------------------------------------------------------


@dataclass
class Texts:
    """An entry's text as stored: ``title`` shown, ``indexed_title`` searched (empty when the title is only shown)."""

    title: str
    indexed_title: str
    headings: str
    body: str


def texts_of(entry: Entry) -> Texts:
    title = backends.clean_text(normalise(entry.title))[:512]
    return Texts(title=title, indexed_title=title if entry.title_searched else "",
                 headings=backends.clean_text(normalise("\n".join(entry.headings))),
                 body=backends.clean_text(normalise("\n".join(entry.lines))))


def _fields(entry: Entry, placement: Placement, actor) -> tuple[Texts, dict]:
    """An entry's text as stored, and its document's fields (but its source)."""
    texts = texts_of(entry)
    editor = actor if entry.edited_by_writer and actor is not None and getattr(actor, "is_authenticated", False) else None
    return texts, {
        "workspace_id": placement.workspace_id, "space_id": placement.space_id, "page_id": entry.page_id,
        "object": entry.object, "title": texts.title, "headings": texts.headings, "body": texts.body,
        "anchors": [entry.heading_anchors, entry.line_anchors], "trashed": placement.trashed,
        "edited_at": entry.edited_at, "edited_by_id": editor.pk if editor else entry.edited_by_id,
    }


def _save_new(items: list[tuple[Entry, Placement]], actor=None) -> None:
    """What ``_save`` writes for documents that do not exist yet (the pages a bulk write made), with one INSERT of
    the documents, one of their scopes and one write of their full text (``backends.write_new_texts``) for all
    of them."""
    made = [(_fields(entry, placement, actor), entry, placement) for entry, placement in items]
    documents = SearchDocument.objects.bulk_create([
        SearchDocument(source_model=entry.source_model, source_id=str(entry.source_id), **values) for (_texts, values), entry, _placement in made])
    SearchScope.objects.bulk_create([SearchScope(document=document, scope_key=key, depth=depth)
                                     for document, (_fields_of, _entry, placement) in zip(documents, made)
                                     for depth, key in enumerate(placement.scopes)], batch_size=1000)
    backends.write_new_texts([(document.pk, texts.indexed_title, texts.headings, texts.body)
                              for document, ((texts, _values), _entry, _placement) in zip(documents, made)])


def _save(entry: Entry, placement: Placement, actor=None, document: SearchDocument | None = None, force: bool = False,
          scopes: list | None = None) -> SearchDocument:
    """Write one document (``document``: its row as loaded, None when new; ``scopes``: its scopes when loaded
    apart from it, else they are its prefetched ``scopes``). Its full-text part is rebuilt only
    when its text changed (or ``force``, for a rebuild): a save that leaves a page's text as it was (a block
    moved, a to-do ticked, a comment resolved) re-tokenises nothing."""
    texts, values = _fields(entry, placement, actor)
    if document is None:
        document = SearchDocument.objects.create(source_model=entry.source_model, source_id=str(entry.source_id), **values)
        text_changed = created = True
    else:
        created = False
        text_changed = (document.title, document.headings, document.body) != (texts.title, texts.headings, texts.body)
        changed = [name for name, value in values.items() if getattr(document, name) != value]
        for name in changed:
            setattr(document, name, values[name])
        if changed:
            document.save(update_fields=changed + ["updated_at"])
    if created:
        scopes = []
    elif scopes is None:
        scopes = list(document.scopes.all())
    _save_scopes(document, placement, scopes)
    if text_changed or force:
        backends.write_text(document.pk, texts.indexed_title, texts.headings, texts.body, force=force, fresh=created)
    return document


def _save_scopes(document: SearchDocument, placement: Placement, existing_scopes: list | None = None) -> None:
    wanted = {key: depth for depth, key in enumerate(placement.scopes)}
    if existing_scopes is None:
        existing_scopes = list(SearchScope.objects.filter(document=document))
    existing = {scope.scope_key: scope for scope in existing_scopes}
    stale = [scope.pk for key, scope in existing.items() if key not in wanted or scope.depth != wanted[key]]
    if stale:
        SearchScope.objects.filter(pk__in=stale).delete()
    kept = {key for key, scope in existing.items() if scope.pk not in stale}
    SearchScope.objects.bulk_create([SearchScope(document=document, scope_key=key, depth=depth)
                                     for key, depth in wanted.items() if key not in kept])


def forget(documents) -> int:
    ids = list(documents.values_list("pk", flat=True))
    if ids:
        SearchDocument.objects.filter(pk__in=ids).delete()
        backends.forget_text(ids)
    return len(ids)


def index_pages(page_ids, actor=None, chains: Chains | None = None, sources: list[str] | None = None, force: bool = False) -> int:
    """(Re)build the documents of these pages from what their sources say now; pages gone lose theirs. With
    ``sources`` (names in ``SOURCES``), only those sources' documents are rebuilt and the others left alone.
    ``force`` rewrites the full-text part even where the stored text is unchanged (``reindex``: repairs drift)."""
    chains = chains or Chains()
    page_ids = sorted({int(pk) for pk in page_ids})
    chosen = [(name, source) for name, source in SOURCES.items() if sources is None or name in sources]
    written = 0
    for start in range(0, len(page_ids), PRELOAD_PAGES):
        chunk = page_ids[start:start + PRELOAD_PAGES]
        pages = ({page.pk: page for page in PAGE_WITH_SPACE.all(chunk[0])} if len(chunk) == 1
                 else Page.objects.select_related("space").in_bulk(chunk))
        for page in pages.values():  # a page whose parent is in the batch (an import's tree) finds it without a query
            chains.remember(page)
            chains.remember(page.space)
        with ExitStack() as preloads:
            documents = None
            if len(chunk) > 1:  # many pages (a bulk write, a rebuild): what each source reads per page, read at once
                for _name, source in chosen:
                    if hasattr(source, "preload"):
                        preloads.enter_context(source.preload(pages.values()))
                documents = defaultdict(list)
                for document in SearchDocument.objects.filter(page_id__in=chunk).prefetch_related("scopes"):
                    documents[document.page_id].append(document)
            fresh = [] if documents is not None and connection.features.can_return_rows_from_bulk_insert else None
            for page_id in chunk:
                written += _index_page(page_id, pages.get(page_id), actor, chains, chosen, sources, force, documents, fresh)
            if fresh:
                _save_new(fresh, actor)
    return written


def _index_page(page_id: int, page, actor, chains: Chains, chosen: list, sources, force: bool, documents: dict | None, fresh: list | None = None) -> int:
    """``documents``: the documents of the pages being indexed, by page, when loaded already; ``fresh``: where to
    leave the (entry, placement) of documents that do not exist yet, for the caller to write together."""
    written = 0
    placement = chains.placement(page) if page is not None else None
    entries = [] if placement is None else [entry for _name, source in chosen for entry in source.entries(page)]
    # the page's documents with their scopes in two queries, however many comments it has (loaded with the
    # batch's, or here: by document)
    scopes = None
    if documents is not None:
        loaded = documents.get(page_id, [])
    elif entries:
        loaded, scopes = PAGE_DOCUMENTS.all(page_id), defaultdict(list)
        for scope in PAGE_SCOPES.all(page_id) if loaded else ():  # a new page has none
            scopes[scope.document_id].append(scope)
    else:
        loaded = []
    existing = {(document.source_model, document.source_id): document for document in loaded} if entries else {}
    keep = set()
    for entry in entries:
        document = existing.get((entry.source_model, str(entry.source_id)))
        if document is None and fresh is not None:
            fresh.append((entry, placement))
        else:
            _save(entry, placement, actor, document, force, None if scopes is None or document is None else scopes[document.pk])
        keep.add((entry.source_model, str(entry.source_id)))
        written += 1
    models = None if sources is None else {model for _name, source in chosen for model in source.models}
    if entries:
        # the documents loaded above that no entry wants now (one query, however many a page has: a page's
        # five hundred comments made a query of five hundred exclusions)
        gone = [document.pk for key, document in existing.items() if key not in keep and (models is None or key[0] in models)]
        if gone:
            forget(SearchDocument.objects.filter(pk__in=gone))
    elif documents is None or documents.get(page_id):
        stale = SearchDocument.objects.filter(page_id=page_id)
        if models is not None:
            stale = stale.filter(source_model__in=models)
        forget(stale)
    return written


def _documents_under(scope_keys: list[str]):
    """Documents whose chain holds any of these scopes (a page: the page, everything below it, the rows of
    databases inside it)."""
    return SearchDocument.objects.filter(pk__in=SearchScope.objects.filter(scope_key__in=scope_keys).values("document_id"))


def refresh_placement(scope_keys: list[str]) -> int:
    """Where the documents under these scopes sit (space, chain, trash) changed: write it again, text untouched."""
    chains = Chains()
    documents = list(_documents_under(scope_keys).select_related("page").prefetch_related("scopes"))
    lost, moved = [], defaultdict(list)  # one DELETE, and one UPDATE per new place, however many documents (a bulk trash)
    for document in documents:
        placement = chains.placement(document.page) if document.page_id else None
        if placement is None:
            lost.append(document.pk)
            continue
        place = (placement.workspace_id, placement.space_id, placement.trashed)
        if (document.workspace_id, document.space_id, document.trashed) != place:
            moved[place].append(document.pk)
        _save_scopes(document, placement, list(document.scopes.all()))
    forget(SearchDocument.objects.filter(pk__in=lost))
    for (workspace_id, space_id, trashed), ids in moved.items():
        for start in range(0, len(ids), 1000):
            SearchDocument.objects.filter(pk__in=ids[start:start + 1000]).update(workspace_id=workspace_id, space_id=space_id, trashed=trashed)
    return len(documents)


def on_page_event(event: str, ids: list, actor=None) -> None:
    """Core's page listener (registered in ``apps.ready``): keeps the index right in the write's transaction."""
    if event == CONTENT_CHANGED:
        index_pages(ids, actor)
    elif event == BODY_CHANGED:  # the sources that read no page body (``Source.reads_body``: comments) are left alone
        index_pages(ids, actor, sources=[name for name, source in SOURCES.items() if getattr(source, "reads_body", True)])
    elif event in (MOVED, TRASHED):
        page_ids = [int(pk) for pk in ids]
        missing = set(page_ids) - set(SearchDocument.objects.filter(page_id__in=page_ids).values_list("page_id", flat=True))
        if missing:
            index_pages(missing, actor)
        refresh_placement([scope_key(PAGE, pk) for pk in page_ids])
    elif event == SCOPE_CHANGED:
        refresh_placement([scope_key(model, pk) for model, pk in ids])
    elif event == DELETED:
        forget(_documents_under([scope_key(PAGE, pk) for pk in ids]) | SearchDocument.objects.filter(page_id__in=ids))
