"""Applying a template into a page that is open live, against a real ``workos serve`` and pycrdt Yjs clients: what
the editor stored but the blocks do not hold yet (the server derives them after a quiet moment) counts — an editor
that only laid out its empty paragraph leaves the page empty, words typed there make it a page with content."""

from __future__ import annotations

import asyncio

from ipai_workos_blocks.tests.live_client import wait_for
from ipai_workos_blocks.tests.test_live_pages import connected, live, plain, run  # noqa: F401 (the module's live site)


def _apply_meeting_notes(live, page_id: int):
    listed = live.api("grace").get("/api/v1/templates").json()["items"]
    (template,) = [item for item in listed if item["name"] == "Meeting notes"]
    return live.api("grace").post(f"/api/v1/templates/{template['id']}/apply", json={"page_id": page_id})


def test_a_template_applies_into_an_empty_page_whose_editor_just_opened(live):
    page_id = live.new_page([])

    async def scenario():
        client = await connected(live.client("ada", page_id))
        client.add_paragraph("")  # stored, not derived yet: an edit that leaves the page without content
        await client.wait_saved()
        applied = await asyncio.to_thread(_apply_meeting_notes, live, page_id)
        assert applied.status_code == 201, applied.text
        await wait_for(lambda: "Action items" in plain(client), 10, "the template did not reach the live editor")
        await client.close()

    run(scenario())
    assert "Action items" in live.texts(page_id)


def test_words_typed_live_and_not_derived_yet_make_the_page_one_with_content(live):
    page_id = live.new_page([])

    async def scenario():
        client = await connected(live.client("ada", page_id))
        client.type_into(0, 0, "my own words")  # into the empty paragraph the document of an empty page has
        await client.wait_saved()
        refused = await asyncio.to_thread(_apply_meeting_notes, live, page_id)
        assert refused.status_code == 409, refused.text
        assert "has content" in refused.json()["error"]["message"]
        await client.close()

    run(scenario())
    assert live.texts(page_id) == ["my own words"]
