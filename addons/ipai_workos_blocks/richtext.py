"""Rich text: the inline content of blocks, as a list of spans.

A span is ``{"text": str, "marks": [...], "href": url, "title": str, "comment": thread id}`` (``marks``, ``href``,
``title`` (a link's title, only with ``href``) and ``comment`` optional) or a mention ``{"mention": {"kind": "user" | "page", "id": int}, "text": display text}``.
``comment`` anchors an inline comment thread to the span's text (the editor's ``comment`` mark, one thread per
character: a newer thread over the same text takes it over). An inline equation is a span whose only mark is
``equation`` and whose text is the LaTeX source (``{"text": "E=mc^2", "marks": ["equation"]}``). This module validates spans,
renders them to HTML and Markdown, parses Markdown inline tokens back into spans, and yields plain text.

Validation normalises: marks are sorted in the canonical order, empty spans are dropped and neighbouring
spans with the same marks and link are merged, so that equal text has one JSON form.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

from workos.kernel.errors import InvalidInput

MARKS = ("bold", "italic", "underline", "strike", "code", "equation")
MENTION_KINDS = ("user", "page")
MAX_TEXT = 100_000  # characters in one block's text, summed over its spans
MAX_URL = 2048
MAX_TITLE = 1000  # characters in a link's title
LINK_SCHEMES = ("http", "https", "mailto")
RELATIVE = ("",)  # allow_relative: a relative reference (``/path``, ``file.md``, ``#anchor``, ``?q``), see check_url
# First path segments of WorkOS's own routes: a relative reference never leads there (a link to /web/logout, an
# image from /api/…), whatever ``..`` segments come before them.
APP_ROUTES = ("web", "api", "p", "ws")

# HTML of each mark, innermost first when nesting (code innermost: other marks cannot live inside code in MD)
_HTML_TAGS = {"bold": "strong", "italic": "em", "underline": "u", "strike": "s", "code": "code"}
EQUATION_CLASS = "math-inline"  # the element the client renders with KaTeX (the server keeps the LaTeX as text)


def clean_equation(text: str) -> str:
    """The LaTeX of an inline equation in its one written form: on one line, without surrounding spaces, every
    ``$`` escaped (a bare one would end the equation in Markdown) and no lone backslash at the end."""
    text = re.sub(r"(?<!\\)((?:\\\\)*)\$", r"\1\\$", text.replace("\n", " ").strip())
    while (len(text) - len(text.rstrip("\\"))) % 2 == 1:
        text = text[:-1].rstrip()
    return text


def apart_dollars(expression: str) -> str:
    """An equation block's LaTeX taken from elsewhere (Markdown, HTML, a Notion export) with a space between any
    two dollars: ``$$`` would end the block in Markdown, so a block never holds it ("$$$" gives "$ $ $")."""
    return re.sub(r"\$(?=\$)", "$ ", expression)


def check_url(value, field: str, schemes=LINK_SCHEMES, allow_relative: tuple[str, ...] = ()) -> str:
    """``value`` if it is a URL with one of ``schemes`` (or starts with one of ``allow_relative``)."""
    if not isinstance(value, str):
        raise InvalidInput("must be a URL (text)", field=field)
    if len(value) > MAX_URL:
        raise InvalidInput(f"URL longer than {MAX_URL} characters", field=field)
    if any(ord(char) < 33 or char in '"<>\\`' or ord(char) == 127 for char in value):
        raise InvalidInput("URL must not contain spaces, quotes, angle brackets or control characters", field=field)
    for prefix in allow_relative:
        if value.startswith(prefix) and prefix:
            return value
    try:
        parts = urlsplit(value)
    except ValueError:
        raise InvalidInput("not a valid URL", field=field) from None
    if "" in allow_relative and not parts.scheme:
        # a relative reference: not one that is a URL to a browser (//host), not one whose scheme is hidden behind
        # a character reference (javascript&colon;), not one into WorkOS's own routes
        decoded = re.sub(r"[\s\x00-\x1f\x7f]", "", unquote(html.unescape(value)))
        segments = [segment for segment in re.split(r"[/?#]", decoded.split("?", 1)[0].split("#", 1)[0]) if segment not in ("", ".", "..")]
        if value.startswith("//") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", decoded) or (segments and segments[0].lower() in APP_ROUTES):
            raise InvalidInput("a relative link must stay inside the document set (not //host, not a WorkOS address)", field=field)
        return value
    if parts.scheme.lower() not in schemes:
        raise InvalidInput(f"URL must start with {' or '.join(s + ':' for s in schemes)}", field=field)
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        raise InvalidInput("URL needs a host", field=field)
    return value


def is_safe_url(value, schemes=LINK_SCHEMES, allow_relative: tuple[str, ...] = ()) -> bool:
    try:
        check_url(value, "url", schemes, allow_relative)
    except InvalidInput:
        return False
    return True


def _check_text(value, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    if "\x00" in value:
        raise InvalidInput("must not contain NUL characters", field=field)
    # Carriage returns would differ between HTML, Markdown and JSON: one line break is "\n".
    return value.replace("\r\n", "\n").replace("\r", "\n")


def validate(value, field: str = "text") -> list[dict]:
    """Check and normalise a rich text value; raise InvalidInput naming the offending field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput("rich text is a list of spans", field=field)
    spans: list[dict] = []
    total = 0
    for index, span in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(span, dict):
            raise InvalidInput("a span is an object", field=where)
        if "mention" in span:
            unknown = set(span) - {"mention", "text"}
            if unknown:
                raise InvalidInput(f"unknown key {sorted(unknown)[0]!r} in a mention", field=f"{where}.{sorted(unknown)[0]}")
            mention = span["mention"]
            if not isinstance(mention, dict) or set(mention) - {"kind", "id"}:
                raise InvalidInput("a mention is {\"kind\": \"user\"|\"page\", \"id\": int}", field=f"{where}.mention")
            if mention.get("kind") not in MENTION_KINDS:
                raise InvalidInput(f"mention kind must be one of {', '.join(MENTION_KINDS)}", field=f"{where}.mention.kind")
            target = mention.get("id")
            if isinstance(target, bool) or not isinstance(target, int) or not 0 < target < 2**63:
                raise InvalidInput("mention id must be a positive integer", field=f"{where}.mention.id")
            text = _check_text(span.get("text", ""), f"{where}.text")
            total += len(text)
            spans.append({"mention": {"kind": mention["kind"], "id": target}, "text": text})
            continue
        unknown = set(span) - {"text", "marks", "href", "title", "comment"}
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(f"unknown key {name!r} in a text span", field=f"{where}.{name}")
        if "text" not in span:
            raise InvalidInput("a text span needs text", field=f"{where}.text")
        text = _check_text(span["text"], f"{where}.text")
        marks = span.get("marks") or []
        if not isinstance(marks, list) or not all(isinstance(mark, str) for mark in marks):
            raise InvalidInput("marks is a list of names", field=f"{where}.marks")
        for mark in marks:
            if mark not in MARKS:
                raise InvalidInput(f"unknown mark {mark!r}; known: {', '.join(MARKS)}", field=f"{where}.marks")
        href = span.get("href")
        if href is not None:
            href = check_url(href, f"{where}.href", allow_relative=RELATIVE)
        title = span.get("title")
        if title is not None:
            title = _check_text(title, f"{where}.title").replace("\n", " ")
            if len(title) > MAX_TITLE:
                raise InvalidInput(f"a link title is at most {MAX_TITLE} characters", field=f"{where}.title")
        if "equation" in marks:
            # An equation is a unit of its own: other marks and links do not apply to it, and two equations
            # side by side stay two.
            text, marks, href = clean_equation(text), ["equation"], None
        comment = span.get("comment")
        if comment is not None and (isinstance(comment, bool) or not isinstance(comment, int) or not 0 < comment < 2**63):
            raise InvalidInput("comment is the id of a comment thread (a positive integer)", field=f"{where}.comment")
        total += len(text)
        if not text:
            continue
        normal: dict = {"text": text}
        ordered = [mark for mark in MARKS if mark in marks]
        if ordered:
            normal["marks"] = ordered
        if href:
            normal["href"] = href
            if title:
                normal["title"] = title
        if comment:
            normal["comment"] = comment
        previous = spans[-1] if spans else None
        if (previous is not None and "mention" not in previous and "equation" not in marks
                and previous.get("marks") == normal.get("marks") and previous.get("href") == normal.get("href")
                and previous.get("title") == normal.get("title")
                and previous.get("comment") == normal.get("comment")):
            previous["text"] += text
        else:
            spans.append(normal)
    if total > MAX_TEXT:
        raise InvalidInput(f"text longer than {MAX_TEXT} characters", field=field)
    return spans


