"""How a page's blocks take part in the page tree's duplicate and history: handlers registered in ``apps.ready``
into ``ipai_workos_core.registry`` (core never imports this module). Core calls them inside its own
transaction, after its permission checks."""

from __future__ import annotations

import uuid

from ipai_platform_permissions import services as permissions
from ipai_workos_core.models import Page

from .models import Attachment, Block, BlockReference
from .registry import BLOCK_TYPES, attachment_url


def _attachment_ids(block: Block) -> list[int]:
    entry = BLOCK_TYPES.get(block.type) if block.type in BLOCK_TYPES else None
    return entry.attachment_ids(block.content) if entry else []


def copy_blocks(actor, source: Page, copy: Page) -> None:
    """Copy the blocks of ``source`` to the new page ``copy``: new ids, same nesting, order and content. Files of
    image and file blocks get an attachment row on the copy (the stored file is shared), mentions their
    reference rows — page mentions only where the actor can view the mentioned page, as when saving."""
    blocks = list(Block.objects.filter(page=source))
    if not blocks:
        return
    user = actor if getattr(actor, "is_authenticated", False) else None
    new_ids = {block.pk: uuid.uuid4() for block in blocks}
    wanted = {attachment_id for block in blocks for attachment_id in _attachment_ids(block)}
    originals = list(Attachment.objects.filter(pk__in=wanted, page=source))
    made = Attachment.objects.bulk_create([
        Attachment(page=copy, file=original.file.name, name=original.name, content_type=original.content_type, size=original.size,
                   sha256=original.sha256, uploaded_by=user) for original in originals])
    attachments = {original.pk: new.pk for original, new in zip(originals, made)}
    copies = []
    for block in blocks:
        content = block.content
        named = _attachment_ids(block)
        if named and named[0] in attachments:
            content = {**content, "attachment_id": attachments[named[0]], "url": attachment_url(attachments[named[0]])}
        copies.append(Block(id=new_ids[block.pk], page=copy, parent_id=new_ids.get(block.parent_id), type=block.type, content=content,
                            rank=block.rank, created_by=user))
    Block.objects.bulk_create(copies, batch_size=500)  # parent links are checked at commit (deferred constraints)
    references = list(BlockReference.objects.filter(block__page=source))
    mentioned = {reference.target_page_id for reference in references if reference.target_page_id}
    visible = set(permissions.visible_to(actor, Page.objects.filter(pk__in=mentioned)).values_list("pk", flat=True)) if mentioned else set()
    BlockReference.objects.bulk_create([
        BlockReference(block_id=new_ids[reference.block_id], page=copy, kind=reference.kind, target_user_id=reference.target_user_id,
                       target_page_id=reference.target_page_id)
        for reference in references if reference.target_page_id is None or reference.target_page_id in visible])


def _compact(trees: list[dict]) -> list[dict]:
    return [{"id": tree["id"], "type": tree["type"], "content": tree["content"], "children": _compact(tree.get("children") or [])}
            for tree in trees]


def snapshot_document(page: Page) -> dict:
    """The page's document for a version of the page (``{"blocks": trees}``)."""
    from .services import document

    return {"blocks": _compact(document(page))}


def restore_document(actor, page: Page, content: dict) -> None:
    """Make the page's document the one a version kept (through the blocks services: validated and audited).
    Blocks that have moved to another page since are recreated here with new ids; a version without blocks
    (made before this module was installed) leaves the document alone."""
    from .services import replace_document

    trees = content.get("blocks")
    if not isinstance(trees, list):
        return
    kept_ids = []

    def collect(nodes):
        for node in nodes:
            if isinstance(node, dict):
                try:
                    kept_ids.append(uuid.UUID(str(node.get("id"))))
                except ValueError:
                    pass
                collect(node.get("children") or [])

    collect(trees)
    elsewhere = {str(pk) for pk in Block.objects.filter(pk__in=kept_ids).exclude(page=page).values_list("pk", flat=True)}

    def renew(nodes):
        return [{**node, "id": None if str(node.get("id")) in elsewhere else node.get("id"), "children": renew(node.get("children") or [])}
                for node in nodes if isinstance(node, dict)]

    replace_document(actor, page, renew(trees))
