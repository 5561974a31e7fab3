"""Markdown in and out of block trees. The syntax of each block type lives in its registry entry (see the
table in ``registry.py``); this module walks documents and dispatches to the entries.

Block trees here are the API's JSON form without database fields: ``{"type", "content", "children"}``
(plus ``"id"`` when written from stored blocks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from . import richtext
from .registry import ATTACHMENT_URL, BLOCK_TYPES, BlockType

MAX_DEPTH = 32


# --- writing -------------------------------------------------------------------------------------------


def to_markdown(trees: list[dict], depth: int = 0) -> str:
    """Markdown of a list of sibling block trees (children rendered first, then placed by their parent)."""
    parts: list[str] = []
    previous: BlockType | None = None
    number = 0
    for block in trees:
        entry = BLOCK_TYPES.get(block["type"])
        continued = previous is not None and previous.type == entry.type
        number = number + 1 if continued else 1
        start = entry.list_start(block)
        restart = continued and start is not None and start != number
        number = start if start is not None else number
        children = to_markdown(block.get("children") or [], depth + 1)
        text = entry.to_markdown(block, children, depth, number)
        if parts:
            tight = entry.markdown_list is not None and previous is not None and previous.markdown_list == entry.markdown_list
            # a list that starts again right after another needs something between them: an empty comment
            parts.append("\n\n<!-- -->\n\n" if restart else "\n" if tight else "\n\n")
        parts.append(text)
        previous = entry
    return "".join(parts)


def page_markdown(title: str, trees: list[dict]) -> str:
    """A page as a Markdown file: its title as the first heading, then its blocks (as Notion exports)."""
    heading = "# " + richtext.to_markdown([{"text": title}], line_break="<br>") if title else "# Untitled"
    body = to_markdown(trees)
    return heading + "\n\n" + body + "\n" if body else heading + "\n"


# --- reading -------------------------------------------------------------------------------------------


@dataclass
class Node:
    """A block-level node of a Markdown document: a markdown-it token with its children."""

    type: str
    tag: str = ""
    content: str = ""
    info: str = ""
    attrs: dict = field(default_factory=dict)  # the token's attributes (an ordered list's "start")
    map: list[int] | None = None
    children: list["Node"] = field(default_factory=list)
    tokens: list = field(default_factory=list)  # the inline tokens of a paragraph or heading
    raw: str = ""  # the inline source of a paragraph or heading, as written
    parent: "Node | None" = None
    # synthetic <details>/<aside> containers
    summary: list[dict] = field(default_factory=list)
    open: bool = False


def _tree(tokens) -> list[Node]:
    root = Node("root")
    stack = [root]
    for token in tokens:
        if token.nesting == 1:
            node = Node(token.type[: -len("_open")], tag=token.tag, info=token.info or "", attrs=dict(token.attrs or {}), map=token.map,
                        parent=stack[-1])
            stack[-1].children.append(node)
            stack.append(node)
        elif token.nesting == -1:
            if len(stack) > 1:
                stack.pop()
        elif token.type == "inline":
            stack[-1].tokens = list(token.children or [])
            stack[-1].raw = token.content
        else:
            stack[-1].children.append(Node(token.type, tag=token.tag, content=token.content, info=token.info or "", map=token.map, parent=stack[-1]))
    return root.children


_OPEN_DETAILS = re.compile(r"^<details(\s+open(?:=(?:\"[^\"]*\"|'[^']*'|\S+))?)?\s*>\s*(?:<summary>(.*?)</summary>)?", re.IGNORECASE | re.DOTALL)
_CLOSE_DETAILS = re.compile(r"^</details\s*>", re.IGNORECASE)
_OPEN_ASIDE = re.compile(r"^<aside\s*>", re.IGNORECASE)
_CLOSE_ASIDE = re.compile(r"^</aside\s*>", re.IGNORECASE)
_NOTION_TASK = re.compile(r"^\[([ xX])\](?:[ \t]|$)")


class MarkdownReader:
    """Reads Markdown into block trees. An importer passes callbacks that resolve links and files:

    - ``resolve_link(href, spans) -> spans | None``: replace an inline link (a link to an imported page
      becomes a page mention);
    - ``resolve_media(href, kind) -> (attachment_id, url) | None``: a local file named by an image or file block;
    - ``is_local_file(href) -> bool``: whether a lone link names a file to attach (making it a file block).
    """

    def __init__(self, *, resolve_link: Callable | None = None, resolve_media: Callable | None = None,
                 is_local_file: Callable[[str], bool] | None = None):
        self._resolve_link = resolve_link
        self._resolve_media = resolve_media
        self._is_local_file = is_local_file
        self._source_lines: list[str] = []
        self._depth = 0

    def read(self, source: str) -> list[dict]:
        source = source.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
        self._source_lines = source.split("\n")
        return self.blocks(self._parse(source))

    def _parse(self, source: str) -> list[Node]:
        return _tree(richtext._parser().parse(source))

    # --- used by the registry entries ----------------------------------------------------------------

    @staticmethod
    def block(block_type: str, content: dict, children: list[dict] | None = None) -> dict:
        return {"type": block_type, "content": content, "children": children or []}

    def inline(self, node: Node) -> list[dict]:
        return richtext.from_tokens(node.tokens, self._resolve_link)

    def blocks(self, nodes: list[Node]) -> list[dict]:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                # deeper nesting than blocks allow: keep the text, flattened
                return [self.block("paragraph", {"text": [{"text": self._plain(node)}]}) for node in nodes if self._plain(node)]
            out: list[dict] = []
            for node in self._group_html(nodes):
                if node.type in ("bullet_list", "ordered_list"):
                    for item in node.children:
                        out.extend(self._one(item))
                else:
                    out.extend(self._one(node))
            return out
        finally:
            self._depth -= 1

    def task_state(self, item: Node) -> bool | None:
        """True/False for a ``[x]``/``[ ]`` list item (as written, not escaped), None for any other item."""
        first = item.children[0] if item.children else None
        if first is None or first.type != "paragraph":
            return None
        match = _NOTION_TASK.match(first.raw)
        return None if match is None else match.group(1) in "xX"

    def list_item(self, item: Node, strip_task: bool = False) -> tuple[list[dict], list[dict]]:
        children = list(item.children)
        if strip_task and children and children[0].type == "paragraph":
            first = children[0]
            tokens = list(first.tokens)
            if tokens and tokens[0].type == "text":
                # as much literal whitespace as the source has after "[ ]" (Notion writes two spaces;
                # a space written as &#32; is text)
                written = re.match(r"^\[[ xX]\][ \t]*", first.raw)
                token = tokens[0].copy()
                token.content = token.content[len(written.group(0)) if written else 0:]
                tokens[0] = token
            first = Node("paragraph", tokens=tokens, raw=first.raw, parent=item)
            children[0] = first
        return self.split_first_paragraph(children)

    def split_first_paragraph(self, nodes: list[Node]) -> tuple[list[dict], list[dict]]:
        """The text of a container (its first paragraph) and its other content as child blocks."""
        if nodes and nodes[0].type == "paragraph":
            return self.inline(nodes[0]), self.blocks(nodes[1:])
        if nodes and nodes[0].type == "html_block" and re.fullmatch(r"<br\s*/?>", nodes[0].content.strip(), re.IGNORECASE):
            return [], self.blocks(nodes[1:])
        return [], self.blocks(nodes)

    def media(self, href: str, kind: str) -> tuple[int | None, str]:
        href = richtext.link_href(href)
        match = ATTACHMENT_URL.match(href)
        if match:
            return int(match.group(1)), href
        if richtext.is_safe_url(href, schemes=("http", "https")):
            return None, href
        if self._resolve_media is not None:
            resolved = self._resolve_media(href, kind)
            if resolved is not None:
                return resolved
        return None, ""

    def is_local_file(self, href: str) -> bool:
        return bool(self._is_local_file and self._is_local_file(href))

    def source_of(self, node: Node) -> str:
        if not node.map:
            return ""
        return "\n".join(self._source_lines[node.map[0]:node.map[1]]).strip("\n")

    # --- internals -------------------------------------------------------------------------------------

    def _one(self, node: Node) -> list[dict]:
        candidates = sorted((entry for _, entry in BLOCK_TYPES.items() if node.type in entry.markdown_nodes),
                            key=lambda entry: (entry.markdown_priority, entry.type))
        for entry in candidates:
            result = entry.from_markdown(node, self)
            if result is not None:
                return result
        if node.type == "list_item":
            text, children = self.list_item(node)
            return [self.block("bulleted_list", {"text": text}, children)]
        text = self._plain(node)
        return [self.block("paragraph", {"text": [{"text": text}]})] if text else []

    def _plain(self, node: Node) -> str:
        if node.tokens:
            return richtext.plain_text(richtext.from_tokens(node.tokens))
        if node.content:
            return node.content.strip()
        return "\n".join(filter(None, (self._plain(child) for child in node.children)))

    def _group_html(self, nodes: list[Node]) -> list[Node]:
        """Turn ``<details>``…``</details>`` and ``<aside>``…``</aside>`` HTML blocks, with the Markdown
        between them, into container nodes (Markdown has no such containers; HTML blocks only open/close)."""
        result: list[Node] = []
        stack: list[Node] = []

        def emit(node: Node) -> None:
            (stack[-1].children if stack else result).append(node)

        for node in nodes:
            if node.type != "html_block":
                emit(node)
                continue
            rest = node.content
            handled = False
            while True:
                stripped = rest.lstrip()
                opening = _OPEN_DETAILS.match(stripped)
                if opening:
                    summary = richtext.parse_inline(opening.group(2).strip()) if opening.group(2) else []
                    stack.append(Node("details", summary=summary, open=bool(opening.group(1))))
                    rest, handled = stripped[opening.end():], True
                    continue
                closing = _CLOSE_DETAILS.match(stripped) or _CLOSE_ASIDE.match(stripped)
                if closing:
                    wanted = "details" if stripped[2:3].lower() == "d" else "aside"
                    if stack and stack[-1].type == wanted:
                        frame = stack.pop()
                        emit(frame)
                    rest, handled = stripped[closing.end():], True
                    continue
                opening = _OPEN_ASIDE.match(stripped)
                if opening:
                    stack.append(Node("aside"))
                    rest, handled = stripped[opening.end():], True
                    continue
                break
            if not handled:
                emit(node)
            elif rest.strip():
                for inner in self._parse(rest.strip("\n")):
                    emit(inner)
        while stack:
            frame = stack.pop()
            emit(frame)
        return result


def from_markdown(source: str, **callbacks) -> list[dict]:
    """Block trees from Markdown text (see ``MarkdownReader`` for the importer's callbacks)."""
    return MarkdownReader(**callbacks).read(source)
