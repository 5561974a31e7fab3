"""Inline comments and the mention access prompt in real Chromium, against a real server (live pages, Yjs).

Grace selects words in the editor and comments with Ctrl+Alt+M: the words are highlighted, the thread opens in
the side panel, she replies and resolves it (the highlight goes) and reopens it (it comes back). Cora, a guest who
may comment but not edit, selects other words in her read-only editor and uses the bubble menu's "Comment": the
server marks the words and Grace's editor highlights them at once, through the live document. After a reload
everything is still anchored. Then the @-menu: Dan cannot read the page, Grace is asked, shares it with him
(a read grant), and Eve is mentioned anyway (her mention says "No access")."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from .test_editor import PASSWORD, eventually, log_in, workspace  # noqa: F401 (workspace is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.once]

LIVE_SAVED = "() => window.workosEditor && window.workosEditor.live && window.workosEditor.live.state() === 'saved'"


def add_person(site, workspace, username: str, role: str) -> int:
    site.workos("user", "create", username, "--password-stdin", input=PASSWORD + "\n", check=True)
    token = httpx.post(workspace.base_url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "name": "t"}).json()["token"]
    user_id = httpx.get(workspace.base_url + "/api/v1/me", headers={"Authorization": "Bearer " + token}).json()["id"]
    added = workspace.api.post(f"/api/v1/workspaces/{workspace.workspace_id}/members", json={"user_id": user_id, "role": role})
    assert added.status_code == 201, added.text
    return user_id


def select_words(tab, words: str) -> None:
    """Select ``words`` in the editor as a mouse would (a DOM selection), read-only or not."""
    tab.evaluate("""(words) => {
        const root = document.querySelector('.workos-editor');
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(words);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + words.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return;
        }
        throw new Error('not in the editor: ' + words);
    }""", words)


def highlighted(tab) -> list[str]:
    return tab.evaluate("() => [...document.querySelectorAll('.workos-editor .comment-highlight')].map(e => e.textContent)")


def test_inline_threads_from_an_editor_and_a_commenter_reply_resolve_reopen_and_reload(site, workspace, browser):
    cora_id = add_person(site, workspace, "cora", "guest")
    doc = workspace.create_page("Release notes")
    workspace.put_blocks(doc["id"], [{"type": "paragraph", "content": {"text": [{"text": "Ship the release on Friday after the review"}]}}])
    grant = workspace.api.post("/api/v1/permissions", json={"scope_model": "ipai.workos.page", "scope_id": str(doc["id"]), "level": "comment", "user_id": cora_id})
    assert grant.status_code == 201, grant.text

    grace_context, cora_context = browser.new_context(), browser.new_context()
    grace, cora = grace_context.new_page(), cora_context.new_page()
    try:
        for tab, name in ((grace, "grace"), (cora, "cora")):
            tab.set_default_timeout(15_000)
            log_in(tab, workspace.base_url, name)
            tab.goto(f"{workspace.base_url}/web/pages/{doc['id']}")
            tab.wait_for_function(LIVE_SAVED, polling=100)
        assert cora.locator(".workos-editor").get_attribute("contenteditable") == "false"

        # Grace: select, Ctrl+Alt+M, write, submit
        grace.locator(".workos-editor p").click()
        select_words(grace, "the release")
        grace.keyboard.press("Control+Alt+m")
        grace.wait_for_selector("[data-collab-side] [data-collab-inline-new] textarea")
        assert grace.locator("[data-collab-side] .collab-anchor").inner_text() == "the release"
        grace.fill("[data-collab-side] [data-collab-inline-new] textarea", "Which build is this?")
        grace.click("[data-collab-side] [data-collab-inline-new] button[type=submit]")
        grace.wait_for_selector("[data-collab-side] .collab-comment:has-text('Which build is this?')")
        grace.wait_for_function("() => [...document.querySelectorAll('.workos-editor .comment-highlight')].some(e => e.textContent === 'the release')", polling=100)
        grace.wait_for_function(LIVE_SAVED, polling=100)

        # the mark is in the blocks (the REST document path) once the live edits are derived
        def marked() -> list[dict]:
            return [span for span in workspace.blocks(doc["id"])[0]["content"]["text"] if span.get("comment")]
        eventually(lambda: [span["text"] for span in marked()] == ["the release"], timeout=15)
        thread_id = marked()[0]["comment"]

        # Cora reads it by clicking the highlighted words, and replies in the side panel
        cora.wait_for_function("() => [...document.querySelectorAll('.workos-editor .comment-highlight')].some(e => e.textContent === 'the release')", polling=100)
        cora.locator(".workos-editor .comment-highlight", has_text="the release").click()
        cora.wait_for_selector("[data-collab-side] .collab-comment:has-text('Which build is this?')")
        cora.fill("[data-collab-side] .collab-reply textarea", "Build 42.")
        cora.click("[data-collab-side] .collab-reply button[type=submit]")
        cora.wait_for_selector("[data-collab-side] .collab-comment:has-text('Build 42.')")

        # Cora comments on other words from the bubble menu of her read-only editor: the server marks them
        select_words(cora, "Friday")
        cora.wait_for_selector(".format-toolbar .format-comment")
        assert cora.locator(".format-toolbar .format-bold").is_hidden()
        cora.click(".format-toolbar .format-comment")
        cora.fill("[data-collab-side] [data-collab-inline-new] textarea", "Friday is a holiday")
        cora.click("[data-collab-side] [data-collab-inline-new] button[type=submit]")
        cora.wait_for_selector("[data-collab-side] .collab-comment:has-text('Friday is a holiday')")
        for tab in (grace, cora):  # through the live document, in both editors
            tab.wait_for_function("() => [...document.querySelectorAll('.workos-editor .comment-highlight')].some(e => e.textContent === 'Friday')", polling=100)
        assert cora.evaluate("() => window.workosEditor.editor.getText()") == "Ship the release on Friday after the review"

        # Grace opens her thread, sees the reply, resolves it: the highlight goes; reopening brings it back
        grace.locator(".workos-editor .comment-highlight", has_text="the release").click()
        grace.wait_for_selector("[data-collab-side] .collab-comment:has-text('Build 42.')")
        grace.click(f"[data-collab-side] button[data-action=resolve][data-id='{thread_id}']")
        grace.wait_for_function("() => ![...document.querySelectorAll('.workos-editor .comment-highlight')].some(e => e.textContent === 'the release')", polling=100)
        assert highlighted(grace) == ["Friday"]
        grace.click(f"[data-collab-side] button[data-action=reopen][data-id='{thread_id}']")
        grace.wait_for_function("() => [...document.querySelectorAll('.workos-editor .comment-highlight')].some(e => e.textContent === 'the release')", polling=100)

        # after a reload both anchors are still there, and the page's panel lists both threads with their quotes
        grace.reload()
        grace.wait_for_function(LIVE_SAVED, polling=100)
        grace.wait_for_function("() => document.querySelectorAll('.workos-editor .comment-highlight').length === 2", polling=100)
        assert sorted(highlighted(grace)) == ["Friday", "the release"]
        quotes = grace.locator("[data-collab-comments] .collab-anchor")
        expect(quotes).to_have_count(2)  # the panel fetches its threads after the editor opens
        assert sorted(quotes.all_inner_texts()) == ["Friday", "the release"]

        # deleting the commented words keeps the thread, listed as orphaned
        grace.locator(".workos-editor .comment-highlight", has_text="Friday").click()
        grace.keyboard.press("Escape")
        grace.evaluate("""() => { const e = window.workosEditor.editor; const text = e.getText(); const at = text.indexOf('Friday') + 1;
                                e.chain().setTextSelection({from: at, to: at + 'Friday'.length}).deleteSelection().run(); }""")
        grace.wait_for_function(LIVE_SAVED, polling=100)
        eventually(lambda: any(item["orphaned"] for item in workspace.api.get("/api/v1/comments", params={"page_id": doc["id"]}).json()["items"]), timeout=15)
        grace.reload()
        grace.wait_for_selector("[data-collab-comments] .collab-orphaned")
    finally:
        grace_context.close()
        cora_context.close()


def test_mentioning_someone_without_access_asks_to_share_or_mention_anyway(site, workspace, browser):
    dan_id = add_person(site, workspace, "dan", "guest")
    add_person(site, workspace, "eve", "guest")
    doc = workspace.create_page("Budget")
    workspace.put_blocks(doc["id"], [{"type": "paragraph", "content": {"text": [{"text": "Numbers"}]}}])
    context = browser.new_context()
    tab = context.new_page()
    try:
        tab.set_default_timeout(15_000)
        log_in(tab, workspace.base_url, "grace")
        tab.goto(f"{workspace.base_url}/web/pages/{doc['id']}")
        tab.wait_for_function(LIVE_SAVED, polling=100)
        tab.locator(".workos-editor p").click()
        tab.keyboard.press("End")
        tab.keyboard.type(" ask @da")
        tab.wait_for_selector(".slash-menu .slash-item:has-text('dan') .slash-hint:text('No access')")
        tab.keyboard.press("Enter")
        prompt = tab.locator(".mention-access-prompt")
        prompt.wait_for()
        assert prompt.locator("p").first.inner_text() == "dan has no access to this page"
        prompt.locator("[data-mention-access=share]").click()
        tab.wait_for_selector(".workos-editor .mention[data-kind=user]:has-text('@dan')")
        grants = workspace.api.get("/api/v1/permissions", params={"scope_model": "ipai.workos.page", "scope_id": str(doc["id"])}).json()
        assert [(g["user_id"], g["level"]) for g in grants] == [(dan_id, "view")]
        assert site.sql("SELECT count(*) FROM ipai_audit_event WHERE action = 'permission.grant'")[0][0] == 1

        # Eve: mention anyway; her mention says she has no access, and she is not notified
        tab.keyboard.type("and @ev")
        tab.wait_for_selector(".slash-menu .slash-item:has-text('eve') .slash-hint:text('No access')")
        tab.keyboard.press("Enter")
        tab.locator(".mention-access-prompt [data-mention-access=anyway]").click()
        tab.wait_for_selector(".workos-editor .mention.mention-no-access:has-text('@eve')")
        assert tab.locator(".workos-editor .mention:has-text('@dan')").get_attribute("class").split().count("mention-no-access") == 0

        # the same question in a comment box
        tab.fill("#collab-new-text", "cc @ev")
        tab.locator("#collab-new-text").dispatch_event("input")
        tab.wait_for_selector(".slash-menu .slash-item:has-text('eve')")
        tab.keyboard.press("Enter")
        tab.locator(".mention-access-prompt [data-mention-access=anyway]").click()
        assert tab.locator("#collab-new-text").input_value() == "cc @eve "
        tab.click("[data-collab-new] button[type=submit]")
        tab.wait_for_selector("[data-collab-comments] .collab-comment .mention[data-mention-kind=user]:has-text('@eve')")
        tab.wait_for_selector("[data-collab-status]:has-text('eve has no access to this page and was not notified.')")
        # the live refresh that follows a comment (here: one written elsewhere meanwhile) keeps the message
        assert workspace.api.post("/api/v1/comments", json={"page_id": doc["id"], "body": {"text": [{"text": "Noted"}]}}).status_code == 201
        tab.wait_for_selector("[data-collab-comments] .collab-comment:has-text('Noted')")
        assert tab.locator("[data-collab-status]").inner_text() == "eve has no access to this page and was not notified."
    finally:
        context.close()
