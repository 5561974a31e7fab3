"""``/api/v1/pages/{id}/blocks``, ``/blocks/{id}``, attachments, HTML, Markdown export and import: parse,
call the service, shape the answer.

A block in JSON (the contract the editor relies on)::

    {"id": "<uuid>", "page_id": 1, "parent_id": "<uuid>" | null, "type": "paragraph", "content": {...},
     "rank": "i0", "children": [<block>, ...], "created_at": "...", "updated_at": "..."}

Content by type (missing keys take their defaults; unknown keys are refused with 422 naming the field):
paragraph, heading_1..3, bulleted_list, quote ``{"text": RichText}``; numbered_list ``{"text", "start": int|null}`` (the
item's number where a list starts, or starts again, at it);
todo ``{"text", "checked": bool}``; toggle ``{"text", "collapsed": bool}``; divider ``{}``;
callout ``{"text", "icon": "💡" (1-8 characters), "color": default|gray|brown|orange|yellow|green|blue|purple|pink|red}``;
image ``{"attachment_id": int|null, "url": "https://...", "/api/v1/attachments/{id}/content" or a relative reference, "caption": RichText}``;
file ``{"attachment_id": int|null, "url", "name"}``; code ``{"code", "language"}``.
RichText is a list of spans ``{"text", "marks": [bold, italic, underline, strike, code], "href": http(s)/mailto URL or a
relative reference (not //host, not into WorkOS's own routes), "title": the link's title}``
or mentions ``{"mention": {"kind": "user"|"page", "id": int}, "text": display text}``.
Only bulleted_list, numbered_list, todo, toggle, quote and callout blocks hold children.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import FileResponse, HttpResponse
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from ipai_platform_permissions.api import SHARE_LINK_AUTH, share_link_reader
from ipai_workos_core import services as core
from workos.api.types import RecordId, Shape
from workos.kernel.errors import InvalidInput, NotFound, TooLarge

from . import registry, services, transfer
from .services import UNSET, live

MARKDOWN_DIALECT = "```\n" + registry.__doc__[registry.__doc__.index("Markdown dialect"):].strip() + "\n```"

router = Router(tags=["blocks"])


class BlockOut(Shape):
    id: str
    page_id: int
    parent_id: str | None
    type: str
    content: dict[str, Any]
    rank: str
    children: list["BlockOut"]
    created_at: datetime
    updated_at: datetime


BlockOut.model_rebuild()


class DocumentOut(Schema):
    items: list[BlockOut]
    version: int = Field(description="The document's version: send it as `base_version` with the next whole-document save.")


class DocumentIn(Schema):
    blocks: list[dict[str, Any]]
    base_version: int | None = Field(None, ge=0, description="The `version` of the document this save is based on (as the GET "
                                     "or the previous save answered it). Required: without it the save answers 409 `version_required`.")
    replaces_changes: bool = Field(False, description="Set when the user chose to replace changes made elsewhere (after a "
                                   "409 `stale_version`): page history keeps those changes in their own version.")


class BlockCreateIn(Schema):
    type: str
    content: dict[str, Any] | None = None
    parent_id: str | None = None
    after_id: str | None = None
    id: str | None = None


class BlockPatchIn(Schema):
    type: str | None = None
    content: dict[str, Any] | None = None


class BlockMoveIn(Schema):
    page_id: RecordId | None = None
    parent_id: str | None = None
    after_id: str | None = None


class BulkIn(Schema):
    operations: list[dict[str, Any]]


class BulkOut(Schema):
    results: list[dict[str, Any]]


class AttachmentOut(Schema):
    id: int
    page_id: int
    name: str
    content_type: str
    size: int
    sha256: str
    url: str


class ImportedPage(Schema):
    id: int
    title: str
    parent_id: int | None
    blocks: int
    row: bool = Field(False, description="the page of a database row")


class ImportedDatabase(Schema):
    id: int
    title: str
    rows: int
    properties: dict[str, str] = Field(description="column name -> property type")
    parent_page_id: int | None


class SkippedFile(Schema):
    path: str
    reason: str


class ImportOut(Schema):
    format: str = Field(description="markdown (a .md file, a zip of them, Notion's \"Markdown & CSV\" export) or html (Notion's HTML export)")
    items: list[ImportedPage]
    database_items: list[ImportedDatabase]
    pages: int = Field(description="pages made (database rows not included)")
    blocks: int
    databases: int
    rows: int
    attachments: int
    skipped: list[SkippedFile] = Field(description="what was left out and why (the first 200)")
    skipped_count: int


def _given(payload: Schema, name: str):
    """A field's value, or UNSET when the client left it out (null and absent differ for after_id)."""
    return getattr(payload, name) if name in payload.model_fields_set else UNSET


