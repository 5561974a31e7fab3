"""Extension points of search: ``SOURCES``, what gets indexed for a page.

A source turns one page into zero or more documents (``Entry``): the page itself or a database row's page (the
``pages`` source, here), the page's comments (the ``comments`` source of the collaboration module, which
depends on this one). ``models`` names the ``source_model`` values a source's entries carry, so that one source
can be refreshed alone (``services.refresh(page_ids, sources=[name])``: what the comment services call) without
rebuilding the page's other documents. A document lives where its page lives: it takes the page's place,
chain and trash state, so the permission filter needs nothing new for it — whoever may read the page may read
its documents, and nobody else.

Indexed text never holds the stored label of a mention: that label is the mentioned page's title at the time
of writing, and the mentioned page may be one the searcher cannot read. ``searchable_text`` drops mentions.

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
    object: str  # page, row, comment (a comment's source_id is the comment's id: a result opens the page at it)
    title: str
    headings: list[str] = field(default_factory=list)
    heading_anchors: list[str] = field(default_factory=list)  # block id of each heading
    lines: list[str] = field(default_factory=list)  # the body, one line per block or value
    line_anchors: list[str] = field(default_factory=list)  # block id of each line ("" when none)
    edited_at: datetime | None = None
    edited_by_id: int | None = None
    # False: the title is shown with the result but not searched (a comment's "Comment on <page>": its page's
    # title must not make every comment on the page a title hit).
    title_searched: bool = True
    # True: the person whose write triggers the indexing becomes the last editor (a page's block save); False for
    # documents with their own author (a comment edited by its author, resolved by someone else).
    edited_by_writer: bool = True


class Source(Protocol):
    models: tuple[str, ...]  # the source_model values of its entries
    # False: its entries never read the page's body (blocks, canvas text), so a write that changed only the body
    # (core's ``body_changed``) leaves its documents alone — the comments' hold the page's title, not its blocks.
    # A source that does not say reads it.
    reads_body: bool = True

    def entries(self, page) -> Iterable[Entry]: ...


def without_mentions(value):
    """Rich content (a block's content, a comment's body) with every mention span left out."""
    if isinstance(value, dict):
        return None if "mention" in value else {key: without_mentions(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item for item in (without_mentions(element) for element in value) if item is not None]
    return value


def searchable_text(block_type, content: dict, mentions: bool = True) -> str:
    """A block's (or a comment's) text for the index: its type's ``plain_text`` of the content without mention
    spans (their stored label could name a page the searcher cannot read). ``mentions=False``: the caller knows
    that the content holds none (its JSON text does not say "mention"), so it is not walked."""
    return block_type.plain_text((without_mentions(content) if mentions else content) or {})


SOURCES: Registry[Source] = Registry("search source")

# provider(page) -> lines of text that another module keeps for a page outside its blocks (the text on a canvas),
# added to the body of the page's own document, so that the page is found by it once rather than twice. A provider
# that reads per page may also have ``preload(pages)``, a context manager within which it answers for those pages
# from what it read at once (as a source's ``preload``: ``index_pages`` of many pages enters it).
PageText = Callable[[Any], Iterable[str]]
PAGE_TEXT: Registry[PageText] = Registry("search page text provider")
