"""Markdown export (a page, or a zip of folders with sub-pages and attachments) and import (a .md file, a
zip of folders, Notion's "Markdown & CSV" export) through the API."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from pathlib import Path

import pytest

from ipai_workos_blocks.models import Attachment, Block
from ipai_workos_core.models import Page
from workos.testing.archives import make_zip

from .conftest import PNG, paragraph, put_document

NOTION_FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "notion"


def blocks_of(api, page_id: int) -> list[dict]:
    return api.get(f"/pages/{page_id}/blocks").json()["items"]


def shape(items: list[dict]) -> list:
    """(type, content without ids, children) trees: what survives an export and an import."""
    def clean(content):
        return {key: value for key, value in content.items() if key not in ("attachment_id", "url")}
    return [(item["type"], clean(item["content"]), shape(item["children"])) for item in items]


DOCUMENT = [
    {"type": "heading_1", "content": {"text": [{"text": "Plan"}]}},
    {"type": "paragraph", "content": {"text": [{"text": "Ship "}, {"text": "fast", "marks": ["bold"]}, {"text": " and "},
                                              {"text": "well", "marks": ["underline"]}, {"text": ", see "},
                                              {"text": "docs", "href": "https://example.com/docs"}]}},
    {"type": "todo", "content": {"text": [{"text": "write tests"}], "checked": True}, "children": [
        {"type": "bulleted_list", "content": {"text": [{"text": "unit"}]}}]},
    {"type": "numbered_list", "content": {"text": [{"text": "one"}]}},
    {"type": "numbered_list", "content": {"text": [{"text": "two"}]}},
    {"type": "toggle", "content": {"text": [{"text": "More"}], "collapsed": True}, "children": [paragraph("hidden")]},
    {"type": "quote", "content": {"text": [{"text": "Quoted"}]}},
    {"type": "callout", "content": {"text": [{"text": "Careful"}], "icon": "⚠️", "color": "red"}},
    {"type": "divider", "content": {}},
    {"type": "code", "content": {"code": "print('hi')", "language": "python"}},
]


def test_a_page_exports_as_markdown(tree, people, api_for):
    api = api_for(people.editor)
    put_document(api, tree.page.pk, {"blocks": DOCUMENT})

    answer = api.get(f"/pages/{tree.page.pk}/export", format="markdown")

    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/markdown")
    assert 'filename="Handbook.md"' in answer["Content-Disposition"]
    text = answer.content.decode()
    assert text.startswith("# Handbook\n\n# Plan\n\nShip **fast** and <u>well</u>, see [docs](https://example.com/docs)\n")
    for expected in ("- [x] write tests\n\n    - unit", "1. one\n2. two", "<details>\n<summary>More</summary>\n\nhidden\n\n</details>",
                     "> Quoted", "> ⚠️ Careful <!-- callout color=red -->", "---", "```python\nprint('hi')\n```"):
        assert expected in text, expected


def test_an_exported_page_imports_back_with_the_same_blocks(tree, people, api_for, upload):
    api = api_for(people.editor)
    put_document(api, tree.page.pk, {"blocks": DOCUMENT})
    exported = api.get(f"/pages/{tree.page.pk}/export").content

    answer = upload(people.editor, f"/spaces/{tree.space.pk}/import", "Handbook.md", exported, "text/markdown")

    assert answer.status_code == 201, answer.json()
    imported = answer.json()["items"]
    assert [(page["title"], page["parent_id"]) for page in imported] == [("Handbook", None)]
    assert shape(blocks_of(api, imported[0]["id"])) == shape(blocks_of(api, tree.page.pk))


def test_export_with_subpages_is_a_zip_of_folders_with_attachments_and_imports_back(tree, people, api_for, upload):
    from ipai_workos_core import services as core

    api = api_for(people.editor)
    image = upload(people.editor, f"/pages/{tree.subpage.pk}/attachments", "shot.png", PNG, "image/png").json()
    put_document(api, tree.page.pk, {"blocks": [paragraph("top")]})
    put_document(api, tree.subpage.pk, {"blocks": [
        {"type": "image", "content": {"attachment_id": image["id"], "caption": [{"text": "Shot"}]}},
        {"type": "file", "content": {"attachment_id": image["id"], "name": "shot.png"}},
    ]})
    deeper = core.create_page(people.editor, parent=tree.subpage, title="Day 1 / setup")

    answer = api.get(f"/pages/{tree.page.pk}/export", format="markdown", subpages="true")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert sorted(archive.namelist()) == ["Handbook.md", "Handbook/Onboarding.md", "Handbook/Onboarding/Day 1 - setup.md",
                                          "Handbook/Onboarding/shot.png"]
    assert archive.read("Handbook/Onboarding/shot.png") == PNG
    assert "![Shot](Onboarding/shot.png)" in archive.read("Handbook/Onboarding.md").decode()

    imported = upload(people.editor, f"/spaces/{tree.space.pk}/import", "export.zip", answer.content, "application/zip")

    assert imported.status_code == 201, imported.json()
    pages = {page["title"]: page for page in imported.json()["items"]}
    assert set(pages) == {"Handbook", "Onboarding", "Day 1 / setup"}  # the first heading is the title, not the file name
    assert pages["Onboarding"]["parent_id"] == pages["Handbook"]["id"]
    assert pages["Day 1 / setup"]["parent_id"] == pages["Onboarding"]["id"]
    blocks = blocks_of(api, pages["Onboarding"]["id"])
    assert [block["type"] for block in blocks] == ["image", "file"]
    stored = Attachment.objects.get(pk=blocks[0]["content"]["attachment_id"])
    assert stored.page_id == pages["Onboarding"]["id"] and stored.sha256 == hashlib.sha256(PNG).hexdigest()
    assert deeper.pk not in [page["id"] for page in imported.json()["items"]]


def test_export_leaves_out_subpages_the_user_cannot_view(tree, people, api_for):
    from ipai_platform_permissions import services as permissions

    permissions.grant(tree.admin, tree.subpage, "none", user_id=people.editor.pk)

    answer = api_for(people.editor).get(f"/pages/{tree.page.pk}/export", subpages="true")

    assert zipfile.ZipFile(io.BytesIO(answer.content)).namelist() == ["Handbook.md"]


def notion_style_zip() -> bytes:
    """A small export shaped like Notion's: ids in names, decomposed Unicode, the real zip inside a zip."""
    top = "Export-0123-Part-1"
    inner = make_zip({
        f"{top}/Projekt Wo\u0308che 36ab92dc15bc49119e4f7ecf6a0f26ed.md": (
            "# Projekt Wo\u0308che\n\nIntro with **bold** and ~~old~~ text.\n\n"
            "- [ ]  open task\n- [x]  done task\n- Toggle-ish bullet\n    - nested [link](https://notion.so)\n\n"
            "## Section\n\n"
            "<aside>\n💡 Remember this\n\n</aside>\n\n"
            "![diagram.png](Projekt%20Wo%CC%88che%2036ab92dc15bc49119e4f7ecf6a0f26ed/diagram.png)\n\n"
            "[notes.txt](Projekt%20Wo%CC%88che%2036ab92dc15bc49119e4f7ecf6a0f26ed/notes.txt)\n\n"
            "[Sub page](Projekt%20Wo%CC%88che%2036ab92dc15bc49119e4f7ecf6a0f26ed/Sub%20page%20f9f1df80ddb442c79dec3cf559a6543d.md)\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nlet x = 1;\n```\n").encode(),
        f"{top}/Projekt Wo\u0308che 36ab92dc15bc49119e4f7ecf6a0f26ed/diagram.png": PNG,
        f"{top}/Projekt Wo\u0308che 36ab92dc15bc49119e4f7ecf6a0f26ed/notes.txt": b"plain notes\n",
        f"{top}/Projekt Wo\u0308che 36ab92dc15bc49119e4f7ecf6a0f26ed/Sub page f9f1df80ddb442c79dec3cf559a6543d.md": b"# Sub page\n\ncontent\n",
        f"{top}/Loose folder/Child a26041bb9b5548c8a0a47e2076e6cc14.md": b"# Child\n\n> quoted\n",
        f"{top}/index.html": b"<html></html>",
    })
    return make_zip({f"{top}.zip": inner})


