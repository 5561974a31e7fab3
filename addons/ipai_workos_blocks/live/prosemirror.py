"""Blocks (the API's document) <-> the editor's ProseMirror JSON, with the rules of the editor's converter.

This is the Python twin of ``frontend/src/editor/convert.ts``: the same function names in snake case, the same
rules, tested against it on shared fixtures (``tests/fixtures/prosemirror_cases.json``, read by pytest and by
a node script that runs the TypeScript converter). Change both or neither.

Lists are the one place the two shapes differ: the API has one block per list item (consecutive
``bulleted_list`` blocks form one list), the editor wraps items in a list node. A list item's first paragraph
is the block's text, the rest of the item its children. A toggle's summary is its text, the blocks after the
summary its children. A table's cells hold one paragraph each (its rich text); which cells are headers follows
the table's ``headerRow`` / ``headerColumn`` attributes. An inline equation (a span with the ``equation`` mark)
is an ``inlineEquation`` node holding the LaTeX.
"""

from __future__ import annotations

import re
from typing import Any

MARKS = ("bold", "italic", "underline", "strike", "code")
LIST_TYPES = {
    "bulleted_list": ("bulletList", "listItem"),
    "numbered_list": ("orderedList", "listItem"),
    "todo": ("taskList", "taskItem"),
}
CALLOUT_COLOR_NAMES = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def _is_integer(value: Any) -> bool:
    # JavaScript's Number.isInteger: true for 3 and 3.0, never for booleans (they are not numbers there)
    return not isinstance(value, bool) and (isinstance(value, int) or (isinstance(value, float) and value.is_integer()))


def _number(value: Any) -> float | None:
    """JavaScript's Number(value) for the values a document holds; None stands for NaN."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if value is None:
        return 0.0
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _js_string(value: Any) -> str:
    """JavaScript's String(value) for JSON values."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return "[object Object]" if isinstance(value, dict) else ",".join(_js_string(item) for item in value)
    return str(value)


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


# --- rich text -------------------------------------------------------------------------------------------


def rich_to_inline(rich: Any) -> list[dict]:
    if isinstance(rich, str):
        rich = [{"text": rich}]
    if not isinstance(rich, list):
        return []
    out: list[dict] = []
    for span in rich:
        if not isinstance(span, dict):
            continue
        if "mention" in span and isinstance(span.get("mention"), dict):
            mention = span["mention"]
            kind = "page" if mention.get("kind") == "page" else "user"
            number = _number(mention.get("id"))
            if number is None or not number.is_integer():
                continue
            label = re.sub(r"^@", "", _js_string(span.get("text") if span.get("text") is not None else ""))
            out.append({"type": "mention", "attrs": {"id": str(int(number)), "kind": kind, "label": label}})
            continue
        text = span.get("text") if isinstance(span.get("text"), str) else ""
        if not text:
            continue
        if isinstance(span.get("marks"), list) and "equation" in span["marks"]:
            out.append({"type": "inlineEquation", "attrs": {"latex": text}})
            continue
        marks: list[dict] = [{"type": mark} for mark in (span.get("marks") if isinstance(span.get("marks"), list) else []) if mark in MARKS]
        if isinstance(span.get("href"), str) and span["href"]:
            link = {"href": span["href"]}
            if isinstance(span.get("title"), str) and span["title"]:
                link["title"] = span["title"]
            marks.append({"type": "link", "attrs": link})
        if _is_integer(span.get("comment")) and span["comment"] > 0:
            marks.append({"type": "comment", "attrs": {"threadId": int(span["comment"])}})
        for index, part in enumerate(text.split("\n")):
            if index > 0:
                out.append({"type": "hardBreak"})
            if part:
                out.append({"type": "text", "text": part, "marks": marks} if marks else {"type": "text", "text": part})
    return out


def _is_equation(span: dict) -> bool:
    return "equation" in (span.get("marks") or [])


def _same_style(a: dict, b: dict) -> bool:
    if "mention" in a or "mention" in b or _is_equation(a) or _is_equation(b):
        return False
    return (a.get("href", "") == b.get("href", "") and a.get("title", "") == b.get("title", "") and a.get("marks", []) == b.get("marks", [])
            and a.get("comment") == b.get("comment"))