def plain_text(spans: list[dict]) -> str:
    return "".join(span.get("text", "") for span in spans or [])


def mentions(spans: list[dict]) -> list[tuple[str, int]]:
    return [(span["mention"]["kind"], span["mention"]["id"]) for span in spans or [] if "mention" in span]


def comment_ranges(spans: list[dict]) -> dict[int, tuple[int, int]]:
    """{thread id: (start, end)}: where each inline comment thread's anchor lies in the plain text (from its first
    marked character to its last; text in between that lost the mark, such as a mention, stays inside)."""
    found: dict[int, tuple[int, int]] = {}
    offset = 0
    for span in spans or []:
        length = len(span.get("text", ""))
        thread = span.get("comment")
        if thread:
            start, _end = found.get(thread, (offset, offset))
            found[thread] = (start, offset + length)
        offset += length
    return found


def with_comment(spans: list[dict], start: int, end: int, thread_id: int) -> list[dict]:
    """``spans`` with the characters ``start``..``end`` of their plain text anchored to ``thread_id`` (mentions
    are whole: they keep no mark)."""
    out: list[dict] = []
    offset = 0
    for span in spans or []:
        text = span.get("text", "")
        low, high = max(start, offset), min(end, offset + len(text))
        if "mention" in span or low >= high:
            out.append(dict(span))
        else:
            for piece, marked in ((text[: low - offset], False), (text[low - offset: high - offset], True), (text[high - offset:], False)):
                if piece:
                    part = {**span, "text": piece}
                    if marked:
                        part["comment"] = thread_id
                    out.append(part)
        offset += len(text)
    return validate(out)


