"""Every block type round-trips JSON -> HTML -> Markdown -> JSON: examples per type, then random documents."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ipai_workos_blocks import richtext
from workos.kernel.errors import InvalidInput
from ipai_workos_blocks.markdown import from_markdown, to_markdown
from ipai_workos_blocks.registry import BLOCK_TYPES, CALLOUT_COLORS, block_type
from ipai_workos_blocks.rendering import from_html, to_html


def normalised(trees: list[dict]) -> list[dict]:
    return [{"type": tree["type"], "content": block_type(tree["type"]).validate(tree.get("content")),
             "children": normalised(tree.get("children") or [])} for tree in trees]


def rich(*spans) -> list[dict]:
    return [span if isinstance(span, dict) else {"text": span} for span in spans]


EXAMPLES = {
    "paragraph": {"text": rich("Plain, ", {"text": "bold", "marks": ["bold"]}, " ", {"text": "it*al*ic", "marks": ["italic"]}, " ",
                               {"text": "under", "marks": ["underline"]}, {"text": "struck", "marks": ["strike"]}, " ",
                               {"text": "x = `y`", "marks": ["code"]}, " ", {"text": "a link", "href": "https://example.com/a_(b)?c=1&d=2"},
                               " @", {"mention": {"kind": "user", "id": 7}, "text": "Ada [L]"}, " and ",
                               {"mention": {"kind": "page", "id": 9}, "text": "Roadmap"}, "\nsecond line # not a heading")},
    "heading_1": {"text": rich("# Hash * star")},
    "heading_2": {"text": rich({"text": "Two", "marks": ["bold", "italic"]})},
    "heading_3": {"text": rich("Three\nlines")},
    "bulleted_list": {"text": rich("- dash 1. one")},
    "numbered_list": {"text": rich("1) number")},
    "todo": {"text": rich("[ ] literal brackets"), "checked": True},
    "toggle": {"text": rich({"text": "Details", "marks": ["bold"]}, " </summary> <b>"), "collapsed": False},
    "divider": {},
    "quote": {"text": rich("> quoted\n> twice")},
    "callout": {"text": rich("Mind the gap"), "icon": "⚠️", "color": "orange"},
    "image": {"attachment_id": 12, "url": "", "caption": rich({"text": "Figure 1", "marks": ["italic"]})},
    "file": {"attachment_id": None, "url": "https://example.com/report (final).pdf".replace(" ", "%20"), "name": "report (final).pdf"},
    "code": {"code": "def f():\n    return '```'\n\n\tindented\n", "language": "python"},
    "table": {"rows": [[rich("Name"), rich({"text": "Price | $", "marks": ["bold"]})],
                       [rich("Tea", {"text": "x|y", "marks": ["code"]}), rich({"text": "\\frac{1}{2}", "marks": ["equation"]}, "\nper cup")]],
              "header_row": True, "header_column": True},
    "equation": {"expression": "E = mc^2\n\\int_0^1 x\\,dx \\$"},
    "canvas": {"canvas_id": 12},  # registered by ipai_workos_canvas
}
PARENTS = [name for name, entry in BLOCK_TYPES.items() if entry.accepts_children]


def test_every_registered_type_has_an_example():
    assert set(EXAMPLES) == set(BLOCK_TYPES) and len(EXAMPLES) == 17


def _check_round_trip(document: list[dict]) -> None:
    markup = to_html(document)
    from_markup = from_html(markup)
    assert from_markup == document, f"HTML:\n{markup}"
    text = to_markdown(from_markup)
    assert from_markdown(text) == document, f"Markdown:\n{text}"


@pytest.mark.parametrize("type_name", sorted(EXAMPLES))
def test_each_type_round_trips_through_html_and_markdown(type_name):
    document = normalised([{"type": type_name, "content": EXAMPLES[type_name]}])

    _check_round_trip(document)


@pytest.mark.parametrize("type_name", PARENTS)
def test_each_type_that_holds_children_round_trips_with_nested_blocks(type_name):
    children = [{"type": name, "content": EXAMPLES[name]} for name in ("paragraph", "todo", "code", "bulleted_list", "image")]
    children[3]["children"] = [{"type": "numbered_list", "content": EXAMPLES["numbered_list"]}, {"type": type_name, "content": {}}]
    document = normalised([{"type": type_name, "content": EXAMPLES[type_name], "children": children},
                           {"type": "paragraph", "content": {}}, {"type": type_name, "content": {}}])

    _check_round_trip(document)


def test_empty_blocks_round_trip():
    document = normalised([{"type": name, "content": {}} for name in sorted(BLOCK_TYPES)] * 2)

    _check_round_trip(document)


def test_numbered_lists_are_numbered_and_lists_stay_tight():
    document = normalised([{"type": "numbered_list", "content": {"text": rich(t)}} for t in "abc"] +
                          [{"type": "bulleted_list", "content": {"text": rich("d")}}, {"type": "todo", "content": {"text": rich("e")}}])

    assert to_markdown(document) == "1. a\n2. b\n3. c\n\n- d\n- [ ] e"


def test_callout_markdown_starts_with_the_icon():
    document = normalised([{"type": "callout", "content": {"text": rich("Note"), "icon": "💡", "color": "blue"}}])

    assert to_markdown(document) == "> 💡 Note <!-- callout color=blue -->"


def test_plain_text_for_search():
    assert BLOCK_TYPES.get("paragraph").plain_text(normalised([{"type": "paragraph", "content": EXAMPLES["paragraph"]}])[0]["content"]).startswith("Plain, bold")
    assert BLOCK_TYPES.get("code").plain_text(EXAMPLES["code"]).startswith("def f()")
    assert BLOCK_TYPES.get("image").plain_text(EXAMPLES["image"]) == "Figure 1"
    assert BLOCK_TYPES.get("table").plain_text(EXAMPLES["table"]) == "Name\tPrice | $\nTeax|y\t\\frac{1}{2}\nper cup"
    assert BLOCK_TYPES.get("equation").plain_text(EXAMPLES["equation"]).startswith("E = mc^2")


def test_tables_are_gfm_tables():
    table = normalised([{"type": "table", "content": {"rows": [[rich("a"), rich("b")], [rich("1"), rich({"text": "2", "marks": ["bold"]})]]}}])

    assert to_markdown(table) == "| a | b |\n| --- | --- |\n| 1 | **2** |"
    headless = normalised([{"type": "table", "content": {"rows": [[rich("1"), rich("2")]], "header_row": False, "header_column": True}}])
    assert to_markdown(headless) == "| <!-- header-column --> |  |\n| --- | --- |\n| 1 | 2 |"
    assert from_markdown("| x |\n|---|\n| y | z |\n") == normalised([{"type": "table", "content": {"rows": [[rich("x")], [rich("y")]]}}])


def test_equations_are_dollar_math():
    document = normalised([{"type": "equation", "content": {"expression": "a^2 + b^2 = c^2"}},
                           {"type": "paragraph", "content": {"text": rich("costs $5, so ", {"text": "x$", "marks": ["equation"]})}}])

    assert to_markdown(document) == "$$\na^2 + b^2 = c^2\n$$\n\ncosts \\$5, so $x\\$$"
    assert from_markdown("$5 and $6 and $$x$$ and $y$") == normalised([{"type": "paragraph", "content": {"text": rich(
        "$5 and $6 and ", {"text": "x", "marks": ["equation"]}, " and ", {"text": "y", "marks": ["equation"]})}}])
    assert to_html(document).startswith('<div class="math-display" data-block-type="equation">a^2 + b^2 = c^2</div>')


def test_table_and_equation_content_is_checked():
    with pytest.raises(InvalidInput) as ragged:
        block_type("table").validate({"rows": [[[], []], [[]]]})
    assert ragged.value.field == "content.rows[1]"
    with pytest.raises(InvalidInput) as cell:
        block_type("table").validate({"rows": [[[{"text": "x", "marks": ["blink"]}]]]})
    assert cell.value.field == "content.rows[0][0][0].marks"
    with pytest.raises(InvalidInput):
        block_type("table").validate({"rows": [[[]] * 101]})
    with pytest.raises(InvalidInput) as dollars:
        block_type("equation").validate({"expression": "a $$ b"})
    assert dollars.value.field == "content.expression"
    assert richtext.validate([{"text": " a$b\nc\\", "marks": ["equation", "bold"], "href": "https://e.com"}]) == [
        {"text": "a\\$b c", "marks": ["equation"]}]


# --- random documents ------------------------------------------------------------------------------------

ALPHABET = st.sampled_from(list("abcXYZ019 *_`~[]()#>-+!.\\<>&@=|{}:;'\"/\n\t$") + ["é", "ß", "💡", "\u00a0", "漢"])
URLS = st.sampled_from(["https://example.com", "http://a.b/c?d=e&f=g", "https://x.org/a_(b)", "mailto:someone@example.com",
                        "https://example.com/%20x#frag", "https://ä.example/ü"])
TEXT = st.text(alphabet=ALPHABET, min_size=1, max_size=12)


@st.composite
def spans(draw):
    result = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 6)) == 0:
            result.append({"mention": {"kind": draw(st.sampled_from(["user", "page"])), "id": draw(st.integers(1, 10**6))},
                           "text": draw(st.text(alphabet=ALPHABET, max_size=8))})
            continue
        span = {"text": draw(TEXT)}
        marks = draw(st.lists(st.sampled_from(richtext.MARKS), unique=True, max_size=3))
        if marks:
            span["marks"] = marks
        if draw(st.integers(0, 4)) == 0:
            span["href"] = draw(URLS)
        result.append(span)
    return result


@st.composite
def contents(draw, type_name: str):
    if type_name == "divider":
        return {}
    if type_name == "code":
        return {"code": draw(st.text(alphabet=ALPHABET, max_size=40)), "language": draw(st.sampled_from(["", "python", "c++", "js"]))}
    if type_name == "image":
        attachment = draw(st.one_of(st.none(), st.integers(1, 1000)))
        return {"attachment_id": attachment, "url": "" if attachment else draw(st.sampled_from(["", "https://e.com/i.png", "https://e.com/(1).png"])),
                "caption": draw(spans())}
    if type_name == "table":
        width = draw(st.integers(1, 3))
        return {"rows": [[draw(spans()) for _ in range(width)] for _ in range(draw(st.integers(1, 3)))],
                "header_row": draw(st.booleans()), "header_column": draw(st.booleans())}
    if type_name == "canvas":
        return {"canvas_id": draw(st.one_of(st.none(), st.integers(1, 10**6)))}
    if type_name == "equation":
        # no "$$" (it ends an equation in Markdown: refused); replacing "$$" once would leave one in "$$$"
        return {"expression": re.sub(r"\$+", "$", draw(st.text(alphabet=ALPHABET, max_size=30)))}
    if type_name == "file":
        attachment = draw(st.one_of(st.none(), st.integers(1, 1000)))
        return {"attachment_id": attachment, "url": "" if attachment else draw(st.sampled_from(["", "https://e.com/f.pdf"])),
                "name": draw(st.text(alphabet=ALPHABET.filter(lambda c: c not in "\n\t"), max_size=12))}
    content = {"text": draw(spans())}
    if type_name == "todo":
        content["checked"] = draw(st.booleans())
    if type_name == "toggle":
        content["collapsed"] = draw(st.booleans())
    if type_name == "callout":
        content["icon"] = draw(st.sampled_from(["💡", "⚠️", "!", "*", "a", "<b>", "1."]))
        content["color"] = draw(st.sampled_from(CALLOUT_COLORS))
    return content


@st.composite
def documents(draw, depth: int = 0):
    blocks = []
    for _ in range(draw(st.integers(0 if depth else 1, 4 if depth == 0 else 2))):
        type_name = draw(st.sampled_from(sorted(BLOCK_TYPES)))
        children = draw(documents(depth + 1)) if depth < 2 and BLOCK_TYPES.get(type_name).accepts_children else []
        blocks.append({"type": type_name, "content": draw(contents(type_name)), "children": children})
    return blocks


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_random_documents_round_trip(document):
    document = normalised(document)

    try:
        _check_round_trip(document)
    except AssertionError:
        print(json.dumps(document, ensure_ascii=False, indent=1))
        raise



@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["table", "equation", "canvas", "paragraph"]).flatmap(
    lambda name: contents(name).map(lambda content: {"type": name, "content": content, "children": []})), min_size=1, max_size=4))
def test_tables_and_equations_round_trip_through_the_editor_document(document):
    from ipai_workos_blocks.live.prosemirror import blocks_to_doc, doc_to_blocks

    document = normalised(document)
    # The editor's line break is a node without marks, and it shows a user mention's "@" itself: line breaks
    # next to styled text and labels starting with "@" are the converter's (older) limits, not the subject here.
    document = normalised(json.loads(re.sub(r'"text": "@+', '"text": "', json.dumps(document).replace("\\n", " "))))
    while document and document[-1]["type"] == "paragraph" and not document[-1]["content"]["text"]:
        document.pop()  # the editor drops empty paragraphs at the end

    back = [{**block, "content": block_type(block["type"]).validate(block["content"])} for block in doc_to_blocks(blocks_to_doc(document))]
    assert back == document


def test_equation_and_table_html_keeps_markup_as_text():
    document = normalised([
        {"type": "equation", "content": {"expression": "</div><script>alert(1)</script>"}},
        {"type": "table", "content": {"rows": [[rich('<img src=x onerror="alert(1)">', {"text": "<b>x</b>", "marks": ["equation"]})]]}},
    ])

    markup = to_html(document)

    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
    assert "&lt;/div&gt;&lt;script&gt;" in markup and '<span class="math-inline">&lt;b&gt;x&lt;/b&gt;</span>' in markup
    assert from_html(markup) == document


def test_an_equation_opening_a_block_that_ends_with_a_backslash_round_trips():
    # found by the random round trip: dollarmath took the opening "$" for an escaped one (its look-back wrapped
    # round to the paragraph's last character, a backslash)
    spans = [{"text": "0", "marks": ["equation"]}, {"mention": {"kind": "user", "id": 1}, "text": ""}, {"text": "\\"}]
    for type_name in ("paragraph", "bulleted_list", "heading_2"):
        _check_round_trip([{"type": type_name, "content": {"text": spans}, "children": []}])


@pytest.mark.parametrize("source, read", [
    ("markdown", lambda: from_markdown("$$\nx $$$ y\n$$")),
    ("html", lambda: from_html('<div class="math-display" data-block-type="equation">x $$$ y</div>')),
])
def test_an_equation_read_from_elsewhere_never_holds_two_dollars_together(source, read):
    """"$$" ends an equation in Markdown, so a block refuses it: what an import or a paste reads gets a space
    between any two dollars, and three in a row are no exception."""
    [tree] = read()
    assert tree["content"] == {"expression": "x $ $ $ y"}, source
    assert block_type("equation").validate(tree["content"]) == {"expression": "x $ $ $ y"}
