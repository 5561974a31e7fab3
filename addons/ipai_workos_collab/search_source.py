"""Comments as search documents: the ``comments`` source this module registers in the search module's
``SOURCES`` (in ``apps.ready``). One document per comment, placed where its page is, so whoever may read the
page finds it and nobody else; the comment services call ``search.refresh(..., sources=["comments"])`` after each
write, in the write's transaction."""

from __future__ import annotations

from ipai_workos_blocks import richtext
from ipai_workos_search.registry import Entry, without_mentions

from .models import Comment
from .services._common import COMMENT_MODEL, SEARCH_SOURCE

SOURCE = SEARCH_SOURCE


class CommentSource:
    models = (COMMENT_MODEL,)

    def entries(self, page):
        """A document per comment of the page that is not deleted. Its title ("Comment on <page>") is shown, not
        searched; its text leaves mentions out (their label could name a page the searcher cannot read)."""
        where = page.title or "Untitled"
        entries = []
        for comment in Comment.objects.filter(page=page, deleted_at__isnull=True).select_related("parent").order_by("pk"):
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
