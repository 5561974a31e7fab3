"""The blocks, attachments and references of a duplicated page (internal: core's duplicate checks permission
and records the event, in its transaction)."""

from __future__ import annotations

import uuid

from ipai_platform_permissions import services as permissions
from ipai_workos_core.models import Page

from ..models import Attachment, Block, BlockReference
from ..registry import BLOCK_TYPES, attachment_url
from .block_writes import _user


def _attachment_ids(block: Block) -> list[int]:
    entry = BLOCK_TYPES.find(block.type)
    return entry.attachment_ids(block.content) if entry else []


def _copy_page_content(actor, source: Page, copy: Page) -> None:
    """Copy the blocks of ``source`` to the new page ``copy``: new ids, same nesting, order and content. Files of
    image and file blocks get an attachment row on the copy (the stored file is shared), mentions their
    reference rows — page mentions only where the actor can view the mentioned page, as when saving."""
    blocks = list(Block.objects.filter(page=source))
    if not blocks:
        return
    user = _user(actor)
    new_keys = {block.pk: uuid.uuid4() for block in blocks}
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
        copies.append(Block(key=new_keys[block.pk], id=uuid.uuid4(), page=copy, parent_id=new_keys.get(block.parent_id), type=block.type,
                            content=content, rank=block.rank, created_by=user))
    Block.objects.bulk_create(copies, batch_size=500)  # parent links are checked at commit (deferred constraints)
    references = list(BlockReference.objects.filter(block__page=source))
    mentioned = {reference.target_page_id for reference in references if reference.target_page_id}
    visible = set(permissions.visible_to(actor, Page.objects.filter(pk__in=mentioned)).values_list("pk", flat=True)) if mentioned else set()
    BlockReference.objects.bulk_create([
        BlockReference(block_id=new_keys[reference.block_id], page=copy, kind=reference.kind, target_user_id=reference.target_user_id,
                       target_page_id=reference.target_page_id)
        for reference in references if reference.target_page_id is None or reference.target_page_id in visible])
