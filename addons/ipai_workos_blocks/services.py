"""Blocks and attachments: the only write path of this module, and its permission-checked reads.

Permission on a block is permission on its page: reading needs ``read``, any change needs ``edit`` (and a
page that is not in the trash). A user who cannot view a page gets NotFound for its blocks and attachments,
as for the page itself. Every write validates through the block-type registry, writes, keeps the mention
references in step and records one audit event, in one transaction.

Order: siblings are ordered by fractional keys (``workos.kernel.ranks``), ties broken by creation time and
id; inserting or moving a block writes that block's row only. ``after_id`` places a block after a sibling;
left out it means "at the end", an explicit null "at the start".
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import uuid
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput, NotFound
from workos.kernel.errors import TooLarge as TooLargeError

from . import rendering, richtext
from .models import Attachment, Block, BlockReference
from .registry import BLOCK_TYPES, attachment_url, block_type

QUERIES = ("get_page", "get_block", "document", "block_tree", "page_html", "references_to", "mentions_of_user",
           "backlinks", "plain_text_of", "get_attachment", "export_page", "block_json", "attachment_json",
           "attachment_limits", "check_file", "content_type_for", "validate_content")

UNSET = object()
MAX_DEPTH = 32  # nesting levels below a top-level block
MAX_BLOCKS_PER_PAGE = 20_000
MAX_OPERATIONS = 1_000
LONG_RANK = 48  # a key this long means many inserts hit one spot: the siblings are renumbered


# --- reads -----------------------------------------------------------------------------------------------


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


def get_block(user, block_id, action: str = "read", share=None) -> Block:
    block = Block.objects.select_related("page").filter(pk=_block_uuid(block_id)).first()
    if block is None:
        raise NotFound("no such block")
    try:
        permissions.require(user, action, block.page, share=share)
    except NotFound:
        raise NotFound("no such block") from None  # a hidden block answers exactly like a missing one
    if action != "read":
        _not_in_trash(block.page)
    return block


def _order(block: Block):
    return (block.rank, block.created_at or timezone.now(), str(block.pk))


def block_json(block: Block, children: list[dict] | None = None) -> dict:
    return {
        "id": str(block.pk), "page_id": block.page_id, "parent_id": str(block.parent_id) if block.parent_id else None,
        "type": block.type, "content": block.content, "rank": block.rank, "children": children or [],
        "created_at": block.created_at, "updated_at": block.updated_at,
    }


def _trees(blocks: list[Block], root_id=None) -> list[dict]:
    by_parent: dict = defaultdict(list)
    for block in blocks:
        by_parent[block.parent_id].append(block)
    for siblings in by_parent.values():
        siblings.sort(key=_order)

    def build(parent_id, depth: int) -> list[dict]:
        if depth > MAX_DEPTH + 1:
            return []
        return [block_json(block, build(block.pk, depth + 1)) for block in by_parent.get(parent_id, [])]

    return build(root_id, 0)


def document(page: Page) -> list[dict]:
    """The page's blocks as ordered trees (call after a permission check: see ``get_page``)."""
    return _trees(list(Block.objects.filter(page=page)))


def block_tree(block: Block) -> dict:
    """One block with its descendants."""
    blocks = list(Block.objects.filter(page_id=block.page_id))
    return block_json(block, _trees(blocks, root_id=block.pk))


def page_html(page: Page) -> str:
    """Sanitised HTML of the page body."""
    return rendering.to_html(document(page))


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


# --- validation ------------------------------------------------------------------------------------------


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


def _sync_references(actor, blocks: list[Block], delete_first: bool = True) -> None:
    """Rewrite the mention references of ``blocks`` from their content."""
    if delete_first:
        BlockReference.objects.filter(block_id__in=[block.pk for block in blocks]).delete()
    wanted = []
    for block in blocks:
        entry = BLOCK_TYPES.get(block.type) if block.type in BLOCK_TYPES else None
        if entry is not None:
            wanted.extend((block, kind, target) for kind, target in sorted(set(entry.mentions(block.content))))
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


