"""Live co-editing: the write path of a page's Yjs document (its update log and snapshot) and of the blocks
derived from it. The WebSocket consumer (``ipai_workos_blocks.live.consumer``) calls these; so do the block
services, through the page listener at the bottom, when a block write made elsewhere must reach live editors.

Durability: ``append_update`` commits an update before the consumer applies, relays or acknowledges it, so a
server killed at any moment has lost nothing it said was saved. The blocks stay the queryable truth (search,
history, export, API reads): ``derive_blocks`` makes them what the Yjs document says through
``replace_document`` — one audit event, a page-history version, search indexing, the document version — and a
block write made outside the live session (REST, restore of a version, a template) is applied to the Yjs
document in its own transaction, or refused with 409 while live edits are not in the blocks yet.
"""

from __future__ import annotations

import logging
import threading

from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Max
from pycrdt import Doc

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from workos.kernel.aio import group_send
from workos.kernel.errors import Conflict, NotFound
from workos.kernel.prepared import Prepared

from ..live.prosemirror import blocks_to_doc, doc_to_blocks
from ..live.ydoc import block_text_elements, doc_to_json, element_text, format_text, replace_fragment
from ..models import Block, DocumentVersion, LiveDocument, LiveUpdate
from .reads import document
from .versions import document_version

logger = logging.getLogger("workos.live")

MAX_UPDATE_BYTES = 1024 * 1024  # one Yjs message; a paste of a long document fits, a flood does not
COMPACT_AFTER = 200  # updates in the log before the room folds them into the snapshot

_state = threading.local()


class LiveEditsPending(Conflict):
    code = "live_edits_pending"


def room_group(page_id: int) -> str:
    """The channel-layer group of a page's live room (every connection in every process joins it)."""
    return f"workos.live.page.{int(page_id)}"


RECHECK_GROUP = "workos.live.recheck"


def open_page(user, page_id) -> tuple[Page, bool]:
    """The page ``user`` may open live and whether they may change it. NotFound for a page that does not exist,
    is not readable, or is not a document (the same answer for all three)."""
    try:
        number = int(page_id)
    except (TypeError, ValueError):
        raise NotFound("no such page") from None
    page = Page.objects.filter(pk=number).first()
    if page is None or not permissions.can(user, "read", page):
        raise NotFound("no such page")
    writable = page.archived_at is None and permissions.can(user, "edit", page)
    return page, writable


def access(user, page_id: int) -> tuple[bool, bool]:
    """(readable, writable) of a live page for ``user`` now: re-checked when access changes."""
    page = Page.objects.filter(pk=page_id).first()
    if page is None or user is None or not user.is_active:
        return False, False
    readable = permissions.can(user, "read", page)
    return readable, readable and page.archived_at is None and permissions.can(user, "edit", page)


# --- loading and storing ---------------------------------------------------------------------------------


def _doc_from_rows(live: LiveDocument, updates: list[bytes]) -> Doc:
    doc = Doc()
    if live.snapshot:
        doc.apply_update(bytes(live.snapshot))
    for data in updates:
        doc.apply_update(bytes(data))
    return doc


def _for_yjs(blocks: list[dict]) -> dict:
    """The editor document of ``blocks`` as the Yjs document keeps it: page mentions without their titles. Every
    reader of this page receives the whole document, and a page's title may only reach those who may read that
    page: each editor shows the title (or "No access") it gets for its own user."""

    def strip(nodes):
        for node in nodes:
            if node.get("type") == "mention" and (node.get("attrs") or {}).get("kind") == "page":
                node["attrs"]["label"] = ""
            strip(node.get("content") or [])
        return nodes

    doc = blocks_to_doc(blocks)
    strip(doc["content"])
    return doc


def _seed(page: Page) -> None:
    """Give ``page`` its live document, made from its blocks (the first time it is opened live). Two processes
    seeding at once: the primary key lets one win, the other loads the winner's document — never both, which
    would double the text."""
    doc = Doc()
    replace_fragment(doc, _for_yjs(document(page)))
    try:
        with transaction.atomic():
            LiveDocument.objects.create(page=page, snapshot=doc.get_update(), derived_version=document_version(page))
    except IntegrityError:
        pass


