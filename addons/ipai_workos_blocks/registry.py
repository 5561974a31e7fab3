"""Block types: the extension point of this module (STYLE.md, "registries for things that vary by type").

Each block type is one entry in ``BLOCK_TYPES``, keyed by its ``type`` string. An entry knows how to

- ``validate(content)``: check a block's content and return it normalised (missing keys get their defaults;
  unknown keys, wrong types and unsafe URLs raise ``InvalidInput`` naming the field, e.g. ``content.color``);
- ``render_html(block, children_html)``: HTML for the block (the page HTML then passes nh3);
- ``plain_text(content)``: text for search and previews;
- ``to_markdown(block, children, depth, number)``: Markdown for the block, children already rendered;
- ``from_markdown(node, reader)``: read a Markdown syntax-tree node back into blocks (None: not mine);
- ``from_html(element, reader)``: read the element ``render_html`` wrote back into a block (the HTML round
  trip, and the way in for HTML that WorkOS itself rendered).

A block passed to ``render_html`` and ``to_markdown`` is the API's JSON form: ``{"id", "type", "content",
"children": [...]}``, so that conversion needs no database. Adding a type is adding one entry here (or in
another module) and registering it in that module's ``AppConfig.ready()``; the registry is frozen after start.

Markdown dialect (written by the exporter, read by the importer; documented in the API too):

=================  ================================================================================
paragraph          text; an empty paragraph is ``<br>`` on its own line; an HTML block is read as the text
                   a browser shows of it (its marks and links kept, its tags not)
heading_1..3       ``# text``, ``## text``, ``### text`` (``####``-``######`` read as heading_3)
bulleted_list      ``- text``
numbered_list      ``1. text``; ``start`` is the number of an item where a list starts (again) at it
                   (``7. text``; a list that starts again right after another follows ``<!-- -->``)
todo               ``- [ ] text`` / ``- [x] text``
toggle             ``<details>`` (``<details open>`` when expanded), ``<summary>text</summary>``, a blank
                   line, the children as Markdown, a blank line, ``</details>``
quote              ``> text``
callout            a blockquote starting with the icon and ending with a marker comment:
                   ``> 💡 text <!-- callout -->`` (``<!-- callout color=blue -->`` for a colour);
                   Notion's ``<aside>`` callouts are read too
divider            ``---`` (``***`` when nested)
code               a backtick fence with the language: ```` ```python ````
table              a GFM table; a table without a header row has an empty header row (an empty header row
                   that is one starts with ``<!-- header-row -->``), a header column is marked by
                   ``<!-- header-column -->`` at the start of the first cell; cells are rich text
                   on one line (line breaks as ``<br>``, ``|`` escaped)
equation           ``$$`` on its own line, the LaTeX, ``$$`` on its own line; an inline equation is ``$E=mc^2$``
image              ``![caption](url)``; a single imported file keeps a relative source as written
file               ``[name](url)`` alone in its paragraph; when the URL is not an attachment of this
                   instance, ``[name](url) <!-- file -->`` keeps it a file block
rich text          ``**bold**``, ``*italic*``, ``<u>underline</u>``, ``~~strike~~``, `` `code` ``, nested as
                   Markdown nests them (``*a **b** c*``), ``[text](url "title")`` (http(s), mailto or a
                   relative reference; bare https:// and www. URLs are read as links, as GFM does),
                   ``@[Name](user:ID)``, ``@[Title](page:ID)``; HTML tags only where no delimiters would read
                   back the same (a mark ending in a space); inline HTML is read as its text
nesting            children of list items and to-dos are indented by four spaces; children of quotes and
                   callouts follow inside the blockquote; children of toggles sit inside ``<details>``
=================  ================================================================================
"""

from __future__ import annotations

import html
import re
from typing import Any

from workos.kernel.errors import InvalidInput
from workos.kernel.registry import Registry

from . import richtext

ATTACHMENT_URL = re.compile(r"^/api/v1/attachments/(\d{1,18})/content$")
CALLOUT_COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
CALLOUT_MARKER = re.compile(r"^<!--\s*callout(?:\s+color=([a-z]+))?\s*-->$")
FILE_MARKER = re.compile(r"^<!--\s*file\s*-->$")
LANGUAGE = re.compile(r"^[A-Za-z0-9_+#.\-]{0,32}$")
MAX_CODE = 200_000
MAX_NAME = 255
MAX_EQUATION = 10_000
MAX_LIST_START = 999_999_999  # CommonMark's longest list number: nine digits
MAX_TABLE_ROWS = 1_000
MAX_TABLE_COLUMNS = 100
MAX_TABLE_CELLS = 20_000
TABLE_MARKER = re.compile(r"^<!--\s*(header-column|header-row)\s*-->$")


def attachment_url(attachment_id: int) -> str:
    return f"/api/v1/attachments/{attachment_id}/content"


def _indent(text: str, prefix: str, first: str | None = None) -> str:
    """Prefix every non-empty line of ``text`` (the first one with ``first`` when given)."""
    lines = text.split("\n")
    out = []
    for index, line in enumerate(lines):
        lead = first if (index == 0 and first is not None) else prefix
        out.append(lead + line if line else lead.rstrip())
    return "\n".join(out)


def _is_block_of_its_own(token) -> bool:
    """Whether a container's first token opens a child block rather than the container's own text (a paragraph,
    or the ``<br>`` that stands for empty text)."""
    if token.type == "html_block":
        return not re.fullmatch(r"<br\s*/?>", token.content.strip(), re.IGNORECASE)
    return token.type not in ("paragraph_open", "list_item_close", "blockquote_close")


