"""Blocks: 14 types, nesting, order, attachments, sanitised rendering."""

import uuid

from django.conf import settings
from django.db import models

class Block(models.Model):
    """One block of a page. A block is identified by (page, id): its ``id`` is a UUID that clients may choose
    (and keep), unique on its page only, so that creating a block never tells whether a block with that id
    exists on a page the user cannot read (issue 10). Rows that point at a block (its children, comments,
    mentions, references) point at ``key``, a server-chosen UUID never taken from a client (for the blocks
    that existed before identity became per page, the key is their id)."""

    key = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    id = models.UUIDField(default=uuid.uuid4, db_index=True)
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="blocks")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    type = models.CharField(max_length=32)
    content = models.JSONField(default=dict, blank=True)
    rank = models.CharField(max_length=64, default="n")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ipai_workos_block"
        ordering = ["rank", "created_at"]
        indexes = [models.Index(fields=["page", "parent", "rank"], name="ipai_workos_block_order")]
        constraints = [models.UniqueConstraint(fields=["page", "id"], name="ipai_workos_block_page_id")]

    def __str__(self):
        return f"{self.type} {self.id}"


class DocumentVersion(models.Model):
    """How many times a page's document (its blocks) has been written: every block write of the blocks services
    adds one, in the transaction of the write. A client sends the number it loaded with a whole-document save,
    and a save based on an older number is refused, so one tab never silently replaces what another saved.
    A page without a row is at version 0."""

    page = models.OneToOneField("ipai_workos_core.Page", primary_key=True, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "ipai_workos_block_document"

    def __str__(self):
        return f"page {self.page_id} document v{self.number}"


class Attachment(models.Model):
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_attachment"

    def __str__(self):
        return self.name


class BlockReference(models.Model):
    """A mention inside a block's rich text, stored so that other modules find it without reading JSON:
    who is mentioned where (collaboration's notifications) and which pages link to a page (backlinks).

    Rows are rewritten by the blocks services whenever a block's content changes; a row exists only while
    its target does (deleting a user or page deletes the references to it). Mentions of a page the author
    could not view when saving are kept in the text but get no row.
    """

    class Kind(models.TextChoices):
        USER = "user", "User"
        PAGE = "page", "Page"

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="references")
    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_page = models.ForeignKey("ipai_workos_core.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_block_reference"
        indexes = [
            models.Index(fields=["target_user"], name="ipai_workos_blockref_user"),
            models.Index(fields=["target_page"], name="ipai_workos_blockref_page"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="user", target_user__isnull=False, target_page__isnull=True)
                           | models.Q(kind="page", target_page__isnull=False, target_user__isnull=True)),
                name="ipai_workos_blockref_target",
            ),
        ]


class LiveDocument(models.Model):
    """The Yjs document of a page that has been opened live (``/ws/pages/{id}``), as a compacted snapshot plus
    the update log below. The blocks stay the queryable truth: the live services derive them from this document
    (debounced, and when the last editor leaves), and block writes made elsewhere are applied to it.

    ``appended`` counts updates ever appended; ``derived`` is the value of ``appended`` that the blocks were last
    derived at, so ``appended > derived`` means live edits not in the blocks yet. ``derived_version`` is the
    document version (``DocumentVersion``) the blocks had when they last agreed with this document: a higher
    version means a block write happened outside the live session and must be applied to it."""

    page = models.OneToOneField("ipai_workos_core.Page", primary_key=True, on_delete=models.CASCADE, related_name="+")
    snapshot = models.BinaryField(default=bytes)
    appended = models.PositiveBigIntegerField(default=0)
    derived = models.PositiveBigIntegerField(default=0)
    derived_version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    compacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "ipai_workos_block_live_document"

    def __str__(self):
        return f"live document of page {self.page_id}"


class LiveUpdate(models.Model):
    """One Yjs update of a page's live document, stored (committed) before anyone is told it is saved.
    Compaction folds rows into ``LiveDocument.snapshot`` and deletes exactly the rows it folded."""

    page = models.ForeignKey("ipai_workos_core.Page", on_delete=models.CASCADE, related_name="+")
    data = models.BinaryField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "ipai_workos_block_live_update"
        indexes = [models.Index(fields=["page", "id"], name="ipai_workos_liveupdate_page")]

    def __str__(self):
        return f"live update {self.pk} of page {self.page_id}"
