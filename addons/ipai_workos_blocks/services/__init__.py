"""Blocks and attachments: the only write path of this module, and its permission-checked reads.

Permission on a block is permission on its page: reading needs ``read``, any change needs ``edit`` (and a
page that is not in the trash). A user who cannot view a page gets NotFound for its blocks and attachments,
as for the page itself. Every write validates through the block-type registry, writes, keeps the mention
references in step and records one audit event, in one transaction.

Order: siblings are ordered by fractional keys (``workos.kernel.ranks``), ties broken by creation time and
id; inserting or moving a block writes that block's row only. ``after_id`` places a block after a sibling;
left out it means "at the end", an explicit null "at the start".

Identity: a block is (page, id). Its ``id`` is a UUID a client may choose, unique on its page only, so that a
create never tells whether some page the user cannot read has a block with that id (issue 10); a block keeps
its id when it moves to another page (refused when a block there has it). Rows that point at a block hold its
``key`` (``Block.key``, chosen by the server). Every lookup by id is scoped: to the page where it is known,
else (``get_block``) to the pages the user may read.
"""

from __future__ import annotations

from ._common import LONG_RANK, MAX_BLOCKS_PER_PAGE, MAX_DEPTH, MAX_OPERATIONS, UNSET
from .attachments import (
    DEFAULT_ATTACHMENT_MAX_BYTES, DEFAULT_ATTACHMENT_TYPES, INLINE_TYPES, attach_stored_file, attachment_json, attachment_limits, check_file, content_type_for,
    get_attachment, upload_attachment,
)
from .imports import import_file
from .markdown_transfer import export_page, export_space
from .mentions import NO_ACCESS, live_mentions
from .page_copies import _copy_page_content
from .reads import (
    backlinks, block_json, block_tree, document, get_block, get_page, mentions_of_user, page_html, plain_text_of, references_to,
)
from .validation import validate_content
from .versions import StaleVersion, document_version
from .writes import BULK_OPERATIONS, anchor_comment, bulk, create_block, delete_block, move_block, replace_document, update_block

QUERIES = ("get_page", "get_block", "document", "block_tree", "page_html", "references_to", "mentions_of_user",
           "backlinks", "plain_text_of", "get_attachment", "export_page", "export_space", "block_json", "attachment_json",
           "attachment_limits", "check_file", "content_type_for", "validate_content", "document_version", "live_mentions")
