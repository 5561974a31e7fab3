"""HTML of block trees. Every type renders its own element (registry); the result passes nh3 with an
allow-list, so that whatever a type or a stored value gets wrong, no script, event handler, ``javascript:``
or ``data:`` URL reaches a browser."""

from __future__ import annotations

import nh3

from . import richtext

from .registry import BLOCK_TYPES

ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "ul", "ol", "li", "blockquote", "pre", "code", "hr", "br", "strong", "em", "u", "s", "a",
    "span", "div", "aside", "details", "summary", "figure", "figcaption", "img", "input", "table", "tbody", "tr", "th", "td",
}
_COMMON = {"class", "data-block-type", "data-block-id"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON,
    "a": _COMMON | {"href", "title", "data-mention-kind", "data-mention-id", "download"},
    "ol": _COMMON | {"start"},
    "span": _COMMON | {"data-mention-kind", "data-mention-id", "data-comment-thread"},
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
        list_attributes = entry.html_list_attributes(block) if wanted else ""
        if open_list != wanted or list_attributes:
            if open_list:
                parts.append(f"</{open_list[0]}>")
            if wanted:
                css = f' class="{wanted[1]}"' if wanted[1] else ""
                parts.append(f"<{wanted[0]}{css}{list_attributes}>")
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


# --- reading HTML back ------------------------------------------------------------------------------------

_MARK_TAGS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "u": "underline", "s": "strike", "del": "strike",
              "strike": "strike", "code": "code"}


def text_span(text: str, marks: list[str], href: str | None) -> dict:
    """A rich-text span of ``text`` under the open ``marks`` (in the registry's order) and link."""
    span: dict = {"text": text}
    if marks:
        span["marks"] = [mark for mark in richtext.MARKS if mark in marks]
    if href:
        span["href"] = href
    return span


class HtmlReader:
    """Reads the HTML that ``to_html`` wrote back into block trees (elements carry ``data-block-type``).
    Elements of unknown types are skipped with their content; text outside blocks is ignored."""

    @staticmethod
    def block(block_type: str, content: dict, children: list[dict] | None = None) -> dict:
        return {"type": block_type, "content": content, "children": children or []}

    @staticmethod
    def _is_block(node) -> bool:
        return node.tag != "-text" and "data-block-type" in (node.attributes or {})

    def child_blocks(self, element) -> list[dict]:
        out: list[dict] = []
        for node in element.iter(include_text=False):
            if self._is_block(node):
                block_type = node.attributes.get("data-block-type")
                if block_type in BLOCK_TYPES:
                    out.append(BLOCK_TYPES.get(block_type).from_html(node, self))
            elif node.tag in ("ul", "ol", "div") and node.tag != "summary":
                if node.tag == "div" and "children" not in (node.attributes.get("class") or "").split():
                    continue
                out.extend(self.child_blocks(node))
        return out

    @staticmethod
    def first_child(element, tag: str):
        for node in element.iter(include_text=False):
            if node.tag == tag:
                return node
        return None

    def plain(self, element) -> str:
        parts: list[str] = []
        for node in element.iter(include_text=True):
            if node.tag == "-text":
                parts.append(node.text(deep=False) or "")
            elif node.tag == "br":
                parts.append("\n")
            else:
                parts.append(self.plain(node))
        return "".join(parts)

    def inline(self, element) -> list[dict]:
        spans: list[dict] = []
        self._inline(element, [], None, spans)
        return richtext.validate(spans)

    def _inline(self, element, marks: list[str], href: str | None, spans: list[dict]) -> None:
        for node in element.iter(include_text=True):
            tag = node.tag
            attributes = node.attributes or {} if tag != "-text" else {}
            if tag == "-text":
                text = node.text(deep=False) or ""
                if text:
                    spans.append(text_span(text, marks, href))
            elif tag == "br":
                spans.append(text_span("\n", marks, href))
            elif self._is_block(node) or tag in ("ul", "ol", "input", "summary", "figcaption", "img", "div"):
                continue
            elif richtext.EQUATION_CLASS in (attributes.get("class") or "").split():
                spans.append({"text": self.plain(node), "marks": ["equation"]})
            elif "mention" in (attributes.get("class") or "").split() and attributes.get("data-mention-id", "").isdigit():
                text = self.plain(node)
                kind = attributes.get("data-mention-kind")
                if kind == "user" and text.startswith("@"):
                    text = text[1:]
                if kind in richtext.MENTION_KINDS:
                    spans.append({"mention": {"kind": kind, "id": int(attributes["data-mention-id"])}, "text": text})
            elif tag in _MARK_TAGS:
                self._inline(node, marks + [_MARK_TAGS[tag]], href, spans)
            elif tag == "a":
                link = attributes.get("href")
                self._inline(node, marks, link if link and richtext.is_safe_url(link) else href, spans)
            else:
                self._inline(node, marks, href, spans)

    @staticmethod
    def media(url: str) -> tuple[int | None, str]:
        from .registry import ATTACHMENT_URL

        match = ATTACHMENT_URL.match(url)
        if match:
            return int(match.group(1)), url
        return (None, url) if richtext.is_safe_url(url, schemes=("http", "https")) else (None, "")


def from_html(markup: str) -> list[dict]:
    """Block trees from HTML that WorkOS rendered (``to_html``)."""
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(f"<body>{markup}</body>").body
    return HtmlReader().child_blocks(body) if body is not None else []
