"""Untrusted content renders inert: an XSS payload corpus stored in every text field of every block type
(through the API, and through Markdown import) never yields a script, an event handler, or a javascript:
or data: URL in the page HTML."""

from __future__ import annotations

import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from ipai_workos_blocks.registry import BLOCK_TYPES

from .conftest import put_document

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "javascript:alert(1)",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"  JaVaScRiPt:alert(1)\">click</a>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "</summary><script>alert(1)</script>",
    "</code></pre><script>alert(1)</script>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<style>@import 'javascript:alert(1)'</style>",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "<embed src=javascript:alert(1)>",
    "<x onclick=alert(1)>x</x>",
    "<u onmouseover=alert(1)>u</u>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "@[x](javascript:alert(1))",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<img src=\"x\" alt=\"\" onerror=\"alert(1)\" />",
]
ICONS = ["<b>", "\"><s>", "<svg/", "<i/x>"]
BAD_URLS = ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "data:text/html,x",
            "vbscript:msgbox(1)", "javascript&colon;alert(1)", "//evil.example/x", "/web/logout", "file:///etc/passwd"]


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcdoc", "style"}


def assert_inert(markup: str) -> None:
    """No script element, no event handler attribute, no script or data URL in any attribute a browser follows.
    (The payloads' text itself is kept, escaped: it shows as text, in element content and in ``alt``.)"""
    assert "<script" not in markup.lower()
    tree = LexborHTMLParser(f"<body>{markup}</body>")
    for node in tree.body.traverse(include_text=False):
        if node is tree.body or node.tag == "body" and node.parent is not None and node.parent.tag == "html":
            continue
        assert node.tag not in ("script", "svg", "iframe", "object", "embed", "style", "form", "math", "x", "button"), node.tag
        for name, value in (node.attributes or {}).items():
            assert not name.lower().startswith("on"), (node.tag, name)
            compact = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name.lower() in URL_ATTRIBUTES:
                assert not compact.startswith(("javascript:", "data:", "vbscript:")), (node.tag, name, value)
                assert "javascript:" not in compact, (node.tag, name, value)
        if node.tag == "a" and node.attributes.get("href", "").startswith(("http:", "https:", "mailto:")):
            assert node.attributes.get("rel") == "noopener noreferrer nofollow"


def every_field(payload: str) -> list[dict]:
    """One block of each type with ``payload`` in every text field it has."""
    text = [{"text": payload}, {"text": payload, "marks": ["bold", "code"], "href": "https://example.com/?q=" + "x"},
            {"mention": {"kind": "user", "id": 1}, "text": payload}]
    blocks = []
    for name, entry in BLOCK_TYPES.items():
        fields = entry.fields()
        content = {}
        if "text" in fields:
            content["text"] = text
        if "caption" in fields:
            content["caption"] = text
        if "name" in fields:
            content["name"] = payload[:255]
        if "code" in fields:
            content["code"] = payload
        if "icon" in fields:
            content["icon"] = ICONS[len(payload) % len(ICONS)]
        block = {"type": name, "content": content}
        if entry.accepts_children:
            block["children"] = [{"type": "paragraph", "content": {"text": text}}]
        blocks.append(block)
    return blocks


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_every_text_field_renders_inert(tree, people, api_for, payload):
    api = api_for(people.editor)

    saved = put_document(api, tree.page.pk, {"blocks": every_field(payload)})
    markup = api.get(f"/pages/{tree.page.pk}/html")

    assert saved.status_code == 200, saved.json()
    assert markup.status_code == 200 and markup["Content-Type"].startswith("text/html")
    assert_inert(markup.content.decode())
    assert payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in markup.content.decode() or "<" not in payload


@pytest.mark.parametrize("url", BAD_URLS)
def test_unsafe_urls_are_refused_in_links_images_and_files(tree, people, api_for, url):
    api = api_for(people.editor)
    attempts = [
        {"type": "paragraph", "content": {"text": [{"text": "x", "href": url}]}},
        {"type": "image", "content": {"url": url}},
        {"type": "file", "content": {"url": url, "name": "x"}},
    ]

    answers = [api.post(f"/pages/{tree.page.pk}/blocks", body) for body in attempts]

    assert [answer.status_code for answer in answers] == [422, 422, 422]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_imported_from_markdown_render_inert(tree, people, api_for, upload, payload):
    source = (f"# Imported\n\n{payload}\n\n- {payload}\n\n> {payload}\n\n<details>\n<summary>{payload}</summary>\n\n{payload}\n\n</details>\n\n"
              f"[{payload}](javascript:alert(1))\n\n![{payload}](javascript:alert(1))\n\n{payload}\n")

    answer = upload(people.editor, f"/spaces/{tree.space.pk}/import", "x.md", source.encode(), "text/markdown")
    page_id = answer.json()["items"][0]["id"]

    assert answer.status_code == 201
    assert_inert(api_for(people.editor).get(f"/pages/{page_id}/html").content.decode())