def inline_to_rich(nodes: list[dict] | None) -> list[dict]:
    out: list[dict] = []

    def push(span: dict) -> None:
        if out and _same_style(out[-1], span):
            out[-1]["text"] += span["text"]
        else:
            out.append(span)

    for node in nodes or []:
        kind = node.get("type")
        if kind == "text":
            marks: list[str] = []
            href = None
            title = None
            thread = None
            for mark in node.get("marks") or []:
                if mark.get("type") in MARKS:
                    marks.append(mark["type"])
                attrs = mark.get("attrs") or {}
                if mark.get("type") == "link" and _truthy(attrs.get("href")):
                    href = _js_string(attrs["href"])
                    title = _js_string(attrs["title"]) if _truthy(attrs.get("title")) else None
                if mark.get("type") == "comment":
                    number = _number(attrs.get("threadId"))
                    if number is not None and number.is_integer() and number > 0:
                        thread = int(number)
            marks.sort(key=MARKS.index)
            span: dict = {"text": node.get("text") or "", "marks": marks} if marks else {"text": node.get("text") or ""}
            if href:
                span["href"] = href
                if title:
                    span["title"] = title
            if thread:
                span["comment"] = thread
            push(span)
        elif kind == "hardBreak":
            if out and "mention" not in out[-1] and not _is_equation(out[-1]):
                out[-1]["text"] += "\n"
            else:
                out.append({"text": "\n"})
        elif kind == "mention":
            attrs = node.get("attrs") or {}
            number = _number(attrs.get("id"))
            if number is None or not number.is_integer():
                continue
            out.append({"mention": {"kind": "page" if attrs.get("kind") == "page" else "user", "id": int(number)},
                        "text": _js_string(attrs.get("label") if attrs.get("label") is not None else "")})
        elif kind == "inlineEquation":
            latex = (node.get("attrs") or {}).get("latex")
            if isinstance(latex, str) and latex:
                out.append({"text": latex, "marks": ["equation"]})
    return out


def plain_text(rich: Any) -> str:
    if isinstance(rich, str):
        return rich
    if not isinstance(rich, list):
        return ""
    return "".join(span["text"] if isinstance(span, dict) and isinstance(span.get("text"), str) else "" for span in rich)


# --- blocks -> editor ------------------------------------------------------------------------------------


def _id_attr(block: dict) -> dict:
    return {"blockId": block["id"]} if is_uuid(block.get("id")) else {}


def _content_of(block: dict) -> dict:
    content = block.get("content")
    return content if isinstance(content, dict) else {}


def _textblock(kind: str, block: dict, attrs: dict | None = None) -> dict:
    content = rich_to_inline(_content_of(block).get("text"))
    node = {"type": kind, "attrs": {**_id_attr(block), **(attrs or {})}}
    if content:
        node["content"] = content
    return node


def _list_item(block: dict, item_type: str) -> dict:
    attrs = _id_attr(block)
    if item_type == "taskItem":
        attrs["checked"] = _truthy(_content_of(block).get("checked"))
    paragraph: dict = {"type": "paragraph"}
    inline = rich_to_inline(_content_of(block).get("text"))
    if inline:
        paragraph["content"] = inline
    return {"type": item_type, "attrs": attrs, "content": [paragraph, *blocks_to_nodes(block.get("children") or [])]}


def _block_to_nodes(block: dict) -> list[dict]:
    children = block.get("children") or []
    c = _content_of(block)
    kind = block.get("type")
    if kind in ("heading_1", "heading_2", "heading_3"):
        node = _textblock("heading", block, {"level": int(kind[-1])})
    elif kind == "quote":
        node = _textblock("quote", block)
    elif kind == "callout":
        node = _textblock("callout", block, {
            "icon": c["icon"] if isinstance(c.get("icon"), str) and c.get("icon") else "💡",
            "color": c.get("color") if c.get("color") in CALLOUT_COLOR_NAMES else "default",
        })
    elif kind == "toggle":
        summary: dict = {"type": "toggleSummary"}
        inline = rich_to_inline(c.get("text"))
        if inline:
            summary["content"] = inline
        return [{"type": "toggle", "attrs": {**_id_attr(block), "collapsed": _truthy(c.get("collapsed"))},
                 "content": [summary, *blocks_to_nodes(children)]}]
    elif kind == "divider":
        node = {"type": "horizontalRule", "attrs": _id_attr(block)}
    elif kind == "code":
        node = {"type": "codeBlock", "attrs": {**_id_attr(block),
                                               "language": c["language"] if isinstance(c.get("language"), str) and c.get("language") else None}}
        if isinstance(c.get("code"), str) and c.get("code"):
            node["content"] = [{"type": "text", "text": c["code"]}]
    elif kind == "image":
        node = {"type": "image", "attrs": {
            **_id_attr(block),
            "src": c["url"] if isinstance(c.get("url"), str) else "",
            "attachmentId": c["attachment_id"] if _is_integer(c.get("attachment_id")) else None,
            "caption": plain_text(c.get("caption")),
        }}
    elif kind == "file":
        node = {"type": "fileBlock", "attrs": {
            **_id_attr(block),
            "url": c["url"] if isinstance(c.get("url"), str) else "",
            "attachmentId": c["attachment_id"] if _is_integer(c.get("attachment_id")) else None,
            "name": c["name"] if isinstance(c.get("name"), str) else "",
        }}
    elif kind == "table":
        node = _table(block)
    elif kind == "equation":
        node = {"type": "equationBlock", "attrs": {**_id_attr(block), "latex": c["expression"] if isinstance(c.get("expression"), str) else ""}}
    elif kind == "canvas":  # a canvas embedded as a preview (the block type of ipai_workos_canvas)
        node = {"type": "canvasBlock", "attrs": {**_id_attr(block), "canvasId": c["canvas_id"] if _is_integer(c.get("canvas_id")) else None}}
    else:
        # paragraph, and any type this editor does not know: its text is kept as a paragraph.
        node = _textblock("paragraph", block)
    return [node, *blocks_to_nodes(children)]