def test_a_notion_style_zip_recreates_the_page_tree_and_block_types(tree, people, api_for, upload):
    api = api_for(people.editor)

    answer = upload(people.editor, f"/spaces/{tree.space.pk}/import", "Export.zip", notion_style_zip(), "application/zip")

    assert answer.status_code == 201, answer.json()
    pages = {page["title"]: page for page in answer.json()["items"]}
    assert set(pages) == {"Projekt Wöche", "Sub page", "Loose folder", "Child"}
    assert all(unicodedata.is_normalized("NFC", title) for title in pages)
    assert pages["Sub page"]["parent_id"] == pages["Projekt Wöche"]["id"]
    assert pages["Child"]["parent_id"] == pages["Loose folder"]["id"] and pages["Loose folder"]["parent_id"] is None
    blocks = blocks_of(api, pages["Projekt Wöche"]["id"])
    assert [block["type"] for block in blocks] == [
        "paragraph", "todo", "todo", "bulleted_list", "heading_2", "callout", "image", "file", "paragraph", "table", "code"]
    assert blocks[0]["content"]["text"][1] == {"text": "bold", "marks": ["bold"]}
    assert blocks[1]["content"] == {"text": [{"text": "open task"}], "checked": False}
    assert blocks[2]["content"]["checked"] is True
    assert blocks[3]["children"][0]["content"]["text"][1] == {"text": "link", "href": "https://notion.so"}
    assert blocks[5]["content"] == {"text": [{"text": "Remember this"}], "icon": "💡", "color": "default"}
    image = Attachment.objects.get(pk=blocks[6]["content"]["attachment_id"])
    assert image.sha256 == hashlib.sha256(PNG).hexdigest() and image.page_id == pages["Projekt Wöche"]["id"]
    assert blocks[7]["content"]["name"] == "notes.txt"
    assert blocks[8]["content"]["text"] == [{"mention": {"kind": "page", "id": pages["Sub page"]["id"]}, "text": "Sub page"}]
    assert blocks[9]["content"] == {"rows": [[[{"text": "a"}], [{"text": "b"}]], [[{"text": "1"}], [{"text": "2"}]]],
                                    "header_row": True, "header_column": False}
    assert blocks[10]["content"] == {"code": "let x = 1;", "language": "js"}
    assert blocks_of(api, pages["Child"]["id"])[0]["type"] == "quote"