def _depth(block: Block | None) -> int:
    """Levels above ``block`` (0 for a top-level block)."""
    depth, current = 0, block
    seen = set()
    while current is not None and current.parent_id is not None and current.pk not in seen:
        seen.add(current.pk)
        depth += 1
        current = Block.objects.only("id", "parent_id").filter(pk=current.parent_id).first()
    return depth


def _subtree_ids(block: Block) -> list:
    found, frontier = [block.pk], [block.pk]
    while frontier:
        frontier = list(Block.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found.extend(frontier)
    return found


def _height(block_ids: list, root_id) -> int:
    children: dict = defaultdict(list)
    for pk, parent_id in Block.objects.filter(pk__in=block_ids).values_list("pk", "parent_id"):
        children[parent_id].append(pk)

    def height(pk) -> int:
        return 1 + max((height(child) for child in children.get(pk, [])), default=0)

    return height(root_id)


def _check_room(page: Page, adding: int) -> None:
    if adding and Block.objects.filter(page=page).count() + adding > MAX_BLOCKS_PER_PAGE:
        raise InvalidInput(f"a page holds at most {MAX_BLOCKS_PER_PAGE} blocks", field="blocks")


# --- placement -------------------------------------------------------------------------------------------


def _resolve_parent(page: Page, parent_id, after, field: str) -> Block | None:
    if parent_id is UNSET:
        return after.parent if after is not None else None
    if parent_id is None:
        parent = None
    else:
        parent = Block.objects.filter(pk=_block_uuid(parent_id, field, missing=InvalidInput), page=page).first()
        if parent is None:
            raise InvalidInput("no such block on this page", field=field)
    if after is not None and after.parent_id != (parent.pk if parent else None):
        raise InvalidInput("after_id is not a child of parent_id", field="after_id")
    return parent


def _resolve_after(page: Page, after_id, prefix: str) -> Block | None:
    if after_id is UNSET or after_id is None:
        return None
    field = f"{prefix}after_id"
    after = Block.objects.filter(pk=_block_uuid(after_id, field, missing=InvalidInput), page=page).first()
    if after is None:
        raise InvalidInput("no such block on this page", field=field)
    return after


def _check_parent_type(parent: Block | None, field: str) -> None:
    if parent is not None and not block_type(parent.type).accepts_children:
        raise InvalidInput(f"a {parent.type} block cannot hold other blocks", field=field)


def _rank_for(page: Page, parent: Block | None, after_id, after: Block | None, moving: Block | None = None) -> str:
    siblings = list(Block.objects.filter(page=page, parent=parent).only("id", "rank", "created_at"))
    if moving is not None:
        siblings = [sibling for sibling in siblings if sibling.pk != moving.pk]
    siblings.sort(key=_order)
    if after_id is UNSET:
        index = len(siblings)
    elif after is None:
        index = 0
    else:
        index = next(position for position, sibling in enumerate(siblings) if sibling.pk == after.pk) + 1
    before_rank = siblings[index - 1].rank if index > 0 else None
    after_rank = siblings[index].rank if index < len(siblings) else None
    try:
        rank = ranks.rank_between(before_rank, after_rank)
    except ranks.RankError:
        rank = None  # equal or damaged neighbours (e.g. two clients inserted at one spot at once)
    if rank is None or len(rank) > LONG_RANK:
        fresh = ranks.ranks_between(None, None, len(siblings) + 1)
        for sibling, key in zip(siblings, fresh[:index] + fresh[index + 1:]):
            sibling.rank = key
        Block.objects.bulk_update(siblings, ["rank"])
        rank = fresh[index]
    return rank


# --- single-block writes (internal: callers check permission and record the event) ------------------------


def _create(actor, page: Page, type_name, content, *, parent_id=UNSET, after_id=UNSET, block_id=None, prefix: str = "") -> Block:
    dot = f"{prefix}." if prefix else ""
    type_name, content = validate_content(type_name, content, prefix)
    _check_attachments(page, [(type_name, content, prefix)])
    pk = uuid.uuid4()
    if block_id is not None:
        pk = _block_uuid(block_id, f"{dot}id", missing=InvalidInput)
        if Block.objects.filter(pk=pk).exists():
            raise Conflict("a block with this id exists", field=f"{dot}id")
    after = _resolve_after(page, after_id, dot)
    parent = _resolve_parent(page, parent_id, after, f"{dot}parent_id")
    _check_parent_type(parent, f"{dot}parent_id")
    if parent is not None and _depth(parent) + 1 > MAX_DEPTH:
        raise InvalidInput(f"blocks nest at most {MAX_DEPTH} levels deep", field=f"{dot}parent_id")
    _check_room(page, 1)
    rank = _rank_for(page, parent, after_id, after)
    block = Block.objects.create(id=pk, page=page, parent=parent, type=type_name, content=content, rank=rank, created_by=_user(actor))
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
    if not block_type(new_type).accepts_children and Block.objects.filter(parent=block).exists():
        raise InvalidInput(f"a {new_type} block cannot hold other blocks; this one has children", field=f"{dot}type")
    _check_attachments(block.page, [(new_type, content, prefix)])
    before = {"type": block.type, "content": block.content}
    block.type, block.content = new_type, content
    block.save(update_fields=["type", "content", "updated_at"])
    _sync_references(actor, [block])
    return block, _content_changes(before, {"type": new_type, "content": content})


def _move(actor, block: Block, target: Page, parent_id=UNSET, after_id=UNSET, prefix: str = "") -> tuple[Block, dict]:
    dot = f"{prefix}." if prefix else ""
    source_page_id = block.page_id
    if parent_id is UNSET and after_id in (UNSET, None) and target.pk != source_page_id:
        parent_id = None  # to another page without a parent: its top level
    if parent_id is UNSET and after_id in (UNSET, None):
        parent_id = block.parent_id
    after = _resolve_after(target, after_id, dot)
    if after is not None and after.pk == block.pk:
        raise InvalidInput("a block cannot be placed after itself", field=f"{dot}after_id")
    parent = _resolve_parent(target, parent_id, after, f"{dot}parent_id")
    subtree = _subtree_ids(block)
    if parent is not None and parent.pk in subtree:
        raise InvalidInput("a block cannot move into itself or its own descendants", field=f"{dot}parent_id")
    _check_parent_type(parent, f"{dot}parent_id")
    if (_depth(parent) + 1 if parent is not None else 0) + _height(subtree, block.pk) - 1 > MAX_DEPTH:
        raise InvalidInput(f"blocks nest at most {MAX_DEPTH} levels deep", field=f"{dot}parent_id")
    before = {"page_id": source_page_id, "parent_id": str(block.parent_id) if block.parent_id else None, "rank": block.rank}
    if target.pk != source_page_id:
        _check_room(target, len(subtree))
    block.rank = _rank_for(target, parent, after_id, after, moving=block)
    block.parent = parent
    if target.pk != source_page_id:
        Block.objects.filter(pk__in=subtree).update(page=target)
        BlockReference.objects.filter(block_id__in=subtree).update(page=target)
        _rehome_attachments(actor, subtree, target)
        block.refresh_from_db(fields=["content"])
        block.page = target
    block.save(update_fields=["parent", "rank", "page", "updated_at"])
    after_state = {"page_id": target.pk, "parent_id": str(parent.pk) if parent else None, "rank": block.rank}
    return block, {key: {"before": before[key], "after": after_state[key]} for key in before if before[key] != after_state[key]} | (
        {"blocks": len(subtree)} if target.pk != source_page_id else {})


def _rehome_attachments(actor, block_ids: list, target: Page) -> None:
    """Blocks that moved to another page take their files along: each attachment they name is copied to the
    target page (the stored file is shared), so that whoever can view the target page can open it."""
    copies: dict[int, int] = {}
    changed = []
    for block in Block.objects.filter(pk__in=block_ids):
        entry = BLOCK_TYPES.get(block.type) if block.type in BLOCK_TYPES else None
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


# --- public writes ---------------------------------------------------------------------------------------


@transaction.atomic
def create_block(actor, page: Page, *, type, content=None, parent_id=UNSET, after_id=UNSET, block_id=None) -> Block:
    """Add a block to ``page`` (under ``parent_id``, after ``after_id``; see the module docstring)."""
    _require_edit(actor, page)
    block = _create(actor, page, type, content, parent_id=parent_id, after_id=after_id, block_id=block_id)
    record_event(actor=actor, action="block.create", target=block, target_name=_target_name(page, block.type),
                 changes={"page_id": page.pk, "type": block.type, "parent_id": str(block.parent_id) if block.parent_id else None,
                          "content": _compact(block.content)})
    return block


@transaction.atomic
def update_block(actor, block: Block, *, type=UNSET, content=UNSET) -> Block:
    """Change a block's type and/or content. A new type without new content keeps what the type understands."""
    _require_edit(actor, block.page)
    block, changes = _update(actor, block, type, content)
    if changes:
        record_event(actor=actor, action="block.update", target=block, target_name=_target_name(block.page, block.type), changes=changes)
    return block


@transaction.atomic
def delete_block(actor, block: Block) -> None:
    """Delete a block with its children."""
    _require_edit(actor, block.page)
    count = len(_subtree_ids(block))
    record_event(actor=actor, action="block.delete", target=block, target_name=_target_name(block.page, block.type),
                 changes={"page_id": block.page_id, "type": block.type, "blocks": count, "content": _compact(block.content)})
    block.delete()


@transaction.atomic
def move_block(actor, block: Block, *, page: Page | None = None, parent_id=UNSET, after_id=UNSET) -> Block:
    """Move a block (with its children) under another parent, after another sibling, or to another page.
    Needs edit access to both pages. A block never moves into its own descendants."""
    _require_edit(actor, block.page)
    target = page if page is not None else block.page
    if target.pk != block.page_id:
        _require_edit(actor, target)
    block, changes = _move(actor, block, target, parent_id, after_id)
    record_event(actor=actor, action="block.move", target=block, target_name=_target_name(target, block.type), changes=changes)
    return block


@transaction.atomic
def replace_document(actor, page: Page, trees: list[dict]) -> list[dict]:
    """Make the page's document exactly ``trees`` (the editor's autosave): blocks with known ids are kept and
    updated or moved, blocks without id (or with a new id) are created, blocks left out are deleted. Only rows
    that change are written; order keys of blocks that kept their relative order are kept. One audit event."""
    _require_edit(actor, page)
    counts = _replace(actor, page, trees)
    if counts["created"] or counts["updated"] or counts["moved"] or counts["deleted"]:
        record_event(actor=actor, action="blocks.replace", target=page, target_name=_target_name(page), changes=counts)
        core.record_version(actor, page)  # page history: every save is a version (coalesced per user per minute)
    return document(page)


def _replace(actor, page: Page, trees: list[dict]) -> dict:
    if not isinstance(trees, list):
        raise InvalidInput("blocks is a list of block trees", field="blocks")
    existing = {block.pk: block for block in Block.objects.filter(page=page)}
    flat: list[dict] = []  # {"id", "parent", "type", "content", "path", "index"} in document order
    seen: set = set()

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
            pk = uuid.uuid4() if node.get("id") in (None, "") else _block_uuid(node["id"], f"{where}.id", missing=InvalidInput)
            if pk in seen:
                raise InvalidInput("this block id occurs twice in the document", field=f"{where}.id")
            seen.add(pk)
            children = node.get("children") or []
            if children and not BLOCK_TYPES.get(type_name).accepts_children:
                raise InvalidInput(f"a {type_name} block cannot hold other blocks", field=f"{where}.children")
            if depth > MAX_DEPTH:
                raise InvalidInput(f"blocks nest at most {MAX_DEPTH} levels deep", field=f"{where}.children")
            flat.append({"id": pk, "parent": parent_id, "type": type_name, "content": content, "where": where})
            if len(flat) > MAX_BLOCKS_PER_PAGE:
                raise InvalidInput(f"a page holds at most {MAX_BLOCKS_PER_PAGE} blocks", field="blocks")
            collect(children, pk, f"{where}.children", depth + 1)

    collect(trees, None, "blocks", 0)
    _check_attachments(page, [(item["type"], item["content"], item["where"]) for item in flat])
    foreign = set(Block.objects.filter(pk__in=[item["id"] for item in flat if item["id"] not in existing]).values_list("pk", flat=True))
    for item in flat:
        if item["id"] in foreign:
            raise Conflict("this block id belongs to a block on another page: give the copy a new id", field=f"{item['where']}.id")

    # order keys per sibling list: keep the longest run of keys already in order
    groups: dict = defaultdict(list)
    for item in flat:
        groups[item["parent"]].append(item)
    for parent, items in groups.items():
        current = [existing[item["id"]].rank if item["id"] in existing and existing[item["id"]].parent_id == parent else None for item in items]
        for item, key in zip(items, ranks.keep_or_assign(current)):
            item["rank"] = key

    created, updated, moved = [], [], 0
    user = _user(actor)
    now = timezone.now()
    for item in flat:
        block = existing.get(item["id"])
        if block is None:
            created.append(Block(id=item["id"], page=page, parent_id=item["parent"], type=item["type"], content=item["content"],
                                 rank=item["rank"], created_by=user))
            continue
        changed_content = block.type != item["type"] or block.content != item["content"]
        changed_place = block.parent_id != item["parent"] or block.rank != item["rank"]
        if changed_content or changed_place:
            moved += int(changed_place)
            block.type, block.content, block.parent_id, block.rank, block.updated_at = item["type"], item["content"], item["parent"], item["rank"], now
            block.changed_content = changed_content
            updated.append(block)
    Block.objects.bulk_create(created, batch_size=500)
    Block.objects.bulk_update(updated, ["type", "content", "parent", "rank", "updated_at"], batch_size=500)
    removed = [pk for pk in existing if pk not in seen]
    if removed:
        Block.objects.filter(pk__in=removed).delete()
    _sync_references(actor, [block for block in updated if block.changed_content])
    _sync_references(actor, created, delete_first=False)
    content_updates = sum(1 for block in updated if block.changed_content)
    return {"created": len(created), "updated": content_updates, "moved": moved, "deleted": len(removed), "blocks": len(flat)}


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
            block = Block.objects.select_related("page").filter(pk=_block_uuid(operation["id"], f"{prefix}.id", missing=InvalidInput), page=page).first()
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
    record_event(actor=actor, action="blocks.bulk", target=page, target_name=_target_name(page), changes=dict(counts))
    core.record_version(actor, page)
    return results


# --- attachments -----------------------------------------------------------------------------------------

DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_ATTACHMENT_TYPES = (
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml",
    "application/pdf", "text/plain", "text/markdown", "text/csv", "application/json", "application/zip",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm", "application/octet-stream",
)
# Served inline (shown in the browser); everything else is a download. All with nosniff and a sandboxing CSP.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml", "application/pdf",
                "text/plain", "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm"}
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}
_EXTRA_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv", ".webp": "image/webp",
                ".avif": "image/avif", ".svg": "image/svg+xml", ".jsx": "text/plain", ".log": "text/plain"}


