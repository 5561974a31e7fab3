"""Every block type round-trips JSON -> HTML -> Markdown -> JSON: examples per type, then random documents."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipai_workos_blocks import richtext
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
}
PARENTS = [name for name, entry in BLOCK_TYPES.items() if entry.accepts_children]


def test_every_registered_type_has_an_example():
    assert set(EXAMPLES) == set(BLOCK_TYPES) and len(EXAMPLES) == 14


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


# --- random documents ------------------------------------------------------------------------------------

ALPHABET = st.sampled_from(list("abcXYZ019 *_`~[]()#>-+!.\\<>&@=|{}:;'\"/\n\t") + ["é", "ß", "💡", "\u00a0", "漢"])
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

