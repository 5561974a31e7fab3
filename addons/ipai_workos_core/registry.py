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
"""

from __future__ import annotations

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