def attachment_limits() -> tuple[int, tuple[str, ...]]:
    """(maximum size in bytes, allowed content types): settings ``WORKOS_ATTACHMENT_MAX_BYTES`` and
    ``WORKOS_ATTACHMENT_CONTENT_TYPES``, or the defaults above (25 MiB; common images, documents, media)."""
    from django.conf import settings

    return (int(getattr(settings, "WORKOS_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES)),
            tuple(getattr(settings, "WORKOS_ATTACHMENT_CONTENT_TYPES", DEFAULT_ATTACHMENT_TYPES)))


def _clean_file_name(name: str) -> str:
    import unicodedata

    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(char for char in name if ord(char) >= 32 and char not in '<>:"|?*').strip().strip(".") or "file"
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 250 - len(extension)] + "." + extension) if dot and len(extension) < 16 else name[:255]
    return name


def content_type_for(name: str, declared: str = "") -> str:
    """The content type WorkOS stores for a file: from its name's extension when known (a client's claim
    is not trusted), else what the client declared, else application/octet-stream."""
    import mimetypes
    import os

    extension = os.path.splitext(name)[1].lower()
    guessed = _EXTRA_TYPES.get(extension) or mimetypes.guess_type(name, strict=False)[0]
    declared = (declared or "").split(";")[0].strip().lower()
    return (guessed or declared or "application/octet-stream").lower()


