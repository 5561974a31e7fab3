"""Elements of a canvas: incremental upserts by element id and version, tombstones, reads since a sequence.

Merging follows Excalidraw's own reconciliation rule, so the server and every client settle on the same
scene whatever order saves arrive in: an incoming element replaces the stored one when its ``version`` is
higher, or when the versions are equal and its ``versionNonce`` is lower. Otherwise it is refused as stale and
the answer carries the stored element, for the client to take. An element identical to the stored one (same
version and nonce) is left alone. Only elements that change are written; each write request takes the next
``Canvas.sequence`` and stamps the elements it changed with it.

Live canvases (``/ws/canvases/{id}``) write through ``upsert_elements`` too, and every write — live or REST —
reaches the canvas's live room once it commits (``live.publish_elements``).
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_core.registry import BODY_CHANGED, notify_pages
from ipai_workos_db.models import Database
from workos.kernel.errors import Conflict, InvalidInput, NotFound, TooLarge

from ..models import Canvas, CanvasElement
from ..registry import ELEMENT_TYPES, BadElement, Where, validate_element
from .live import publish_elements

MAX_ELEMENTS_PER_WRITE = 2000
MAX_ELEMENTS_PER_CANVAS = 20_000
AUDITED_IDS = 50


def _wins(incoming: dict, stored: CanvasElement) -> bool | None:
    """True: ``incoming`` replaces ``stored``; None: they are the same; False: ``incoming`` is stale."""
    version, nonce = incoming["version"], incoming.get("versionNonce", 0)
    if version != stored.version:
        return version > stored.version
    if nonce == stored.version_nonce:
        return None
    return nonce < stored.version_nonce


def _check_references(actor, element: dict, stored: CanvasElement | None, where: Where) -> tuple[Page | None, Database | None]:
    """What the element points at must be readable by the writer — checked when the pointer is new, so that
    someone moving a card of a page they cannot read (made by someone who could) is not refused."""
    entry = ELEMENT_TYPES.get(element["type"])
    attachment_id = entry.attachment(element)
    if attachment_id is not None and (stored is None or stored.data.get("fileId") != element.get("fileId")):
        try:
            blocks.get_attachment(actor, attachment_id)
        except NotFound:
            where.fail(f"no such attachment {attachment_id}", "fileId")
    card = entry.card(element)
    if card is None:
        return None, None
    kind, object_id = card
    unchanged = stored is not None and (stored.data.get("customData") or {}).get("workos") == element["customData"]["workos"]
    model = Page if kind == "page" else Database
    target = model.objects.filter(pk=object_id).first()
    if not unchanged and (target is None or not permissions.can(actor, "read", target)):
        where.fail(f"no such {kind} {object_id}", "customData.workos.id")
    return (target, None) if kind == "page" else (None, target)


def _columns(element: dict) -> dict:
    entry = ELEMENT_TYPES.get(element["type"])
    return {
        "kind": element["type"], "version": element["version"], "version_nonce": element.get("versionNonce", 0),
        "is_deleted": bool(element.get("isDeleted", False)), "order_key": element.get("index") or "",
        "x": element["x"], "y": element["y"], "width": element["width"], "height": element["height"],
        "text": "" if element.get("isDeleted") else entry.text(element), "data": element,
    }


def _writable(actor, canvas: Canvas) -> None:
    permissions.require(actor, "edit", canvas.page)
    if Page.objects.filter(pk=canvas.page_id, archived_at__isnull=False).exists():
        raise Conflict("this canvas is in the trash: restore it first")


@transaction.atomic
def upsert_elements(actor, canvas: Canvas, elements, *, origin: str = "") -> dict:
    """Create or change the given elements (Excalidraw JSON), each by id and version (see the module docstring).

    Once the write commits, the elements it changed go to the canvas's live room (``live.publish_elements``);
    ``origin`` is the live connection that sent them, which is not sent its own elements back.

    Every element is validated first; a bad one is refused with a 400 naming it, and nothing is written.
    Returns ``{"sequence", "applied": [ids], "unchanged": [ids], "rejected": [{"id", "element"}]}`` where
    ``rejected`` holds the stored elements that won over stale ones."""
    _writable(actor, canvas)
    if not isinstance(elements, list):
        raise InvalidInput("elements is a list of Excalidraw elements", field="elements")
    if len(elements) > MAX_ELEMENTS_PER_WRITE:
        raise TooLarge(f"a write carries at most {MAX_ELEMENTS_PER_WRITE} elements: send the rest in another", field="elements")
    cleaned, seen = [], set()
    for index, element in enumerate(elements):
        element = validate_element(element, index)
        if element["id"] in seen:
            Where(index, element["id"]).fail("the same element is sent twice", "id")
        seen.add(element["id"])
        cleaned.append((index, element))
    # one writer per canvas at a time: the sequence and the version comparisons must not interleave
    canvas = Canvas.objects.select_for_update(no_key=True).get(pk=canvas.pk)
    stored = {row.element_id: row for row in CanvasElement.objects.filter(canvas=canvas, element_id__in=seen)}
    applied, unchanged, rejected, to_create, to_update = [], [], [], [], []
    for index, element in cleaned:
        row = stored.get(element["id"])
        verdict = True if row is None else _wins(element, row)
        if verdict is None:
            unchanged.append(element["id"])
            continue
        if verdict is False:
            rejected.append({"id": row.element_id, "element": row.data})
            continue
        card_page, card_database = _check_references(actor, element, row, Where(index, element["id"]))
        columns = {**_columns(element), "card_page": card_page, "card_database": card_database}
        if row is None:
            to_create.append(CanvasElement(canvas=canvas, element_id=element["id"], **columns))
        else:
            for name, value in columns.items():
                setattr(row, name, value)
            to_update.append(row)
        applied.append(element["id"])
    if to_create and CanvasElement.objects.filter(canvas=canvas).count() + len(to_create) > MAX_ELEMENTS_PER_CANVAS:
        raise TooLarge(f"a canvas holds at most {MAX_ELEMENTS_PER_CANVAS} elements", field="elements")
    if applied:
        _write(actor, canvas, to_create, to_update, deleted_ids=[e for e in applied if _deleted(cleaned, e)], rejected=len(rejected))
        publish_elements(canvas.pk, canvas.sequence, [row.data for row in (*to_create, *to_update)], origin)
    return {"sequence": canvas.sequence, "applied": applied, "unchanged": unchanged, "rejected": rejected}


def _deleted(cleaned, element_id) -> bool:
    return any(element["id"] == element_id and element.get("isDeleted") for _index, element in cleaned)


def _write(actor, canvas: Canvas, to_create: list, to_update: list, *, deleted_ids: list, rejected: int) -> None:
    canvas.sequence += 1
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    for row in (*to_create, *to_update):
        row.sequence, row.updated_by, row.updated_at = canvas.sequence, user, now
    CanvasElement.objects.bulk_create(to_create, batch_size=500)
    CanvasElement.objects.bulk_update(to_update, ["kind", "version", "version_nonce", "is_deleted", "order_key", "x", "y", "width", "height",
                                                  "text", "data", "card_page", "card_database", "sequence", "updated_by", "updated_at"], batch_size=500)
    Canvas.objects.filter(pk=canvas.pk).update(sequence=canvas.sequence, updated_at=now)
    Page.objects.filter(pk=canvas.page_id).update(updated_at=now, updated_by=user)
    ids = [row.element_id for row in (*to_create, *to_update)]
    record_event(actor=actor, action="canvas.elements", target=canvas, target_name=canvas.page.title or "Untitled canvas",
                 changes={"sequence": canvas.sequence, "created": len(to_create), "changed": len(to_update) - len(deleted_ids),
                          "deleted": len(deleted_ids), "stale": rejected, "ids": ids[:AUDITED_IDS]})
    _keep_in_history(actor, canvas, now)
    notify_pages(BODY_CHANGED, [canvas.page_id], actor)  # the search index reads the canvas's text


def _keep_in_history(actor, canvas: Canvas, now) -> None:
    """The page's history gets a snapshot of the scene when its latest version is older than core's coalescing
    window, not on every save: the scene of a large canvas is megabytes of JSON, and a save that moves one
    element must not rewrite it. So a version holds the scene as it was at the first save after a quiet spell."""
    latest = core.versions_of(actor, canvas.page).first()
    if latest is None or now - latest.updated_at >= timedelta(seconds=core.COALESCE_SECONDS):
        core.record_version(actor, canvas.page)


@transaction.atomic
def delete_elements(actor, canvas: Canvas, element_ids) -> dict:
    """Delete elements as Excalidraw does: each becomes a tombstone with the next version, so that clients that
    sync by sequence learn of it. Unknown or already deleted ids are reported, not refused."""
    _writable(actor, canvas)
    if not isinstance(element_ids, list) or not all(isinstance(i, str) for i in element_ids) or len(element_ids) > MAX_ELEMENTS_PER_WRITE:
        raise InvalidInput(f"ids is a list of at most {MAX_ELEMENTS_PER_WRITE} element ids", field="ids")
    rows = CanvasElement.objects.filter(canvas=canvas, element_id__in=element_ids, is_deleted=False)
    tombstones = [{**row.data, "isDeleted": True, "version": row.version + 1, "versionNonce": secrets.randbelow(2**31)} for row in rows]
    result = upsert_elements(actor, canvas, tombstones)
    result["missing"] = sorted(set(element_ids) - set(result["applied"]))
    return result


def _changed_rows(canvas: Canvas, since):
    rows = CanvasElement.objects.filter(canvas=canvas)
    if since is None:
        return rows.filter(is_deleted=False)
    if isinstance(since, bool) or not isinstance(since, int) or since < 0:
        raise InvalidInput("since is a sequence number from 0", field="since")
    return rows.filter(sequence__gt=since)


def _sequence(canvas: Canvas) -> int:
    return Canvas.objects.filter(pk=canvas.pk).values_list("sequence", flat=True).get()


def elements_of(user, canvas: Canvas, *, since: int | None = None) -> dict:
    """The scene as ``user`` may see it: every live element (or, with ``since``, every element changed after that
    sequence, tombstones included), and what its cards show to this user."""
    from .cards import cards_for

    permissions.require(user, "read", canvas.page)
    rows = _changed_rows(canvas, since)
    elements = list(rows.order_by("order_key", "id").values_list("data", flat=True))
    return {"sequence": _sequence(canvas), "elements": elements, "cards": cards_for(user, [(e["id"], e) for e in elements])}


def scene_json(user, canvas: Canvas, *, since: int | None = None) -> str:
    """``elements_of`` as JSON text, for the API and the canvas page: the elements' JSON is taken from the database
    as text and joined, not decoded and encoded again (a scene of thousands of elements is megabytes of JSON)."""
    from .cards import cards_for

    permissions.require(user, "read", canvas.page)
    rows = _changed_rows(canvas, since).order_by("order_key", "id")
    texts = rows.annotate(raw=Cast("data", TextField())).values_list("raw", flat=True)
    cards = cards_for(user, [(element_id, data) for element_id, data in rows.filter(kind="embeddable").values_list("element_id", "data")])
    return '{"sequence": %d, "elements": [%s], "cards": %s}' % (_sequence(canvas), ",".join(texts), json.dumps(cards, ensure_ascii=False))


# --- page history -----------------------------------------------------------------------------------------


def snapshot_scene(page: Page) -> dict:
    """A page version's part for a canvas page: its live elements (``{"canvas": [...]}``); nothing for other pages."""
    canvas = Canvas.objects.filter(page=page).first()
    if canvas is None:
        return {}
    return {"canvas": list(CanvasElement.objects.filter(canvas=canvas, is_deleted=False).order_by("order_key", "id").values_list("data", flat=True))}


def restore_scene(actor, page: Page, content: dict) -> None:
    """Make the scene what a version kept: its elements come back with versions above the present ones (so every
    client takes them), elements added since become tombstones."""
    kept = content.get("canvas")
    canvas = Canvas.objects.filter(page=page).first()
    if canvas is None or not isinstance(kept, list):
        return
    present = {row.element_id: row for row in CanvasElement.objects.filter(canvas=canvas)}
    changes, kept_ids = [], set()
    for element in kept:
        if not isinstance(element, dict) or not isinstance(element.get("id"), str):
            continue
        kept_ids.add(element["id"])
        row = present.get(element["id"])
        if row is not None and row.data == element:
            continue
        changes.append({**element, "isDeleted": False, "version": max(row.version if row else 0, int(element.get("version", 1))) + 1,
                        "versionNonce": secrets.randbelow(2**31)})
    for element_id, row in present.items():
        if element_id not in kept_ids and not row.is_deleted:
            changes.append({**row.data, "isDeleted": True, "version": row.version + 1, "versionNonce": secrets.randbelow(2**31)})
    for start in range(0, len(changes), MAX_ELEMENTS_PER_WRITE):
        upsert_elements(actor, canvas, changes[start:start + MAX_ELEMENTS_PER_WRITE])