def without_comments(spans: list[dict]) -> list[dict]:
    """``spans`` without their comment anchors (Markdown, plain exports: a comment thread is no part of the text)."""
    if not any("comment" in span for span in spans or []):
        return spans or []
    return validate([{key: value for key, value in span.items() if key != "comment"} for span in spans])


# --- HTML ----------------------------------------------------------------------------------------------


def _text_html(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "<br>")


def to_html(spans: list[dict]) -> str:
    """Rich text as HTML. Text is escaped here and the page HTML passes nh3 afterwards (defence in depth)."""
    parts = []
    for span in spans or []:
        if "mention" in span:
            kind, target = span["mention"]["kind"], int(span["mention"]["id"])
            label = _text_html(span.get("text", ""))
            if kind == "page":
                parts.append(f'<a class="mention mention-page" data-mention-kind="page" data-mention-id="{target}" href="/web/pages/{target}">{label}</a>')
            else:
                parts.append(f'<span class="mention mention-user" data-mention-kind="user" data-mention-id="{target}">@{label}</span>')
            continue
        if "equation" in span.get("marks", ()):
            parts.append(f'<span class="{EQUATION_CLASS}">{html.escape(span.get("text", ""), quote=True)}</span>')
            continue
        inner = _text_html(span.get("text", ""))
        for mark in reversed(MARKS):
            if mark in span.get("marks", ()):
                tag = _HTML_TAGS[mark]
                inner = f"<{tag}>{inner}</{tag}>"
        href = span.get("href")
        if href and is_safe_url(href, allow_relative=RELATIVE):
            title = f' title="{html.escape(span["title"], quote=True)}"' if span.get("title") else ""
            inner = f'<a href="{html.escape(href, quote=True)}"{title} rel="noopener noreferrer nofollow">{inner}</a>'
        comment = span.get("comment")
        if isinstance(comment, int) and not isinstance(comment, bool):
            inner = f'<span class="comment-anchor" data-comment-thread="{comment}">{inner}</span>'
        parts.append(inner)
    return "".join(parts)


# --- Markdown out --------------------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~&@=$])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every character that could start Markdown syntax (safe and simple over minimal)."""
    return _MD_ESCAPE.sub(r"\\\1", text)


def _protect_edges(line: str) -> str:
    """Markdown drops whitespace at the start and end of a line: keep it as character references."""
    stripped = line.lstrip()
    lead = line[: len(line) - len(stripped)]
    core = stripped.rstrip()
    trail = stripped[len(core):]
    return "".join(f"&#{ord(c)};" for c in lead) + core + "".join(f"&#{ord(c)};" for c in trail)


