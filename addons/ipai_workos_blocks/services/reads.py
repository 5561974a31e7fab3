"""Permission-checked reads: pages, blocks, documents, HTML, plain text, references and backlinks."""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.utils import timezone

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from workos.kernel.errors import Conflict, InvalidInput, NotFound
from workos.kernel.prepared import Prepared

from .. import rendering
from ..models import Block, BlockReference
from ..registry import BLOCK_TYPES
from ._common import MAX_DEPTH, UNSET
from .mentions import live_mentions


def get_page(user, page_id, action: str = "read", share=None) -> Page:
    """The page, if ``user`` may do ``action`` on it (NotFound when they cannot even view it)."""
    page = core.get_page(user, page_id, action, share=share)
    if action != "read":
        _not_in_trash(page)
    return page


def _not_in_trash(page: Page) -> None:
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")


def _require_edit(actor, page: Page) -> None:
    permissions.require(actor, "edit", page)
    _not_in_trash(page)


def _block_uuid(value, field: str = "id", missing=NotFound) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        if missing is NotFound:
            raise NotFound("no such block") from None
        raise InvalidInput("not a block id (a UUID)", field=field) from None


# the chain the permission check walks comes with the block; compiled once (workos.kernel.prepared)
BLOCKS_BY_ID = Prepared(lambda key: Block.objects.select_related("page__space__workspace").filter(id=key))
PAGE_BLOCKS = Prepared(lambda page_id: Block.objects.filter(page_id=page_id))  # a write's answer: the block's tree
BLOCK_ON_PAGE = Prepared(lambda key, page_id: Block.objects.select_related("page__space__workspace").filter(id=key, page_id=page_id))


def get_block(user, block_id, action: str = "read", share=None, *, page_id=None) -> Block:
    """The block with id ``block_id`` on a page ``user`` may read (on page ``page_id`` when given), if they may
    do ``action`` on it. A block id is unique per page only: blocks of pages the user cannot read are never
    considered, so such a block answers exactly like a missing one; when several readable pages hold the id,
    the answer is a Conflict naming the page-scoped address."""
    wanted = _block_uuid(block_id)
    if page_id is not None:
        if isinstance(page_id, bool) or not isinstance(page_id, int):
            raise NotFound("no such block")
        found = BLOCK_ON_PAGE.all(wanted, page_id)
    else:
        found = BLOCKS_BY_ID.all(wanted)
    if len(found) > 1:  # only pages the user may read count (one candidate: the check below says it, once)
        found = [block for block in found if permissions.can(user, "read", block.page, share=share)]
    if not found:
        raise NotFound("no such block")
    if len(found) > 1:
        raise Conflict("several pages you can read hold a block with this id: address it through its page, "
                       "/api/v1/pages/{page_id}/blocks/{block_id}", code="ambiguous_block_id",
                       details={"page_ids": sorted(block.page_id for block in found)})
    block = found[0]
    try:
        permissions.require(user, action, block.page, share=share)
    except NotFound:
        raise NotFound("no such block") from None  # a hidden block answers exactly like a missing one
    if action != "read":
        _not_in_trash(block.page)
    return block


def block_on_page(page: Page, block_id, field: str = "id") -> Block | None:
    """The block of ``page`` with id ``block_id`` (InvalidInput naming ``field`` when it is not a UUID)."""
    return Block.objects.select_related("page").filter(page=page, id=_block_uuid(block_id, field, missing=InvalidInput)).first()


def _order(block: Block):
    return (block.rank, block.created_at or timezone.now(), str(block.id))


def block_json(block: Block, children: list[dict] | None = None, parent_id=UNSET) -> dict:
    """A block in JSON; ``parent_id``: its parent's id when the caller knows it (else read from the parent)."""
    if parent_id is UNSET:
        parent_id = block.parent.id if block.parent_id else None
    return {
        "id": str(block.id), "page_id": block.page_id, "parent_id": str(parent_id) if parent_id else None,
        "type": block.type, "content": block.content, "rank": block.rank, "children": children or [],
        "created_at": block.created_at, "updated_at": block.updated_at,
    }


def _trees(blocks: list[Block], root_key=None) -> list[dict]:
    by_parent: dict = defaultdict(list)
    for block in blocks:
        by_parent[block.parent_id].append(block)
    for siblings in by_parent.values():
        siblings.sort(key=_order)

    ids = {block.pk: block.id for block in blocks}

    def build(parent_key, depth: int) -> list[dict]:
        if depth > MAX_DEPTH + 1:
            return []
        return [block_json(block, build(block.pk, depth + 1), ids.get(block.parent_id)) for block in by_parent.get(parent_key, [])]

    return build(root_key, 0)


def document(page: Page) -> list[dict]:
    """The page's blocks as ordered trees (call after a permission check: see ``get_page``)."""
    return _trees(PAGE_BLOCKS.all(page.pk))


def documents(pages: list[Page]) -> dict[int, list[dict]]:
    """``document`` of each of ``pages`` by page id, in one query (for exports; call after a permission check)."""
    by_page: dict[int, list[Block]] = {page.pk: [] for page in pages}
    for block in Block.objects.filter(page_id__in=list(by_page)):
        by_page[block.page_id].append(block)
    return {page_id: _trees(blocks) for page_id, blocks in by_page.items()}


def block_tree(block: Block) -> dict:
    """One block with its descendants."""
    return block_json(block, _trees(PAGE_BLOCKS.all(block.page_id), root_key=block.pk))


def page_html(page: Page, viewer, share=None) -> str:
    """Sanitised HTML of the page body as ``viewer`` (or a share link) reads it: page mentions by live title."""
    return rendering.to_html(live_mentions(viewer, document(page), share=share))


def plain_text_of(page: Page) -> str:
    """The text of every block of the page, in document order (for search indexing)."""
    lines: list[str] = []

    def walk(trees):
        for tree in trees:
            text = BLOCK_TYPES.get(tree["type"]).plain_text(tree["content"]) if tree["type"] in BLOCK_TYPES else ""
            if text:
                lines.append(text)
            walk(tree["children"])

    walk(document(page))
    return "\n".join(lines)


def references_to(kind: str, target_id: int):
    """Stored mentions of a user or page (rows of ``ipai_workos_block_reference``), newest first. Callers
    filter by what their user may view (``permissions.visible_to`` on the pages)."""
    field = "target_user_id" if kind == "user" else "target_page_id"
    return BlockReference.objects.filter(kind=kind, **{field: target_id}).select_related("block", "page").order_by("-created_at")


def mentions_of_user(user, mentioned_user_id: int):
    """Blocks mentioning a user, on pages ``user`` may view."""
    pages = permissions.visible_to(user, Page.objects.all())
    return references_to("user", mentioned_user_id).filter(page__in=pages)


def backlinks(user, page: Page):
    """Pages ``user`` may view whose blocks mention ``page``."""
    referring = BlockReference.objects.filter(kind="page", target_page=page).values_list("page_id", flat=True)
    return permissions.visible_to(user, Page.objects.filter(pk__in=referring, archived_at__isnull=True))
