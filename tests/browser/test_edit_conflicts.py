"""Two tabs on one page in real Chromium: the later save never silently replaces the earlier one (issue 10
item 7). Tab A types and saves; tab B, opened before that save, types — its save is refused and it shows
"This page changed elsewhere" with reload / keep mine / copy my text.

Live pages (issue 14) merge two tabs through Yjs instead; these tests are of the REST save that the editor falls
back to when the live socket cannot connect, so the browser's WebSockets to /ws/pages are refused here."""

from __future__ import annotations

import pytest

from .test_editor import SAVED, log_in, open_page, text_of, wait_saved, workspace  # noqa: F401 (workspace is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.once]

CONFLICT = "[data-conflict]"


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "content": {"text": [{"text": text}]}}


def type_at_end(tab, text: str) -> None:
    tab.locator(".workos-editor p").first.click()
    tab.keyboard.press("End")
    tab.keyboard.type(text)


def without_live_pages(context) -> None:
    context.route_web_socket("**/ws/pages/**", lambda socket: socket.close(code=1011, reason="test: the REST fallback"))


def two_tabs_on_one_page(workspace, page):
    """Tab A and tab B of one browser session, both showing a page that holds "Start"."""
    without_live_pages(page.context)
    doc = workspace.create_page("Meeting notes")
    workspace.put_blocks(doc["id"], [paragraph("Start")])
    log_in(page, workspace.base_url)
    tab_b = page.context.new_page()
    tab_b.set_default_timeout(15_000)
    open_page(page, workspace.base_url, doc["id"])
    open_page(tab_b, workspace.base_url, doc["id"])
    return doc, page, tab_b


def stale_tab_sees_the_conflict(workspace, doc, tab_a, tab_b) -> None:
    type_at_end(tab_a, " from A")
    wait_saved(tab_a)
    assert [text_of(block) for block in workspace.blocks(doc["id"])] == ["Start from A"]

    type_at_end(tab_b, " from B")

    panel = tab_b.wait_for_selector(CONFLICT)
    assert "This page changed elsewhere" in panel.inner_text()
    assert tab_b.locator("[data-save-status]").get_attribute("data-state") == "conflict"
    assert [text_of(block) for block in workspace.blocks(doc["id"])] == ["Start from A"]  # nothing overwritten
    key = f"workos:unsaved:page:{doc['id']}"
    assert "from B" in tab_b.evaluate("key => localStorage.getItem(key)", key)  # the local copy is kept


def test_keep_mine_saves_the_stale_tab_and_history_keeps_the_other_text(workspace, page):
    doc, tab_a, tab_b = two_tabs_on_one_page(workspace, page)
    stale_tab_sees_the_conflict(workspace, doc, tab_a, tab_b)

    tab_b.click("[data-conflict-action=keep]")

    tab_b.wait_for_function(SAVED)
    tab_b.wait_for_selector(CONFLICT, state="detached")
    assert [text_of(block) for block in workspace.blocks(doc["id"])] == ["Start from B"]
    history = workspace.api.get(f"/api/v1/pages/{doc['id']}/history").json()["items"]
    kept = []
    for version in history:
        content = workspace.api.get(f"/api/v1/pages/{doc['id']}/history/{version['number']}").json()["content"]
        kept.append([text_of(block) for block in content.get("blocks", [])])
    assert kept[0] == ["Start from B"] and ["Start from A"] in kept[1:], kept
    assert tab_b.evaluate("key => localStorage.getItem(key)", f"workos:unsaved:page:{doc['id']}") is None


def test_reload_discards_mine_and_shows_the_other_tab_text_after_copy_offers_mine(workspace, page):
    doc, tab_a, tab_b = two_tabs_on_one_page(workspace, page)
    stale_tab_sees_the_conflict(workspace, doc, tab_a, tab_b)

    tab_b.click("[data-conflict-action=copy]")
    assert tab_b.locator(".conflict-text").input_value() == "Start from B"
    with tab_b.expect_navigation():
        tab_b.click("[data-conflict-action=reload]")

    tab_b.wait_for_selector(".workos-editor[contenteditable=true]")
    assert tab_b.locator(".workos-editor").inner_text().strip() == "Start from A"
    assert tab_b.locator(CONFLICT).count() == 0
    assert tab_b.evaluate("key => localStorage.getItem(key)", f"workos:unsaved:page:{doc['id']}") is None
    assert [text_of(block) for block in workspace.blocks(doc["id"])] == ["Start from A"]


def test_the_unsaved_text_survives_a_reload_of_the_stale_tab_until_the_user_chooses(workspace, page):
    doc, tab_a, tab_b = two_tabs_on_one_page(workspace, page)
    stale_tab_sees_the_conflict(workspace, doc, tab_a, tab_b)

    tab_b.reload()  # the browser's reload, not the panel's: nothing was chosen yet

    panel = tab_b.wait_for_selector(CONFLICT)
    assert "were not saved" in panel.inner_text()
    assert tab_b.locator(".workos-editor").inner_text().strip() == "Start from A"
    assert tab_b.locator(".workos-editor").get_attribute("contenteditable") == "false"
    tab_b.click("[data-conflict-action=keep]")
    tab_b.wait_for_function(SAVED)
    assert tab_b.locator(".workos-editor").inner_text().strip() == "Start from B"
    assert [text_of(block) for block in workspace.blocks(doc["id"])] == ["Start from B"]