def _check_svg(data: bytes, field: str) -> None:
    """An SVG is accepted only without script: no <script>, <foreignObject>, event handlers, DTDs or
    links to anything but fragments and http(s). (It is also served with a sandboxing CSP.)"""
    import xml.etree.ElementTree as ElementTree

    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise InvalidInput("SVG files with a DOCTYPE or entities are not accepted", field=field)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise InvalidInput("not a well-formed SVG file", field=field) from None
    if not root.tag.lower().endswith("svg"):
        raise InvalidInput("not an SVG file", field=field)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if tag in ("script", "foreignobject", "iframe", "embed", "object", "handler", "listener"):
            raise InvalidInput(f"SVG files with <{tag}> are not accepted", field=field)
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise InvalidInput("SVG files with event handlers are not accepted", field=field)
            compact = "".join(value.split()).lower()
            if local in ("href", "src", "action", "formaction") and compact and not compact.startswith(("#", "http://", "https://")):
                raise InvalidInput("SVG files may link only to #fragments and http(s) URLs", field=field)
            if "javascript:" in compact or "data:" in compact or (local == "attributename" and (compact.startswith("on") or compact.endswith("href"))):
                raise InvalidInput("SVG files with scripts or script URLs are not accepted", field=field)


def check_file(name: str, data: bytes, declared_type: str = "", field: str = "file") -> tuple[str, str]:
    """(clean name, content type) of an upload, or an error: TooLarge above the size limit, InvalidInput
    for a type not allowed or content that does not match its type."""
    from workos.kernel.errors import TooLarge

    max_bytes, allowed = attachment_limits()
    if len(data) > max_bytes:
        raise TooLarge(f"file is larger than {max_bytes} bytes", field=field)
    name = _clean_file_name(name)
    content_type = content_type_for(name, declared_type)
    if content_type not in allowed:
        raise InvalidInput(f"files of type {content_type} are not accepted", field=field)
    magic = _MAGIC.get(content_type)
    if magic and not data.startswith(magic):
        raise InvalidInput(f"the content is not a {content_type} file", field=field)
    if content_type == "image/webp" and not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        raise InvalidInput("the content is not an image/webp file", field=field)
    if content_type == "image/svg+xml":
        _check_svg(data, field)
    return name, content_type