_BREAK = "\x00"  # stands for a line break while a line is assembled (NUL never occurs in stored text)


def _inline_text(text: str) -> str:
    return _BREAK.join(escape_markdown(line) for line in text.split("\n"))


def _finish(assembled: str, line_break: str) -> str:
    return line_break.join(_protect_edges(line) for line in assembled.split(_BREAK))


def _code_span(text: str, pipes: bool = True) -> str | None:
    """`` `text` `` if a code span can carry ``text`` exactly, else None (``pipes=False``: in a table cell, where
    the table splits on ``|`` before code spans are read)."""
    if not pipes and "|" in text:
        return None
    if "\n" in text or not text.strip(" ") or text != text.strip() and text.strip(" ") != text.strip():
        return None
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _markdown_url(url: str) -> str:
    return re.sub(r"([()&\\<>])", r"\\\1", url)


def _wrap(inner: str, opening: str, closing: str) -> str:
    return f"{opening}{inner}{closing}" if inner else inner


def _span_markdown(span: dict, plain_delimiters: bool, pipes: bool = True) -> str:
    if "mention" in span:
        kind, target = span["mention"]["kind"], int(span["mention"]["id"])
        return f"@[{_inline_text(span.get('text', ''))}]({kind}:{target})"
    marks = span.get("marks", [])
    text = span.get("text", "")
    if "equation" in marks:
        return f"${text}$"  # validation escaped every $ inside
    inner = None
    if "code" in marks:
        inner = _code_span(text, pipes) if plain_delimiters else None
        inner = inner if inner is not None else "<code>" + _inline_text(text) + "</code>"
    else:
        inner = _inline_text(text)
    simple = plain_delimiters and text == text.strip() and text[:1].isalnum() and text[-1:].isalnum()
    if "strike" in marks:
        inner = _wrap(inner, "~~", "~~") if simple else _wrap(inner, "<s>", "</s>")
    if "underline" in marks:
        inner = _wrap(inner, "<u>", "</u>")
    if "italic" in marks:
        inner = _wrap(inner, "*", "*") if simple else _wrap(inner, "<em>", "</em>")
    if "bold" in marks:
        inner = _wrap(inner, "**", "**") if simple else _wrap(inner, "<strong>", "</strong>")
    return inner


def _link_markdown(inner: str, href: str, title: str | None) -> str:
    title = ' "' + re.sub(r'([\\"])', r"\\\1", title) + '"' if title else ""
    return f"[{inner}]({_markdown_url(href)}{title})"


def _spans_markdown(spans: list[dict], plain_delimiters: bool, pipes: bool = True) -> str:
    """The spans in a row that link to the same place are one link (its text keeps their marks)."""
    parts: list[str] = []
    index = 0
    while index < len(spans):
        span = spans[index]
        href = span.get("href") if "mention" not in span else None
        if not href:
            parts.append(_span_markdown(span, plain_delimiters, pipes))
            index += 1
            continue
        end = index
        while end < len(spans) and "mention" not in spans[end] and spans[end].get("href") == href \
                and spans[end].get("title") == span.get("title"):
            end += 1
        inner = "".join(_span_markdown({key: value for key, value in part.items() if key not in ("href", "title")}, plain_delimiters, pipes)
                        for part in spans[index:end])
        parts.append(_link_markdown(inner, href, span.get("title")))
        index = end
    return "".join(parts)


def to_markdown(spans: list[dict], line_break: str = "\\\n", pipes: bool = True) -> str:
    """Rich text as Markdown inline syntax: ``**bold**``, ``*italic*``, ``<u>underline</u>``, ``~~strike~~``,
    `` `code` ``, ``[text](url)``, mentions ``@[Name](user:ID)`` / ``@[Title](page:ID)``.

    A line break inside a block is ``line_break`` (a backslash at the end of the line; ``<br>`` where a block
    must stay on one line, as headings do). The result is parsed back and compared: where the short
    delimiters would be read differently (``*`` next to punctuation, adjacent runs), the span is written
    with HTML tags (``<strong>``, ``<em>``, ``<s>``, ``<code>``), which always read back exactly.
    """
    spans = without_comments(spans or [])
    for italic in ("*", "_"):
        nested = _nested_markdown(spans, italic, pipes)
        if nested is not None:
            nested = _guard_leading_dollar(_finish(nested, line_break))
            if _reads_back(nested, spans):
                return nested
    pretty = _guard_leading_dollar(_finish(_spans_markdown(spans, True, pipes), line_break))
    if _reads_back(pretty, spans):
        return pretty
    safe = _guard_leading_dollar(_finish(_spans_markdown(spans, False), "<br>"))
    if safe.startswith("<br>"):
        safe = "<br><!---->" + safe[len("<br>"):]  # a line holding only <br> would be an HTML block
    return safe


