"""Canvases and their elements: the only write path of this module, and its permission-checked reads.

A canvas is a page of the tree (``Canvas.page``): creating, renaming, trashing, restoring and deleting one go
through the core page services, so permissions, trash, favourites and history are the page's. The scene's
elements are written only by ``upsert_elements`` / ``delete_elements`` (permission: edit on the page; every
element validated, nothing written when one is bad; one audit event per write; the page's history and the
search index follow in the same transaction).
"""

from __future__ import annotations

from .canvases import (
    DEFAULT_ICON, archive_canvas, canvas_of_page, canvas_side, canvases_for, create_canvas, delete_canvas, get_canvas, restore_canvas, update_canvas,
)
from .cards import NO_ACCESS, cards_for
from .preview import preview_svg
from .elements import (
    MAX_ELEMENTS_PER_CANVAS, MAX_ELEMENTS_PER_WRITE, delete_elements, elements_of, restore_scene, scene_json, snapshot_scene, upsert_elements,
)

QUERIES = ("canvas_of_page", "canvases_for", "get_canvas", "elements_of", "scene_json", "cards_for", "snapshot_scene", "preview_svg")