def load(page: Page) -> tuple[bytes, bool]:
    """The page's whole live document as one Yjs update, and whether it has edits not derived into the blocks
    yet (after a crash). Seeds the document from the blocks on first use, and applies block writes made outside
    the live session since."""
    if not LiveDocument.objects.filter(page=page).exists():
        _seed(page)
    with transaction.atomic():
        live = LiveDocument.objects.get(page=page)
        updates = list(LiveUpdate.objects.filter(page=page).order_by("id").values_list("data", flat=True))
        doc = _doc_from_rows(live, updates)
    return doc.get_update(), live.appended > live.derived


def append_update(user, page_id: int, data: bytes) -> None:
    """Store one Yjs update durably (committed when this returns)."""
    append_updates(page_id, [(user, data)])


def append_updates(page_id: int, updates: list[tuple[object, bytes]]) -> None:
    """Store Yjs updates of one page, each with the user who made it, durably and in their order, in one
    transaction (committed when this returns): the live consumer gathers the updates that arrive while the
    previous commit runs, so a busy room pays one commit per batch instead of one per keystroke."""
    if not updates:
        return
    rows = [LiveUpdate(page_id=page_id, data=data, user=user if getattr(user, "pk", None) else None) for user, data in updates]
    with transaction.atomic():
        LiveUpdate.objects.bulk_create(rows)
        LiveDocument.objects.filter(page_id=page_id).update(appended=F("appended") + len(rows))


def compact(page_id: int) -> int:
    """Fold the update log into the snapshot; deletes exactly the rows it folded (an update committed meanwhile
    stays in the log). Returns how many rows were folded."""
    with transaction.atomic():
        live = LiveDocument.objects.select_for_update(no_key=True).filter(page_id=page_id).first()
        if live is None:
            return 0
        rows = list(LiveUpdate.objects.filter(page_id=page_id).order_by("id").values_list("id", "data"))
        if not rows:
            return 0
        doc = _doc_from_rows(live, [data for _pk, data in rows])
        live.snapshot = doc.get_update()
        from django.utils import timezone

        live.compacted_at = timezone.now()
        live.save(update_fields=["snapshot", "compacted_at"])
        LiveUpdate.objects.filter(pk__in=[pk for pk, _data in rows]).delete()
    return len(rows)


def log_length(page_id: int) -> int:
    return LiveUpdate.objects.filter(page_id=page_id).count()


# --- blocks from the Yjs document ------------------------------------------------------------------------


def _trees_for(trees: list[dict]) -> list[dict]:
    """Block ids the blocks services will accept: an id twice (two editors split one paragraph at once) becomes
    a new block. An id of a block on another page (pasted by a client that kept it) is kept: ids are unique per
    page only."""
    seen: set[str] = set()

    def clean(nodes):
        out = []
        for node in nodes:
            node = dict(node)
            block_id = node.get("id")
            if block_id and block_id in seen:
                node.pop("id")
            elif block_id:
                seen.add(block_id)
            node["children"] = clean(node.get("children") or [])
            out.append(node)
        return out

    return clean(trees)


def _editor_for(page: Page):
    """Who the derived write is attributed to: the latest live editor who may still edit the page."""
    users = get_user_model().objects
    ids = list(LiveUpdate.objects.filter(page=page, user__isnull=False).order_by("-id").values_list("user_id", flat=True)[:50])
    for user_id in dict.fromkeys(ids):
        user = users.filter(pk=user_id, is_active=True).first()
        if user is not None and permissions.can(user, "edit", page):
            return user
    return None


