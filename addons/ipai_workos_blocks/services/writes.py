"""The public block writes: create, update, delete, move, replace a document, and bulk operations."""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_core.registry import BODY_CHANGED, CONTENT_CHANGED, notify_pages
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from .. import richtext
from ..models import Block
from ..registry import BLOCK_TYPES
from ._common import MAX_BLOCKS_PER_PAGE, MAX_DEPTH, MAX_OPERATIONS, UNSET
from .block_writes import _compact, _create, _move, _target_name, _update, _user
from .reads import block_json, block_on_page, document, get_page, _block_uuid, _require_edit
from .validation import validate_content, _check_attachments, _subtree_keys, _sync_references
from .versions import _bump_version, _check_version


@transaction.atomic
def create_block(actor, page: Page, *, type, content=None, parent_id=UNSET, after_id=UNSET, block_id=None) -> Block:
    """Add a block to ``page`` (under ``parent_id``, after ``after_id``; see the module docstring)."""
    _require_edit(actor, page)
    core.lock_pages(page.pk)
    block = _create(actor, page, type, content, parent_id=parent_id, after_id=after_id, block_id=block_id)
    _bump_version(page)
    record_event(actor=actor, action="block.create", target=block, target_id=str(block.id), target_name=_target_name(page, block.type),
                 changes={"page_id": page.pk, "type": block.type, "parent_id": str(block.parent.id) if block.parent_id else None,
                          "content": _compact(block.content)})
    notify_pages(BODY_CHANGED, [page.pk], actor)
    return block


@transaction.atomic
def update_block(actor, block: Block, *, type=UNSET, content=UNSET) -> Block:
    """Change a block's type and/or content. A new type without new content keeps what the type understands."""
    _require_edit(actor, block.page)
    core.lock_pages(block.page_id)
    block, changes = _update(actor, block, type, content)
    if changes:
        _bump_version(block.page)
        record_event(actor=actor, action="block.update", target=block, target_id=str(block.id), target_name=_target_name(block.page, block.type), changes=changes)
        notify_pages(BODY_CHANGED, [block.page_id], actor)
    return block


