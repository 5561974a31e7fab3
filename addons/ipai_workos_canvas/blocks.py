"""The ``canvas`` block: a canvas embedded in a page as a read-only preview (registered into blocks' registry).

The block holds only the canvas's id. What it shows is decided per viewer at read time, never stored in the
page: the page island asks ``GET /api/v1/canvases/{id}/preview.svg`` (an SVG of the scene, permission-checked)
and shows "No access" when the viewer cannot read the canvas — so neither the page's HTML, nor its Markdown, nor
search hold the canvas's title or text. Markdown: ``[Canvas](/web/canvases/12) <!-- canvas -->``.
"""

from __future__ import annotations

import html
import re

from ipai_workos_blocks.registry import BlockType, _significant
from workos.kernel.errors import InvalidInput

CANVAS_URL = re.compile(r"^/web/canvases/(\d{1,18})$")
CANVAS_MARKER = re.compile(r"^<!--\s*canvas\s*-->$")
LABEL = "Canvas"


def _canvas_id(url: str) -> int | None:
    match = CANVAS_URL.match(url or "")
    return int(match.group(1)) if match else None


class CanvasBlock(BlockType):
    type, label = "canvas", "Canvas"
    markdown_nodes = ("paragraph",)
    markdown_priority = 15  # before a file block: its link is not a file's

    def fields(self):
        return {"canvas_id": None}

    def clean(self, content, field):
        canvas_id = content["canvas_id"]
        if canvas_id is not None and (isinstance(canvas_id, bool) or not isinstance(canvas_id, int) or not 0 < canvas_id < 10**18):
            raise InvalidInput("canvas_id is the id of a canvas (or null for an embed not chosen yet)", field=f"{field}.canvas_id")
        return {"canvas_id": canvas_id}

    def plain_text(self, content):
        return ""  # the canvas's text belongs to the canvas (and its readers), not to every reader of the page

    def mentions(self, content):
        return []

    def render_html(self, block, children_html):
        canvas_id = block["content"].get("canvas_id")
        link = f'<a href="/web/canvases/{int(canvas_id)}">{LABEL}</a>' if canvas_id else ""
        return f'<div class="canvas-embed"{self.attributes(block)}>{link}</div>{children_html}'

    def to_markdown(self, block, children, depth, number=1):
        canvas_id = block["content"].get("canvas_id")
        return f"[{LABEL}]({f'/web/canvases/{int(canvas_id)}' if canvas_id else ''}) <!-- canvas -->"

    def from_markdown(self, node, reader):
        tokens = _significant(node)
        if not tokens or tokens[-1].type != "html_inline" or not CANVAS_MARKER.match(tokens[-1].content.strip()):
            return None
        tokens = [token for token in tokens[:-1] if not (token.type == "text" and not token.content.strip())]
        if not tokens or tokens[0].type != "link_open":
            return None
        return [reader.block(self.type, {"canvas_id": _canvas_id(tokens[0].attrGet("href") or "")})]

    def from_html(self, element, reader):
        link = reader.first_child(element, "a")
        return reader.block(self.type, {"canvas_id": _canvas_id((link.attributes.get("href") or "") if link else "")})


def register_block_types() -> None:
    from ipai_workos_blocks.registry import BLOCK_TYPES

    BLOCK_TYPES.register(CanvasBlock.type, CanvasBlock())