_NESTING = ("bold", "italic", "strike")  # the marks Markdown writes with delimiters, which may nest


def _nested_markdown(spans: list[dict], italic: str, pipes: bool = True) -> str | None:
    """Spans with their marks as nested delimiters (``*a **b** c*``, ``**[link *x*](url)**``): a mark that goes
    on over several spans is opened once. None when a span cannot be written so (code that no code span can
    hold)."""
    delimiters = {"bold": "**", "italic": italic, "strike": "~~"}
    units: list[tuple[set, str]] = []  # (delimiter marks, Markdown of the unit without them)
    index = 0
    while index < len(spans):
        span = spans[index]
        href = span.get("href") if "mention" not in span else None
        if href:
            end = index
            while end < len(spans) and "mention" not in spans[end] and spans[end].get("href") == href and spans[end].get("title") == span.get("title"):
                end += 1
            group = spans[index:end]
            common = set.intersection(*(set(part.get("marks", [])) & set(_NESTING) for part in group))
            inner = _nested_markdown([{**{key: value for key, value in part.items() if key not in ("href", "title")},
                                       "marks": [mark for mark in part.get("marks", []) if mark not in common]} for part in group], italic, pipes)
            if inner is None:
                return None
            units.append((common, _link_markdown(inner, href, span.get("title"))))
            index = end
            continue
        marks = set(span.get("marks", [])) if "mention" not in span else set()
        text = span.get("text", "")
        if "mention" in span or "equation" in marks:
            body = _span_markdown(span, True)
        elif "code" in marks:
            body = _code_span(text, pipes)
            if body is None:
                return None
        else:
            body = _inline_text(text)
        if "underline" in marks:
            body = _wrap(body, "<u>", "</u>")
        units.append((marks & set(_NESTING), body))
        index += 1
    out: list[str] = []
    stack: list[str] = []
    for position, (marks, body) in enumerate(units):
        while any(mark not in marks for mark in stack):
            out.append(delimiters[stack.pop()])
        def lasting(mark: str) -> int:
            count = 0
            for later, _body in units[position:]:
                if mark not in later:
                    break
                count += 1
            return count
        for mark in sorted(marks - set(stack), key=lambda name: (-lasting(name), _NESTING.index(name))):
            out.append(delimiters[mark])
            stack.append(mark)
        out.append(body)
    while stack:
        out.append(delimiters[stack.pop()])
    return "".join(out)


def _guard_leading_dollar(text: str) -> str:
    """mdit-py-plugins' dollarmath takes a ``$`` at the very start of a paragraph for an escaped one when the
    paragraph ends with a backslash (its look-back for escapes wraps round to the last character), so such an
    equation would come back as text: an empty pair of tags before it keeps it an equation (not a comment, which
    would open an HTML block at the start of a line)."""
    return "<b></b>" + text if text.startswith("$") and text.endswith("\\") else text


def _reads_back(text: str, spans: list[dict]) -> bool:
    """Whether ``text``, as a paragraph of its own, reads back as exactly ``spans``."""
    if not text:
        return not spans
    tokens = _parser().parse(text)
    if len(tokens) != 3 or tokens[0].type != "paragraph_open":
        return False
    return from_tokens(tokens[1].children) == spans


# --- Markdown in ---------------------------------------------------------------------------------------

_MENTION_HREF = re.compile(r"^(user|page):(\d{1,18})$")
_HTML_MARK_TAGS = {"u": "underline", "ins": "underline", "s": "strike", "del": "strike", "strike": "strike",
                   "strong": "bold", "b": "bold", "em": "italic", "i": "italic", "code": "code"}