def _opens_list_item_without_text(markdown: str) -> bool:
    """Whether ``markdown`` reads as a list whose first item has no text of its own (starts with a block)."""
    tokens = richtext.markdown_parser_tokens(markdown)
    return (len(tokens) > 2 and tokens[0].type in ("bullet_list_open", "ordered_list_open") and tokens[1].type == "list_item_open"
            and _is_block_of_its_own(tokens[2]))


def _quote_lines(text: str) -> str:
    return "\n".join(("> " + line) if line else ">" for line in text.split("\n"))


class BlockType:
    """The base of every block type. Subclasses set ``type`` and the content they hold."""

    type: str = ""
    label: str = ""
    accepts_children: bool = False
    # In HTML, consecutive blocks with the same list tag are wrapped in one <ul>/<ol>.
    html_list_tag: str | None = None
    html_list_class: str = ""
    # Syntax-tree node types this type may read, and its turn among the types that read the same node.
    markdown_nodes: tuple[str, ...] = ()
    markdown_priority: int = 50
    # Consecutive blocks of types with the same markdown_list are written without blank lines between them.
    markdown_list: str | None = None

    # --- content ------------------------------------------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """Content keys and their defaults."""
        return {}

    def validate(self, content, field: str = "content") -> dict:
        if content is None:
            content = {}
        if not isinstance(content, dict):
            raise InvalidInput(f"content of a {self.type} block is an object", field=field)
        defaults = self.fields()
        for key in content:
            if key not in defaults:
                known = ", ".join(defaults) or "no keys"
                raise InvalidInput(f"unknown key {key!r} for a {self.type} block (it takes {known})", field=f"{field}.{key}")
        return self.clean({key: content.get(key, default) for key, default in defaults.items()}, field)

    def clean(self, content: dict, field: str) -> dict:
        return content

    def plain_text(self, content: dict) -> str:
        return richtext.plain_text(content.get("text"))

    def mentions(self, content: dict) -> list[tuple[str, int]]:
        return richtext.mentions(content.get("text"))

    def attachment_ids(self, content: dict) -> list[int]:
        return []

    # --- HTML ---------------------------------------------------------------------------------------

    def render_html(self, block: dict, children_html: str) -> str:
        raise NotImplementedError

    @staticmethod
    def attributes(block: dict) -> str:
        block_id = html.escape(str(block.get("id") or ""), quote=True)
        kind = html.escape(block.get("type", ""), quote=True)
        return f' data-block-type="{kind}"' + (f' data-block-id="{block_id}"' if block_id else "")

    # --- Markdown -----------------------------------------------------------------------------------

    def to_markdown(self, block: dict, children: str, depth: int, number: int = 1) -> str:
        raise NotImplementedError

    def list_start(self, block: dict) -> int | None:
        """The number a list item shows when it does not continue the count of the items before it."""
        return None

    def html_list_attributes(self, block: dict) -> str:
        """Attributes of the list element (``<ol start>``) that ``block`` opens; "" when it continues the list."""
        return ""

    def from_markdown(self, node, reader) -> list[dict] | None:
        return None

    def from_html(self, element, reader) -> dict:
        return reader.block(self.type, {"text": reader.inline(element)}, reader.child_blocks(element))


def _text(content: dict, field: str) -> list[dict]:
    return richtext.validate(content.get("text"), f"{field}.text")


