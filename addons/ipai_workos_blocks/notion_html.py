"""Notion's HTML export read into block trees (selectolax's lexbor parser, as the crawler uses).

One file per page: ``<article class="page"><header>`` (icon, cover, ``h1.page-title``, a properties table on
database rows) and ``<div class="page-body">`` with one element per block: ``p``, ``h1``-``h3``,
``ul.bulleted-list`` / ``ol.numbered-list`` (one list per item, children nested inside the ``li``),
``ul.to-do-list`` (``div.checkbox-on``), ``ul.toggle`` (``details``), ``blockquote``, ``figure.callout``,
``pre.code`` (``code.language-*``), ``hr``, ``table.simple-table``, ``figure.equation`` (KaTeX with the LaTeX
in an ``annotation``), ``figure.image``, file figures (``div.source``), ``figure`` with ``a.bookmark``,
``figure.link-to-page``, ``div.column-list`` (flattened) and databases (``table.collection-content``, a row
per record whose first cell links the row's page). Like ``markdown.MarkdownReader``, the importer passes
callbacks that resolve links between pages and local files. Pure: no database access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from . import richtext
from .rendering import HtmlReader, text_span

MAX_DEPTH = 32
# a relative link to a page file, as a database cell of links (a relation) holds them: no scheme, no spaces or
# parentheses (Notion percent-encodes them)
_PAGE_HREF = re.compile(r"(?![a-zA-Z][a-zA-Z0-9+.\-]*:)[^\s()#?]+\.(?:html?|md)", re.IGNORECASE)


def _words(text: str) -> str:
    return re.sub(r"[\s,]+", " ", text).strip()
_MARKS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "u": "underline", "s": "strike", "del": "strike",
          "strike": "strike", "code": "code"}


@dataclass
class NotionHtmlPage:
    title: str = ""
    icon: str = ""
    cover: str = ""  # the cover image's href as written (a local path or a URL)
    trees: list[dict] = field(default_factory=list)
    # a database page: header, records (text cells) and each record's row page href (None when not linked)
    table: tuple[list[str], list[list[str]], list[str | None]] | None = None
    # inline databases in the page body: (title, header, records, row hrefs)
    inline_tables: list[tuple] = field(default_factory=list)


def _classes(node) -> list[str]:
    return ((node.attributes or {}).get("class") or "").split()


def _children(node):
    return [child for child in node.iter(include_text=False)]


class NotionHtmlReader(HtmlReader):
    """``resolve_link(href, spans) -> spans | None``, ``resolve_media(href, kind) -> (attachment_id, url) | None``."""

    def __init__(self, *, resolve_link: Callable | None = None, resolve_media: Callable | None = None):
        self._resolve_link = resolve_link
        self._resolve_media = resolve_media
        self._depth = 0
        self._inline_tables: list[tuple] = []

    # --- the page ------------------------------------------------------------------------------------

    def read(self, markup: str) -> NotionHtmlPage:
        from selectolax.lexbor import LexborHTMLParser

        document = LexborHTMLParser(markup)
        page = NotionHtmlPage()
        header = document.css_first("article header") or document.css_first("header")
        title = (header.css_first(".page-title") if header else None) or document.css_first("title")
        page.title = " ".join((title.text() if title else "").split())
        icon = header.css_first(".page-header-icon .icon") if header else None
        if icon is not None:
            page.icon = icon.text().strip()[:8]
        cover = header.css_first("img.page-cover-image") if header else None
        if cover is not None:
            page.cover = (cover.attributes or {}).get("src") or ""
        body = document.css_first(".page-body")
        if body is None:
            # a full-page database: Notion writes its table straight into the article, with no page body
            article = document.css_first("article") or document.body
            if article is None:
                return page
            collection = next((node for node in _children(article) if node.tag == "table" and "collection-content" in _classes(node)), None)
            if collection is not None:
                page.table = self.collection(collection)
                return page
            body = article
        collection = body.css_first("table.collection-content")
        if collection is not None and not [node for node in _children(body) if "collection-content" not in _classes(node) and node.tag != "table"]:
            page.table = self.collection(collection)
            return page
        page.trees = self.blocks(_children(body))
        page.inline_tables = self._inline_tables
        return page

    def collection(self, table) -> tuple[list[str], list[list[str]], list[str | None]]:
        header = [" ".join(cell.text().split()) for cell in table.css("thead th")]
        records, links = [], []
        for row in table.css("tbody tr"):
            cells = row.css("td")
            records.append([self.cell_text(cell, links=index > 0) for index, cell in enumerate(cells)])
            link = cells[0].css_first("a") if cells else None
            links.append((link.attributes or {}).get("href") if link is not None else None)
        return header, records, links

    @staticmethod
    def cell_text(cell, links: bool = False) -> str:
        """A database cell as the text Notion's CSV would hold: options joined by commas, checkboxes Yes/No, and
        with ``links`` a cell of nothing but links to pages (a relation) as "Title (href), ..." — what the CSV
        holds, so that both exports' relations take the importer's one path."""
        if links:
            anchors = cell.css("a")
            items = [(" ".join(anchor.text().split()), (anchor.attributes or {}).get("href") or "") for anchor in anchors]
            if items and all(_PAGE_HREF.fullmatch(href) for _title, href in items) \
                    and _words(cell.text()) == _words(" ".join(title for title, _href in items)):
                return ", ".join(f"{title} ({href})" for title, href in items)
        options = cell.css(".selected-value")
        if options:
            return ", ".join(" ".join(option.text().split()) for option in options)
        box = cell.css_first(".checkbox")
        if box is not None:
            return "Yes" if "checkbox-on" in _classes(box) else "No"
        return " ".join(cell.text().split()).lstrip("@")

    # --- blocks --------------------------------------------------------------------------------------

    def blocks(self, nodes) -> list[dict]:
        self._depth += 1
        try:
            out: list[dict] = []
            for node in nodes:
                if self._depth > MAX_DEPTH:
                    text = " ".join(node.text().split())
                    if text:
                        out.append(self.block("paragraph", {"text": [{"text": text}]}))
                    continue
                out.extend(self.one(node))
            return out
        finally:
            self._depth -= 1

    def one(self, node) -> list[dict]:
        tag, classes = node.tag, _classes(node)
        if tag in ("style", "script", "meta", "link", "header"):
            return []
        if tag == "p":
            return [self.block("paragraph", {"text": self.inline(node)})]
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = min(int(tag[1]), 3)
            return [self.block(f"heading_{level}", {"text": self.inline(node)})]
        if tag == "hr":
            return [self.block("divider", {})]
        if tag == "blockquote":
            return [self.block("quote", {"text": self.inline(node)})]
        if tag == "pre":
            code = node.css_first("code")
            language = next((name[len("language-"):] for name in _classes(code) if name.startswith("language-")), "") if code else ""
            return [self.block("code", {"code": (code or node).text(), "language": language.lower().replace(" ", "")[:32]})]
        if tag in ("ul", "ol"):
            return [block for item in _children(node) if item.tag == "li" for block in self.list_item(item, tag, classes)]
        if tag == "table":
            return self.table(node)
        if tag == "figure":
            return self.figure(node, classes)
        if tag == "details":
            return [self.toggle(node)]
        if tag == "div":
            if "collection-content" in classes:
                # an inline database: the importer makes it a database inside the page
                table = node.css_first("table.collection-content")
                title = node.css_first(".collection-title")
                if table is not None:
                    self._inline_tables.append((" ".join(title.text().split()) if title is not None else "", *self.collection(table)))
                return []
            return self.blocks(_children(node))  # column lists, columns, indented wrappers
        if tag == "img":
            return self.image(node, None)
        text = self.inline(node)
        return [self.block("paragraph", {"text": text})] if richtext.plain_text(text).strip() else []

    def list_item(self, item, tag: str, classes: list[str]) -> list[dict]:
        inner = _children(item)
        if "toggle" in classes:
            details = next((node for node in inner if node.tag == "details"), None)
            return [self.toggle(details)] if details is not None else []
        nested = [node for node in inner if node.tag in ("ul", "ol", "div", "p", "figure", "pre", "blockquote", "details", "table")
                  and not ("checkbox" in _classes(node))]
        if "to-do-list" in classes:
            box = item.css_first(".checkbox")
            label = item.css_first("span") or item
            children = [node for node in nested if node.tag == "div" and "indented" in _classes(node)]
            return [self.block("todo", {"text": self.inline(label), "checked": box is not None and "checkbox-on" in _classes(box)},
                               [block for node in children for block in self.blocks(_children(node))])]
        block_type = "numbered_list" if tag == "ol" else "bulleted_list"
        return [self.block(block_type, {"text": self.inline(item, skip_blocks=True)}, self.blocks(nested))]

    def toggle(self, details) -> dict:
        summary = details.css_first("summary")
        body = [node for node in _children(details) if node.tag != "summary"]
        return self.block("toggle", {"text": self.inline(summary) if summary else [], "collapsed": "open" not in (details.attributes or {})},
                          self.blocks(body))

    def table(self, node) -> list[dict]:
        rows = []
        for row in node.css("tr"):
            rows.append([self.inline(cell) for cell in row.iter(include_text=False) if cell.tag in ("td", "th")])
        rows = [row for row in rows if row]
        if not rows:
            return []
        width = max(len(row) for row in rows)
        rows = [row + [[] for _ in range(width - len(row))] for row in rows]
        header_row = node.css_first("thead") is not None or all(cell.tag == "th" for cell in (node.css_first("tr").iter(include_text=False)))
        first_cells = [row.css_first("td, th") for row in node.css("tbody tr")]
        header_column = bool(first_cells) and all(cell is not None and cell.tag == "th" for cell in first_cells)
        return [self.block("table", {"rows": rows, "header_row": header_row, "header_column": header_column})]

    def figure(self, node, classes: list[str]) -> list[dict]:
        if "equation" in classes:
            annotation = node.css_first("annotation")
            expression = annotation.text() if annotation is not None else " ".join(node.text().split())
            return [self.block("equation", {"expression": richtext.apart_dollars(expression.strip())})]
        if "callout" in classes:
            icon = node.css_first(".icon")
            parts = _children(node)
            body = parts[-1] if parts else node
            content = {"text": [], "icon": (icon.text().strip() if icon is not None else "") or "💡", "color": "default"}
            inner = _children(body)
            if inner and all(child.tag in ("p", "ul", "ol", "figure", "pre", "blockquote", "h1", "h2", "h3", "hr", "table", "div") for child in inner):
                first, rest = (inner[0], inner[1:]) if inner[0].tag == "p" else (None, inner)
                content["text"] = self.inline(first) if first is not None else []
                return [self.block("callout", content, self.blocks(rest))]
            content["text"] = self.inline(body)
            return [self.block("callout", content)]
        if "link-to-page" in classes:
            link = node.css_first("a")
            return [self.block("paragraph", {"text": self.inline(node)})] if link is not None else []
        image = node.css_first("img")
        if "image" in classes or (image is not None and node.css_first("a.bookmark") is None):
            return self.image(image, node.css_first("figcaption"), link=node.css_first("a"))
        bookmark = node.css_first("a.bookmark")
        if bookmark is not None:
            href = (bookmark.attributes or {}).get("href") or ""
            title = bookmark.css_first(".bookmark-title")
            text = " ".join((title.text() if title is not None else "").split()) or href
            span = {"text": text, "href": href} if richtext.is_safe_url(href) else {"text": text}
            return [self.block("paragraph", {"text": [span]})]
        source = node.css_first(".source a") or node.css_first("a")
        if source is not None:
            href = (source.attributes or {}).get("href") or ""
            resolved = self._resolve_media(href, "file") if self._resolve_media else None
            if resolved is not None:
                name = href.rsplit("/", 1)[-1]
                from urllib.parse import unquote

                return [self.block("file", {"attachment_id": resolved[0], "url": resolved[1], "name": unquote(name)[:255] or "file"})]
            return [self.block("paragraph", {"text": self.inline(node)})]
        text = self.inline(node)
        return [self.block("paragraph", {"text": text})] if text else []

    def image(self, image, caption, link=None) -> list[dict]:
        if image is None:
            return []
        href = (image.attributes or {}).get("src") or ""
        if link is not None and (link.attributes or {}).get("href"):
            href = (link.attributes or {})["href"]  # Notion links the full-size file around the preview
        attachment_id, url = None, ""
        if richtext.is_safe_url(href, schemes=("http", "https")):
            url = href
        elif self._resolve_media is not None:
            resolved = self._resolve_media(href, "image")
            if resolved is not None:
                attachment_id, url = resolved
        if not url:
            return []
        return [self.block("image", {"attachment_id": attachment_id, "url": url, "caption": self.inline(caption) if caption is not None else []})]

    # --- text ----------------------------------------------------------------------------------------

    def inline(self, element, skip_blocks: bool = False) -> list[dict]:
        spans: list[dict] = []
        self._spans(element, [], None, spans, skip_blocks)
        merged: list[dict] = []
        for span in spans:
            if merged and "mention" not in span and "mention" not in merged[-1] and \
                    {k: v for k, v in span.items() if k != "text"} == {k: v for k, v in merged[-1].items() if k != "text"}:
                merged[-1] = {**merged[-1], "text": merged[-1]["text"] + span["text"]}
            else:
                merged.append(span)
        return richtext.validate(merged)

    def _spans(self, element, marks: list[str], href: str | None, spans: list[dict], skip_blocks: bool) -> None:
        for node in element.iter(include_text=True):
            tag = node.tag
            if tag == "-text":
                text = node.text(deep=False) or ""
                if text:
                    spans.append(text_span(text, marks, href))
                continue
            classes = _classes(node)
            if tag in ("style", "script") or "checkbox" in classes or (tag == "span" and "icon" in classes):
                continue
            if skip_blocks and tag in ("ul", "ol", "div", "p", "figure", "pre", "blockquote", "details", "table"):
                continue
            if tag == "br":
                spans.append({"text": "\n"})
            elif "notion-text-equation-token" in classes or (tag == "span" and "katex" in classes):
                annotation = node.css_first("annotation")
                text = annotation.text() if annotation is not None else node.text()
                spans.append({"text": text.strip(), "marks": ["equation"]})
            elif tag in _MARKS:
                self._spans(node, marks + [_MARKS[tag]], href, spans, skip_blocks)
            elif tag == "span" and "border-bottom:0.05em solid" in ((node.attributes or {}).get("style") or ""):
                self._spans(node, marks + ["underline"], href, spans, skip_blocks)
            elif tag == "a":
                link = (node.attributes or {}).get("href") or ""
                inner: list[dict] = []
                self._spans(node, marks, None, inner, skip_blocks)
                if richtext.is_safe_url(link):
                    spans.extend({**span, "href": link} if "mention" not in span else span for span in inner)
                    continue
                resolved = self._resolve_link(link, inner) if self._resolve_link else None
                spans.extend(resolved if resolved is not None else inner)
            else:
                self._spans(node, marks, href, spans, skip_blocks)


def read_page(markup: str, **callbacks) -> NotionHtmlPage:
    """A Notion HTML page: title, icon, cover, block trees, or its database table."""
    return NotionHtmlReader(**callbacks).read(markup)
