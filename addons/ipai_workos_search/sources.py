"""What a page gives the index (registered as the ``pages`` source in ``apps.ready``): its title, the text of
its blocks (headings apart) and, for a database row's page, the row's text-like values."""

from __future__ import annotations

from django.db.models import Max

from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Block
from ipai_workos_blocks.registry import BLOCK_TYPES
from ipai_workos_db.models import Row
from ipai_workos_db.properties import property_type

from .registry import PAGE_TEXT, Entry

DATABASE = "ipai.workos.database"
HEADING_TYPES = ("heading_1", "heading_2", "heading_3")
TEXT_KINDS = ("text", "select", "multi")  # values a person would search for; numbers, dates, people are filters


def _latest(*moments):
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


class PageSource:
    def entries(self, page):
        row = Row.objects.select_related("database").filter(page=page).first() if page.container_model == DATABASE else None
        entry = Entry(source_model="ipai.workos.page", source_id=page.pk, page_id=page.pk, object="row" if row else "page",
                      title=page.title, edited_by_id=page.updated_by_id)

        def walk(trees):
            for tree in trees:
                block_type = BLOCK_TYPES.get(tree["type"]) if tree["type"] in BLOCK_TYPES else None
                text = (block_type.plain_text(tree["content"]) if block_type else "").strip()
                if text:
                    lines, anchors = (entry.headings, entry.heading_anchors) if tree["type"] in HEADING_TYPES else (entry.lines, entry.line_anchors)
                    for line in text.splitlines() or [text]:
                        if line.strip():
                            lines.append(line.strip())
                            anchors.append(tree["id"])
                walk(tree["children"])

        walk(blocks.document(page))
        for _name, provider in PAGE_TEXT.items():
            for line in provider(page):
                if line.strip():
                    entry.lines.append(line.strip())
                    entry.line_anchors.append("")
        last_block = Block.objects.filter(page=page).aggregate(last=Max("updated_at"))["last"]
        entry.edited_at = _latest(page.updated_at, last_block)
        if row is not None:
            for prop in row.database.properties.all():
                entry_type = property_type(prop.type) if prop.type else None
                if entry_type is None or not entry_type.stored or entry_type.kind not in TEXT_KINDS:
                    continue
                cell = row.values.get(prop.key)
                if cell in (None, "", []):
                    continue
                text = entry_type.display(cell, prop.config)
                for line in str(text).splitlines():
                    if line.strip():
                        entry.lines.append(line.strip())
                        entry.line_anchors.append("")
            if row.updated_at and (entry.edited_at is None or row.updated_at > entry.edited_at):
                entry.edited_at, entry.edited_by_id = row.updated_at, row.updated_by_id or entry.edited_by_id
        return [entry]
