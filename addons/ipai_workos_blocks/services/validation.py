"""Validation of block content through the block-type registry, mention references, depth and size limits."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model

from ipai_platform_permissions import services as permissions
from ipai_workos_core.models import Page
from workos.kernel.errors import InvalidInput

from ..models import Attachment, Block, BlockReference
from ..registry import BLOCK_TYPES, MENTION_LISTENERS, block_type
from ._common import MAX_BLOCKS_PER_PAGE


def _prefixed(error: InvalidInput, prefix: str) -> InvalidInput:
    if prefix:
        error.field = f"{prefix}.{error.field}" if error.field else prefix
    return error


def validate_content(type_name, content, prefix: str = "") -> tuple[str, dict]:
    """(type, normalised content) or InvalidInput naming the field (``content.text[0].marks`` ...)."""
    try:
        entry = block_type(type_name)
        return entry.type, entry.validate(content, "content")
    except InvalidInput as error:
        raise _prefixed(error, prefix) from None


def _check_attachments(page: Page, items: list[tuple[str, dict, str]]) -> None:
    """Every attachment an image or file block names must belong to the block's page."""
    wanted: dict[int, str] = {}
    for type_name, content, prefix in items:
        for attachment_id in BLOCK_TYPES.get(type_name).attachment_ids(content):
            wanted.setdefault(attachment_id, f"{prefix}.content.attachment_id" if prefix else "content.attachment_id")
    if not wanted:
        return
    found = set(Attachment.objects.filter(pk__in=list(wanted), page=page).values_list("pk", flat=True))
    for attachment_id, field in wanted.items():
        if attachment_id not in found:
            raise InvalidInput(f"attachment {attachment_id} does not belong to this page: upload it to this page first", field=field)


def _mentions(type_name: str, content) -> list[tuple[str, int]]:
    """What a block of this type and content mentions: the source of its references."""
    entry = BLOCK_TYPES.find(type_name)
    return entry.mentions(content) if entry is not None and isinstance(content, dict) else []


def _sync_references(actor, blocks: list[Block], delete_first: bool = True) -> None:
    """Rewrite the mention references of ``blocks`` from their content; tell the mention listeners whom a
    block mentions that it did not before."""
    if not blocks:
        return
    before: set = set()
    if delete_first:
        existing = BlockReference.objects.filter(block_id__in=[block.pk for block in blocks])
        if MENTION_LISTENERS.items():
            before = set(existing.filter(kind="user").values_list("block_id", "target_user_id"))
        existing.delete()
    wanted = []
    for block in blocks:
        wanted.extend((block, kind, target) for kind, target in sorted(set(_mentions(block.type, block.content))))
    if not wanted:
        return
    user_ids = {target for _, kind, target in wanted if kind == "user"}
    page_ids = {target for _, kind, target in wanted if kind == "page"}
    users = set(get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True)) if user_ids else set()
    # a mention of a page the author cannot view stays text: it must not create a backlink there
    pages = set(permissions.visible_to(actor, Page.objects.filter(pk__in=page_ids)).values_list("pk", flat=True)) if page_ids else set()
    rows = []
    for block, kind, target in wanted:
        if kind == "user" and target in users:
            rows.append(BlockReference(block=block, page_id=block.page_id, kind=kind, target_user_id=target))
        elif kind == "page" and target in pages:
            rows.append(BlockReference(block=block, page_id=block.page_id, kind=kind, target_page_id=target))
    BlockReference.objects.bulk_create(rows)
    if MENTION_LISTENERS.items():
        added: dict = defaultdict(list)
        for row in rows:
            if row.kind == "user" and (row.block_id, row.target_user_id) not in before:
                added[row.block_id].append(row.target_user_id)
        by_id = {block.pk: block for block in blocks}
        for block_id, user_ids in added.items():
            for _key, listener in MENTION_LISTENERS.items():
                listener(actor, by_id[block_id], user_ids)


def _depth(block: Block | None) -> int:
    """Levels above ``block`` (0 for a top-level block)."""
    depth, current = 0, block
    seen = set()
    while current is not None and current.parent_id is not None and current.pk not in seen:
        seen.add(current.pk)
        depth += 1
        current = Block.objects.only("id", "parent_id").filter(pk=current.parent_id).first()
    return depth


def _subtree_keys(block: Block) -> list:
    """The keys (not ids: ids are unique per page only) of ``block`` and its descendants."""
    found, frontier = [block.pk], [block.pk]
    while frontier:
        frontier = list(Block.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found.extend(frontier)
    return found


def _height(block_keys: list, root_key) -> int:
    children: dict = defaultdict(list)
    for pk, parent_id in Block.objects.filter(pk__in=block_keys).values_list("pk", "parent_id"):
        children[parent_id].append(pk)

    def height(pk) -> int:
        return 1 + max((height(child) for child in children.get(pk, [])), default=0)

    return height(root_key)


def _check_room(page: Page, adding: int) -> None:
    if adding and Block.objects.filter(page=page).count() + adding > MAX_BLOCKS_PER_PAGE:
        raise InvalidInput(f"a page holds at most {MAX_BLOCKS_PER_PAGE} blocks", field="blocks")
