"""The template gallery in real Chromium against a real server: open the gallery, preview a template, apply
it, land on what it made; start an empty page from a template; save a page as a template from its ⋯ menu.
The strict CSP holds throughout (no violation reported)."""

from __future__ import annotations

import pytest

from .test_editor import log_in, start

pytestmark = [pytest.mark.browser, pytest.mark.once]

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));
"""


@pytest.fixture
def workspace(site, serve):
    base_url, client = start(site, serve)
    created = client.post("/api/v1/workspaces", json={"name": "Acme"}).json()
    space = client.post("/api/v1/spaces", json={"workspace_id": created["id"], "name": "Engineering"}).json()
    yield {"base_url": base_url, "client": client, "space": space}
    client.close()


def test_gallery_preview_apply_and_land_on_the_new_database(workspace, page):
    base_url = workspace["base_url"]
    page.add_init_script(CSP_WATCH)
    log_in(page, base_url)
    assert " ".join(page.locator(".home-actions .home-from-template").inner_text().split()) == "✨ Start from a template"
    page.click(".sidebar-templates")
    page.wait_for_url(f"{base_url}/web/templates")
    assert page.locator(".tpl-card").count() >= 10
    page.fill("[data-template-search]", "tracker")
    assert page.locator(".tpl-card:visible").count() == 2  # Project tracker, Bug tracker: filtered as you type

    page.click(".tpl-card[data-template-name='project tracker'] a")
    preview = page.locator(".tpl-preview")
    preview.locator("h2", has_text="Project tracker").wait_for()
    assert "Kick-off meeting with stakeholders" in preview.inner_text()
    assert "kanban · Board" in preview.inner_text() and "calendar · Calendar" in preview.inner_text()
    page.click(".tpl-apply button[type=submit]")

    page.wait_for_url(f"{base_url}/web/databases/*")
    page.locator(".db-title").wait_for()
    assert page.locator(".db-title").input_value() == "Project tracker"
    page.wait_for_selector(".view-tab", state="attached")
    assert [tab.strip() for tab in page.locator(".view-tab-name").all_inner_texts()] == ["Board", "All tasks", "Calendar", "My open tasks", "By area"]
    page.wait_for_function("() => document.querySelectorAll('#workos-db-view [data-row-id], #workos-db-view .dbv-card, #workos-db-view tr').length > 3")
    page.locator(".tpl-row-templates").wait_for()  # the row-template picker beside New
    database_url = page.url
    page.click(".db-new[data-action=new-row]")  # New uses the database's default row template ("Task")
    page.wait_for_url(f"{base_url}/web/pages/*")
    page.wait_for_selector(".workos-editor")
    assert "Goal" in page.locator(".workos-editor").inner_text()
    page.goto(database_url)
    page.locator(".tpl-row-templates").wait_for()
    page.click(".tpl-row-templates")
    page.click(".tpl-menu button:has-text('Milestone')")
    page.wait_for_url(f"{base_url}/web/pages/*")
    page.wait_for_selector(".workos-editor")
    assert "A milestone is done when" in page.locator(".workos-editor").inner_text()
    assert page.evaluate("window.__cspViolations") == []


def test_an_empty_page_starts_from_a_template_and_a_page_saves_as_one(workspace, page):
    base_url, client = workspace["base_url"], workspace["client"]
    empty = client.post("/api/v1/pages", json={"space_id": workspace["space"]["id"], "title": ""}).json()
    page.add_init_script(CSP_WATCH)
    log_in(page, base_url)
    page.goto(f"{base_url}/web/pages/{empty['id']}")
    panel = page.locator("#workos-page [data-template-panel]")  # moved right under the editor by the island
    panel.wait_for()
    panel.locator("button", has_text="Meeting notes").click()
    # the page reloads at the same address: wait for the applied content, not for an editor (the old one counts)
    page.locator(".workos-editor", has_text="Action items").wait_for()
    assert page.url == f"{base_url}/web/pages/{empty['id']}"
    assert page.locator("textarea.page-title").input_value().startswith("Meeting notes ")
    assert page.locator("[data-template-panel]").count() == 0  # the page is no longer empty

    page.once("dialog", lambda dialog: dialog.accept("Our meeting notes"))
    page.click(".page-menu-button")
    page.click(".shell-menu-item:has-text('Save as template')")
    page.wait_for_url(f"{base_url}/web/templates?preview=*")
    page.locator(".tpl-preview h2", has_text="Our meeting notes").wait_for()
    assert page.evaluate("window.__cspViolations") == []