def derive_blocks(page_id: int, actor=None) -> bool:
    """Make the page's blocks what its live document says, through ``replace_document`` (audit, history, search,
    version). Returns whether blocks were written. A page whose document cannot become valid blocks keeps its
    blocks (logged); the live document keeps every edit."""
    from .writes import replace_document

    page = Page.objects.filter(pk=page_id).first()
    live = LiveDocument.objects.filter(page_id=page_id).first()
    if page is None or live is None or live.appended == live.derived:
        return False
    appended = live.appended
    updates = list(LiveUpdate.objects.filter(page_id=page_id).order_by("id").values_list("data", flat=True))
    trees = _trees_for(doc_to_blocks(doc_to_json(_doc_from_rows(live, updates))))
    actor = actor if actor is not None and permissions.can(actor, "edit", page) else _editor_for(page)
    if actor is None:
        logger.warning("live page %s: nobody who may still edit it made its pending edits; blocks left as they are", page_id)
        return False
    _state.deriving = True
    try:
        for attempt in range(3):
            try:
                with transaction.atomic():
                    # The page first, then its document version, blocks and live document, as every writer of them
                    # (core.lock_pages); the version is read under it, so no block write slips in between.
                    core.lock_pages(page_id)
                    replace_document(actor, page, trees, base_version=document_version(page))
                    LiveDocument.objects.filter(page_id=page_id).update(derived=appended, derived_version=document_version(page))
                return True
            except OperationalError:
                if attempt == 2:
                    raise
                logger.warning("live page %s: deriving blocks met a lock conflict; trying again", page_id)
    except Exception:
        logger.exception("live page %s: could not derive blocks from the live document", page_id)
        return False
    finally:
        _state.deriving = False
    return False


# every read of a document asks it: compiled once (workos.kernel.prepared)
LIVE_PROGRESS = Prepared(lambda page_id: LiveDocument.objects.filter(page_id=page_id).values_list("appended", "derived"))


def blocks_up_to_date(page: Page) -> None:
    """Before a read of the document (API, page view): derive live edits stored but not in the blocks yet, so
    that what was acknowledged to a live editor is what every reader gets."""
    live = LIVE_PROGRESS.first(page.pk)
    if live and live[0] > live[1]:
        derive_blocks(page.pk)


# --- block writes made elsewhere -------------------------------------------------------------------------


def _broadcast(page_id: int, update: bytes) -> None:
    group_send(room_group(page_id), {"type": "live.update", "update": update, "sender": ""})


def apply_block_write(page_id: int) -> None:
    """Called in the transaction of a block write on a page that has a live document: apply the new blocks to the
    Yjs document (stored in the log, relayed to live editors after commit), or refuse the write with 409 when
    live edits are not in the blocks yet — never one side silently overwriting the other."""
    live = LiveDocument.objects.select_for_update(no_key=True).filter(page_id=page_id).first()
    if live is None:
        return
    version = DocumentVersion.objects.filter(page_id=page_id).values_list("number", flat=True).first() or 0
    if version == live.derived_version:
        return  # nothing in the blocks changed (a rename, an icon)
    if live.appended > live.derived:
        raise LiveEditsPending(
            "this page is being edited live and its latest edits are not in its blocks yet: reload the document "
            "(GET /api/v1/pages/{id}/blocks) in a few seconds and send your change again based on the new version, "
            "or make it through the live document at /ws/pages/{id}".replace("{id}", str(page_id)),
            details={"page_id": page_id},
        )
    page = Page.objects.get(pk=page_id)
    updates = list(LiveUpdate.objects.filter(page_id=page_id).order_by("id").values_list("data", flat=True))
    doc = _doc_from_rows(live, updates)
    before = doc.get_state()
    replace_fragment(doc, _for_yjs(document(page)))
    update = doc.get_update(before)
    LiveDocument.objects.filter(page_id=page_id).update(derived_version=version)
    if update == b"\x00\x00":
        return
    LiveUpdate.objects.create(page_id=page_id, data=update, user=None)
    LiveDocument.objects.filter(page_id=page_id).update(appended=F("appended") + 1, derived=F("derived") + 1)
    transaction.on_commit(lambda: _broadcast(page_id, update))


def hold(page: Page) -> bool:
    """Keep live updates of ``page`` from being stored until this transaction ends, so that what a write reads of
    the live document is still the document when it writes into it: an UPDATE that changes nothing takes the live
    document's row lock on PostgreSQL and the write lock on SQLite. Returns whether the page has a live document."""
    return LiveDocument.objects.filter(page_id=page.pk).update(appended=F("appended")) > 0


