"""The canvas's part of the search index (registered in ``apps.ready`` as a ``PAGE_TEXT`` provider): the text of
its text elements and frame names, in z-order. Cards are left out on purpose: what they show depends on who
looks, and the index would otherwise hand a carded page's title to readers of the canvas."""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from workos.kernel.prepared import Prepared

from .models import CanvasElement

MAX_INDEXED_LINES = 5000  # text elements read per canvas (an element may hold several lines)

_preloaded: ContextVar[dict | None] = ContextVar("workos_canvas_search_preloaded", default=None)


def _text_elements(**pages):
    """The live elements with text of the canvases of the pages ``pages`` names (a filter on ``canvas__page_id``)."""
    return CanvasElement.objects.filter(is_deleted=False, **pages).exclude(text="")


def _texts_of(page_ids: list[int]) -> dict[int, list[str]]:
    """The texts of these pages' canvases, by page, in z-order, the first ``MAX_INDEXED_LINES`` of each canvas
    (a window numbers them per page, so that many pages are read in one query and a huge canvas is still cut)."""
    elements = (_text_elements(canvas__page_id__in=page_ids)
                .annotate(place=Window(RowNumber(), partition_by=F("canvas__page_id"), order_by=[F("order_key").asc(), F("id").asc()]))
                .filter(place__lte=MAX_INDEXED_LINES).order_by("canvas__page_id", "order_key", "id")
                .values_list("canvas__page_id", "text"))
    found: dict[int, list[str]] = defaultdict(list)
    for page_id, text in elements:
        found[page_id].append(text)
    return found


PAGE_TEXTS = Prepared(lambda page_id: _text_elements(canvas__page_id=page_id).order_by("order_key", "id").values_list("text", flat=True))


def _texts_of_page(page_id: int) -> list[str]:
    """``_texts_of`` for one page: the same rows without the window, compiled once (the one-page case runs
    inside every write of a page's blocks, and compiling the window's query cost more than running it)."""
    return PAGE_TEXTS.all(page_id, limit=MAX_INDEXED_LINES)


class CanvasText:
    """The ``PAGE_TEXT`` provider: ``provider(page)`` -> the canvas's lines (none for a page without a canvas)."""

    def __call__(self, page) -> list[str]:
        memo = _preloaded.get()
        if memo is not None and page.pk in memo["pages"]:
            texts = memo["texts"].get(page.pk, [])
        else:
            texts = _texts_of_page(page.pk)
        return [line for text in texts for line in text.splitlines()]

    @contextmanager
    def preload(self, pages):
        """Within this block, these pages' canvas texts come from one query made here instead of one per page
        (``index_pages`` of many pages: an import, a CSV import, a rebuild)."""
        ids = [page.pk for page in pages]
        token = _preloaded.set({"pages": set(ids), "texts": _texts_of(ids) if ids else {}})
        try:
            yield
        finally:
            _preloaded.reset(token)


canvas_text = CanvasText()