# --- documents -------------------------------------------------------------------------------------------


@router.get("/pages/{page_id}/blocks", response=DocumentOut, auth=SHARE_LINK_AUTH,
            summary="The page's document: top-level block trees in order (`?share=` for a share link)",
            description=__doc__)
def list_blocks(request, page_id: int, share: str = ""):
    user, token = share_link_reader(request, share)
    page = services.get_page(user, page_id, share=token)
    live.blocks_up_to_date(page)
    version = services.document_version(page)  # before the blocks: a write in between makes the next save stale, never lost
    return {"items": services.live_mentions(user, services.document(page), share=token), "version": version}


@router.put("/pages/{page_id}/blocks", response=DocumentOut,
            summary="Replace the page's whole document atomically (autosave): {\"blocks\": [block trees], \"base_version\": n}",
            description="Each tree is `{\"id\"?, \"type\", \"content\", \"children\": [...]}`; `page_id`, `parent_id`, `rank` "
                        "and timestamps are ignored when sent. Blocks with a known id are kept (updated, moved); blocks without "
                        "id, or with an id this page does not hold, are created (with that id: block ids are unique per page, "
                        "so the same id on another page does not matter); blocks left out are deleted. One transaction, one "
                        "audit event. Answers the saved document and its new `version`.\n\n"
                        "**No lost writes.** The document has a `version` (the GET answers it) that every block write raises — "
                        "this save, single-block create/update/delete/move and bulk operations. Send the version your document "
                        "is based on as `base_version`. When the page changed since, the save answers 409 with code "
                        "`stale_version` and `current_version`, and nothing is written: reload, or — to keep your document on "
                        "purpose — send it again with `base_version` = `current_version` (and `replaces_changes: true`, so "
                        "page history keeps the other changes as their own version). Without `base_version` the save answers "
                        "409 `version_required`.")
def replace_blocks(request, page_id: int, payload: DocumentIn):
    page = services.get_page(request.user, page_id)
    with transaction.atomic():  # the version of this save, not of one that lands right after it
        items = services.replace_document(request.user, page, payload.blocks, base_version=payload.base_version,
                                          replaces_changes=payload.replaces_changes)
        version = services.document_version(page)
    return {"items": items, "version": version}


@router.post("/pages/{page_id}/blocks", response={201: BlockOut},
             summary="Add a block: {type, content, parent_id?, after_id?, id?}; no after_id: at the end, after_id null: first",
             description="`id` (a UUID) is the block's id, unique on this page: 409 when this page already has a block with it; "
                         "the same id on another page does not matter.")
def create_block(request, page_id: int, payload: BlockCreateIn):
    page = services.get_page(request.user, page_id)
    block = services.create_block(request.user, page, type=payload.type, content=payload.content, parent_id=_given(payload, "parent_id"),
                                  after_id=_given(payload, "after_id"), block_id=payload.id)
    return 201, services.live_mentions(request.user, services.block_json(block))


@router.post("/pages/{page_id}/blocks/bulk", response=BulkOut,
             summary="Many block changes, all or nothing: {operations: [{op: create|update|delete|move, ...}]}",
             description="create `{op, type, content, parent_id?, after_id?, id?}`; update `{op, id, type?, content?}`; "
                         "delete `{op, id}`; move `{op, id, page_id?, parent_id?, after_id?}`. Operations run in order on blocks of "
                         "this page; the first error (e.g. field `operations[2].content.text`) undoes all of them. Answers one "
                         "result per operation: the block, or `{id, deleted: true}`.")
def bulk_blocks(request, page_id: int, payload: BulkIn):
    page = services.get_page(request.user, page_id)
    return {"results": services.live_mentions(request.user, services.bulk(request.user, page, payload.operations))}


# --- single blocks ---------------------------------------------------------------------------------------
# A block is identified by (page, id): ids are unique per page only. ``/blocks/{id}`` looks the id up among
# the blocks of pages the user may read and answers 409 `ambiguous_block_id` when several hold it;
# ``/pages/{page_id}/blocks/{block_id}`` always names one block.

BY_PAGE = " `/pages/{page_id}/blocks/{block_id}` names the block by its page (block ids are unique per page only); " \
          "`/blocks/{block_id}` finds it among the pages you can read and answers 409 `ambiguous_block_id` when several hold it."