@transaction.atomic
def anchor_comment(actor, block: Block, start: int, end: int, thread_id: int, *, text: str | None = None) -> Block:
    """Anchor an inline comment thread to characters ``start``..``end`` of a block's text: the ``comment`` mark
    (the span key ``comment``), which follows the text through every later edit. Needs ``comment`` on the page,
    not ``edit``: someone who may comment but not change the text anchors their thread this way (the text stays
    as it is). ``text``, when given, must be what the block holds there. On a page open live the mark is a Yjs
    formatting operation on the live document's text, which merges with what someone types there meanwhile
    (``live.mark_live_text``); the blocks get it here as well."""
    from ipai_platform_permissions import services as permissions

    from .live import blocks_up_to_date, hold, mark_live_text

    page = block.page
    permissions.require(actor, "comment", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    core.lock_pages(page.pk)  # the page, then its live document, document version and block (see core.lock_pages)
    live = hold(page)  # no live edit is stored between reading the text below and marking it
    blocks_up_to_date(page)  # live edits stored but not derived yet: offsets are about the text as it is now
    block = Block.objects.select_for_update(no_key=True).select_related("page").get(pk=block.pk)
    spans = block.content.get("text") if isinstance(block.content, dict) else None
    if not isinstance(spans, list) or block.type == "code":
        raise InvalidInput("comments anchor to the text of a text block", field="block_id")
    plain = richtext.plain_text(spans)
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(plain):
        raise InvalidInput(f"the anchor must be a non-empty range inside the block's text (0..{len(plain)})", field="anchor")
    if text is not None and plain[start:end] != text:
        raise InvalidInput("the anchor's text is not what the block holds there (it changed?)", field="anchor.text")
    before = block.content
    block.content = {**block.content, "text": richtext.with_comment(spans, start, end, thread_id)}
    if block.content == before:
        return block
    block.save(update_fields=["content", "updated_at"])
    _bump_version(page)
    if live:  # the live document gets the mark now, so the block write below leaves it as it is
        mark_live_text(page, block, spans, start, end, {"comment": {"threadId": thread_id}})
    record_event(actor=actor, action="block.anchor_comment", target=block, target_id=str(block.id), target_name=_target_name(page, block.type),
                 changes={"page_id": page.pk, "thread": thread_id, "start": start, "end": end, "text": plain[start:end]})
    notify_pages(CONTENT_CHANGED, [page.pk], actor)
    return block


@transaction.atomic
def delete_block(actor, block: Block) -> None:
    """Delete a block with its children."""
    _require_edit(actor, block.page)
    core.lock_pages(block.page_id)
    count = len(_subtree_keys(block))
    record_event(actor=actor, action="block.delete", target=block, target_id=str(block.id), target_name=_target_name(block.page, block.type),
                 changes={"page_id": block.page_id, "type": block.type, "blocks": count, "content": _compact(block.content)})
    _bump_version(block.page)
    page_id = block.page_id
    block.delete()
    notify_pages(BODY_CHANGED, [page_id], actor)


@transaction.atomic
def move_block(actor, block: Block, *, page: Page | None = None, parent_id=UNSET, after_id=UNSET) -> Block:
    """Move a block (with its children) under another parent, after another sibling, or to another page.
    Needs edit access to both pages. A block never moves into its own descendants."""
    _require_edit(actor, block.page)
    target = page if page is not None else block.page
    if target.pk != block.page_id:
        _require_edit(actor, target)
    core.lock_pages(block.page_id, target.pk)  # both, in id order
    source = block.page
    source_id = block.page_id
    block, changes = _move(actor, block, target, parent_id, after_id)
    if changes:
        _bump_version(source, target)
    record_event(actor=actor, action="block.move", target=block, target_id=str(block.id), target_name=_target_name(target, block.type), changes=changes)
    notify_pages(BODY_CHANGED, sorted({source_id, target.pk}), actor)
    return block


@transaction.atomic
def replace_document(actor, page: Page, trees: list[dict], *, base_version: int | None, replaces_changes: bool = False) -> list[dict]:
    """Make the page's document exactly ``trees`` (the editor's autosave): blocks with known ids are kept and
    updated or moved, blocks without id (or with a new id) are created, blocks left out are deleted. Only rows
    that change are written; order keys of blocks that kept their relative order are kept. One audit event.

    ``base_version`` is the document version the client loaded (``document_version``); when the page has had
    any block write since, or it is None, the save is refused with StaleVersion and nothing is written.
    ``replaces_changes``: the user chose to replace changes made elsewhere — page history then keeps those in
    their own version instead of folding this save into the user's latest one."""
    _require_edit(actor, page)
    core.lock_pages(page.pk)  # before the document version: every writer of the page's dependents takes the page first
    _check_version(page, base_version)
    counts = _replace(actor, page, trees)
    if counts["created"] or counts["updated"] or counts["moved"] or counts["deleted"]:
        _bump_version(page)
        record_event(actor=actor, action="blocks.replace", target=page, target_name=_target_name(page),
                     changes=counts | ({"replaced_changes_made_elsewhere": True} if replaces_changes else {}))
        # page history: every save is a version (coalesced per user per minute, unless it replaces other changes)
        core.record_version(actor, page, separate=replaces_changes)
        notify_pages(BODY_CHANGED, [page.pk], actor)
    return document(page)


def _validated(page: Page, trees: list[dict], seen: set) -> list[dict]:
    """The blocks of a document, checked, flat in document order: {"id", "parent", "type", "content", "where"};
    ``seen`` collects their ids (an id met twice is refused)."""
    if not isinstance(trees, list):
        raise InvalidInput("blocks is a list of block trees", field="blocks")
    flat: list[dict] = []

    def collect(nodes, parent_id, path: str, depth: int) -> None:
        if not isinstance(nodes, list):
            raise InvalidInput("children is a list of block trees", field=path or "blocks")
        for index, node in enumerate(nodes):
            where = f"{path}[{index}]"
            if not isinstance(node, dict):
                raise InvalidInput("a block is an object", field=where)
            unknown = set(node) - {"id", "type", "content", "children", "page_id", "parent_id", "rank", "created_at", "updated_at"}
            if unknown:
                name = sorted(unknown)[0]
                raise InvalidInput(f"unknown key {name!r} in a block", field=f"{where}.{name}")
            type_name, content = validate_content(node.get("type"), node.get("content"), where)
            fresh = node.get("id") in (None, "")
            pk = uuid.uuid4() if fresh else _block_uuid(node["id"], f"{where}.id", missing=InvalidInput)
            if pk in seen:
                raise InvalidInput("this block id occurs twice in the document", field=f"{where}.id")
            seen.add(pk)
            children = node.get("children") or []
            if children and not BLOCK_TYPES.get(type_name).accepts_children:
                raise InvalidInput(f"a {type_name} block cannot hold other blocks", field=f"{where}.children")
            if depth > MAX_DEPTH:
                raise InvalidInput(f"blocks nest at most {MAX_DEPTH} levels deep", field=f"{where}.children")
            flat.append({"id": pk, "parent": parent_id, "type": type_name, "content": content, "where": where, "fresh": fresh})
            if len(flat) > MAX_BLOCKS_PER_PAGE:
                raise InvalidInput(f"a page holds at most {MAX_BLOCKS_PER_PAGE} blocks", field="blocks")
            collect(children, pk, f"{where}.children", depth + 1)

    collect(trees, None, "blocks", 0)
    _check_attachments(page, [(item["type"], item["content"], item["where"]) for item in flat])
    return flat


def _assign_keys(flat: list[dict], existing) -> None:
    """Rows point at keys: a kept block keeps its key, a new one gets a fresh key (whatever id the client chose —
    ids are unique per page only, so an id another page uses is as good as a free one)."""
    keys = {item["id"]: existing[item["id"]].pk if item["id"] in existing else uuid.uuid4() for item in flat}
    for item in flat:
        item["key"], item["parent_key"] = keys[item["id"]], keys[item["parent"]] if item["parent"] is not None else None


def _assign_ranks(flat: list[dict], existing) -> None:
    """Order keys per sibling list: keep the longest run of keys already in order."""
    groups: dict = defaultdict(list)
    for item in flat:
        groups[item["parent"]].append(item)
    for parent, items in groups.items():
        current = [existing[item["id"]].rank if item["id"] in existing and existing[item["id"]].parent_id == item["parent_key"] else None
                   for item in items]
        for item, key in zip(items, ranks.keep_or_assign(current)):
            item["rank"] = key


def _replace(actor, page: Page, trees: list[dict]) -> dict:
    existing = {block.id: block for block in Block.objects.filter(page=page)}  # by id: ids are unique per page
    seen: set = set()
    flat = _validated(page, trees, seen)
    _assign_keys(flat, existing)
    _assign_ranks(flat, existing)

    created, updated, moved = [], [], 0
    user = _user(actor)
    now = timezone.now()
    for item in flat:
        block = existing.get(item["id"])
        if block is None:
            created.append(Block(key=item["key"], id=item["id"], page=page, parent_id=item["parent_key"], type=item["type"],
                                 content=item["content"], rank=item["rank"], created_by=user))
            continue
        changed_content = block.type != item["type"] or block.content != item["content"]
        changed_place = block.parent_id != item["parent_key"] or block.rank != item["rank"]
        if changed_content or changed_place:
            moved += int(changed_place)
            block.type, block.content, block.parent_id, block.rank, block.updated_at = item["type"], item["content"], item["parent_key"], item["rank"], now
            block.changed_content = changed_content
            updated.append(block)
    Block.objects.bulk_create(created, batch_size=500)
    Block.objects.bulk_update(updated, ["type", "content", "parent", "rank", "updated_at"], batch_size=500)
    removed = [block.pk for block_id, block in existing.items() if block_id not in seen]
    if removed:
        Block.objects.filter(pk__in=removed).delete()
    _sync_references(actor, [block for block in updated if block.changed_content])
    _sync_references(actor, created, delete_first=False)
    content_updates = sum(1 for block in updated if block.changed_content)
    return {"created": len(created), "updated": content_updates, "moved": moved, "deleted": len(removed), "blocks": len(flat)}


def _fill_new_pages(actor, documents: list[tuple[Page, list[dict]]]) -> None:
    """The blocks of pages that have none yet (pages an import just made), each document checked by
    ``_validated`` before (the same ``seen`` for all): one INSERT per 500 blocks for all the pages, their
    references written at once. No version bump, audit event or notice:
    the caller records those."""
    user = _user(actor)
    created = []
    for page, flat in documents:
        _assign_keys(flat, {})
        _assign_ranks(flat, {})
        created.extend(Block(key=item["key"], id=item["id"], page=page, parent_id=item["parent_key"], type=item["type"],
                             content=item["content"], rank=item["rank"], created_by=user) for item in flat)
    Block.objects.bulk_create(created, batch_size=500)
    _sync_references(actor, created, delete_first=False)


BULK_OPERATIONS = ("create", "update", "delete", "move")


@transaction.atomic
def bulk(actor, page: Page, operations: list[dict]) -> list[dict]:
    """Apply many block changes at once, all or nothing; an error names the operation
    (``operations[3].content.text``). Each operation acts on a block of ``page`` (a move may take it to
    another page). Returns one result per operation: the block, or ``{"id", "deleted": true}``."""
    _require_edit(actor, page)
    if not isinstance(operations, list) or not operations:
        raise InvalidInput("operations is a non-empty list", field="operations")
    if len(operations) > MAX_OPERATIONS:
        raise InvalidInput(f"at most {MAX_OPERATIONS} operations per request", field="operations")
    # every page a move names, with this one, in id order before anything else (see core.lock_pages)
    core.lock_pages(page.pk, *(operation["page_id"] for operation in operations if isinstance(operation, dict) and operation.get("op") == "move"
                               and isinstance(operation.get("page_id"), int) and not isinstance(operation["page_id"], bool)))
    results: list[dict] = []
    counts: dict[str, int] = defaultdict(int)
    target_pages: dict[int, Page] = {page.pk: page}
    for index, operation in enumerate(operations):
        prefix = f"operations[{index}]"
        if not isinstance(operation, dict):
            raise InvalidInput("an operation is an object", field=prefix)
        kind = operation.get("op")
        if kind not in BULK_OPERATIONS:
            raise InvalidInput(f"op must be one of {', '.join(BULK_OPERATIONS)}", field=f"{prefix}.op")
        allowed = {"create": {"op", "id", "type", "content", "parent_id", "after_id"}, "update": {"op", "id", "type", "content"},
                   "delete": {"op", "id"}, "move": {"op", "id", "page_id", "parent_id", "after_id"}}[kind]
        unknown = set(operation) - allowed
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(f"unknown key {name!r} in a {kind} operation", field=f"{prefix}.{name}")
        field = lambda key: operation[key] if key in operation else UNSET  # noqa: E731
        if kind == "create":
            block = _create(actor, page, operation.get("type"), operation.get("content"), parent_id=field("parent_id"),
                            after_id=field("after_id"), block_id=operation.get("id"), prefix=prefix)
            results.append(block_json(block))
        else:
            if "id" not in operation:
                raise InvalidInput("this operation needs the block id", field=f"{prefix}.id")
            block = block_on_page(page, operation["id"], f"{prefix}.id")
            if block is None:
                raise InvalidInput("no such block on this page", field=f"{prefix}.id")
            if kind == "update":
                block, _ = _update(actor, block, field("type"), field("content"), prefix)
                results.append(block_json(block))
            elif kind == "delete":
                block.delete()
                results.append({"id": str(operation["id"]), "deleted": True})
            else:
                target = page
                if operation.get("page_id") not in (None, page.pk):
                    target_id = operation["page_id"]
                    if isinstance(target_id, bool) or not isinstance(target_id, int):
                        raise InvalidInput("page_id is a page's id (an integer)", field=f"{prefix}.page_id")
                    if target_id not in target_pages:
                        try:
                            target_pages[target_id] = get_page(actor, target_id, "edit")
                        except NotFound:
                            raise InvalidInput("no such page", field=f"{prefix}.page_id") from None
                    target = target_pages[target_id]
                block, _ = _move(actor, block, target, field("parent_id"), field("after_id"), prefix)
                results.append(block_json(block))
        counts[kind] += 1
    _bump_version(page, *target_pages.values())
    record_event(actor=actor, action="blocks.bulk", target=page, target_name=_target_name(page), changes=dict(counts))
    core.record_version(actor, page)
    notify_pages(BODY_CHANGED, sorted(target_pages), actor)  # a move takes blocks to other pages
    return results
