"""Single-block writes (internal: callers check permission and record the event)."""

from __future__ import annotations

import hashlib
import json
import uuid

from ipai_workos_core.models import Page
from workos.kernel.errors import Conflict, InvalidInput

from ..models import Attachment, Block, BlockReference
from ..registry import BLOCK_MOVE_LISTENERS, BLOCK_TYPES, attachment_url, block_type
from ._common import ID_TAKEN, MAX_DEPTH, UNSET
from .placement import _check_parent_type, _rank_for, _resolve_after, _resolve_parent
from .reads import _block_uuid
from .validation import validate_content, _check_attachments, _check_room, _depth, _height, _mentions, _subtree_keys, _sync_references


def _create(actor, page: Page, type_name, content, *, parent_id=UNSET, after_id=UNSET, block_id=None, prefix: str = "") -> Block:
    dot = f"{prefix}." if prefix else ""
    type_name, content = validate_content(type_name, content, prefix)
    _check_attachments(page, [(type_name, content, prefix)])
    chosen = uuid.uuid4()
    if block_id is not None:
        chosen = _block_uuid(block_id, f"{dot}id", missing=InvalidInput)
        if Block.objects.filter(page=page, id=chosen).exists():  # this page only: ids are unique per page (issue 10)
            raise Conflict(ID_TAKEN, field=f"{dot}id")
    after = _resolve_after(page, after_id, dot)
    parent = _resolve_parent(page, parent_id, after, f"{dot}parent_id")
    _check_parent_type(parent, f"{dot}parent_id")
    if parent is not None and _depth(parent) + 1 > MAX_DEPTH:
        raise InvalidInput(f"blocks nest at most {MAX_DEPTH} levels deep", field=f"{dot}parent_id")
    _check_room(page, 1)
    rank = _rank_for(page, parent, after_id, after)
    block = Block.objects.create(id=chosen, page=page, parent=parent, type=type_name, content=content, rank=rank, created_by=_user(actor))
    _sync_references(actor, [block], delete_first=False)
    return block


def _converted(content: dict, old_type: str, new_type: str) -> dict:
    """Content of a block whose type changes without new content: keep what the new type understands."""
    fields = block_type(new_type).fields()
    kept = {key: value for key, value in content.items() if key in fields}
    old_text = BLOCK_TYPES.get(old_type).plain_text(content) if old_type in BLOCK_TYPES else ""
    if "code" in fields and "code" not in kept and old_text:
        kept["code"] = old_text
    if "text" in fields and "text" not in kept and old_text and old_type == "code":
        kept["text"] = [{"text": old_text}]
    return kept


def _update(actor, block: Block, type_name=UNSET, content=UNSET, prefix: str = "") -> tuple[Block, dict]:
    new_type = block.type if type_name is UNSET else type_name
    if content is UNSET:
        content = _converted(block.content, block.type, new_type) if new_type != block.type and new_type in BLOCK_TYPES else block.content
    new_type, content = validate_content(new_type, content, prefix)
    dot = f"{prefix}." if prefix else ""
    # a block of a type without children has none: only a new type can meet children it does not take
    if new_type != block.type and not block_type(new_type).accepts_children and Block.objects.filter(parent=block).exists():
        raise InvalidInput(f"a {new_type} block cannot hold other blocks; this one has children", field=f"{dot}type")
    _check_attachments(block.page, [(new_type, content, prefix)])
    before = {"type": block.type, "content": block.content}
    block.type, block.content = new_type, content
    block.save(update_fields=["type", "content", "updated_at"])
    if _mentions(before["type"], before["content"]) or _mentions(new_type, content):  # else it had no references, and gets none
        _sync_references(actor, [block])
    return block, _content_changes(before, {"type": new_type, "content": content})