def _read_block(request, block_id: str, share: str, page_id: int | None):
    user, token = share_link_reader(request, share)
    block = services.get_block(user, block_id, share=token, page_id=page_id)
    return services.live_mentions(user, services.block_tree(block), share=token)


def _update_block(request, block_id: str, payload: BlockPatchIn, page_id: int | None):
    block = services.get_block(request.user, block_id, page_id=page_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    if changes.get("type", UNSET) is None:
        raise InvalidInput("type cannot be null", field="type")
    if "content" in changes and changes["content"] is None:
        changes["content"] = {}
    block = services.update_block(request.user, block, type=changes.get("type", UNSET), content=changes.get("content", UNSET))
    return services.live_mentions(request.user, services.block_tree(block))


def _move_block(request, block_id: str, payload: BlockMoveIn, page_id: int | None):
    block = services.get_block(request.user, block_id, page_id=page_id)
    target = services.get_page(request.user, payload.page_id) if payload.page_id is not None else None
    block = services.move_block(request.user, block, page=target, parent_id=_given(payload, "parent_id"), after_id=_given(payload, "after_id"))
    return services.live_mentions(request.user, services.block_tree(block))


@router.get("/blocks/{block_id}", response=BlockOut, auth=SHARE_LINK_AUTH, summary="One block with its children", description=BY_PAGE)
def get_block(request, block_id: str, share: str = ""):
    return _read_block(request, block_id, share, None)


@router.get("/pages/{page_id}/blocks/{block_id}", response=BlockOut, auth=SHARE_LINK_AUTH,
            summary="One block of a page with its children", description=BY_PAGE)
def get_page_block(request, page_id: int, block_id: str, share: str = ""):
    return _read_block(request, block_id, share, page_id)


@router.patch("/blocks/{block_id}", response=BlockOut, summary="Change a block's type and/or content", description=BY_PAGE)
def update_block(request, block_id: str, payload: BlockPatchIn):
    return _update_block(request, block_id, payload, None)


@router.patch("/pages/{page_id}/blocks/{block_id}", response=BlockOut, summary="Change the type and/or content of a block of a page",
              description=BY_PAGE)
def update_page_block(request, page_id: int, block_id: str, payload: BlockPatchIn):
    return _update_block(request, block_id, payload, page_id)


@router.delete("/blocks/{block_id}", response={204: None}, summary="Delete a block and its children", description=BY_PAGE)
def delete_block(request, block_id: str):
    services.delete_block(request.user, services.get_block(request.user, block_id))
    return 204, None


@router.delete("/pages/{page_id}/blocks/{block_id}", response={204: None}, summary="Delete a block of a page and its children",
               description=BY_PAGE)
def delete_page_block(request, page_id: int, block_id: str):
    services.delete_block(request.user, services.get_block(request.user, block_id, page_id=page_id))
    return 204, None


MOVE = "Move a block (with children): {page_id?, parent_id?, after_id?}; also to another page, never into itself"
MOVE_RULES = BY_PAGE + " A block keeps its id on another page: 409 `id_taken` when the target page has a block with that id."


@router.post("/blocks/{block_id}/move", response=BlockOut, summary=MOVE, description=MOVE_RULES)
def move_block(request, block_id: str, payload: BlockMoveIn):
    return _move_block(request, block_id, payload, None)


@router.post("/pages/{page_id}/blocks/{block_id}/move", response=BlockOut, summary=MOVE.replace("a block", "a block of a page", 1),
             description=MOVE_RULES)
def move_page_block(request, page_id: int, block_id: str, payload: BlockMoveIn):
    return _move_block(request, block_id, payload, page_id)


# --- attachments -----------------------------------------------------------------------------------------


@router.post("/pages/{page_id}/attachments", response={201: AttachmentOut},
             summary="Upload a file for image/file blocks (multipart field `file`); size and type limits apply")
def upload_attachment(request, page_id: int, file: File[UploadedFile]):
    page = services.get_page(request.user, page_id)
    max_bytes, _ = services.attachment_limits()
    if file.size is not None and file.size > max_bytes:
        raise TooLarge(f"file is larger than {max_bytes} bytes", field="file")
    attachment = services.upload_attachment(request.user, page, file.name or "file", file.read(), file.content_type or "")
    return 201, services.attachment_json(attachment)


@router.get("/attachments/{attachment_id}/content", auth=SHARE_LINK_AUTH, response={200: None},
            summary="The file of an attachment, for users who can view its page (404 for everyone else)")
def attachment_content(request, attachment_id: int, share: str = ""):
    user, token = share_link_reader(request, share)
    attachment = services.get_attachment(user, attachment_id, share=token)
    inline = attachment.content_type in services.INLINE_TYPES
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise NotFound("the file of this attachment is missing from the file store") from None
    response = FileResponse(handle, content_type=attachment.content_type, as_attachment=not inline, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    policy = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
    response["Content-Security-Policy"] = policy if attachment.content_type == "application/pdf" else policy + "; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = f'"{attachment.sha256}"'
    return response


# --- rendering, export, import ---------------------------------------------------------------------------


@router.get("/pages/{page_id}/html", auth=SHARE_LINK_AUTH, response={200: None},
            summary="Sanitised HTML of the page body (text/html; every value passed nh3)")
def page_html(request, page_id: int, share: str = ""):
    user, token = share_link_reader(request, share)
    page = services.get_page(user, page_id, share=token)
    response = HttpResponse(services.page_html(page, user, share=token), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self' https: http:; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


LINKS_DOC = ("`links=portable` (the default of a zip): a link or mention of a page inside the export is a relative link to its "
             "file (`Sub%20page/Child.md`), of a page outside it the page's title as text (\"No access\" where you cannot read it); "
             "`links=instance` (the default of a single file) keeps `@[Title](page:ID)` for a round trip into this instance.")


@router.get("/pages/{page_id}/export", response={200: None},
            summary="Export as Markdown (text/markdown), or with `subpages=true` a zip of folders with sub-pages, databases (CSV + a "
                    "folder of row pages) and attachments",
            description=LINKS_DOC + "\n\n" + MARKDOWN_DIALECT)
def export_page(request, page_id: int, format: str = "markdown", subpages: bool = False, links: str = ""):
    if format != "markdown":
        raise InvalidInput("format must be markdown", field="format")
    page = services.get_page(request.user, page_id)
    return _download(*services.export_page(request.user, page, subpages=subpages, links=links or None))


@router.get("/spaces/{space_id}/export", response={200: None},
            summary="Export a space as a zip: its pages you can read (Markdown, in folders), its databases (CSV + a folder of row "
                    "pages) and attachments, in the layout of Notion's \"Markdown & CSV\" export, which the import reads back",
            description=LINKS_DOC + "\n\n" + MARKDOWN_DIALECT)
def export_space(request, space_id: int, format: str = "markdown", links: str = ""):
    if format != "markdown":
        raise InvalidInput("format must be markdown", field="format")
    space = core.get_space(request.user, space_id)
    return _download(*services.export_space(request.user, space, links=links or None))


def _download(name: str, content_type: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = transfer.content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/spaces/{space_id}/import", response={201: ImportOut},
             summary="Import into a space (multipart field `file`): a .md file, a zip of Markdown folders, or a Notion export "
                     "(\"Markdown & CSV\" or \"HTML\", the zip as Notion gives it); recreates pages, blocks and databases",
             description="Folders become sub-pages (`Page.md` + `Page/`), a first plain `# heading` becomes the page title, images and "
                         "files beside a page become its attachments, links between imported pages become page mentions. "
                         "Notion databases (a CSV beside a folder of row pages, `_all.csv` preferred; in HTML, a "
                         "`table.collection-content`) become databases with columns typed from their cells, each row's page "
                         "holding its blocks; inline ones sit in their page, full-page ones at their level. HTML pages keep "
                         "their icon and cover. The report counts pages, blocks, databases, rows and attachments and lists "
                         "what was skipped and why. Refused with nothing imported: path traversal names (422), files that are "
                         "not UTF-8 (422), zip bombs by ratio or entry count and tables over 200 columns (413). "
                         "`?parent_id=` puts the imported pages under a page of the space. All or nothing.\n\n" + MARKDOWN_DIALECT)
def import_into_space(request, space_id: int, file: File[UploadedFile], parent_id: RecordId | None = None):
    space = core.get_space(request.user, space_id)
    parent = core.get_page(request.user, parent_id) if parent_id is not None else None
    if parent is not None and parent.space_id != space.pk:
        raise InvalidInput("the parent page is in another space", field="parent_id")
    limit = transfer.import_limits()[0]
    if file.size is not None and file.size > limit:
        raise TooLarge(f"file is larger than {limit} bytes", field="file")
    result = services.import_file(request.user, space, file.name or "import.md", file.read(), parent=parent)
    return 201, result