def _table(block: dict) -> dict:
    c = _content_of(block)
    header_row, header_column = _truthy(c.get("header_row")), _truthy(c.get("header_column"))
    rows = [row for row in c.get("rows") if isinstance(row, list)] if isinstance(c.get("rows"), list) else []
    width = max([len(row) for row in rows] + [1])
    content = []
    for row_index, row in enumerate(rows or [[]]):
        cells = []
        for index in range(width):
            paragraph: dict = {"type": "paragraph"}
            inline = rich_to_inline(row[index] if index < len(row) else [])
            if inline:
                paragraph["content"] = inline
            header = (row_index == 0 and header_row) or (index == 0 and header_column)
            cells.append({"type": "tableHeader" if header else "tableCell", "content": [paragraph]})
        content.append({"type": "tableRow", "content": cells})
    return {"type": "table", "attrs": {**_id_attr(block), "headerRow": header_row, "headerColumn": header_column}, "content": content}


def _cell_to_rich(cell: dict) -> list[dict]:
    """A cell's paragraphs as one rich text, a line break between them."""
    inline: list[dict] = []
    for index, paragraph in enumerate(child for child in cell.get("content") or [] if child.get("type") in ("paragraph", "heading")):
        if index > 0:
            inline.append({"type": "hardBreak"})
        inline.extend(paragraph.get("content") or [])
    return inline_to_rich(inline)


def _table_to_block(node: dict) -> dict:
    attrs = node.get("attrs") or {}
    rows = [[_cell_to_rich(cell) for cell in row.get("content") or [] if cell.get("type") in ("tableCell", "tableHeader")]
            for row in node.get("content") or [] if row.get("type") == "tableRow"]
    rows = [row for row in rows if row]
    width = max([len(row) for row in rows] + [1])
    rows = [row + [[] for _ in range(width - len(row))] for row in rows] or [[[]]]
    return _with_id(node, {"type": "table", "content": {"rows": rows, "header_row": _truthy(attrs.get("headerRow")),
                                                        "header_column": _truthy(attrs.get("headerColumn"))}, "children": []})


def blocks_to_nodes(blocks: list) -> list[dict]:
    out: list[dict] = []
    current_list: dict | None = None
    list_kind = ""
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        kind = LIST_TYPES.get(block.get("type"))
        if kind:
            start = _content_of(block).get("start") if block["type"] == "numbered_list" else None
            start = int(start) if _is_integer(start) else None
            if current_list is None or list_kind != block["type"] or start is not None:
                current_list = {"type": kind[0], "content": []}
                if start is not None:
                    current_list["attrs"] = {"start": start}
                list_kind = block["type"]
                out.append(current_list)
            current_list["content"].append(_list_item(block, kind[1]))
            continue
        current_list = None
        list_kind = ""
        out.extend(_block_to_nodes(block))
    return out


def blocks_to_doc(blocks: list) -> dict:
    content = blocks_to_nodes(blocks)
    return {"type": "doc", "content": content or [{"type": "paragraph"}]}


# --- editor -> blocks ------------------------------------------------------------------------------------


def _with_id(node: dict, block: dict) -> dict:
    block_id = (node.get("attrs") or {}).get("blockId")
    return {"id": block_id, **block} if is_uuid(block_id) else block


def _item_to_block(item: dict, kind: str) -> dict:
    content_nodes = item.get("content") or []
    first, rest = (content_nodes[0], content_nodes[1:]) if content_nodes else (None, [])
    has_text = bool(first) and first.get("type") in ("paragraph", "heading")
    content: dict = {"text": inline_to_rich(first.get("content")) if has_text else []}
    if kind == "todo":
        content["checked"] = _truthy((item.get("attrs") or {}).get("checked"))
    children = nodes_to_blocks(rest if has_text else content_nodes)
    return _with_id(item, {"type": kind, "content": content, "children": children})


