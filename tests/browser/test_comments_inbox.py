"""Comments and the inbox in real Chromium, two people in two browser contexts, against a real server.

Grace comments on a page from its comments panel; Bob, who follows the page, sees the unread badge in his
inbox, opens the item and lands on the highlighted comment, and replies; Grace gets the reply in her inbox,
opens it and resolves the thread. The same with an inline comment: Bob lands on the commented words in the
editor, with the thread open beside them.
"""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/web/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/web")


def watch_csp(page, violations: list) -> None:
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)


def grace_and_bob(site, serve):
    """A server where grace owns the "Launch plan" page of a team space and bob is a member: (base URL, API
    clients by name, the page's id, bob's id)."""
    site.install("ipai_workos_affine")
    for username in ("grace", "bob"):
        site.workos("user", "create", username, "--password-stdin", input=PASSWORD + "\n", check=True)
    base_url = serve(site).base_url
    clients = {}
    for username in ("grace", "bob"):
        token = httpx.post(base_url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "name": "tests"})
        assert token.status_code == 201, token.text
        clients[username] = httpx.Client(base_url=base_url, headers={"Authorization": "Bearer " + token.json()["token"]}, timeout=30)
    grace = clients["grace"]
    workspace = grace.post("/api/v1/workspaces", json={"name": "Acme"}).json()
    space = grace.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()
    page_id = grace.post("/api/v1/pages", json={"space_id": space["id"], "title": "Launch plan"}).json()["id"]
    bob_id = site.sql("SELECT id FROM auth_user WHERE username = 'bob'")[0][0]
    assert grace.post(f"/api/v1/workspaces/{workspace['id']}/members", json={"user_id": bob_id, "role": "member"}).status_code == 201
    return base_url, clients, page_id, bob_id


def test_comment_reply_through_the_inbox_and_resolve(site, serve, browser):
    base_url, clients, page_id, _bob_id = grace_and_bob(site, serve)
    grace, bob = clients["grace"], clients["bob"]
    assert bob.post("/api/v1/follows", json={"page_id": page_id}).status_code == 200

    violations: list[str] = []
    grace_context = browser.new_context(viewport={"width": 1280, "height": 900})
    bob_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        as_grace, as_bob = grace_context.new_page(), bob_context.new_page()
        for tab in (as_grace, as_bob):
            tab.set_default_timeout(15_000)
            watch_csp(tab, violations)

        # Grace comments from the panel under the page
        log_in(as_grace, base_url, "grace")
        as_grace.goto(f"{base_url}/web/pages/{page_id}")
        as_grace.wait_for_selector("[data-collab-comments] [data-collab-status]:text('No comments yet.')")
        as_grace.fill("#collab-new-text", "Can someone check the dates?")
        as_grace.click("[data-collab-new] button[type=submit]")
        as_grace.wait_for_selector(".collab-comment:has-text('Can someone check the dates?')")

        # Bob sees the unread badge, opens the item and lands on the highlighted comment
        log_in(as_bob, base_url, "bob")
        assert as_bob.locator("#sidebar-inbox .sidebar-badge").inner_text() == "1"  # on every page, in the sidebar
        as_bob.click("#sidebar-inbox")
        as_bob.wait_for_url(base_url + "/web/inbox")
        assert as_bob.locator(".collab-badge").inner_text() == "1"
        as_bob.click("button.collab-title:has-text('grace commented on Launch plan')")
        as_bob.wait_for_url(re.compile(rf"/web/pages/{page_id}#comment-\d+$"))
        highlighted = as_bob.locator(".collab-comment.collab-highlight")
        highlighted.wait_for()
        assert "Can someone check the dates?" in highlighted.inner_text()
        as_bob.fill(".collab-reply textarea", "Dates look right to me.")
        as_bob.click(".collab-reply button[type=submit]")
        as_bob.wait_for_selector(".collab-comment:has-text('Dates look right to me.')")
        as_bob.goto(base_url + "/web/inbox")
        assert as_bob.locator(".collab-badge").count() == 0  # opening it read it
        assert as_bob.locator("#sidebar-inbox .sidebar-badge").count() == 0

        # Grace gets the reply, opens it and resolves the thread
        as_grace.goto(base_url + "/web/inbox")
        as_grace.click("button.collab-title:has-text('bob replied in a thread on Launch plan')")
        as_grace.wait_for_url(re.compile(rf"/web/pages/{page_id}#comment-\d+$"))
        as_grace.wait_for_selector(".collab-comment:has-text('Dates look right to me.')")
        as_grace.click("button[data-action=resolve]")
        as_grace.wait_for_selector("[data-collab-resolved-box]:not([hidden])")
        assert as_grace.locator("[data-collab-threads] .collab-thread").count() == 0
    finally:
        grace_context.close()
        bob_context.close()

    threads = grace.get("/api/v1/comments", params={"page_id": page_id}).json()["items"]
    assert len(threads) == 1 and threads[0]["resolved"] and threads[0]["resolved_by"]["name"] == "grace"
    assert [reply["body"]["text"][0]["text"] for reply in threads[0]["replies"]] == ["Dates look right to me."]
    assert violations == []
    for client in clients.values():
        client.close()


