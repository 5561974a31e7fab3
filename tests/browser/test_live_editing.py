"""Two people co-edit one page live in real Chromium (issue 14): two browser contexts, two users, typing into
the same paragraph at once. Both end with the same text, see each other's carets and avatars; a reload shows it
all; the API and search have it."""

from __future__ import annotations

import httpx
import pytest

from .test_editor import PASSWORD, SAVED, eventually, log_in, open_page, text_of, workspace  # noqa: F401 (workspace is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.once]

EDITOR_TEXT = "() => window.workosEditor.editor.getText()"
# Two pages at once: requestAnimationFrame does not run in the one that is not in front, so waits poll by time.


def add_member(site, workspace, username: str) -> None:
    site.workos("user", "create", username, "--password-stdin", input=PASSWORD + "\n", check=True)
    token = httpx.post(workspace.base_url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "name": "t"}).json()["token"]
    user_id = httpx.get(workspace.base_url + "/api/v1/me", headers={"Authorization": "Bearer " + token}).json()["id"]
    added = workspace.api.post(f"/api/v1/workspaces/{workspace.workspace_id}/members", json={"user_id": user_id, "role": "member"})
    assert added.status_code == 201, added.text


def test_two_people_type_into_one_page_at_once_and_both_keep_every_word(site, workspace, browser):
    add_member(site, workspace, "ada")
    doc = workspace.create_page("Standup")
    workspace.put_blocks(doc["id"], [{"type": "paragraph", "content": {"text": [{"text": "Grace:"}]}},
                                     {"type": "paragraph", "content": {"text": [{"text": "Ada:"}]}}])
    grace_context, ada_context = browser.new_context(), browser.new_context()
    grace, ada = grace_context.new_page(), ada_context.new_page()
    try:
        for index, (tab, name) in enumerate(((grace, "grace"), (ada, "ada"))):
            tab.set_default_timeout(15_000)
            log_in(tab, workspace.base_url, name)
            open_page(tab, workspace.base_url, doc["id"])
            tab.wait_for_function("() => window.workosEditor && window.workosEditor.live && window.workosEditor.live.state() === 'saved'", polling=100)
            tab.locator(".workos-editor p").nth(index).click()  # each in their own paragraph, at the same time
            tab.keyboard.press("End")

        for grace_word, ada_word in zip(" alpha bravo charlie".split(" "), " one two three".split(" ")):
            grace.keyboard.type(grace_word + " ")
            ada.keyboard.type(ada_word + " ")

        for tab in (grace, ada):
            tab.wait_for_function("() => ['alpha', 'bravo', 'charlie', 'one', 'two', 'three'].every(w => window.workosEditor.editor.getText().includes(w))", polling=100)
        eventually(lambda: grace.evaluate(EDITOR_TEXT) == ada.evaluate(EDITOR_TEXT))

        # each sees the other: a labelled caret and an avatar
        grace.wait_for_selector(".collaboration-caret[data-caret-name=ada]")
        ada.wait_for_selector(".collaboration-caret[data-caret-name=grace]")
        assert grace.locator("[data-presence] .presence-avatar[data-user-name=ada]").count() == 1
        assert ada.locator("[data-presence] .presence-avatar[data-user-name=grace]").count() == 1

        for tab in (grace, ada):
            tab.wait_for_function(SAVED, polling=100)
            assert tab.locator("[data-save-status]").get_attribute("data-state") == "saved"
        final = grace.evaluate(EDITOR_TEXT)

        grace.reload()
        grace.wait_for_selector(".workos-editor[contenteditable=true]")
        grace.wait_for_function("() => window.workosEditor.live && window.workosEditor.live.state() === 'saved'", polling=100)
        assert grace.evaluate(EDITOR_TEXT) == final
        assert "\n\n".join(text_of(block) for block in workspace.blocks(doc["id"])) == final
        found = workspace.api.get("/api/v1/search", params={"q": "charlie"}).json()["items"]
        assert doc["id"] in [item["id"] for item in found], found
    finally:
        grace_context.close()
        ada_context.close()


def test_the_rest_save_is_the_fallback_when_the_live_socket_cannot_connect(workspace, page):
    doc = workspace.create_page("Offline plan")
    page.route_web_socket("**/ws/pages/**", lambda socket: socket.close(code=1011, reason="test: no live server"))
    log_in(page, workspace.base_url)
    open_page(page, workspace.base_url, doc["id"])
    assert page.evaluate("() => window.workosEditor.live") is None
    page.click(".workos-editor")
    page.keyboard.type("saved the old way")
    page.wait_for_function(SAVED, polling=100)
    assert [text_of(block) for block in workspace.blocks(doc["id"])] == ["saved the old way"]