def _boolean(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("must be true or false", field=field)
    return value


def _string(value, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    if len(value) > limit:
        raise InvalidInput(f"longer than {limit} characters", field=field)
    if "\x00" in value:
        raise InvalidInput("must not contain NUL characters", field=field)
    return value


# --- text blocks -----------------------------------------------------------------------------------------


class TextBlock(BlockType):
    """A block whose content is one rich text."""

    def fields(self):
        return {"text": []}

    def clean(self, content, field):
        return {"text": _text(content, field)}


class Paragraph(TextBlock):
    type, label = "paragraph", "Text"
    markdown_nodes = ("paragraph", "html_block")
    markdown_priority = 90

    def render_html(self, block, children_html):
        return f"<p{self.attributes(block)}>{richtext.to_html(block['content'].get('text'))}</p>{children_html}"

    def to_markdown(self, block, children, depth, number=1):
        text = richtext.to_markdown(block["content"].get("text"))
        return text or "<br>"

    def from_markdown(self, node, reader):
        if node.type == "html_block":
            content = node.content.strip()
            if re.fullmatch(r"<br\s*/?>", content, re.IGNORECASE):
                return [reader.block(self.type, {"text": []})]
            if content.startswith("<!--") and content.endswith("-->"):
                return []
            # Raw HTML is not trusted: it becomes the text a browser would show of it (with its marks and links).
            text = richtext.html_text(node.content)
            return [reader.block(self.type, {"text": text})] if text else []
        return [reader.block(self.type, {"text": reader.inline(node)})]


class Heading(TextBlock):
    level = 1
    markdown_nodes = ("heading",)

    def render_html(self, block, children_html):
        tag = f"h{self.level}"
        return f"<{tag}{self.attributes(block)}>{richtext.to_html(block['content'].get('text'))}</{tag}>{children_html}"

    def to_markdown(self, block, children, depth, number=1):
        text = richtext.to_markdown(block["content"].get("text"), line_break="<br>")
        return ("#" * self.level + " " + text).rstrip()

    def from_markdown(self, node, reader):
        level = int(node.tag[1])
        if min(level, 3) != self.level:
            return None
        return [reader.block(self.type, {"text": reader.inline(node)})]


class Heading1(Heading):
    type, label, level = "heading_1", "Heading 1", 1


class Heading2(Heading):
    type, label, level = "heading_2", "Heading 2", 2


class Heading3(Heading):
    type, label, level = "heading_3", "Heading 3", 3


class ListItem(TextBlock):
    """A list item: consecutive items make one list in HTML and Markdown; children are indented."""

    accepts_children = True
    markdown_nodes = ("list_item",)
    marker = "- "

    def item_html(self, block, children_html: str, before: str = "") -> str:
        return f"<li{self.attributes(block)}>{before}{richtext.to_html(block['content'].get('text'))}{children_html}</li>"

    def render_html(self, block, children_html):
        return self.item_html(block, children_html)

    def item_marker(self, block, number: int) -> str:
        return self.marker

    def to_markdown(self, block, children, depth, number=1):
        marker = self.item_marker(block, number)
        text = richtext.to_markdown(block["content"].get("text"))
        width = max(4, len(marker))
        if not text and children:
            # an item with no text starts with its first child on the marker's line ("- ```", "1. # Title"); a
            # child that would read as the item's own text (a paragraph) or that would turn the line into
            # something else ("- ---" is a rule) goes below an empty line break instead
            inline = _indent(children, " " * width, first=marker.ljust(width))
            if _opens_list_item_without_text(inline):
                return inline
            text = "<br>"
        head = _indent(text, " " * width, first=marker) if text else marker.rstrip()
        if children:
            head += "\n\n" + _indent(children, " " * width)
        return head

    def from_markdown(self, node, reader):
        if not self.claims(node, reader):
            return None
        text, children = reader.list_item(node, strip_task=self.strips_task)
        return [reader.block(self.type, self.item_content(node, reader, text), children)]

    strips_task = False

    def claims(self, node, reader) -> bool:
        return False

    def item_content(self, node, reader, text):
        return {"text": text}


class BulletedList(ListItem):
    type, label = "bulleted_list", "Bulleted list"
    html_list_tag = "ul"
    markdown_list = "bullet"

    def claims(self, node, reader):
        return node.parent is not None and node.parent.type == "bullet_list"


class NumberedList(ListItem):
    """``start`` (optional): the number of this item, when the list starts (again) at it rather than counting on."""

    type, label = "numbered_list", "Numbered list"
    html_list_tag = "ol"
    markdown_list = "ordered"

    def fields(self):
        return {"text": [], "start": None}

    def clean(self, content, field):
        start = content["start"]
        if start is not None and (isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= MAX_LIST_START):
            raise InvalidInput(f"start is a number from 0 to {MAX_LIST_START}", field=f"{field}.start")
        return {"text": _text(content, field), **({"start": start} if start is not None else {})}

    def list_start(self, block):
        return block["content"].get("start")

    def html_list_attributes(self, block):
        start = block["content"].get("start")
        return f' start="{int(start)}"' if start is not None else ""

    def item_marker(self, block, number):
        return f"{number}. "

    def claims(self, node, reader):
        return node.parent is not None and node.parent.type == "ordered_list"

    def item_content(self, node, reader, text):
        content = {"text": text}
        items = node.parent.children
        if items and items[0] is node:
            start = int(node.parent.attrs.get("start", 1))
            siblings = node.parent.parent.children if node.parent.parent is not None else []
            position = next((index for index, sibling in enumerate(siblings) if sibling is node.parent), 0)
            before = [sibling for sibling in siblings[:position] if not (sibling.type == "html_block" and sibling.content.strip().startswith("<!--"))]
            after_list = bool(before) and before[-1].type == "ordered_list"
            if start != 1 or after_list:
                content["start"] = start
        return content


class Todo(ListItem):
    type, label = "todo", "To-do list"
    html_list_tag, html_list_class = "ul", "todo-list"
    markdown_list = "bullet"
    markdown_priority = 10
    strips_task = True

    def fields(self):
        return {"text": [], "checked": False}

    def clean(self, content, field):
        return {"text": _text(content, field), "checked": _boolean(content["checked"], f"{field}.checked")}

    def render_html(self, block, children_html):
        checked = " checked" if block["content"].get("checked") else ""
        state = "true" if block["content"].get("checked") else "false"
        item = self.item_html(block, children_html, before=f'<input type="checkbox" disabled{checked}>')
        return item.replace("<li", f'<li data-checked="{state}"', 1)

    def item_marker(self, block, number):
        return "- [x] " if block["content"].get("checked") else "- [ ] "

    def to_markdown(self, block, children, depth, number=1):
        marker = self.item_marker(block, number)
        text = richtext.to_markdown(block["content"].get("text"))
        head = _indent(text, "    ", first=marker) if text else marker.rstrip()
        if children:
            head += "\n\n" + _indent(children, "    ")
        return head

    def claims(self, node, reader):
        return node.parent is not None and node.parent.type == "bullet_list" and reader.task_state(node) is not None

    def item_content(self, node, reader, text):
        return {"text": text, "checked": reader.task_state(node)}

    def from_html(self, element, reader):
        return reader.block(self.type, {"text": reader.inline(element), "checked": element.attributes.get("data-checked") == "true"},
                            reader.child_blocks(element))


class Toggle(TextBlock):
    type, label = "toggle", "Toggle"
    accepts_children = True
    markdown_nodes = ("details",)

    def fields(self):
        return {"text": [], "collapsed": True}

    def clean(self, content, field):
        return {"text": _text(content, field), "collapsed": _boolean(content["collapsed"], f"{field}.collapsed")}

    def render_html(self, block, children_html):
        opened = "" if block["content"].get("collapsed", True) else " open"
        summary = richtext.to_html(block["content"].get("text"))
        return f"<details{self.attributes(block)}{opened}><summary>{summary}</summary>{children_html}</details>"

    def to_markdown(self, block, children, depth, number=1):
        opened = "" if block["content"].get("collapsed", True) else " open"
        summary = richtext.to_markdown(block["content"].get("text"), line_break="<br>")
        body = f"\n\n{children}\n\n" if children else "\n"
        return f"<details{opened}>\n<summary>{summary}</summary>{body}</details>"

    def from_markdown(self, node, reader):
        return [reader.block(self.type, {"text": node.summary, "collapsed": not node.open}, reader.blocks(node.children))]

    def from_html(self, element, reader):
        summary = reader.first_child(element, "summary")
        return reader.block(self.type, {"text": reader.inline(summary) if summary else [], "collapsed": "open" not in element.attributes},
                            reader.child_blocks(element))


class Quote(TextBlock):
    type, label = "quote", "Quote"
    accepts_children = True
    markdown_nodes = ("blockquote",)
    markdown_priority = 90

    def render_html(self, block, children_html):
        return f"<blockquote{self.attributes(block)}><p>{richtext.to_html(block['content'].get('text'))}</p>{children_html}</blockquote>"

    def to_markdown(self, block, children, depth, number=1):
        text = richtext.to_markdown(block["content"].get("text"))
        if not text and children:
            # a quote with no text starts with its first child, unless that child would read as its text
            first = richtext.markdown_parser_tokens(children)
            if first and _is_block_of_its_own(first[0]):
                return _quote_lines(children)
            text = "<br>"
        body = text + ("\n\n" + children if children else "")
        return _quote_lines(body) if body else ">"

    def from_markdown(self, node, reader):
        text, children = reader.split_first_paragraph(node.children)
        return [reader.block(self.type, {"text": text}, children)]

    def from_html(self, element, reader):
        first = reader.first_child(element, "p")
        return reader.block(self.type, {"text": reader.inline(first) if first else []}, reader.child_blocks(element))


class Callout(TextBlock):
    type, label = "callout", "Callout"
    accepts_children = True
    markdown_nodes = ("blockquote", "aside")
    markdown_priority = 10

    def fields(self):
        return {"text": [], "icon": "💡", "color": "default"}

    def clean(self, content, field):
        icon = _string(content["icon"], f"{field}.icon", 8)
        if not icon or any(char.isspace() for char in icon) or any(ord(char) < 32 for char in icon):
            raise InvalidInput("icon is one emoji or up to 8 characters, without spaces", field=f"{field}.icon")
        if content["color"] not in CALLOUT_COLORS:
            raise InvalidInput(f"color must be one of {', '.join(CALLOUT_COLORS)}", field=f"{field}.color")
        return {"text": _text(content, field), "icon": icon, "color": content["color"]}

    def render_html(self, block, children_html):
        content = block["content"]
        icon = html.escape(content.get("icon", ""))
        color = html.escape(content.get("color", "default"), quote=True)
        return (f'<aside class="callout callout-{color}" data-color="{color}"{self.attributes(block)}>'
                f'<span class="callout-icon">{icon}</span><div class="callout-body"><p>{richtext.to_html(content.get("text"))}</p>'
                f"{children_html}</div></aside>")

    def to_markdown(self, block, children, depth, number=1):
        content = block["content"]
        icon = richtext.escape_markdown(content.get("icon", "💡"))
        color = content.get("color", "default")
        marker = "<!-- callout -->" if color == "default" else f"<!-- callout color={color} -->"
        text = richtext.to_markdown(content.get("text"))
        first = f"{icon} {text} {marker}" if text else f"{icon} {marker}"
        body = first + ("\n\n" + children if children else "")
        return _quote_lines(body)

    def from_markdown(self, node, reader):
        if node.type == "aside":
            text, children = reader.split_first_paragraph(node.children)
            icon, text = self._split_icon(text, required=False)
            return [reader.block(self.type, {"text": text, "icon": icon or "💡", "color": "default"}, children)]
        first = node.children[0] if node.children else None
        if first is None or first.type != "paragraph":
            return None
        markers = [token for token in first.tokens if token.type == "html_inline" and CALLOUT_MARKER.match(token.content.strip())]
        if not markers:
            return None
        color = CALLOUT_MARKER.match(markers[-1].content.strip()).group(1) or "default"
        text, children = reader.split_first_paragraph(node.children)
        icon, text = self._split_icon(text, required=True)
        if color not in CALLOUT_COLORS:
            color = "default"
        return [reader.block(self.type, {"text": text, "icon": icon or "💡", "color": color}, children)]

    def from_html(self, element, reader):
        icon = reader.first_child(element, "span")
        body = reader.first_child(element, "div")
        first = reader.first_child(body, "p") if body else None
        return reader.block(self.type, {"text": reader.inline(first) if first else [], "icon": reader.plain(icon) if icon else "💡",
                                        "color": element.attributes.get("data-color") or "default"},
                            reader.child_blocks(body) if body else [])

    @staticmethod
    def _split_icon(text: list[dict], required: bool) -> tuple[str, list[dict]]:
        """The icon is the first word of the text (before one space); trailing space before the marker goes."""
        text = [dict(span) for span in text]
        if text and "mention" not in text[-1]:
            if text[-1]["text"].endswith(" ") and required:
                text[-1]["text"] = text[-1]["text"][:-1]
        if not text or "mention" in text[0] or text[0].get("marks") or text[0].get("href"):
            return "", richtext.validate(text)
        first = text[0]["text"]
        icon, _, rest = first.partition(" ")
        if not required and (len(icon) > 8 or icon[:1].isalnum()):
            return "", richtext.validate(text)
        text[0]["text"] = rest
        return icon[:8], richtext.validate(text)


class Divider(BlockType):
    type, label = "divider", "Divider"
    markdown_nodes = ("hr",)

    def plain_text(self, content):
        return ""

    def mentions(self, content):
        return []

    def render_html(self, block, children_html):
        return f"<hr{self.attributes(block)}>"

    def to_markdown(self, block, children, depth, number=1):
        # nested, "***": "- ---" (a list item that holds a rule) would read as a rule of its own
        return "---" if depth == 0 else "***"

    def from_markdown(self, node, reader):
        return [reader.block(self.type, {})]

    def from_html(self, element, reader):
        return reader.block(self.type, {})


class Code(BlockType):
    type, label = "code", "Code"
    markdown_nodes = ("fence", "code_block")

    def fields(self):
        return {"code": "", "language": ""}

    def clean(self, content, field):
        code = _string(content["code"], f"{field}.code", MAX_CODE).replace("\r\n", "\n").replace("\r", "\n")
        language = content["language"]
        if not isinstance(language, str) or not LANGUAGE.match(language):
            raise InvalidInput("language is a name of up to 32 letters, digits or _+#.-", field=f"{field}.language")
        return {"code": code, "language": language}

    def plain_text(self, content):
        return content.get("code", "")

    def mentions(self, content):
        return []

    def render_html(self, block, children_html):
        language = block["content"].get("language", "")
        css = f' class="language-{html.escape(language, quote=True)}"' if language else ""
        return f"<pre{self.attributes(block)}><code{css}>{html.escape(block['content'].get('code', ''))}</code></pre>"

    def to_markdown(self, block, children, depth, number=1):
        code = block["content"].get("code", "")
        longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=0)
        fence = "`" * max(3, longest + 1)
        body = code + "\n" if code else ""
        return f"{fence}{block['content'].get('language', '')}\n{body}{fence}"

    def from_markdown(self, node, reader):
        code = node.content[:-1] if node.content.endswith("\n") else node.content
        language = (node.info or "").strip().split(" ")[0] if node.type == "fence" else ""
        if not LANGUAGE.match(language):
            language = ""
        return [reader.block(self.type, {"code": code, "language": language})]

    def from_html(self, element, reader):
        code = reader.first_child(element, "code")
        css = (code.attributes.get("class") or "") if code else ""
        language = css[len("language-"):] if css.startswith("language-") else ""
        return reader.block(self.type, {"code": reader.plain(code) if code else "", "language": language})


class Table(BlockType):
    """A simple table: rows of rich-text cells, all rows as wide, with an optional header row and column."""

    type, label = "table", "Table"
    markdown_nodes = ("table",)

    def fields(self):
        return {"rows": [[[]]], "header_row": True, "header_column": False}

    def clean(self, content, field):
        rows = content["rows"]
        if not isinstance(rows, list) or not rows:
            raise InvalidInput("rows is a list of at least one row", field=f"{field}.rows")
        if len(rows) > MAX_TABLE_ROWS:
            raise InvalidInput(f"a table has at most {MAX_TABLE_ROWS} rows", field=f"{field}.rows")
        width = None
        cleaned = []
        for row_index, row in enumerate(rows):
            where = f"{field}.rows[{row_index}]"
            if not isinstance(row, list) or not row:
                raise InvalidInput("a row is a list of at least one cell", field=where)
            if width is None:
                width = len(row)
                if width > MAX_TABLE_COLUMNS:
                    raise InvalidInput(f"a table has at most {MAX_TABLE_COLUMNS} columns", field=where)
                if width * len(rows) > MAX_TABLE_CELLS:
                    raise InvalidInput(f"a table has at most {MAX_TABLE_CELLS} cells", field=f"{field}.rows")
            elif len(row) != width:
                raise InvalidInput(f"every row has the same number of cells ({width})", field=where)
            cleaned.append([richtext.validate(cell, f"{where}[{index}]") for index, cell in enumerate(row)])
        return {"rows": cleaned, "header_row": _boolean(content["header_row"], f"{field}.header_row"),
                "header_column": _boolean(content["header_column"], f"{field}.header_column")}

    def plain_text(self, content):
        return "\n".join("\t".join(richtext.plain_text(cell) for cell in row) for row in content.get("rows") or [])

    def mentions(self, content):
        return [mention for row in content.get("rows") or [] for cell in row for mention in richtext.mentions(cell)]

    def render_html(self, block, children_html):
        content = block["content"]
        css = "table" + (" has-header-row" if content.get("header_row") else "") + (" has-header-column" if content.get("header_column") else "")
        rows = []
        for row_index, row in enumerate(content.get("rows") or []):
            cells = []
            for index, cell in enumerate(row):
                header = (row_index == 0 and content.get("header_row")) or (index == 0 and content.get("header_column"))
                tag = "th" if header else "td"
                cells.append(f"<{tag}>{richtext.to_html(cell)}</{tag}>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return f'<table class="{css}"{self.attributes(block)}><tbody>{"".join(rows)}</tbody></table>{children_html}'

    def to_markdown(self, block, children, depth, number=1):
        content = block["content"]
        rows = [[_table_cell_markdown(cell) for cell in row] for row in content.get("rows") or [[[]]]]
        if not content.get("header_row"):
            rows.insert(0, [""] * len(rows[0]))  # GFM tables have a header row: an empty one stands for none
        elif not any(rows[0]):
            rows[0][0] = "<!-- header-row -->"  # an empty header row that is one
        if content.get("header_column"):
            rows[0][0] = "<!-- header-column -->" + rows[0][0]
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "|".join(" --- " for _ in rows[0]) + "|")
        return "\n".join(lines)

    def from_markdown(self, node, reader):
        rows, markers = [], set()
        for section in node.children:
            for row_node in section.children:
                cells = []
                for cell in row_node.children:
                    if section.type == "thead" and not cells:
                        markers = {TABLE_MARKER.match(token.content.strip()).group(1) for token in cell.tokens
                                   if token.type == "html_inline" and TABLE_MARKER.match(token.content.strip())}
                    cells.append(reader.inline(cell))
                if cells:
                    rows.append(cells)
        header_row, header_column = True, "header-column" in markers
        if len(rows) > 1 and not any(rows[0]) and "header-row" not in markers:
            rows, header_row = rows[1:], False
        return [reader.block(self.type, {"rows": _rectangular(rows) or [[[]]], "header_row": header_row, "header_column": header_column})]

    def from_html(self, element, reader):
        css = (element.attributes.get("class") or "").split()
        rows = []
        for row in element.css("tr"):
            rows.append([reader.inline(cell) for cell in row.iter(include_text=False) if cell.tag in ("td", "th")])
        return reader.block(self.type, {"rows": _rectangular([row for row in rows if row]) or [[[]]],
                                        "header_row": "has-header-row" in css, "header_column": "has-header-column" in css})


def _rectangular(rows: list[list]) -> list[list]:
    """Rows padded with empty cells to the widest one (GFM and HTML tables may be ragged)."""
    width = max((len(row) for row in rows), default=0)
    return [row + [[] for _ in range(width - len(row))] for row in rows]


def _table_cell_markdown(cell: list[dict]) -> str:
    """A cell on one line, every | written \\| — whatever precedes it. The table reader splits on the other pipes
    and then turns each \\| back into | before the cell's inline text is read (markdown-it does so inside code
    spans and equations too), so a cell's text, a \\ before a | included, reads back exactly."""
    return richtext.to_markdown(cell, line_break="<br>", pipes=False).replace("|", "\\|")


class Equation(BlockType):
    """A display equation: its LaTeX source, rendered with KaTeX by the client."""

    type, label = "equation", "Equation"
    markdown_nodes = ("math_block",)

    def fields(self):
        return {"expression": ""}

    def clean(self, content, field):
        expression = _string(content["expression"], f"{field}.expression", MAX_EQUATION).replace("\r\n", "\n").replace("\r", "\n")
        if "$$" in expression:
            raise InvalidInput("an equation cannot contain $$ (it ends the equation in Markdown)", field=f"{field}.expression")
        # Space at the ends of lines and around the expression means nothing in LaTeX: one written form.
        return {"expression": "\n".join(line.rstrip() for line in expression.split("\n")).strip()}

    def plain_text(self, content):
        return content.get("expression", "")

    def mentions(self, content):
        return []

    def render_html(self, block, children_html):
        # The LaTeX stays text: the client renders elements of class "math-display" with KaTeX.
        expression = html.escape(block["content"].get("expression", ""))
        return f'<div class="math-display"{self.attributes(block)}>{expression}</div>{children_html}'

    def to_markdown(self, block, children, depth, number=1):
        expression = block["content"].get("expression", "")
        return f"$$\n{expression}\n$$" if expression else "$$\n$$"

    def from_markdown(self, node, reader):
        content = node.content
        # Inside a list item the plugin keeps the item's indentation (the closing line shows how much).
        indent = content[content.rfind("\n") + 1:]
        if indent and not indent.strip():
            content = "\n".join(line[len(indent):] if line.startswith(indent) else line for line in content.split("\n"))
        expression = "\n".join(line.rstrip() for line in content.split("\n")).strip()
        return [reader.block(self.type, {"expression": richtext.apart_dollars(expression)[:MAX_EQUATION]})]

    def from_html(self, element, reader):
        return reader.block(self.type, {"expression": richtext.apart_dollars(reader.plain(element))})


class Image(BlockType):
    type, label = "image", "Image"
    markdown_nodes = ("paragraph",)
    markdown_priority = 10

    def fields(self):
        return {"attachment_id": None, "url": "", "caption": []}

    def clean(self, content, field):
        attachment_id, url = _media(content, field, relative=True)
        return {"attachment_id": attachment_id, "url": url, "caption": richtext.validate(content["caption"], f"{field}.caption")}

    def plain_text(self, content):
        return richtext.plain_text(content.get("caption"))

    def mentions(self, content):
        return richtext.mentions(content.get("caption"))

    def attachment_ids(self, content):
        return [content["attachment_id"]] if content.get("attachment_id") else []

    def render_html(self, block, children_html):
        content = block["content"]
        caption = content.get("caption") or []
        url = content.get("url", "")
        source = f' src="{html.escape(url, quote=True)}"' if url and is_media_url(url, relative=True) else ""
        alt = html.escape(richtext.plain_text(caption), quote=True)
        figcaption = f"<figcaption>{richtext.to_html(caption)}</figcaption>" if caption else ""
        return f'<figure class="image"{self.attributes(block)}><img{source} alt="{alt}">{figcaption}</figure>'

    def to_markdown(self, block, children, depth, number=1):
        content = block["content"]
        caption = richtext.to_markdown(content.get("caption"), line_break="<br>")
        return f"![{caption}]({_markdown_destination(content.get('url', ''))})"

    def from_markdown(self, node, reader):
        tokens = _significant(node)
        if len(tokens) != 1 or tokens[0].type != "image":
            return None
        image = tokens[0]
        caption = richtext.from_tokens(image.children)
        attachment_id, url = reader.media(image.attrGet("src") or "", kind="image")
        return [reader.block(self.type, {"attachment_id": attachment_id, "url": url, "caption": caption})]

    def from_html(self, element, reader):
        image = reader.first_child(element, "img")
        caption = reader.first_child(element, "figcaption")
        attachment_id, url = reader.media((image.attributes.get("src") or "") if image else "")
        return reader.block(self.type, {"attachment_id": attachment_id, "url": url, "caption": reader.inline(caption) if caption else []})


class File(BlockType):
    type, label = "file", "File"
    markdown_nodes = ("paragraph",)
    markdown_priority = 20

    def fields(self):
        return {"attachment_id": None, "url": "", "name": ""}

    def clean(self, content, field):
        attachment_id, url = _media(content, field)
        name = _string(content["name"], f"{field}.name", MAX_NAME)
        if any(ord(char) < 32 for char in name):
            raise InvalidInput("must not contain control characters", field=f"{field}.name")
        return {"attachment_id": attachment_id, "url": url, "name": name}

    def plain_text(self, content):
        return content.get("name", "")

    def mentions(self, content):
        return []

    def attachment_ids(self, content):
        return [content["attachment_id"]] if content.get("attachment_id") else []

    def render_html(self, block, children_html):
        content = block["content"]
        name = html.escape(content.get("name") or "")
        url = content.get("url", "")
        if url and is_media_url(url):
            return f'<p class="file"{self.attributes(block)}><a href="{html.escape(url, quote=True)}" download>{name}</a></p>'
        return f'<p class="file"{self.attributes(block)}>{name}</p>'

    def to_markdown(self, block, children, depth, number=1):
        content = block["content"]
        name = richtext.to_markdown([{"text": content.get("name", "")}], line_break="<br>") if content.get("name") else ""
        url = content.get("url", "")
        link = f"[{name}]({_markdown_destination(url)})"
        if ATTACHMENT_URL.match(url) or reader_relative(url):
            return link
        return link + " <!-- file -->"

    def from_markdown(self, node, reader):
        tokens = _significant(node)
        marked = False
        if tokens and tokens[-1].type == "html_inline" and FILE_MARKER.match(tokens[-1].content.strip()):
            tokens, marked = tokens[:-1], True
            while tokens and tokens[-1].type == "text" and not tokens[-1].content.strip():
                tokens.pop()
        if len(tokens) < 2 or tokens[0].type != "link_open" or tokens[-1].type != "link_close":
            return None
        if any(token.type in ("link_open", "link_close") for token in tokens[1:-1]):
            return None
        href = tokens[0].attrGet("href") or ""
        if not (marked or ATTACHMENT_URL.match(href) or reader.is_local_file(href)):
            return None
        name = richtext.plain_text(richtext.from_tokens(tokens[1:-1]))
        attachment_id, url = reader.media(href, kind="file")
        return [reader.block(self.type, {"attachment_id": attachment_id, "url": url, "name": name[:MAX_NAME]})]

    def from_html(self, element, reader):
        link = reader.first_child(element, "a")
        attachment_id, url = reader.media((link.attributes.get("href") or "") if link else "")
        return reader.block(self.type, {"attachment_id": attachment_id, "url": url, "name": reader.plain(element)})


def reader_relative(url: str) -> bool:
    """A relative path (written by the zip exporter for files stored beside the page)."""
    return bool(url) and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", url) and not url.startswith("/")


def _significant(node) -> list:
    """The inline tokens of a paragraph, without surrounding whitespace-only text."""
    tokens = list(node.tokens)
    while tokens and tokens[0].type == "text" and not tokens[0].content.strip():
        tokens.pop(0)
    while tokens and tokens[-1].type in ("text", "softbreak") and not tokens[-1].content.strip():
        tokens.pop()
    return tokens


def _attachment_id(value, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise InvalidInput("attachment_id is a positive integer or null", field=field)
    return value


def is_media_url(url: str, relative: bool = False) -> bool:
    """Whether ``url`` may be an image's (``relative``: a relative reference too) or a file's source."""
    try:
        _media_url(url, None, "url", relative)
    except InvalidInput:
        return False
    return bool(url)


def _media_url(value, attachment_id: int | None, field: str, relative: bool = False) -> str:
    if attachment_id is not None:
        # The URL of an attachment is derived from its id: a client cannot point it elsewhere.
        return attachment_url(attachment_id)
    if value in (None, ""):
        return ""
    # An image's relative reference (an imported Markdown file's "images/chart.png") is kept as written; WorkOS's
    # own routes are never a source other than an attachment's content (check_url refuses them).
    if isinstance(value, str) and ATTACHMENT_URL.match(value):
        return value
    if not relative:
        richtext.check_url(value, field, schemes=("http", "https"))
    return richtext.check_url(value, field, schemes=("http", "https"), allow_relative=richtext.RELATIVE)


def _media(content: dict, field: str, relative: bool = False) -> tuple[int | None, str]:
    """attachment_id and url of an image or file; an attachment URL alone names its attachment."""
    attachment_id = _attachment_id(content["attachment_id"], f"{field}.attachment_id")
    if attachment_id is None and isinstance(content["url"], str) and ATTACHMENT_URL.match(content["url"]):
        attachment_id = int(ATTACHMENT_URL.match(content["url"]).group(1))
    return attachment_id, _media_url(content["url"], attachment_id, f"{field}.url", relative)


def _markdown_destination(url: str) -> str:
    return re.sub(r"([()&\\<> ])", lambda match: "%20" if match.group(1) == " " else "\\" + match.group(1), url)


BLOCK_TYPES: Registry[BlockType] = Registry("block type")

# Who hears that a block now mentions people: called as ``listener(actor, block, user_ids)`` inside the write's
# transaction, with only the users the block did not mention before (so re-saving a block notifies nobody
# again). The collaboration module's inbox registers one; blocks never imports it.
MENTION_LISTENERS: Registry = Registry("block mention listener")

# Who hears that blocks moved to another page (a block with its children): called as ``listener(actor,
# block_keys, source_page, target_page)`` inside the move's transaction, so that what other modules keep about those
# blocks (the collaboration module's threads and mentions) moves with them. ``block_keys`` are the blocks' primary
# keys (``Block.key``, what foreign keys hold), not their ids: ids are unique per page only. Blocks never imports them.
BLOCK_MOVE_LISTENERS: Registry = Registry("block move listener")

# Panels other modules show under a page in the page view (the collaboration module's comments):
# ``panel(request, page) -> str`` returns HTML its module rendered from its own template (escaped there).
PAGE_PANELS: Registry = Registry("page panel")

# What other modules show at the top of a page, under its title and above its blocks (a database row's
# properties): ``header(request, page) -> str``, HTML its module rendered (escaped there), "" for none.
PAGE_HEADERS: Registry = Registry("page header")

# Pages whose body another module shows instead of the block editor (a canvas): ``route(page) -> str | None``
# returns the address that shows ``page``, or None when the page is not that module's. ``/web/pages/{id}``
# sends there, so links, favourites, search results and the tree open such a page the same way as any other.
PAGE_ROUTES: Registry = Registry("page route")

# How an import turns a table it finds (a Notion database: a CSV beside a folder of row pages, or an HTML table)
# into a database: the databases module registers ``"database"``, called as ``importer(actor, *, space,
# parent_page, title, header, records, relations)`` inside the import's transaction; it answers an object with
# ``database_id``, ``url``, ``row_pages`` (in record order), ``properties`` and ``skipped``, and
# ``relate(actor, column, target, links)``. ``relations``: the indexes of the columns that hold links to the rows
# of tables of the same upload (Notion's "Title (Folder/Title%20<id>.md)"): the importer leaves them out until
# every table exists (tables link each other in any order, and themselves), then ``relate`` makes each one a
# relation to ``target`` (another answer of the importer) whose row ``i`` links ``target.row_pages[j]`` for each
# ``j`` of ``links[i]``. Blocks never imports that module: without an importer, such tables stay file attachments.
TABLE_IMPORTERS: Registry = Registry("table importer")

# The other way round: how a portable export (``services.export_space``, ``export_page`` with sub-pages) writes
# the databases that sit in the exported tree, in the layout ``TABLE_IMPORTERS`` reads back (a CSV beside a
# folder of row pages). The databases module registers ``"database"``, called once per export as
# ``exporter(viewer, *, space)``; it answers the databases of ``space`` that ``viewer`` may read, each an object
# with ``parent_page_id`` (the page it sits in, None at the top of the space), ``title``, ``csv`` (text: the title
# column first, then the others, cells as ``viewer`` may read them), ``linked_csv(page_link)`` (the same with each
# related row whose page the export holds written as Notion writes a relation, "Title (href)", ``page_link(page
# id)`` answering the href of that page's file from the CSV's folder or None; asked once every table the export
# reaches has given its ``row_pages``) and ``row_pages`` (the row pages of the CSV's lines, in order) — read only
# for the databases the export reaches. Without an exporter, a zip holds pages only.
TABLE_EXPORTERS: Registry = Registry("table exporter")

CORE_BLOCK_TYPES = (
    Paragraph, Heading1, Heading2, Heading3, BulletedList, NumberedList, Todo, Toggle, Quote, Callout, Divider,
    Code, Image, File, Table, Equation,
)


def register_core_types() -> None:
    for block_type in CORE_BLOCK_TYPES:
        BLOCK_TYPES.register(block_type.type, block_type())


def block_type(name) -> BlockType:
    if not isinstance(name, str) or name not in BLOCK_TYPES:
        raise InvalidInput(f"unknown block type {name!r}; known: {', '.join(BLOCK_TYPES)}", field="type")
    return BLOCK_TYPES.get(name)


# provider(user, workspace) -> items the sidebar page tree shows beside the pages, each a dict
# {"kind", "id", "space_id", "parent_id" (a page id or None), "title", "icon", "url"} the user may view — a module
# whose objects live in the tree (databases, later canvases) registers one in its AppConfig.ready().
SIDEBAR_TREE_ITEMS: Registry[Any] = Registry("sidebar tree item provider")

# provider(user) -> what a module keeps in the trash beside pages (rows, databases), for the trash panel: dicts
# {"kind", "id", "title", "icon", "where", "deleted_by" (a name or ""), "deleted_at", "restore_path" (an API path
# that brings it back with POST)} the user may restore.
TRASH_ITEMS: Registry[Any] = Registry("trash item provider")