def _runs_only(spans: list[dict], start: int, end: int) -> tuple[str, int, int]:
    """The characters of ``spans`` that the Yjs document keeps in text runs (not a mention, an equation or a line
    break, which are elements there), and ``start``..``end`` of the spans' plain text as offsets into them."""
    kept: list[str] = []
    low = high = 0
    offset = 0
    for span in spans:
        text = span.get("text", "")
        if "mention" in span or "equation" in (span.get("marks") or []):
            offset += len(text)
            continue
        for character in text:
            if character != "\n":
                kept.append(character)
                low += offset < start
                high += offset < end
            offset += 1
    return "".join(kept), low, high


def mark_live_text(page: Page, block: Block, spans: list[dict], start: int, end: int, marks: dict) -> None:
    """Called in the transaction of a block write that only formats text (an inline comment's mark) on a page with a
    live document, after ``hold`` and with the block's ``spans`` as they were before the write: format characters
    ``start``..``end`` of its plain text with ``marks`` (y-prosemirror's ``{mark name: attrs}``) in the Yjs
    document, as a Yjs formatting operation stored in the log and relayed to live editors after commit. Unlike
    ``apply_block_write``, which makes the document's changed nodes what the blocks say, this merges with what
    someone is typing in that very text. The blocks already hold the change: the live document counts it as
    derived. Conflict (409) when the block's text in the live document is not what the blocks say (live edits that
    could not be derived)."""
    live = LiveDocument.objects.select_for_update(no_key=True).get(page_id=page.pk)
    updates = list(LiveUpdate.objects.filter(page_id=page.pk).order_by("id").values_list("data", flat=True))
    doc = _doc_from_rows(live, updates)
    order: list[str] = []

    def walk(trees):
        for tree in trees:
            order.append(str(tree["id"]))
            walk(tree.get("children") or [])

    walk(document(page))
    elements = block_text_elements(doc)
    index = order.index(str(block.id)) if str(block.id) in order else len(elements)
    element = elements[index] if index < len(elements) and len(order) <= len(elements) else None
    kept, low, high = _runs_only(spans, start, end)
    if element is None or element_text(element) != kept:
        raise LiveEditsPending("this page is being edited live and this text is not in its blocks yet: try again in a few seconds",
                               details={"page_id": page.pk})
    before = doc.get_state()
    with doc.transaction():
        format_text(element, low, high, marks)
    update = doc.get_update(before)
    version = DocumentVersion.objects.filter(page_id=page.pk).values_list("number", flat=True).first() or 0
    if update == b"\x00\x00":
        LiveDocument.objects.filter(page_id=page.pk).update(derived_version=version)
        return
    LiveUpdate.objects.create(page_id=page.pk, data=update, user=None)
    LiveDocument.objects.filter(page_id=page.pk).update(appended=F("appended") + 1, derived=F("derived") + 1, derived_version=version)
    transaction.on_commit(lambda: _broadcast(page.pk, update))


def pages_listener(event: str, ids, actor) -> None:
    """Page listener (ipai_workos_core.registry): block writes reach live documents; moves, trash and deletion
    make live sessions re-check their users' access."""
    from ipai_workos_core.registry import CHANGED

    if event in CHANGED:
        if getattr(_state, "deriving", False):
            return
        page_ids = [i for i in ids if isinstance(i, int)]
        if len(page_ids) == 1:  # a write of one page's blocks: the lookup compiled once
            live_ids = page_ids if LIVE_PROGRESS.first(page_ids[0]) is not None else []
        else:
            live_ids = sorted(LiveDocument.objects.filter(page_id__in=page_ids).values_list("page_id", flat=True))
        core.lock_pages(*live_ids)  # the page before its live document, whoever wrote (the block services hold it already)
        for page_id in live_ids:
            apply_block_write(page_id)
    else:
        transaction.on_commit(recheck_all)


def recheck_all(_keys=None) -> None:
    """Ask every live connection (every process) to re-check its user's access to its page."""
    group_send(RECHECK_GROUP, {"type": "live.recheck"})
