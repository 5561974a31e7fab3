"""Live notices in real Chromium (/ws/events): what one person does shows in another person's open tab without a
reload — a page renamed in the editor and a page created appear in the other's sidebar, a comment that mentions
them raises their inbox badge, a row added shows in their open table."""

from __future__ import annotations

import httpx
import pytest

from .test_editor import PASSWORD, log_in, open_page, workspace  # noqa: F401 (workspace is a fixture)
from .test_live_editing import add_member

pytestmark = [pytest.mark.browser, pytest.mark.once]

NOT_RELOADED = "() => window.__sameDocument === true"


def test_another_tab_sees_pages_appear_and_its_inbox_badge_change_without_reload(site, workspace, browser):
    add_member(site, workspace, "ada")
    ada_id = httpx.get(workspace.base_url + "/api/v1/me", headers={"Authorization": "Bearer " + httpx.post(
        workspace.base_url + "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD, "name": "t"}).json()["token"]}).json()["id"]
    doc = workspace.create_page("Standup")
    grace_context, ada_context = browser.new_context(), browser.new_context()
    grace, ada = grace_context.new_page(), ada_context.new_page()
    try:
        for tab, name in ((grace, "grace"), (ada, "ada")):
            tab.set_default_timeout(15_000)
            log_in(tab, workspace.base_url, name)
        open_page(grace, workspace.base_url, doc["id"])
        ada.goto(workspace.base_url + "/web")
        ada.wait_for_selector(f'#workos-page-tree li[data-page-id="{doc["id"]}"]')
        assert ada.locator("#sidebar-inbox .sidebar-badge").count() == 0
        ada.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads

        # grace renames the page in her editor: ada's sidebar follows
        grace.click(".page-title")
        grace.keyboard.press("Control+A")
        grace.keyboard.type("Standup notes")
        grace.keyboard.press("Enter")
        ada.wait_for_function(
            f"""() => document.querySelector('#workos-page-tree li[data-page-id="{doc["id"]}"] .tree-title')?.textContent === 'Standup notes'""",
            polling=100)

        # a page created elsewhere appears
        created = workspace.create_page("Retro")
        ada.wait_for_selector(f'#workos-page-tree li[data-page-id="{created["id"]}"]')
        assert ada.inner_text(f'#workos-page-tree li[data-page-id="{created["id"]}"] .tree-title') == "Retro"

        # a comment that mentions ada: her badge shows one unread notice
        body = {"text": [{"text": "please look "}, {"mention": {"kind": "user", "id": ada_id}, "text": "@ada"}]}
        commented = workspace.api.post("/api/v1/comments", json={"page_id": doc["id"], "body": body})
        assert commented.status_code == 201, commented.text
        ada.wait_for_selector("#sidebar-inbox .sidebar-badge")
        assert ada.inner_text("#sidebar-inbox .sidebar-badge") == "1"

        # trashed elsewhere: gone from her tree
        trashed = workspace.api.delete(f"/api/v1/pages/{created['id']}")
        assert trashed.status_code == 200, trashed.text
        ada.wait_for_selector(f'#workos-page-tree li[data-page-id="{created["id"]}"]', state="detached")
        assert ada.evaluate(NOT_RELOADED)
    finally:
        grace_context.close()
        ada_context.close()


def test_an_open_table_shows_rows_added_by_someone_else(site, workspace, browser):
    add_member(site, workspace, "ada")
    database = workspace.api.post("/api/v1/databases", json={"space_id": workspace.space_id, "title": "Tasks"})
    assert database.status_code == 201, database.text
    database = database.json()
    context = browser.new_context()
    ada = context.new_page()
    try:
        ada.set_default_timeout(15_000)
        log_in(ada, workspace.base_url, "ada")
        ada.goto(f"{workspace.base_url}/web/databases/{database['id']}")
        ada.wait_for_selector("#workos-db-view[data-ready=true]")
        ada.evaluate("() => { window.__sameDocument = true; }")
        title = next(prop for prop in workspace.api.get(f"/api/v1/databases/{database['id']}/properties").json() if prop["type"] == "title")
        added = workspace.api.post(f"/api/v1/databases/{database['id']}/rows", json={"values": {str(title["id"]): "Ship the release"}})
        assert added.status_code == 201, added.text
        ada.wait_for_selector("#workos-db-view :text('Ship the release')")
        assert ada.evaluate(NOT_RELOADED)
    finally:
        context.close()
