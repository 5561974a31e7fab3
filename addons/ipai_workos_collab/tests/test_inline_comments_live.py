"""Inline comments on a page open live, against a real ``workos serve`` and pycrdt Yjs clients: the server anchors
a thread as a Yjs formatting operation on the paragraph's text, so it merges with what people are typing there
like any Yjs edit (rewriting the paragraph would drop the characters typed meanwhile)."""

from __future__ import annotations

import asyncio

from ipai_workos_blocks.live.ydoc import doc_to_json
from ipai_workos_blocks.tests.live_client import wait_for
from ipai_workos_blocks.tests.test_live_pages import connected, live, plain, run  # noqa: F401 (the module's live site)

SENTENCE = "Ship the release on Friday"


def commented_text(client) -> dict[int, str]:
    """{thread id: the text carrying its comment mark} in the client's first paragraph."""
    found: dict[int, str] = {}
    for node in doc_to_json(client.doc)["content"][0].get("content") or []:
        for mark in node.get("marks") or []:
            if mark["type"] == "comment":
                thread = mark["attrs"]["threadId"]
                found[thread] = found.get(thread, "") + node["text"]
    return found


def test_a_comment_anchored_through_the_api_keeps_every_character_typed_meanwhile_in_that_paragraph(live):
    page_id = live.new_page([SENTENCE])
    block_id = live.document(page_id)["items"][0]["id"]
    typed: list[str] = []

    async def scenario():
        client = await connected(live.client("ada", page_id))
        stop = asyncio.Event()

        async def type_continuously():
            letters = "abcdefghijklmnopqrstuvwxyz"
            while not stop.is_set():
                letter = letters[len(typed) % len(letters)]
                client.type_into(0, len(client.fragment.children[0].children[0]), letter)
                typed.append(letter)
                await asyncio.sleep(0.005)

        typing = asyncio.create_task(type_continuously())
        await wait_for(lambda: client.server_state.get(client.doc.client_id, 0) >= 20, 30, "the server stored none of the typing")
        # a slow network: what ada types now reaches the server only after the comment is anchored
        client.hold_sending()
        await wait_for(lambda: len(typed) >= 40, 10, "no typing")
        anchored = await asyncio.to_thread(lambda: live.api("grace").post("/api/v1/comments", json={
            "page_id": page_id, "block_id": block_id, "anchor": {"start": 9, "end": 16, "text": "release"},
            "body": {"text": [{"text": "Which build?"}]}}))
        assert anchored.status_code == 201, anchored.text
        thread = anchored.json()["id"]
        await wait_for(lambda: thread in commented_text(client), 10, "the mark did not reach the live editor")
        await wait_for(lambda: len(typed) >= 60, 10, "no typing")
        client.release_sending()
        await wait_for(lambda: len(typed) >= 80, 10, "no typing")
        stop.set()
        await typing
        await client.wait_saved(30)
        assert plain(client) == [SENTENCE + "".join(typed)]
        assert commented_text(client) == {thread: "release"}
        await client.close()
        return thread

    thread = run(scenario())
    spans = live.document(page_id)["items"][0]["content"]["text"]
    assert spans == [{"text": "Ship the "}, {"text": "release", "comment": thread}, {"text": " on Friday" + "".join(typed)}]
    listed = live.api("grace").get("/api/v1/comments", params={"page_id": page_id}).json()["items"]
    assert [(item["id"], item["anchor"], item["orphaned"]) for item in listed] == [
        (thread, {"start": 9, "end": 16, "text": "release"}, False)]