_HTML_TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*/?>$")
_HTML_ANY_TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>$", re.DOTALL)
_HTML_HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_HTML_TITLE = re.compile(r"""\stitle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_HIDDEN_HTML = ("script", "style", "template")
_DELIMITER_MARKS = {"strong": "bold", "em": "italic", "s": "strike"}


def markdown_parser():
    """The one Markdown dialect WorkOS reads: CommonMark with inline HTML, ``~~strike~~`` and tables.

    Link destinations are kept as written (no percent-encoding): they are checked, not rewritten.
    """
    from markdown_it import MarkdownIt

    from mdit_py_plugins.dollarmath import dollarmath_plugin

    # $…$ and $$…$$ are equations (as Notion, Obsidian and pandoc write them); "$5 and $6" stays text, as a
    # dollar followed or preceded by a space does not open or close an equation.
    parser = MarkdownIt("commonmark", {"html": True}).enable(["strikethrough", "table"]).use(
        dollarmath_plugin, allow_space=False, allow_digits=True, double_inline=True, allow_labels=False)
    parser.normalizeLink = lambda url: url
    parser.normalizeLinkText = lambda url: url
    return parser


_PARSER = None


def _parser():
    global _PARSER
    if _PARSER is None:
        _PARSER = markdown_parser()
    return _PARSER


def markdown_parser_tokens(text: str) -> list:
    """The block tokens of a Markdown document (the one dialect WorkOS reads)."""
    return _parser().parse(text)


def parse_inline(text: str, resolve_link=None) -> list[dict]:
    """Spans from one line (or paragraph) of Markdown inline syntax."""
    tokens = _parser().parseInline(text)
    return from_tokens(tokens[0].children if tokens else [], resolve_link)


def link_href(href: str) -> str:
    """A link or image destination as stored: characters a URL cannot hold as written (spaces, quotes, angle
    brackets, backslashes, backticks, control characters) percent-encoded, as a browser would send them."""
    return re.sub(r'[\x00-\x20"<>\\`\x7f]', lambda match: "".join(f"%{byte:02X}" for byte in match.group(0).encode()), href)


def html_attribute(pattern: re.Pattern, tag: str) -> str | None:
    """The value of an attribute (``_HTML_HREF``, ``_HTML_TITLE``) of an HTML start tag, entities decoded."""
    found = pattern.search(tag)
    if found is None:
        return None
    return html.unescape(next(group for group in found.groups() if group is not None))


def from_tokens(tokens, resolve_link=None) -> list[dict]:
    """Spans from the children of a markdown-it ``inline`` token.

    ``resolve_link(href, spans) -> list of spans | None`` lets an importer turn a link into something else
    (a link to an exported sub-page into a page mention); None keeps the link. Links whose URL is not
    http(s), mailto or relative keep their text and lose the link. Inline HTML is not kept as HTML: the tags
    of marks (``<b>``, ``<em>``, ``<u>``, ``<s>``, ``<code>``…) become marks, ``<br>`` a line break, ``<a href>`` a
    link, and other tags, comments and processing instructions go (their text stays, as a browser shows it).
    """
    spans: list[dict] = []
    marks: list[str] = []
    links: list[dict] = []  # open links: their href (or mention) and where their spans start
    hidden = 0  # inside an inline <script> or <style>: not text a reader sees
    previous_text = ""
    for token in tokens or []:
        kind = token.type
        if kind != "text":
            # what a bare URL may follow: a line's start or a delimiter (*_~ of emphasis), not a link or code
            previous_text = "" if kind in ("softbreak", "hardbreak") or kind[:-5] in _DELIMITER_MARKS or kind[:-6] in _DELIMITER_MARKS else "\x00"
        if hidden and kind != "html_inline":
            continue
        if kind == "text":
            # a line feed written as a character reference (&#10;) is white space to a reader, not a line break
            text = token.content.replace("\n", " ")
            if links:
                _add_text(spans, marks, text)
            else:
                _add_autolinked(spans, marks, text, previous_text)
            previous_text = text
        elif kind == "html_inline":
            content = token.content.strip()
            match = _HTML_TAG.match(content)
            name = match.group(2).lower() if match else ""
            tag = _HTML_ANY_TAG.match(content)
            tag_name = tag.group(2).lower() if tag else ""
            if name in _HTML_MARK_TAGS:
                _toggle(marks, _HTML_MARK_TAGS[name], closing=bool(match.group(1)))
            elif name == "br":
                _add_text(spans, marks, "\n")
            elif tag_name in _HIDDEN_HTML:
                hidden = max(0, hidden + (-1 if tag.group(1) else 1))
            elif tag_name == "a" and not tag.group(1):
                href = html_attribute(_HTML_HREF, content)
                links.append({"href": link_href(href) if href is not None else "", "title": html_attribute(_HTML_TITLE, content),
                              "start": len(spans), "html": True})
            elif tag_name == "a" and links and links[-1].get("html"):
                spans = _close_link(spans, links.pop(), resolve_link)
        elif kind == "softbreak":
            _add_text(spans, marks, " ")
        elif kind == "hardbreak":
            _add_text(spans, marks, "\n")
        elif kind == "code_inline":
            _add_text(spans, marks + ["code"], token.content)
        elif kind in ("math_inline", "math_inline_double"):
            spans.append({"text": token.content, "marks": ["equation"]})
        elif kind.endswith("_open") and kind[:-5] in _DELIMITER_MARKS:
            marks.append(_DELIMITER_MARKS[kind[:-5]])
        elif kind.endswith("_close") and kind[:-6] in _DELIMITER_MARKS:
            _toggle(marks, _DELIMITER_MARKS[kind[:-6]], closing=True)
        elif kind == "link_open":
            href = token.attrGet("href") or ""
            mention = _MENTION_HREF.match(href)
            if mention and not links and spans and "mention" not in spans[-1] and spans[-1]["text"].endswith("@"):
                spans[-1]["text"] = spans[-1]["text"][:-1]
                if not spans[-1]["text"]:
                    spans.pop()
                links.append({"mention": {"kind": mention.group(1), "id": int(mention.group(2))}, "start": len(spans)})
            else:
                links.append({"href": link_href(href), "title": token.attrGet("title"), "start": len(spans)})
        elif kind == "link_close" and links:
            while links and links[-1].get("html"):
                spans = _close_link(spans, links.pop(), resolve_link)
            if links:
                spans = _close_link(spans, links.pop(), resolve_link)
        elif kind == "image":
            _add_text(spans, marks, plain_text(from_tokens(token.children)))
    while links:
        spans = _close_link(spans, links.pop(), resolve_link)
    return validate(spans)


def _close_link(spans: list[dict], link: dict, resolve_link) -> list[dict]:
    """``spans`` with those from ``link["start"]`` on made into the link (a mention, what ``resolve_link``
    answers, or spans with ``href`` and ``title`` when the URL is safe)."""
    inner = spans[link["start"]:]
    spans = spans[:link["start"]]
    if "mention" in link:
        spans.append({"mention": link["mention"], "text": plain_text(inner)})
        return spans
    replacement = resolve_link(link["href"], inner) if resolve_link else None
    if replacement is not None:
        return spans + list(replacement)
    safe = bool(link["href"]) and is_safe_url(link["href"], allow_relative=RELATIVE)
    for span in inner:
        if "mention" not in span and safe and "href" not in span:
            span["href"] = link["href"]
            if link.get("title"):
                span["title"] = link["title"]
        spans.append(span)
    return spans


# GFM's extended autolinks: www. or http(s):// and a domain, then anything up to white space or "<", less
# trailing punctuation; they start a line or follow white space or one of *_~( (or <, as linkify-it reads them)
_AUTOLINK = re.compile(r"(?:(?<=^)|(?<=[\s*_~(<]))(?:https?://|www\.)[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*[^\s<]*", re.IGNORECASE)


def _autolink_end(url: str) -> str:
    """The link GFM makes of a candidate: without trailing ?!.,:*_~, an unbalanced ), or an entity-like &x;."""
    while True:
        trimmed = re.sub(r"[?!.,:*_~'\"]+$", "", url)
        trimmed = re.sub(r"&[A-Za-z0-9]+;$", "", trimmed)
        if trimmed.endswith(")") and trimmed.count(")") > trimmed.count("("):
            trimmed = trimmed[:-1]
        if trimmed == url:
            return url
        url = trimmed


def _add_autolinked(spans: list[dict], marks: list[str], text: str, before: str) -> None:
    """Text with GFM's bare URLs (``https://example.com``, ``www.example.com``) made links."""
    offset = 0
    context = before[-1:] if before else ""
    for match in _AUTOLINK.finditer(context + text):
        start, end = match.start() - len(context), match.end() - len(context)
        if start < 0:
            continue
        url = _autolink_end(match.group(0))
        domain = re.sub(r"^(?:https?://)", "", url, flags=re.IGNORECASE).split("/", 1)[0]
        if not url or "." not in domain and not url.lower().startswith("www.") or "_" in ".".join(domain.split(".")[-2:]):
            continue
        href = link_href(("http://" + url) if url.lower().startswith("www.") else url)
        if not is_safe_url(href):
            continue
        _add_text(spans, marks, text[offset:start])
        span = {"text": url, "href": href}
        if marks:
            span["marks"] = [mark for mark in MARKS if mark in marks]
        spans.append(span)
        offset = start + len(url)
    _add_text(spans, marks, text[offset:])


