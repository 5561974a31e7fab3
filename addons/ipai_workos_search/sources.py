"""What a page gives the index (registered as the ``pages`` source in ``apps.ready``): its title, the text of
its blocks (headings apart, mentions left out) and, for a database row's page, the row's text-like values."""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar

from django.db import connection
from django.db.models import Max

from ipai_workos_blocks.models import Block
from ipai_workos_blocks.registry import BLOCK_TYPES
from ipai_workos_db.models import Property, Row
from ipai_workos_db.properties import property_type
from workos.kernel.prepared import Prepared

from .registry import PAGE_TEXT, Entry, searchable_text

DATABASE = "ipai.workos.database"
HEADING_TYPES = ("heading_1", "heading_2", "heading_3")
TEXT_KINDS = ("text", "select", "multi")  # values a person would search for; numbers, dates, people are filters


def _latest(*moments):
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


def _dashed(value: str | None) -> str | None:
    """A uuid as its usual text: SQLite stores Django's uuids as 32 hex digits, PostgreSQL's cast has dashes."""
    if value is None or len(value) != 32:
        return value
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


_preloaded: ContextVar[dict | None] = ContextVar("workos_search_preloaded_pages", default=None)


def _blocks_of(page_ids: list[int]) -> dict[int, list[tuple]]:
    """(key, id, parent's key, type, content as JSON text, rank) of these pages' blocks in creation order, keys and
    ids as text (rows point at a block's key; its id, unique on the page, is what clients know).
    Raw SQL on purpose: no uuid, JSON or date converter runs per block (a 2,000-block page spent half of its
    indexing time in them), and the JSON text tells whether a block holds a mention before it is parsed."""
    cast = "::text" if connection.vendor == "postgresql" else ""
    found: dict[int, list[tuple]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT page_id, key{cast}, id{cast}, parent_id{cast}, type, content{cast}, rank FROM {Block._meta.db_table} "
                       f"WHERE page_id IN ({', '.join(['%s'] * len(page_ids))}) ORDER BY created_at, id", page_ids)
        for page_id, key, block_id, parent_key, block_type, content, rank in cursor.fetchall():
            found[page_id].append((key, _dashed(block_id), parent_key, block_type, content, rank))
    return found


def _block_rows(page) -> list[tuple]:
    memo = _preloaded.get()
    if memo is not None and page.pk in memo["pages"]:
        return memo["blocks"].get(page.pk, [])
    return _blocks_of([page.pk]).get(page.pk, [])


def _row_of(page):
    """The row whose page this is (its database's properties loaded), or None."""
    if page.container_model != DATABASE:
        return None
    memo = _preloaded.get()
    if memo is not None and page.pk in memo["pages"]:
        return memo["rows"].get(page.pk)
    row = Row.objects.select_related("database").filter(page=page).first()
    if row is not None:
        row.properties = list(row.database.properties.all())
    return row


# MAX(updated_at) as the first of the page's blocks by it (never null): an aggregate is compiled on each call
LAST_BLOCK_EDIT = Prepared(lambda page_id: Block.objects.filter(page_id=page_id).order_by("-updated_at").values_list("updated_at", flat=True))


def _last_block_edit(page, has_blocks: bool):
    """The latest ``updated_at`` of the page's blocks (None without blocks)."""
    if not has_blocks:
        return None
    memo = _preloaded.get()
    if memo is not None and page.pk in memo["pages"]:
        return memo["last_edits"].get(page.pk)
    return LAST_BLOCK_EDIT.first(page.pk)


def _blocks_in_order(page):
    """The page's blocks as (id, type, content JSON text) in document order (that of ``blocks.document``: depth
    first, siblings by rank, then creation, then id) and the latest ``updated_at``. Lean queries of plain values:
    indexing runs inside every save, and building the document's JSON trees (or reading two dates a block)
    cost more than the index update. The database orders by creation then id (a uuid orders as its text), so
    a block's place in that order stands for both in the sibling sort."""
    children = defaultdict(list)
    for created, (key, block_id, parent_key, block_type, content, rank) in enumerate(_block_rows(page)):
        children[parent_key].append(((rank, created), key, block_id, block_type, content))
    last = _last_block_edit(page, bool(children))
    ordered, seen = [], set()  # seen: a cycle cannot be written, but a reader must not loop on one
    stack = [iter(sorted(children.get(None, ()), key=lambda item: item[0]))]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        _order, key, block_id, block_type, content = item
        if key in seen:
            continue
        seen.add(key)
        ordered.append((block_id, block_type, content))
        stack.append(iter(sorted(children.get(key, ()), key=lambda item: item[0])))
    return ordered, last


class PageSource:
    models = ("ipai.workos.page",)

    @contextmanager
    def preload(self, pages):
        """Within this block, ``entries`` of these pages read their rows, the rows' properties, their blocks and
        the blocks' latest edit from four queries made here, instead of four per page (``index_pages`` of many
        pages at once), and the ``PAGE_TEXT`` providers that can (a ``preload`` of their own) read theirs at once."""
        pages = list(pages)
        ids = [page.pk for page in pages]
        # the rows alone: entries read their values and properties, never their database (a copy of it per row
        # cost more than the rows themselves)
        rows = {row.page_id: row for row in Row.objects.filter(page_id__in=[page.pk for page in pages if page.container_model == DATABASE])}
        properties = defaultdict(list)
        for prop in Property.objects.filter(database_id__in={row.database_id for row in rows.values()}):
            properties[prop.database_id].append(prop)
        for row in rows.values():
            row.properties = properties[row.database_id]
        last_edits = dict(Block.objects.filter(page_id__in=ids).values("page_id").annotate(last=Max("updated_at"))
                          .order_by().values_list("page_id", "last")) if ids else {}
        token = _preloaded.set({"pages": set(ids), "rows": rows, "blocks": _blocks_of(ids) if ids else {}, "last_edits": last_edits})
        try:
            with ExitStack() as providers:
                for _name, provider in PAGE_TEXT.items():
                    if hasattr(provider, "preload"):
                        providers.enter_context(provider.preload(pages))
                yield
        finally:
            _preloaded.reset(token)

    def entries(self, page):
        row = _row_of(page)
        entry = Entry(source_model="ipai.workos.page", source_id=page.pk, page_id=page.pk, object="row" if row else "page",
                      title=page.title, edited_by_id=page.updated_by_id)
        ordered, last_block = _blocks_in_order(page)
        for block_id, type_name, content in ordered:
            block_type = BLOCK_TYPES.find(type_name)
            text = searchable_text(block_type, json.loads(content), mentions='"mention"' in content).strip() if block_type else ""
            if not text:
                continue
            lines, anchors = (entry.headings, entry.heading_anchors) if type_name in HEADING_TYPES else (entry.lines, entry.line_anchors)
            for line in text.splitlines():
                if line.strip():
                    lines.append(line.strip())
                    anchors.append(block_id)
        for _name, provider in PAGE_TEXT.items():  # text a module keeps outside the blocks (a canvas's)
            for line in provider(page):
                if line.strip():
                    entry.lines.append(line.strip())
                    entry.line_anchors.append("")
        entry.edited_at = _latest(page.updated_at, last_block)
        if row is not None:
            for prop in row.properties:
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