def _store_attachment(actor, page: Page, name: str, content_type: str, data: bytes) -> Attachment:
    import os

    from django.core.files.base import ContentFile

    attachment = Attachment(page=page, name=name, content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), uploaded_by=_user(actor))
    # The stored name is random: the user's file name is only ever shown, never used as a path.
    extension = os.path.splitext(name)[1].lower()
    extension = extension if len(extension) <= 16 and extension[1:].isalnum() else ""
    attachment.file.save(uuid.uuid4().hex + extension, ContentFile(data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def upload_attachment(actor, page: Page, name: str, data: bytes, declared_type: str = "") -> Attachment:
    """Store a file for the image and file blocks of ``page`` (Django's storage API; sha256 recorded)."""
    _require_edit(actor, page)
    name, content_type = check_file(name, data, declared_type)
    attachment = _store_attachment(actor, page, name, content_type, data)
    record_event(actor=actor, action="attachment.upload", target=attachment, target_name=f"{_target_name(page)} / {name}",
                 changes={"page_id": page.pk, "name": name, "content_type": content_type, "size": len(data), "sha256": attachment.sha256})
    return attachment


def get_attachment(user, attachment_id, share=None) -> Attachment:
    """The attachment, if ``user`` may view its page; NotFound otherwise (never revealing it exists)."""
    attachment = Attachment.objects.select_related("page").filter(pk=attachment_id).first() if str(attachment_id).isdigit() else None
    if attachment is None or not permissions.can(user, "read", attachment.page, share=share):
        raise NotFound("no such attachment")
    return attachment


def attachment_json(attachment: Attachment) -> dict:
    return {"id": attachment.pk, "page_id": attachment.page_id, "name": attachment.name, "content_type": attachment.content_type,
            "size": attachment.size, "sha256": attachment.sha256, "url": attachment_url(attachment.pk)}


# --- Markdown export and import --------------------------------------------------------------------------


def _with_attachment_paths(trees: list[dict], paths: dict[int, str]) -> list[dict]:
    out = []
    for tree in trees:
        content = tree["content"]
        attachment_id = content.get("attachment_id") if isinstance(content, dict) else None
        if attachment_id in paths:
            content = {**content, "url": paths[attachment_id]}
        out.append({**tree, "content": content, "children": _with_attachment_paths(tree.get("children") or [], paths)})
    return out


def export_page(user, page: Page, subpages: bool = False) -> tuple[str, str, bytes]:
    """(file name, content type, bytes): the page as Markdown, or with ``subpages`` a zip of folders holding
    its sub-pages (those ``user`` may view) and the attachments its blocks use."""
    from . import transfer

    permissions.require(user, "read", page)
    if not subpages:
        text = transfer.page_markdown(page.title, document(page))
        return transfer.safe_file_name(page.title) + ".md", "text/markdown; charset=utf-8", text.encode()
    files: list[tuple[str, bytes]] = []

    def add(current: Page, folder: str, used: set[str], depth: int) -> None:
        name = transfer.unique_name(transfer.safe_file_name(current.title), used)
        base = f"{folder}{name}"
        trees = document(current)
        inner_used: set[str] = set()
        paths: dict[int, str] = {}
        wanted = set()

        def collect(nodes):
            for node in nodes:
                if node["type"] in BLOCK_TYPES:
                    wanted.update(BLOCK_TYPES.get(node["type"]).attachment_ids(node["content"]))
                collect(node["children"])

        collect(trees)
        for attachment in Attachment.objects.filter(pk__in=wanted, page=current).order_by("pk"):
            file_name = transfer.unique_name(attachment.name, inner_used)
            with attachment.file.open("rb") as handle:
                files.append((f"{base}/{file_name}", handle.read()))
            paths[attachment.pk] = transfer.relative_url(f"{name}/{file_name}")
        files.append((f"{base}.md", transfer.page_markdown(current.title, _with_attachment_paths(trees, paths)).encode()))
        if depth < 64:
            for child in core.pages_for(user, parent_id=current.pk).order_by("rank", "id"):
                add(child, f"{base}/", inner_used, depth + 1)

    add(page, "", set(), 0)
    return transfer.safe_file_name(page.title) + ".zip", "application/zip", transfer.zip_bytes(files)


@transaction.atomic
def import_file(actor, space, name: str, data: bytes, parent: Page | None = None) -> dict:
    """Create pages in ``space`` (under ``parent`` if given) from a Markdown file or a zip of Markdown files
    with attachments (e.g. Notion's "Markdown & CSV" export): the page tree, block types, images and files,
    links between the imported pages as page mentions. All or nothing; one audit event besides each page's."""
    from . import markdown, transfer

    if parent is not None:
        permissions.require(actor, "create", parent)
    else:
        permissions.require(actor, "create", space)
    files = transfer.read_upload(name, data)
    plan = transfer.plan_pages(files)
    if not plan:
        raise InvalidInput("the upload holds no Markdown (.md) file", field="file")
    created: dict[str, Page] = {}
    for planned in plan:
        page_parent = created[planned.parent] if planned.parent else parent
        created[planned.folder] = core.create_page(actor, space=None if page_parent else space, parent=page_parent, title=planned.title)
    page_by_markdown = {planned.markdown_path: created[planned.folder] for planned in plan if planned.markdown_path}
    folders = {planned.folder for planned in plan}
    totals = {"pages": len(plan), "blocks": 0, "attachments": 0}
    skipped: list[str] = []
    items = []
    for planned in plan:
        page = created[planned.folder]
        base = posixpath.dirname(planned.markdown_path or planned.folder + "/x")
        stored: dict[str, tuple[int, str]] = {}
        used: set[str] = set()

        def store(path: str) -> tuple[int, str] | None:
            if path in stored:
                return stored[path]
            try:
                clean_name, content_type = check_file(path.rsplit("/", 1)[-1], files[path])
            except (InvalidInput, TooLargeError):
                skipped.append(path)
                return None
            attachment = _store_attachment(actor, page, clean_name, content_type, files[path])
            stored[path] = (attachment.pk, attachment_url(attachment.pk))
            used.add(path)
            totals["attachments"] += 1
            return stored[path]

        def resolve_link(href, spans, base=base):
            target = transfer.local_target(base, href)
            if target is None:
                return None
            if target in page_by_markdown:
                linked = page_by_markdown[target]
                return [{"mention": {"kind": "page", "id": linked.pk}, "text": richtext.plain_text(spans) or linked.title}]
            return [{key: value for key, value in span.items() if key != "href"} for span in spans]

        def resolve_media(href, kind, base=base):
            target = transfer.local_target(base, href)
            if target is None or target not in files or target in page_by_markdown:
                return None
            return store(target)

        def is_local_file(href, base=base):
            target = transfer.local_target(base, href)
            return target is not None and target in files and target not in page_by_markdown

        trees = []
        try:
            if planned.markdown_path:
                text = transfer.nfc(transfer.decode_text(files[planned.markdown_path]))
                trees = markdown.from_markdown(text, resolve_link=resolve_link, resolve_media=resolve_media, is_local_file=is_local_file)
                if trees and trees[0]["type"] == "heading_1":
                    # the first heading is the page's title, as Notion and the exporter write it
                    title = transfer.clean_title(richtext.plain_text(trees[0]["content"]["text"]))
                    trees = trees[1:]
                    if title and title != page.title:
                        page = core.update_page(actor, page, title=title)
            # files in the page's folder that no block used are kept as file blocks at the end
            for path in sorted(files):
                if posixpath.dirname(path) == planned.folder and path not in used and not path.lower().endswith(transfer.MARKDOWN_EXTENSIONS) \
                        and path.rsplit("/", 1)[-1].lower() not in transfer.SKIPPED_NAMES and path.rsplit(".", 1)[0] not in folders:
                    result = store(path)
                    if result is not None:
                        trees.append({"type": "file", "content": {"attachment_id": result[0], "url": result[1], "name": path.rsplit("/", 1)[-1]}, "children": []})
            counts = _replace(actor, page, trees)
        except InvalidInput as error:
            error.message = f"{planned.markdown_path or planned.folder}: {error.message}"
            raise
        totals["blocks"] += counts["created"]
        items.append({"id": page.pk, "title": page.title, "parent_id": page.parent_id, "blocks": counts["created"]})
    target = parent or space
    record_event(actor=actor, action="blocks.import", target=target, changes={**totals, "file": name[:255], "skipped": skipped[:50]})
    return {"items": items, **totals}
