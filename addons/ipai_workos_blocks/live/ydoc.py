"""ProseMirror JSON <-> the Yjs ``XmlFragment`` named ``default``, stored as y-prosemirror stores it.

y-prosemirror (through TipTap's collaboration extension) keeps a document as one ``Y.XmlFragment``: each node is
a ``Y.XmlElement`` named after its node type, carrying the node's attributes (every attribute whose value is not
null, with its JSON type: ``level`` is a number, ``checked`` a boolean); each run of text is a ``Y.XmlText``
whose formatting attributes are the marks, ``{mark name: mark attrs}`` (``{"bold": {}}``,
``{"link": {"href": ...}}``). Inline nodes that are not text (``hardBreak``, ``mention``) are elements between
the text runs. These functions read and write that shape with pycrdt, like y-prosemirror's
``yXmlFragmentToProsemirrorJSON`` and ``prosemirrorJSONToYXmlFragment``.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, XmlElement, XmlFragment, XmlText

FRAGMENT = "default"


def _plain(value: Any) -> Any:
    # Yjs numbers arrive as floats in Python; whole ones are written back as the integers they were.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _mark_name(key: str) -> str:
    # y-prosemirror stores a mark that may overlap itself under "name--hash"
    return key.split("--", 1)[0]


def _serialize(item) -> list[dict]:
    if isinstance(item, XmlText):
        nodes = []
        for text, attributes in item.diff():
            if not isinstance(text, str):
                continue  # an embed: y-prosemirror never writes one into a text run
            node: dict = {"type": "text", "text": text}
            if attributes:
                marks = []
                for key, attrs in attributes.items():
                    mark: dict = {"type": _mark_name(key)}
                    if isinstance(attrs, dict) and attrs:
                        mark["attrs"] = _plain(attrs)
                    marks.append(mark)
                node["marks"] = marks
            nodes.append(node)
        return nodes
    if isinstance(item, XmlElement):
        node = {"type": item.tag}
        attrs = {key: _plain(value) for key, value in item.attributes}
        if attrs:
            node["attrs"] = attrs
        content = [child for sub in item.children for child in _serialize(sub)]
        if content:
            node["content"] = content
        return [node]
    return []


def fragment_to_json(fragment: XmlFragment) -> dict:
    """The document held by ``fragment`` as ProseMirror JSON (``{"type": "doc", "content": [...]}``)."""
    return {"type": "doc", "content": [node for item in fragment.children for node in _serialize(item)]}


def doc_to_json(doc: Doc) -> dict:
    return fragment_to_json(doc.get(FRAGMENT, type=XmlFragment))


def _insert_nodes(parent, index: int, nodes: list[dict]) -> int:
    """Insert ProseMirror JSON ``nodes`` as children of ``parent`` from ``index``; return the index after them."""
    run: list[dict] = []

    def flush(at: int) -> int:
        if not run:
            return at
        text = parent.children.insert(at, XmlText())
        offset = 0
        for node in run:
            attrs = {mark["type"]: dict(mark.get("attrs") or {}) for mark in node.get("marks") or []}
            text.insert(offset, node["text"], attrs or None)
            offset += len(node["text"])
        run.clear()
        return at + 1

    for node in nodes:
        if node.get("type") == "text":
            if node.get("text"):
                run.append(node)
            continue
        index = flush(index)
        attrs = {key: value for key, value in (node.get("attrs") or {}).items() if value is not None}
        element = parent.children.insert(index, XmlElement(node["type"], attrs))
        _insert_nodes(element, 0, node.get("content") or [])
        index += 1
    return flush(index)


def replace_fragment(doc: Doc, pm_doc: dict) -> None:
    """Make the ``default`` fragment of ``doc`` hold ``pm_doc``, in one transaction.

    Top-level nodes equal at the start and at the end are left in place (a collaborator's caret or a concurrent
    edit inside them survives); only the nodes between are replaced.
    """
    fragment = doc.get(FRAGMENT, type=XmlFragment)
    with doc.transaction():
        present = [_serialize(child) for child in fragment.children]  # per child: a top-level text run is one child
        wanted = [[node] for node in pm_doc.get("content") or []]
        start = 0
        while start < min(len(present), len(wanted)) and present[start] == wanted[start]:
            start += 1
        end = 0
        while end < min(len(present), len(wanted)) - start and present[-1 - end] == wanted[-1 - end]:
            end += 1
        for _ in range(len(present) - start - end):
            del fragment.children[start]
        _insert_nodes(fragment, start, [item[0] for item in wanted[start: len(wanted) - end]])


# --- the text of one block, for edits made in place ----------------------------------------------------------

_TEXT_NODES = ("paragraph", "heading", "quote", "callout")
_LIST_NODES = ("bulletList", "orderedList", "taskList")
_BLOCKS_WITHOUT_TEXT = ("horizontalRule", "codeBlock", "image", "fileBlock", "table", "equationBlock")


def block_text_elements(doc: Doc) -> list[XmlElement | None]:
    """The element holding each block's text (None for a block without text), one per block in the order
    ``prosemirror.doc_to_blocks`` makes them, depth first: a text node is its own block's text, a list item's text
    is its first paragraph, a toggle's its summary. (Empty paragraphs at the end of the document come last here,
    where the blocks have none.)"""
    found: list[XmlElement | None] = []

    def walk(children) -> None:
        for node in children:
            if not isinstance(node, XmlElement):
                continue
            if node.tag in _TEXT_NODES:
                found.append(node)
            elif node.tag in _LIST_NODES:
                for item in node.children:
                    if not isinstance(item, XmlElement):
                        continue
                    content = list(item.children)
                    first = content[0] if content else None
                    has_text = isinstance(first, XmlElement) and first.tag in ("paragraph", "heading")
                    found.append(first if has_text else None)
                    walk(content[1:] if has_text else content)
            elif node.tag == "toggle":
                content = list(node.children)
                found.append(content[0] if content and isinstance(content[0], XmlElement) else None)
                walk(content[1:])
            elif node.tag in _BLOCKS_WITHOUT_TEXT:
                found.append(None)
            elif node.tag == "blockquote":  # not a block: its blocks are (prosemirror.nodes_to_blocks)
                walk(node.children)

    walk(doc.get(FRAGMENT, type=XmlFragment).children)
    return found


def _run_text(run: XmlText) -> str:
    return "".join(chunk for chunk, _attributes in run.diff() if isinstance(chunk, str))


def element_text(element: XmlElement) -> str:
    """The characters of the text runs directly inside ``element``: its text without line breaks, mentions and
    equations, which are elements between the runs."""
    return "".join(_run_text(child) for child in element.children if isinstance(child, XmlText))


def format_text(element: XmlElement, start: int, end: int, marks: dict) -> None:
    """Give characters ``start``..``end`` of ``element_text(element)`` the formatting ``marks`` as y-prosemirror
    stores marks (``{mark name: mark attrs}``; None as attrs removes that mark), through Yjs formatting operations
    on the runs: they merge with edits made concurrently anywhere in the text, as any Yjs edit does, where
    rewriting the text would drop what someone typed meanwhile. Offsets count characters; pycrdt's count UTF-8
    bytes."""
    offset = 0
    for child in list(element.children):
        if not isinstance(child, XmlText):
            continue
        text = _run_text(child)
        low, high = max(start, offset), min(end, offset + len(text))
        if low < high:
            child.format(len(text[: low - offset].encode()), len(text[: high - offset].encode()), marks)
        offset += len(text)
