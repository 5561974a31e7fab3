"""A canvas as a small SVG, for the ``canvas`` block (a canvas embedded in a page): shapes, connectors, freehand
lines and text drawn plainly from the stored elements — a preview, not Excalidraw's hand-drawn rendering (the
canvas itself, opened from the preview, is that). Cards are drawn as empty boxes: what a card shows depends on
who looks, and the preview shows only the canvas. Read permission on the canvas is checked by the caller."""

from __future__ import annotations

import html
import math

from ..models import Canvas, CanvasElement

PADDING = 20
MAX_PREVIEW_ELEMENTS = 5000
DEFAULT_STROKE = "#1e1e1e"


def _attr(value) -> str:
    return html.escape(str(value), quote=True)


def _colour(value, default: str) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= 32 else default


def _number(value, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else default


def _element_svg(data: dict) -> str:
    kind = data.get("type")
    x, y, width, height = (_number(data.get(key)) for key in ("x", "y", "width", "height"))
    stroke = _attr(_colour(data.get("strokeColor"), DEFAULT_STROKE))
    fill = _attr(_colour(data.get("backgroundColor"), "transparent"))
    paint = f'stroke="{stroke}" fill="{fill if fill != "transparent" else "none"}" stroke-width="{_number(data.get("strokeWidth"), 2):g}"'
    opacity = _number(data.get("opacity"), 100) / 100
    angle = math.degrees(_number(data.get("angle")))
    transform = f' transform="rotate({angle:g} {x + width / 2:g} {y + height / 2:g})"' if angle else ""
    group = f'<g opacity="{opacity:g}"{transform}>'
    if kind in ("rectangle", "frame", "image", "embeddable"):
        dashed = ' stroke-dasharray="6 4"' if kind in ("frame", "image", "embeddable") else ""
        return f'{group}<rect x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}" rx="4" {paint}{dashed}/></g>'
    if kind == "ellipse":
        return f'{group}<ellipse cx="{x + width / 2:g}" cy="{y + height / 2:g}" rx="{width / 2:g}" ry="{height / 2:g}" {paint}/></g>'
    if kind == "diamond":
        points = f"{x + width / 2:g},{y:g} {x + width:g},{y + height / 2:g} {x + width / 2:g},{y + height:g} {x:g},{y + height / 2:g}"
        return f'{group}<polygon points="{points}" {paint}/></g>'
    if kind in ("arrow", "line", "freedraw"):
        points = [p for p in data.get("points") or [] if isinstance(p, list) and len(p) >= 2]
        path = " ".join(f"{x + _number(p[0]):g},{y + _number(p[1]):g}" for p in points)
        marker = ' marker-end="url(#arrowhead)"' if kind == "arrow" and data.get("endArrowhead") else ""
        return f'{group}<polyline points="{path}" stroke="{stroke}" fill="none" stroke-width="{_number(data.get("strokeWidth"), 2):g}"{marker}/></g>'
    if kind == "text":
        size = _number(data.get("fontSize"), 20)
        lines = str(data.get("text") or "").split("\n")
        spans = "".join(f'<tspan x="{x:g}" dy="{size * 1.25 if index else size:g}">{html.escape(line)}</tspan>' for index, line in enumerate(lines))
        return f'{group}<text x="{x:g}" y="{y:g}" font-size="{size:g}" font-family="sans-serif" fill="{stroke}">{spans}</text></g>'
    return ""


def preview_svg(canvas: Canvas) -> str:
    """The canvas's live elements as an SVG document sized to their bounds (an empty canvas: a small blank one)."""
    rows = list(CanvasElement.objects.filter(canvas=canvas, is_deleted=False).order_by("order_key", "id")
                .values_list("data", "x", "y", "width", "height")[:MAX_PREVIEW_ELEMENTS])
    if not rows:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120" viewBox="0 0 320 120"></svg>'
    # bounds: lines and arrows may have negative widths, so both ends count
    xs = [v for _data, x, _y, w, _h in rows for v in (x, x + w)]
    ys = [v for _data, _x, y, _w, h in rows for v in (y, y + h)]
    for data, x, y, _w, _h in rows:
        for point in data.get("points") or []:
            if isinstance(point, list) and len(point) >= 2:
                xs.append(x + _number(point[0]))
                ys.append(y + _number(point[1]))
    left, top = min(xs) - PADDING, min(ys) - PADDING
    width, height = max(xs) - left + PADDING, max(ys) - top + PADDING
    body = "".join(_element_svg(data) for data, *_ in rows)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:g} {top:g} {width:g} {height:g}" width="{width:g}" height="{height:g}">'
            '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{DEFAULT_STROKE}"/></marker></defs>{body}</svg>')