def nodes_to_blocks(nodes: list | None) -> list[dict]:
    out: list[dict] = []
    kind = None
    for node in nodes or []:
        previous_kind, kind = kind, node.get("type")
        attrs = node.get("attrs") or {}
        if kind == "paragraph":
            out.append(_with_id(node, {"type": "paragraph", "content": {"text": inline_to_rich(node.get("content"))}, "children": []}))
        elif kind == "heading":
            number = _number(attrs.get("level"))
            level = min(3, max(1, int(number) if number else 1))
            out.append(_with_id(node, {"type": f"heading_{level}", "content": {"text": inline_to_rich(node.get("content"))}, "children": []}))
        elif kind in ("bulletList", "orderedList", "taskList"):
            block_type = {"bulletList": "bulleted_list", "orderedList": "numbered_list", "taskList": "todo"}[kind]
            items = [_item_to_block(item, block_type) for item in node.get("content") or []]
            start = _number(attrs["start"] if attrs.get("start") is not None else 1) if kind == "orderedList" else None
            start = int(start) if start is not None and start.is_integer() and start >= 0 else 1
            # a list that does not start at 1, or that starts again right after another, keeps its number
            if items and (start != 1 or previous_kind == "orderedList"):
                items[0]["content"]["start"] = start
            out.extend(items)
        elif kind == "quote":
            out.append(_with_id(node, {"type": "quote", "content": {"text": inline_to_rich(node.get("content"))}, "children": []}))
        elif kind == "callout":
            out.append(_with_id(node, {"type": "callout", "content": {
                "text": inline_to_rich(node.get("content")),
                "icon": _js_string(attrs.get("icon")) if _truthy(attrs.get("icon")) else "💡",
                "color": attrs.get("color") if attrs.get("color") in CALLOUT_COLOR_NAMES else "default",
            }, "children": []}))
        elif kind == "toggle":
            content_nodes = node.get("content") or []
            summary, rest = (content_nodes[0], content_nodes[1:]) if content_nodes else (None, [])
            out.append(_with_id(node, {"type": "toggle", "content": {
                "text": inline_to_rich((summary or {}).get("content")), "collapsed": _truthy(attrs.get("collapsed")),
            }, "children": nodes_to_blocks(rest)}))
        elif kind == "horizontalRule":
            out.append(_with_id(node, {"type": "divider", "content": {}, "children": []}))
        elif kind == "codeBlock":
            out.append(_with_id(node, {"type": "code", "content": {
                "code": "".join(text.get("text") or "" for text in node.get("content") or []),
                "language": _js_string(attrs.get("language")) if _truthy(attrs.get("language")) else "",
            }, "children": []}))
        elif kind == "image":
            out.append(_with_id(node, {"type": "image", "content": {
                "attachment_id": attrs["attachmentId"] if _is_integer(attrs.get("attachmentId")) else None,
                "url": _js_string(attrs.get("src")) if _truthy(attrs.get("src")) else "",
                "caption": [{"text": _js_string(attrs["caption"])}] if _truthy(attrs.get("caption")) else [],
            }, "children": []}))
        elif kind == "fileBlock":
            out.append(_with_id(node, {"type": "file", "content": {
                "attachment_id": attrs["attachmentId"] if _is_integer(attrs.get("attachmentId")) else None,
                "url": _js_string(attrs.get("url")) if _truthy(attrs.get("url")) else "",
                "name": _js_string(attrs.get("name")) if _truthy(attrs.get("name")) else "",
            }, "children": []}))
        elif kind == "table":
            out.append(_table_to_block(node))
        elif kind == "equationBlock":
            out.append(_with_id(node, {"type": "equation", "content": {
                "expression": _js_string(attrs.get("latex")) if _truthy(attrs.get("latex")) else "",
            }, "children": []}))
        elif kind == "canvasBlock":
            out.append(_with_id(node, {"type": "canvas", "content": {
                "canvas_id": attrs["canvasId"] if _is_integer(attrs.get("canvasId")) and attrs["canvasId"] > 0 else None,
            }, "children": []}))
        elif kind == "blockquote":
            # Pasted HTML quotes that were not turned into a quote node: keep their blocks.
            out.extend(nodes_to_blocks(node.get("content") or []))
    return out


def doc_to_blocks(doc: dict) -> list[dict]:
    """The page's blocks: the document without the empty paragraphs the editor keeps at its end."""
    blocks = nodes_to_blocks(doc.get("content") or [])
    while blocks:
        last = blocks[-1]
        if last["type"] == "paragraph" and not last["content"]["text"] and not last.get("children"):
            blocks.pop()
        else:
            break
    return blocks
