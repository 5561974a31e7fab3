"""The Python converter (live/prosemirror.py) answers exactly as the editor's TypeScript converter on the shared
fixture cases, and the Yjs form (live/ydoc.py) keeps every document it is given."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pycrdt import Doc

from ipai_workos_blocks.live.prosemirror import blocks_to_doc, doc_to_blocks
from ipai_workos_blocks.live.ydoc import doc_to_json, replace_fragment
from workos.settings.config import PROJECT_ROOT

CASES_FILE = Path(__file__).parent / "fixtures" / "prosemirror_cases.json"
CASES = json.loads(CASES_FILE.read_text())


@pytest.fixture(scope="module")
def typescript_answers() -> dict:
    frontend = PROJECT_ROOT / "frontend"
    if shutil.which("node") is None or not (frontend / "node_modules" / "esbuild").exists():
        pytest.fail("node and frontend/node_modules are needed (cd frontend && npm ci)")
    result = subprocess.run(["node", "scripts/convert-cases.mjs", str(CASES_FILE)], cwd=frontend, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", CASES["blocks"], ids=lambda case: case["name"])
def test_blocks_become_the_same_editor_document_as_in_the_editor(case, typescript_answers):
    doc = blocks_to_doc(case["blocks"])
    assert doc == typescript_answers["blocks"][case["name"]]["doc"]
    assert doc_to_blocks(doc) == typescript_answers["blocks"][case["name"]]["back"]


@pytest.mark.parametrize("case", CASES["docs"], ids=lambda case: case["name"])
def test_an_editor_document_becomes_the_same_blocks_as_in_the_editor(case, typescript_answers):
    assert doc_to_blocks(case["doc"]) == typescript_answers["docs"][case["name"]]["blocks"]


@pytest.mark.parametrize("case", CASES["blocks"], ids=lambda case: case["name"])
def test_the_yjs_form_keeps_the_document(case):
    wanted = blocks_to_doc(case["blocks"])
    doc = Doc()
    replace_fragment(doc, wanted)
    copy = Doc()
    copy.apply_update(doc.get_update())
    assert doc_to_blocks(doc_to_json(copy)) == doc_to_blocks(wanted)


def test_replacing_keeps_unchanged_top_level_nodes_in_place():
    doc = Doc()
    first = blocks_to_doc([{"type": "paragraph", "content": {"text": [{"text": "keep"}]}}, {"type": "paragraph", "content": {"text": [{"text": "old"}]}}])
    replace_fragment(doc, first)
    before = doc.get_state()
    replace_fragment(doc, blocks_to_doc([{"type": "paragraph", "content": {"text": [{"text": "keep"}]}}, {"type": "paragraph", "content": {"text": [{"text": "new"}]}}]))
    change = Doc()
    change.apply_update(doc.get_update(before))
    # the update only deletes "old" and inserts "new": "keep" was not rewritten
    assert "keep" not in str(doc_to_json(change))
    assert [block["content"]["text"][0]["text"] for block in doc_to_blocks(doc_to_json(doc))] == ["keep", "new"]


def test_list_start_numbers_and_link_titles_reach_the_editor_and_come_back():
    [case] = [case for case in CASES["blocks"] if case["name"] == "list start numbers and link titles"]
    doc = blocks_to_doc(case["blocks"])
    assert [node.get("attrs") for node in doc["content"]] == [{"start": 7}, {"start": 1}, {"start": 0}]
    assert doc["content"][0]["content"][0]["content"][0]["content"][0]["marks"] == [
        {"type": "link", "attrs": {"href": "/docs/a.md", "title": 'The "A" doc'}}]
    assert [{key: value for key, value in block.items() if key != "children"} for block in doc_to_blocks(doc)] == case["blocks"]
    [case] = [case for case in CASES["docs"] if case["name"] == "ordered lists with start numbers"]
    blocks = doc_to_blocks(case["doc"])
    assert [block["content"].get("start") for block in blocks] == [3, 1, None, None]
    assert blocks[0]["content"]["text"] == [{"text": "three", "href": "https://example.com", "title": "Example"}]
