"""SVG logos: refused when they carry anything active, otherwise rebuilt from an allow-list.

An SVG is XML that a browser may run script from (``<script>``, ``onload=``, ``javascript:`` links,
``<foreignObject>`` HTML, external references). Such content is refused with a clear reason rather than
silently altered; what passes is re-serialised from allowed elements and attributes only. DOCTYPEs and
entities are refused before parsing, so no entity expansion or external fetch can happen.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

ALLOWED_ELEMENTS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "defs", "title", "desc",
    "linearGradient", "radialGradient", "stop", "clipPath", "mask", "symbol", "use", "style",
}
ACTIVE_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener", "animate", "set",
                   "animateTransform", "animateMotion", "image", "a", "feImage"}
ALLOWED_ATTRIBUTES = {
    "id", "class", "viewBox", "width", "height", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry", "d", "points",
    "fill", "fill-opacity", "fill-rule", "clip-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "transform", "offset",
    "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod", "fx", "fy", "clip-path", "mask",
    "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing",
    "preserveAspectRatio", "version", "style", "href", "clipPathUnits", "maskUnits", "maskContentUnits", "role", "aria-label",
    "aria-hidden", "focusable", "visibility", "display",
}
DANGEROUS_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding|<", re.IGNORECASE)
MAX_BYTES = 256 * 1024


class UnsafeSvg(ValueError):
    """The SVG cannot be used; the message says why, in words for the person who uploaded it."""


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def sanitise_svg(data: bytes) -> bytes:
    if len(data) > MAX_BYTES:
        raise UnsafeSvg(f"the SVG is larger than {MAX_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeSvg("the SVG is not UTF-8 text") from None
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        raise UnsafeSvg("SVG logos may not declare a DOCTYPE or entities")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        raise UnsafeSvg(f"the file is not well-formed SVG: {error}") from None
    if _local(root.tag) != "svg":
        raise UnsafeSvg("the file's root element is not <svg>")
    for element in root.iter():
        tag = _local(element.tag) if isinstance(element.tag, str) else ""
        if tag in ACTIVE_ELEMENTS:
            raise UnsafeSvg(f"SVG logos may not contain <{tag}> (no script, links, animation or embedded content)")
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute.lower().startswith("on"):
                raise UnsafeSvg(f"SVG logos may not contain event handlers ({attribute})")
            if attribute == "href" and not value.startswith("#"):
                raise UnsafeSvg("SVG logos may only link inside themselves (href=\"#...\")")
            if re.search(r"javascript:|data:", value, re.IGNORECASE):
                raise UnsafeSvg(f"SVG logos may not contain javascript: or data: values ({attribute})")
            if attribute == "style" and DANGEROUS_CSS.search(value):
                raise UnsafeSvg("SVG logos may not load anything from CSS (url(), @import ...)")
        if tag == "style" and DANGEROUS_CSS.search(element.text or ""):
            raise UnsafeSvg("SVG logos may not load anything from CSS (url(), @import ...)")
    return _rebuild(root)


def _rebuild(root: ET.Element) -> bytes:
    def copy(element: ET.Element) -> ET.Element | None:
        tag = _local(element.tag) if isinstance(element.tag, str) else ""
        if tag not in ALLOWED_ELEMENTS:
            return None  # metadata, editor namespaces ...: dropped
        clean = ET.Element(f"{{{SVG_NS}}}{tag}")
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute in ALLOWED_ATTRIBUTES:
                clean.set(f"{{{XLINK_NS}}}href" if attribute == "href" and name.startswith(f"{{{XLINK_NS}}}") else attribute, value)
        clean.text = element.text
        for child in element:
            copied = copy(child)
            if copied is not None:
                copied.tail = child.tail
                clean.append(copied)
        return clean

    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(copy(root), encoding="utf-8", xml_declaration=False)
