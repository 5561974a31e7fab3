"""Extension points of search: ``SOURCES``, what gets indexed for a page.

A source turns one page into zero or more documents (``Entry``): the page itself, a database row's page, and —
when the collaboration module has them — its comments (register a source whose ``entries(page)`` yields one
entry per comment thread, ``object="comment"``, keyed by the thread, and call core's ``notify_pages
(CONTENT_CHANGED, [page_id])`` from the comment services). A document lives where its page lives: it takes the
page's place, chain and trash state, so the permission filter needs nothing new for it.

Sources register in their module's ``AppConfig.ready()``; the registry refuses new keys after start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Protocol

from workos.kernel.registry import Registry


@dataclass
class Entry:
    source_model: str  # technical name, e.g. "ipai.workos.page"
    source_id: Any
    page_id: int
    object: str  # page, row, comment
    title: str
    headings: list[str] = field(default_factory=list)
    heading_anchors: list[str] = field(default_factory=list)  # block id of each heading
    lines: list[str] = field(default_factory=list)  # the body, one line per block or value
    line_anchors: list[str] = field(default_factory=list)  # block id of each line ("" when none)
    edited_at: datetime | None = None
    edited_by_id: int | None = None


class Source(Protocol):
    def entries(self, page) -> Iterable[Entry]: ...


SOURCES: Registry[Source] = Registry("search source")

# provider(page) -> lines of text that another module keeps for a page outside its blocks (the text on a canvas),
# added to the body of the page's own document, so that the page is found by it once rather than twice.
PageText = Callable[[Any], Iterable[str]]
PAGE_TEXT: Registry[PageText] = Registry("search page text provider")
