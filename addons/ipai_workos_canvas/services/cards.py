"""What a card on a canvas shows of the page or database it names — to this viewer.

The rule of every view that shows one object inside another: a viewer who cannot read the carded object sees
"No access" and nothing else of it (not its title, icon, lines, columns or how many rows it has). A card's
element JSON holds only the object's kind and id; everything shown is computed here, per viewer, at read time,
so a grant that changes is right at the next load.
"""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.registry import BLOCK_TYPES
from ipai_workos_core.models import Page
from ipai_workos_db import services as databases
from ipai_workos_db.models import Database

NO_ACCESS = "No access"
CARD_LINES = 3
CARD_LINE_LENGTH = 200
CARD_ROWS = 5
CARD_COLUMNS = 4


def _no_access(kind: str, object_id: int) -> dict:
    return {"card": kind, "id": object_id, "access": False, "title": NO_ACCESS, "icon": "", "lines": [], "url": None, "archived": False, "table": None}


def _first_lines(page: Page, is_canvas: bool) -> list[str]:
    from ..models import CanvasElement

    if is_canvas:
        texts = (CanvasElement.objects.filter(canvas__page=page, is_deleted=False).exclude(text="").order_by("order_key", "id")
                 .values_list("text", flat=True)[:CARD_LINES])
        return [text.strip().splitlines()[0][:CARD_LINE_LENGTH] for text in texts if text.strip()]
    lines: list[str] = []

    def walk(trees):
        for tree in trees:
            if len(lines) >= CARD_LINES:
                return
            entry = BLOCK_TYPES.find(tree["type"])
            text = (entry.plain_text(tree["content"]) if entry else "").strip()
            if text:
                lines.append(text.splitlines()[0][:CARD_LINE_LENGTH])
            walk(tree.get("children") or [])

    walk(blocks.document(page))
    return lines


def _readable(access: permissions.Access, obj) -> bool:
    return RANK[access.level(obj)] >= RANK[VIEW]


def _page_cards(access: permissions.Access, page_ids: set[int]) -> dict[int, dict]:
    from ..models import Canvas

    pages = Page.objects.select_related("space").in_bulk(page_ids)
    canvases = set(Canvas.objects.filter(page_id__in=page_ids, side=False).values_list("page_id", flat=True))
    cards = {}
    for page_id in page_ids:
        page = pages.get(page_id)
        if page is None or not _readable(access, page):
            cards[page_id] = _no_access("page", page_id)
            continue
        cards[page_id] = {"card": "page", "id": page.pk, "access": True, "title": page.title or "Untitled", "icon": page.icon,
                          "lines": _first_lines(page, page.pk in canvases), "url": f"/web/pages/{page.pk}",
                          "archived": page.archived_at is not None, "table": None}
    return cards


def _database_card(viewer, access: permissions.Access, database_id: int) -> dict:
    database = Database.objects.filter(pk=database_id).first()
    if database is None or not _readable(access, database):
        return _no_access("database", database_id)
    result = databases.list_rows(viewer, database, limit=CARD_ROWS)
    schema = result["schema"]
    columns = [prop for prop in schema.properties][:CARD_COLUMNS]
    rows = databases.rows_json(result["rows"], schema, result["cells"])
    return {
        "card": "database", "id": database.pk, "access": True, "title": database.title or "Untitled database", "icon": database.icon,
        "lines": [], "url": f"/web/databases/{database.pk}", "archived": database.archived_at is not None,
        "table": {
            "columns": [prop.name for prop in columns],
            "rows": [[row["title"] if prop.type == "title" else str(row["display"].get(str(prop.pk), "")) for prop in columns] for row in rows],
            "more": result["next_cursor"] is not None,
        },
    }


def cards_for(viewer, elements) -> dict[str, dict]:
    """``{element id: card}`` for the card elements among ``elements`` (pairs of element id and element JSON), as
    ``viewer`` may see them. One card per distinct object is computed; elements of the same object share it."""
    access = permissions.Access(viewer)
    wanted: dict[str, tuple[str, int]] = {}
    for element_id, data in elements:
        card = (data.get("customData") or {}).get("workos") or {} if data.get("type") == "embeddable" and not data.get("isDeleted") else {}
        if card.get("card") in ("page", "database") and isinstance(card.get("id"), int):
            wanted[element_id] = (card["card"], card["id"])
    pages = _page_cards(access, {object_id for kind, object_id in wanted.values() if kind == "page"})
    database_cards = {object_id: _database_card(viewer, access, object_id) for kind, object_id in set(wanted.values()) if kind == "database"}
    return {element_id: pages[object_id] if kind == "page" else database_cards[object_id] for element_id, (kind, object_id) in wanted.items()}