def test_import_is_all_or_nothing(tree, people, upload):
    pages_before = Page.objects.count()
    broken = make_zip({"Good.md": b"# Good\n\nfine\n", "Bad.md": ("# Bad\n\n" + "x" * 100_001 + "\n").encode()})

    answer = upload(people.editor, f"/spaces/{tree.space.pk}/import", "broken.zip", broken, "application/zip")

    assert answer.status_code == 422 and "Bad.md" in answer.json()["error"]["message"]
    assert Page.objects.count() == pages_before and not Block.objects.exists()


@pytest.mark.parametrize("name, data", [
    ("x.zip", b"PK\x03\x04 not really a zip"),
    ("image.png", PNG),
    ("empty.zip", make_zip({"readme.txt": b"no markdown"})),
])
def test_bad_imports_answer_422(tree, people, upload, name, data):
    answer = upload(people.editor, f"/spaces/{tree.space.pk}/import", name, data)

    assert answer.status_code == 422, answer.json()


def test_import_limits_answer_413(tree, people, upload, settings):
    settings.WORKOS_IMPORT_MAX_TOTAL_BYTES = 1000

    answer = upload(people.editor, f"/spaces/{tree.space.pk}/import", "big.zip", make_zip({"a.md": b"x" * 2000}))

    assert answer.status_code == 413


def test_import_needs_create_access_to_the_space(tree, people, upload):
    source = b"# Page\n\ntext\n"

    assert upload(people.viewer, f"/spaces/{tree.space.pk}/import", "a.md", source).status_code in (403, 404)
    assert upload(people.outsider, f"/spaces/{tree.space.pk}/import", "a.md", source).status_code == 404


def test_real_notion_markdown_export_imports(tree, people, api_for, upload):
    archive = NOTION_FIXTURES / "notion-markdown-export.zip"
    if not archive.exists():
        pytest.skip(f"the real Notion exports are not on this machine ({archive}); see DESIGN.md §7")
    api = api_for(people.editor)

    answer = upload(people.editor, f"/spaces/{tree.space.pk}/import", archive.name, archive.read_bytes(), "application/zip")

    assert answer.status_code == 201, answer.json()
    pages = {page["title"]: page for page in answer.json()["items"]}
    assert {"Testseite", "subpage", "another subpage", "Wöchentliche To-do-Liste", "todo 1", "Zu Beginn", "Home",
            "page with link", "note with image and some other stuff", "another test note"} <= set(pages)
    assert pages["another subpage"]["parent_id"] == pages["subpage"]["id"]
    assert pages["subpage"]["parent_id"] == pages["Testseite"]["id"]
    todo_list = blocks_of(api, pages["Wöchentliche To-do-Liste"]["id"])
    assert [block["type"] for block in todo_list[:4]] == ["paragraph", "heading_1", "divider", "heading_3"]
    todos = [block for block in todo_list if block["type"] == "todo"]
    assert todos[0]["content"] == {"text": [{"text": "Mama anrufen"}], "checked": True} and len(todos) == 21
    media = blocks_of(api, pages["note with image and some other stuff"]["id"])
    kinds = [block["type"] for block in media]
    assert "image" in kinds and "file" in kinds and kinds[-1] == "code"
    assert media[-1]["content"]["language"] == "jsx"
    image = next(block for block in media if block["type"] == "image")
    assert api.get(image["content"]["url"].removeprefix("/api/v1")).status_code == 200
    linked = blocks_of(api, pages["page with link"]["id"])[0]["content"]["text"]
    assert linked == [{"mention": {"kind": "page", "id": pages["another subpage"]["id"]}, "text": "another subpage"}]
    html = api.get(f"/pages/{pages['Zu Beginn']['id']}/html").content.decode()
    assert "notion.com/vorlagen" in html and "<script" not in html