def test_an_inline_comment_through_the_inbox_lands_on_the_commented_words(site, serve, browser):
    base_url, clients, page_id, bob_id = grace_and_bob(site, serve)
    grace = clients["grace"]
    # a long page: the commented words are far below the top
    filler = [{"type": "paragraph", "content": {"text": [{"text": f"Background paragraph {n}."}]}} for n in range(60)]
    version = grace.get(f"/api/v1/pages/{page_id}/blocks").json()["version"]
    saved = grace.put(f"/api/v1/pages/{page_id}/blocks", json={"blocks": filler + [
        {"type": "paragraph", "content": {"text": [{"text": "Ship the release on Friday"}]}}], "base_version": version})
    assert saved.status_code == 200, saved.text
    target = saved.json()["items"][-1]["id"]
    body = {"text": [{"mention": {"kind": "user", "id": bob_id}, "text": "@bob"}, {"text": " can we?"}]}
    thread = grace.post("/api/v1/comments", json={"page_id": page_id, "block_id": target, "anchor": {"start": 9, "end": 16}, "body": body})
    assert thread.status_code == 201, thread.text

    violations: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 700})
    try:
        as_bob = context.new_page()
        as_bob.set_default_timeout(15_000)
        watch_csp(as_bob, violations)
        log_in(as_bob, base_url, "bob")
        assert as_bob.locator("#sidebar-inbox .sidebar-badge").inner_text() == "1"
        as_bob.click("#sidebar-inbox")
        as_bob.click("button.collab-title:has-text('grace mentioned you')")
        as_bob.wait_for_url(re.compile(rf"/web/pages/{page_id}#comment-{thread.json()['id']}$"))
        words = as_bob.locator(f".ProseMirror [data-comment-thread='{thread.json()['id']}']")
        words.wait_for()
        assert words.inner_text() == "release"
        as_bob.wait_for_function(
            "(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }",
            arg=words.element_handle())
        assert "is-active" in (as_bob.locator(".comment-highlight[data-thread]").first.get_attribute("class") or "")
        side = as_bob.locator("aside.collab-side")
        assert not side.is_hidden() and "can we?" in side.inner_text()
        side.locator(".collab-reply textarea").fill("Friday works.")
        side.locator(".collab-reply button[type=submit]").click()
        side.locator(".collab-comment:has-text('Friday works.')").wait_for()
    finally:
        context.close()

    threads = grace.get("/api/v1/comments", params={"page_id": page_id}).json()["items"]
    assert [reply["body"]["text"][0]["text"] for reply in threads[0]["replies"]] == ["Friday works."]
    assert violations == []
    for client in clients.values():
        client.close()
