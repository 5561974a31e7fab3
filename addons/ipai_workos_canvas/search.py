"""The canvas's part of the search index (registered in ``apps.ready`` as a ``PAGE_TEXT`` provider): the text of
its text elements and frame names, in z-order. Cards are left out on purpose: what they show depends on who
looks, and the index would otherwise hand a carded page's title to readers of the canvas."""

from __future__ import annotations

from .models import CanvasElement

MAX_INDEXED_LINES = 5000


def canvas_text(page) -> list[str]:
    texts = (CanvasElement.objects.filter(canvas__page=page, is_deleted=False).exclude(text="")
             .order_by("order_key", "id").values_list("text", flat=True)[:MAX_INDEXED_LINES])
    return [line for text in texts for line in text.splitlines()]
