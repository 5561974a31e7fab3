"""Extension points of the page tree for modules that keep rows per page (the blocks document, a database's
rows ...). Core never imports those modules: they register here in their ``AppConfig.ready()``.

``PAGE_COPY_HANDLERS``: ``handler(actor, source, copy)`` copies the rows a module keeps for ``source`` to the
new page ``copy`` when a page is duplicated. Called once per copied page, inside the duplicate's transaction,
after the permission checks (the actor may read ``source`` and edit ``copy``); a handler writes its own
module's tables only and raises a ``ServiceError`` to refuse the whole duplicate.

``PAGE_CONTENT_HANDLERS``: how a module's part of a page takes part in page history. ``snapshot(page)`` returns
a JSON-able dict that is merged into a version's ``content`` (use one top-level key of your own, e.g.
``"blocks"``); ``restore(actor, page, content)`` makes the page's body what ``content`` says when an old version
is restored — it receives the whole version content and must leave the page alone when its key is absent
(a version made before the module was installed).

``PAGE_LISTENERS``: modules that keep something derived from pages (the search index) hear about page
changes here, in the transaction of the write (see ``notify_pages`` below).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable

from workos.kernel.registry import Registry

PageCopyHandler = Callable[[Any, Any, Any], None]


@dataclass(frozen=True)
class PageContentHandler:
    snapshot: Callable[[Any], dict]
    restore: Callable[[Any, Any, dict], None]


PAGE_COPY_HANDLERS: Registry[PageCopyHandler] = Registry("page copy handler")
PAGE_CONTENT_HANDLERS: Registry[PageContentHandler] = Registry("page content handler")


# --- listeners of page changes ---------------------------------------------------------------------------
#
# Modules that keep something derived from pages (the search index) learn of changes here, inside the
# transaction of the write that made them: core, blocks and databases call ``notify_pages`` from their services
# and never import the listening module. A listener must only write its own module's tables; an exception it
# raises rolls the whole write back (the derived data can then never disagree with the pages).

CONTENT_CHANGED = "content_changed"  # title, icon, body or values of these pages changed (or they were created)
BODY_CHANGED = "body_changed"  # only the body of these pages changed (blocks, canvas): not their title, icon or values
MOVED = "moved"  # these pages changed place (parent, space or container): they and everything below them
TRASHED = "trashed"  # these pages (and what they contain) went to the trash or came back from it
DELETED = "deleted"  # these pages are about to be deleted for good
SCOPE_CHANGED = "scope_changed"  # another permission scope above pages changed (a database moved, trashed ...)
PAGE_EVENTS = (CONTENT_CHANGED, BODY_CHANGED, MOVED, TRASHED, DELETED, SCOPE_CHANGED)
CHANGED = (CONTENT_CHANGED, BODY_CHANGED)  # a listener that does not tell them apart treats both as content_changed

PageListener = Callable[[str, list, Any], None]  # listener(event, ids, actor); scope_changed ids are scope keys

PAGE_LISTENERS: Registry[PageListener] = Registry("page listener")


def notify_pages(event: str, ids, actor=None) -> None:
    """Tell every listener that ``event`` happened to these pages (or, for ``scope_changed``, to these
    (technical model name, id) scopes). Call it inside the write's transaction, after the write."""
    if event not in PAGE_EVENTS:
        raise ValueError(f"unknown page event {event!r}; known: {', '.join(PAGE_EVENTS)}")
    ids = [item for item in ids if item is not None]
    if not ids:
        return
    pending = _batched.get()
    if pending is not None and event in CHANGED:
        told = pending.setdefault(id(actor), (actor, {}))[1]
        for page_id in ids:  # a page whose title changed too is told content_changed
            told[page_id] = CONTENT_CHANGED if told.get(page_id) == CONTENT_CHANGED else event
        return
    for _name, listener in PAGE_LISTENERS.items():
        listener(event, ids, actor)


_batched: ContextVar[dict | None] = ContextVar("workos_batched_page_notices", default=None)


@contextmanager
def batched_content_notices():
    """Within this block (inside one transaction), ``content_changed`` and ``body_changed`` notices are collected
    and told once each, at the end, with every page they named (a page named by both is told
    ``content_changed``) — for writes that make many pages at once (a template applied). A
    listener reads the pages' state when it is told, so telling it once at the end is the same as telling it
    after each write. Other events are told at once, as usual. Nothing is told when the block raises."""
    if _batched.get() is not None:  # already batching: the outer block tells
        yield
        return
    token = _batched.set({})
    try:
        yield
        pending = _batched.get()
    finally:
        _batched.reset(token)
    for actor, told in pending.values():
        for event in CHANGED:
            ids = [page_id for page_id, told_event in told.items() if told_event == event]
            if ids:
                notify_pages(event, ids, actor)
