"""HTML of block trees. Every type renders its own element (registry); the result passes nh3 with an
allow-list, so that whatever a type or a stored value gets wrong, no script, event handler, ``javascript:``
or ``data:`` URL reaches a browser."""

from __future__ import annotations

import nh3

from .registry import BLOCK_TYPES

ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "ul", "ol", "li", "blockquote", "pre", "code", "hr", "br", "strong", "em", "u", "s", "a",
    "span", "div", "aside", "details", "summary", "figure", "figcaption", "img", "input",
}
_COMMON = {"class", "data-block-type", "data-block-id"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON,
    "a": _COMMON | {"href", "data-mention-kind", "data-mention-id", "download"},
    "span": _COMMON | {"data-mention-kind", "data-mention-id"},
    "li": _COMMON | {"data-checked"},
    "aside": _COMMON | {"data-color"},
    "details": _COMMON | {"open"},
    "img": _COMMON | {"src", "alt"},
    "input": {"checked", "disabled"},
}
ALLOWED_ATTRIBUTE_VALUES = {"input": {"type": {"checkbox"}}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(markup: str) -> str:
    """The one sanitiser every piece of block HTML passes before it leaves the server."""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
    )


def _render(trees: list[dict]) -> str:
    parts: list[str] = []
    open_list: tuple[str, str] | None = None
    for block in trees:
        entry = BLOCK_TYPES.get(block["type"])
        wanted = (entry.html_list_tag, entry.html_list_class) if entry.html_list_tag else None
        if open_list != wanted:
            if open_list:
                parts.append(f"</{open_list[0]}>")
            if wanted:
                css = f' class="{wanted[1]}"' if wanted[1] else ""
                parts.append(f"<{wanted[0]}{css}>")
            open_list = wanted
        children = block.get("children") or []
        children_html = _render(children) if children else ""
        if children_html and not entry.accepts_children:
            children_html = f'<div class="children">{children_html}</div>'
        parts.append(entry.render_html(block, children_html))
    if open_list:
        parts.append(f"</{open_list[0]}>")
    return "".join(parts)


def to_html(trees: list[dict]) -> str:
    """Sanitised HTML of a list of block trees (a page body)."""
    return sanitise(_render(trees))
