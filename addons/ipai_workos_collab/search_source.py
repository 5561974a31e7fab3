"""Comments as search documents: the ``comments`` source this module registers in the search module's
``SOURCES`` (in ``apps.ready``). One document per comment, placed where its page is, so whoever may read the
page finds it and nobody else; the comment services call ``search.refresh(..., sources=["comments"])`` after each
write, in the write's transaction."""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from ipai_workos_blocks import richtext
from ipai_workos_search.registry import Entry, without_mentions
from workos.kernel.prepared import Prepared

from .models import Comment
from .services._common import COMMENT_MODEL, SEARCH_SOURCE

SOURCE = SEARCH_SOURCE


_preloaded: ContextVar[dict | None] = ContextVar("workos_comment_source_preloaded", default=None)


def _comments(**pages):
    """The comments that are not deleted, with their threads' first comment, of the pages ``pages`` names."""
    return Comment.objects.filter(deleted_at__isnull=True, **pages).select_related("parent").order_by("pk")


PAGE_COMMENTS = Prepared(lambda page_id: _comments(page_id=page_id))  # inside every write of a page's blocks


class CommentSource:
    models = (COMMENT_MODEL,)
    reads_body = False  # a comment's document has its page's title, never its blocks: a block edit leaves it alone

    @contextmanager
    def preload(self, pages):
        """Within this block, ``entries`` of these pages read their comments from one query made here."""
        ids = [page.pk for page in pages]
        found = defaultdict(list)
        for comment in _comments(page_id__in=ids):
            found[comment.page_id].append(comment)
        token = _preloaded.set({"pages": set(ids), "comments": found})
        try:
            yield
        finally:
            _preloaded.reset(token)

    def entries(self, page):
        """A document per comment of the page that is not deleted. Its title ("Comment on <page>") is shown, not
        searched; its text leaves mentions out (their label could name a page the searcher cannot read)."""
        where = page.title or "Untitled"
        entries = []
        memo = _preloaded.get()
        comments = memo["comments"].get(page.pk, []) if memo is not None and page.pk in memo["pages"] else PAGE_COMMENTS.all(page.pk)
        for comment in comments:
            thread = comment.parent or comment
            text = richtext.plain_text(without_mentions(comment.body or {}).get("text", []))
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            entries.append(Entry(
                source_model=COMMENT_MODEL, source_id=comment.pk, page_id=page.pk, object="comment",
                title=("Resolved comment on " if thread.resolved_at else "Comment on ") + where,
                lines=lines, line_anchors=[""] * len(lines), edited_at=comment.edited_at or comment.created_at,
                edited_by_id=comment.author_id, title_searched=False, edited_by_writer=False,
            ))
        return entries
