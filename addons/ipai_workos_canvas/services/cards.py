"""What a card on a canvas shows of the page or database it names — to this viewer.

The rule of every view that shows one object inside another: a viewer who cannot read the carded object sees
"No access" and nothing else of it (not its title, icon, lines, columns or how many rows it has). A card's
element JSON holds only the object's kind and id; everything shown is computed here, per viewer, at read time,
so a grant that changes is right at the next load.
"""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
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
    return {"card": kind, "id": object_id, "access": False, "title": NO_ACCESS, "icon": "", "lines": [], "url": None}


def _first_lines(page: Page) -> list[str]:
    from ..models import CanvasElement

    lines: list[str] = []
    canvas_texts = CanvasElement.objects.filter(canvas__page=page, is_deleted=False).exclude(text="").order_by("order_key", "id")
    sources = [text for text in canvas_texts.values_list("text", flat=True)[:CARD_LINES]] if hasattr(page, "canvas") else []

    def walk(trees):
        for tree in trees:
            if len(lines) >= CARD_LINES:
                return
            entry = BLOCK_TYPES.get(tree["type"]) if tree["type"] in BLOCK_TYPES else None
            text = (entry.plain_text(tree["content"]) if entry else "").strip()
            if text:
                lines.append(text.splitlines()[0][:CARD_LINE_LENGTH])
            walk(tree.get("children") or [])

    if sources:
        return [text.splitlines()[0][:CARD_LINE_LENGTH] for text in sources if text.strip()][:CARD_LINES]
    walk(blocks.document(page))
    return lines


def _page_card(viewer, access: permissions.Access, page_id: int) -> dict:
    page = Page.objects.select_related("space").filter(pk=page_id).first()
    if page is None or not permissions.can(viewer, "read", page):
        return _no_access("page", page_id)
    return {"card": "page", "id": page.pk, "access": True, "title": page.title or "Untitled", "icon": page.icon,
            "lines": _first_lines(page), "url": f"/web/pages/{page.pk}", "archived": page.archived_at is not None}


def _database_card(viewer, database_id: int) -> dict:
    database = Database.objects.filter(pk=database_id).first()
    if database is None or not permissions.can(viewer, "read", database):
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
    """``{element id: card}`` for the card elements among ``elements`` (CanvasElement rows), as ``viewer`` may
    see them. One card per distinct object is computed; elements of the same object share it."""
    access = permissions.Access(viewer)
    computed: dict[tuple[str, int], dict] = {}
    cards = {}
    for element in elements:
        if element.is_deleted or element.kind != "embeddable":
            continue
        card = (element.data.get("customData") or {}).get("workos") or {}
        key = (card.get("card"), card.get("id"))
        if key not in computed:
            computed[key] = _page_card(viewer, access, key[1]) if key[0] == "page" else _database_card(viewer, key[1])
        cards[element.element_id] = computed[key]
    return cards