def _toggle(marks: list[str], mark: str, closing: bool) -> None:
    if not closing:
        marks.append(mark)
    elif mark in marks:
        del marks[len(marks) - 1 - marks[::-1].index(mark)]


def _add_text(spans: list[dict], marks: list[str], text: str) -> None:
    if not text:
        return
    span: dict = {"text": text}
    active = [mark for mark in MARKS if mark in marks]
    if active:
        span["marks"] = active
    spans.append(span)


# --- raw HTML in Markdown -------------------------------------------------------------------------------

_HTML_BLOCK_TAGS = {"address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "dialog", "div",
                    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
                    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
                    "tfoot", "th", "thead", "tr", "ul"}
_HTML_PREFORMATTED = {"pre", "textarea", "listing", "xmp"}


def html_text(markup: str) -> list[dict]:
    """The text a browser shows of a piece of raw HTML (a Markdown HTML block), as spans: tags go, block
    elements and ``<br>`` start new lines, the tags of marks become marks, ``<a href>`` links; scripts, styles,
    comments and declarations are not text. Nothing of the HTML itself is kept (it is not trusted)."""
    from html.parser import HTMLParser

    spans: list[dict] = []
    marks: list[str] = []
    links: list[dict] = []
    state = {"hidden": 0, "pre": 0}

    def add(text: str) -> None:
        if links:
            span = {"text": text, **({"marks": [m for m in MARKS if m in marks]} if marks else {})}
            if links[-1]["href"] and is_safe_url(links[-1]["href"], allow_relative=RELATIVE):
                span["href"] = links[-1]["href"]
                if links[-1]["title"]:
                    span["title"] = links[-1]["title"]
            spans.append(span)
        else:
            _add_text(spans, marks, text)

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attributes = {key: value or "" for key, value in attrs}
            if tag in _HIDDEN_HTML:
                state["hidden"] += 1
            elif tag in _HTML_PREFORMATTED:
                state["pre"] += 1
            if tag in _HTML_BLOCK_TAGS or tag in _HTML_PREFORMATTED:
                add("\n")
            if tag in _HTML_MARK_TAGS:
                marks.append(_HTML_MARK_TAGS[tag])
            elif tag == "a":
                links.append({"href": link_href(attributes.get("href", "")), "title": attributes.get("title")})

        def handle_endtag(self, tag):
            if tag in _HIDDEN_HTML:
                state["hidden"] = max(0, state["hidden"] - 1)
            elif tag in _HTML_PREFORMATTED:
                state["pre"] = max(0, state["pre"] - 1)
            if tag in _HTML_MARK_TAGS:
                _toggle(marks, _HTML_MARK_TAGS[tag], closing=True)
            elif tag == "a" and links:
                links.pop()
            if tag in _HTML_BLOCK_TAGS or tag in _HTML_PREFORMATTED:
                add("\n")

        def handle_data(self, data):
            if not state["hidden"]:
                add(data if state["pre"] else re.sub(r"\s+", " ", data))

    reader = Reader(convert_charrefs=True)
    reader.feed(markup)
    reader.close()
    # the lines a reader sees: no spaces around line breaks, no empty lines
    for _ in range(2):
        spans = validate(spans)
        for span in spans:
            span["text"] = re.sub(r"[ \t]*\n\s*", "\n", span["text"])
    spans = validate(spans)
    text = plain_text(spans)
    lead, trail = len(text) - len(text.lstrip()), len(text) - len(text.rstrip())
    return _slice(spans, lead, len(text) - trail)


def _slice(spans: list[dict], start: int, end: int) -> list[dict]:
    """The spans of the characters ``start``..``end`` of their plain text."""
    out, offset = [], 0
    for span in spans:
        text = span.get("text", "")
        low, high = max(start, offset), min(end, offset + len(text))
        if low < high:
            out.append({**span, "text": text[low - offset: high - offset]})
        offset += len(text)
    return validate(out)