def _move(actor, block: Block, target: Page, parent_id=UNSET, after_id=UNSET, prefix: str = "") -> tuple[Block, dict]:
    dot = f"{prefix}." if prefix else ""
    source_page_id = block.page_id
    if parent_id is UNSET and after_id in (UNSET, None) and target.pk != source_page_id:
        parent_id = None  # to another page without a parent: its top level
    if parent_id is UNSET and after_id in (UNSET, None):
        parent_id = block.parent.id if block.parent_id else None  # its parent's id: the key is not what clients send
    after = _resolve_after(target, after_id, dot)
    if after is not None and after.pk == block.pk:
        raise InvalidInput("a block cannot be placed after itself", field=f"{dot}after_id")
    parent = _resolve_parent(target, parent_id, after, f"{dot}parent_id")
    subtree = _subtree_keys(block)
    if parent is not None and parent.pk in subtree:
        raise InvalidInput("a block cannot move into itself or its own descendants", field=f"{dot}parent_id")
    _check_parent_type(parent, f"{dot}parent_id")
    if (_depth(parent) + 1 if parent is not None else 0) + _height(subtree, block.pk) - 1 > MAX_DEPTH:
        raise InvalidInput(f"blocks nest at most {MAX_DEPTH} levels deep", field=f"{dot}parent_id")
    before = {"page_id": source_page_id, "parent_id": str(block.parent.id) if block.parent_id else None, "rank": block.rank}
    if target.pk != source_page_id:
        _check_room(target, len(subtree))
        _check_ids_free(target, subtree, f"{dot}page_id")
    block.rank = _rank_for(target, parent, after_id, after, moving=block)
    block.parent = parent
    if target.pk != source_page_id:
        Block.objects.filter(pk__in=subtree).update(page=target)
        BlockReference.objects.filter(block_id__in=subtree).update(page=target)
        _rehome_attachments(actor, subtree, target)
        for _name, listener in BLOCK_MOVE_LISTENERS.items():
            listener(actor, list(subtree), block.page, target)
        block.refresh_from_db(fields=["content"])
        block.page = target
    block.save(update_fields=["parent", "rank", "page", "updated_at"])
    after_state = {"page_id": target.pk, "parent_id": str(parent.id) if parent else None, "rank": block.rank}
    return block, {key: {"before": before[key], "after": after_state[key]} for key in before if before[key] != after_state[key]} | (
        {"blocks": len(subtree)} if target.pk != source_page_id else {})


def _check_ids_free(target: Page, block_keys: list, field: str) -> None:
    """Blocks keep their ids when they move to another page: refused when the target page already has a block
    with one of those ids (whoever moves may edit the target, so this tells them nothing they cannot read)."""
    ids = Block.objects.filter(pk__in=block_keys).values("id")
    taken = Block.objects.filter(page=target, id__in=ids).values_list("id", flat=True).first()
    if taken is not None:
        raise Conflict(f"the target page already has a block with id {taken}: give the block there a new id first, or copy this one",
                       field=field, code="id_taken")


def _rehome_attachments(actor, block_keys: list, target: Page) -> None:
    """Blocks that moved to another page take their files along: each attachment they name is copied to the
    target page (the stored file is shared), so that whoever can view the target page can open it."""
    copies: dict[int, int] = {}
    changed = []
    for block in Block.objects.filter(pk__in=block_keys):
        entry = BLOCK_TYPES.find(block.type)
        ids = entry.attachment_ids(block.content) if entry else []
        if not ids:
            continue
        attachment_id = ids[0]
        if attachment_id not in copies:
            original = Attachment.objects.filter(pk=attachment_id).first()
            if original is None:
                continue
            copy = Attachment.objects.create(page=target, file=original.file.name, name=original.name, content_type=original.content_type,
                                             size=original.size, sha256=original.sha256, uploaded_by=_user(actor))
            copies[attachment_id] = copy.pk
        block.content = {**block.content, "attachment_id": copies[attachment_id], "url": attachment_url(copies[attachment_id])}
        changed.append(block)
    Block.objects.bulk_update(changed, ["content"])


def _content_changes(before: dict, after: dict) -> dict:
    changes = {}
    for key in ("type", "content"):
        if before[key] != after[key]:
            changes[key] = {"before": _compact(before[key]), "after": _compact(after[key])}
    return changes


def _compact(value):
    """Values for the audit trail: content as it is when small, else its size and hash."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    if len(text) <= 4000:
        return value
    return {"bytes": len(text.encode()), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _target_name(page: Page, block_type_name: str = "") -> str:
    title = page.title or "Untitled"
    return f"{title} / {block_type_name}" if block_type_name else title
