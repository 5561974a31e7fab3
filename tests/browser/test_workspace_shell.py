"""The workspace shell in real Chromium, as a member and as an administrator in two browser contexts: the home
page (first run, then with pages), the one sidebar (favourites, spaces, databases as pages, trash, collapse),
the page "⋯" menu (favourite, move, delete with Undo), the trash (restore, delete forever) and the settings.

Every surface is also checked for console errors and for requests to any host other than the app's own, and
a screenshot of each is saved under the test's tmp folder for review.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"


def version_of(api, page_id: int) -> int:
    """The document version a save must be based on (GET of the page's blocks answers it)."""
    return api.get(f"/api/v1/pages/{page_id}/blocks").json()["version"]


def user_client(base_url: str, username: str) -> httpx.Client:
    token = httpx.post(base_url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "name": "tests"})
    assert token.status_code == 201, token.text
    return httpx.Client(base_url=base_url, headers={"Authorization": "Bearer " + token.json()["token"]}, timeout=30)


@dataclass
class Watched:
    """A browser context's page whose console errors and off-site requests are collected."""

    page: object
    base_url: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def __post_init__(self):
        own = urlsplit(self.base_url).netloc
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
                     and urlsplit(request.url).netloc != own and self.foreign.append(request.url))


@pytest.fixture
def shell(site, serve, browser, tmp_path):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "ada", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    site.workos("user", "create", "bob", "--password-stdin", input=PASSWORD + "\n", check=True)
    server = serve(site)
    contexts = []

    def open_as(username: str) -> Watched:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watched = Watched(page, server.base_url)
        page.goto(server.base_url + "/web/login")
        page.fill("#login", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server.base_url + "/web")
        return watched

    shots = tmp_path / "screenshots"
    shots.mkdir()
    yield server.base_url, open_as, shots
    for context in contexts:
        context.close()


def screenshot(page, shots: Path, name: str) -> None:
    page.wait_for_timeout(150)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=False)


def eventually(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def page_id_of(page) -> int:
    return int(re.search(r"/web/pages/(\d+)$", page.url).group(1))


def open_page_menu(page) -> None:
    page.click("[data-action=page-menu]")
    page.wait_for_selector(".shell-menu")


def choose(page, label: str) -> None:
    page.click(f".shell-menu .shell-menu-item:has-text('{label}')")


def test_a_new_member_starts_from_home_and_takes_a_page_through_favourite_move_trash_and_delete_forever(shell):
    base_url, open_as, shots = shell
    with user_client(base_url, "ada") as admin_api, user_client(base_url, "bob") as member_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme"}).json()
        space = admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()
        bob_id = member_api.get("/api/v1/me").json()["id"]
        added = admin_api.post(f"/api/v1/workspaces/{workspace['id']}/members", json={"user_id": bob_id, "role": "member"})
        assert added.status_code == 201, added.text
        admin = open_as("ada")
        member = open_as("bob")
        page = member.page

        # First run: nothing yet, one click to a first page.
        page.wait_for_selector(".home-first-run")
        screenshot(page, shots, "home-first-run")
        assert "Good" in page.inner_text(".home-greeting") and "bob" in page.inner_text(".home-greeting")
        page.locator(".home-actions a.home-from-template").wait_for()  # added by the templates island: it opens the gallery
        page.click(".home-first-page")
        page.wait_for_url(re.compile(r"/web/pages/\d+$"))
        first = page_id_of(page)
        page.wait_for_selector(".workos-editor[contenteditable=true]")
        page.fill(".page-title", "Roadmap")
        eventually(lambda: member_api.get(f"/api/v1/pages/{first}").json()["title"] == "Roadmap")
        target = member_api.post("/api/v1/pages", json={"space_id": space["id"], "title": "Planning"}).json()
        page.reload()
        page.wait_for_selector(f"#workos-page-tree li[data-page-id='{target['id']}']")

        # Favourite: the sidebar's Favourites section shows it, and the home lists it.
        open_page_menu(page)
        screenshot(page, shots, "page-menu")
        choose(page, "Add to favourites")
        page.wait_for_selector(f"#workos-favorites a[href='/web/pages/{first}']")
        assert [f["page"]["id"] for f in member_api.get("/api/v1/favorites").json()] == [first]

        # Move into "Planning" through the searchable picker.
        open_page_menu(page)
        choose(page, "Move to")
        page.fill(".shell-picker-search", "Plann")
        assert page.locator(".shell-picker-item").count() == 1
        page.click(".shell-picker-item")
        eventually(lambda: member_api.get(f"/api/v1/pages/{first}").json()["parent_id"] == target["id"])
        page.wait_for_selector(f"#workos-page-tree li[data-page-id='{target['id']}'] li[data-page-id='{first}']")

        # Delete, then Undo from the toast.
        open_page_menu(page)
        choose(page, "Delete")
        page.wait_for_selector(".trash-banner")
        page.click(".shell-toast-action:has-text('Undo')")
        page.wait_for_selector(".workos-editor[contenteditable=true]")
        assert member_api.get(f"/api/v1/pages/{first}").json()["archived_at"] is None
        assert page.locator(".trash-banner").count() == 0

        # Delete again, restore from the Trash panel.
        open_page_menu(page)
        choose(page, "Delete")
        page.wait_for_selector(".trash-banner")
        page.click("nav.sidebar a[href='/web/trash']")
        page.wait_for_selector(f".trash-entry[data-page-id='{first}']")
        entry = page.inner_text(f".trash-entry[data-page-id='{first}']")
        assert "Roadmap" in entry and "in Planning" in entry and "deleted by bob" in entry
        assert "30 days" in page.inner_text(".trash-retention")
        page.fill("[data-trash-search]", "nothing like it")
        assert not page.locator(f".trash-entry[data-page-id='{first}']").is_visible()
        page.fill("[data-trash-search]", "road")
        screenshot(page, shots, "trash")
        page.click(f".trash-entry[data-page-id='{first}'] [data-action=restore-page]")
        page.wait_for_selector(f".trash-entry[data-page-id='{first}']", state="detached")
        assert member_api.get(f"/api/v1/pages/{first}").json()["archived_at"] is None

        # Delete a third time and delete forever from the trashed page's banner, confirming.
        page.goto(f"{base_url}/web/pages/{first}")
        open_page_menu(page)
        choose(page, "Delete")
        page.wait_for_selector(".trash-banner [data-action=delete-forever]")
        page.click(".trash-banner [data-action=delete-forever]")
        page.wait_for_selector(".shell-dialog")
        page.keyboard.press("Escape")
        page.wait_for_selector(".shell-dialog", state="detached")
        assert member_api.get(f"/api/v1/pages/{first}").status_code == 200
        page.click(".trash-banner [data-action=delete-forever]")
        page.click(".shell-dialog [data-confirm]")
        page.wait_for_url(base_url + "/web/trash")
        assert member_api.get(f"/api/v1/pages/{first}").status_code == 404

        # Home now: recently visited (opening a page notes the visit) and what the admin edited lately.
        visits = []
        page.on("request", lambda request: request.method == "POST" and request.url.endswith("/visit") and visits.append(request.url))
        page.goto(f"{base_url}/web/pages/{target['id']}")
        page.wait_for_selector(".workos-editor")
        eventually(lambda: [r["page"]["id"] for r in member_api.get("/api/v1/pages/recent").json()][:1] == [target["id"]])
        page.wait_for_load_state("networkidle")
        assert visits == [f"{base_url}/api/v1/pages/{target['id']}/visit"]  # one visit per page open, not one per island
        admin_api.patch(f"/api/v1/pages/{target['id']}", json={"title": "Planning 2027"})
        page.goto(base_url + "/web")
        page.wait_for_selector(".home-section")
        assert page.locator(".home-first-run").count() == 0
        assert "Planning 2027" in page.inner_text(".home-section:has(#home-recent) .home-cards")
        assert "Planning 2027" in page.inner_text(".home-section:has(#home-others)")
        assert "ada" in page.inner_text(".home-section:has(#home-others)")
        screenshot(page, shots, "home")

        # The admin has the administration area in the settings; the member never sees an admin entry.
        admin.page.goto(base_url + "/web/settings")
        assert "Audit log" in admin.page.inner_text(".settings") and "Administration" in admin.page.inner_text(".settings")
        screenshot(admin.page, shots, "settings-admin")
        for path in ("/web", "/web/settings", "/web/trash", f"/web/pages/{target['id']}"):
            page.goto(base_url + path)
            page.wait_for_selector("nav.sidebar")
            text = page.inner_text("body")
            assert "Audit log" not in text and "Records" not in text and "Themes" not in text, path
            assert page.locator("a[href^='/web/action/']").count() == 0, path
        screenshot(page, shots, "settings-member")

        assert member.errors == [] and admin.errors == []
        assert member.foreign == [] and admin.foreign == []
    assert len(list(shots.glob("*.png"))) >= 6


def test_the_same_sidebar_on_pages_and_databases_collapses_and_remembers(shell):
    base_url, open_as, shots = shell
    with user_client(base_url, "ada") as admin_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme", "icon": "🚀"}).json()
        space = admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Product"}).json()
        doc = admin_api.post("/api/v1/pages", json={"space_id": space["id"], "title": "Specs"}).json()
        database = admin_api.post("/api/v1/databases", json={"space_id": space["id"], "title": "Tasks", "icon": "✅"})
        assert database.status_code == 201, database.text
        admin = open_as("ada")
        page = admin.page

        sidebars = {}
        for path, ready in ((f"/web/pages/{doc['id']}", ".workos-editor"), (f"/web/databases/{database.json()['id']}", "#workos-db-view[data-ready=true]")):
            page.goto(base_url + path)
            page.wait_for_selector(ready)
            page.wait_for_selector("#workos-page-tree .tree-space")
            sidebars[path] = {
                "workspace": page.inner_text("#workos-sidebar-workspace"),
                "items": page.eval_on_selector_all("nav.sidebar .sidebar-nav > *, nav.sidebar .sidebar-bottom a", "els => els.map(e => e.textContent.trim())"),
                "tree": page.eval_on_selector_all("#workos-page-tree .tree-link", "links => links.map(a => a.getAttribute('href'))"),
            }
            assert page.locator("#quick-find-button").count() == 1
        screenshot(page, shots, "database")
        first, second = sidebars.values()
        assert first == second
        assert "Acme" in first["workspace"]
        assert first["items"] == ["⌂Home", "⌕Search", "✉Inbox", "⚙Settings"]
        assert f"/web/pages/{doc['id']}" in first["tree"] and f"/web/databases/{database.json()['id']}" in first["tree"]
        assert page.inner_text(f"#workos-page-tree a[href='/web/databases/{database.json()['id']}'] .tree-icon") == "✅"

        # Drag the sidebar's edge: the width holds on the next page (remembered for this user), double-click resets.
        def sidebar_width() -> float:
            return page.eval_on_selector("nav.sidebar", "nav => nav.getBoundingClientRect().width")

        assert sidebar_width() == 248
        handle = page.locator(".sidebar-resizer").bounding_box()
        page.mouse.move(handle["x"] + 3, handle["y"] + 300)
        page.mouse.down()
        page.mouse.move(340, handle["y"] + 300, steps=5)
        page.mouse.up()
        assert 330 <= sidebar_width() <= 350
        page.goto(f"{base_url}/web/pages/{doc['id']}")
        page.wait_for_selector(".workos-editor")
        assert 330 <= sidebar_width() <= 350
        page.dblclick(".sidebar-resizer")
        assert sidebar_width() == 248

        page.keyboard.press("Control+Backslash")
        assert "sidebar-collapsed" in page.get_attribute("body", "class")
        assert not page.locator("nav.sidebar").is_visible()
        page.goto(f"{base_url}/web/pages/{doc['id']}")
        page.wait_for_selector(".workos-editor")
        assert "sidebar-collapsed" in page.get_attribute("body", "class")
        page.click(".sidebar-open")
        assert page.locator("nav.sidebar").is_visible()

        page.keyboard.press("Control+Shift+L")
        assert page.get_attribute("html", "data-theme") == "dark"
        page.goto(base_url + "/web/settings")
        assert page.locator("input[data-theme-choice][value=dark]").is_checked()
        screenshot(page, shots, "settings-dark")
        page.check("input[data-theme-choice][value=light]")
        page.reload()
        assert page.get_attribute("html", "data-theme") == "light"
        assert admin.errors == [] and admin.foreign == []


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "content": {"text": [{"text": text}]}}


def test_a_member_restores_an_older_version_from_page_history(shell):
    base_url, open_as, shots = shell
    with user_client(base_url, "ada") as admin_api, user_client(base_url, "bob") as member_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme"}).json()
        space = admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()
        bob_id = member_api.get("/api/v1/me").json()["id"]
        assert admin_api.post(f"/api/v1/workspaces/{workspace['id']}/members", json={"user_id": bob_id, "role": "member"}).status_code == 201
        doc = admin_api.post("/api/v1/pages", json={"space_id": space["id"], "title": "Minutes"}).json()
        assert admin_api.put(f"/api/v1/pages/{doc['id']}/blocks", json={"blocks": [paragraph("first draft by ada")], "base_version": version_of(admin_api, doc["id"])}).status_code == 200
        assert member_api.put(f"/api/v1/pages/{doc['id']}/blocks", json={"blocks": [paragraph("rewritten by bob")], "base_version": version_of(member_api, doc["id"])}).status_code == 200
        versions = member_api.get(f"/api/v1/pages/{doc['id']}/history").json()["items"]
        by_ada = next(v for v in versions if v["created_by"] == "ada")
        member = open_as("bob")
        page = member.page

        page.goto(f"{base_url}/web/pages/{doc['id']}")
        page.wait_for_selector(".workos-editor[contenteditable=true]")
        open_page_menu(page)
        choose(page, "Page history")
        page.wait_for_selector(".history-item")
        listed = page.eval_on_selector_all(".history-item", "items => items.map(i => i.textContent)")
        assert len(listed) == len(versions) and any("bob" in text for text in listed) and any("ada" in text for text in listed)
        page.click(f".history-item[data-version-number='{by_ada['number']}']")
        page.wait_for_selector(".history-preview [data-restore-version]")
        screenshot(page, shots, "page-history")
        preview = page.inner_text(".history-preview")
        page.click(".history-preview [data-restore-version]")
        page.wait_for_selector(".shell-dialog", state="detached")
        page.wait_for_selector(".workos-editor[contenteditable=true]")

        assert "Minutes" in preview
        texts = lambda: ["".join(s.get("text", "") for s in b["content"].get("text", [])) for b in member_api.get(f"/api/v1/pages/{doc['id']}/blocks").json()["items"]]
        eventually(lambda: "first draft by ada" in texts())
        page.wait_for_function("() => document.querySelector('.workos-editor').textContent.includes('first draft by ada')")

        # Full width and small text from the page menu: the page's own, for everyone, kept over a reload.
        column = lambda: page.eval_on_selector(".editor-host", "host => host.getBoundingClientRect().width")
        standard = column()
        open_page_menu(page)
        choose(page, "Full width")
        page.wait_for_selector("#workos-page.page-full-width")
        open_page_menu(page)
        choose(page, "Small text")
        page.wait_for_selector("#workos-page.page-small-text")
        eventually(lambda: member_api.get(f"/api/v1/pages/{doc['id']}").json()["full_width"] is True)
        assert admin_api.get(f"/api/v1/pages/{doc['id']}").json()["small_text"] is True
        page.reload()
        page.wait_for_selector(".workos-editor[contenteditable=true]")
        assert column() > standard + 100
        assert page.eval_on_selector(".workos-editor", "e => parseFloat(getComputedStyle(e).fontSize)") == 14
        open_page_menu(page)
        choose(page, "Standard width")
        page.wait_for_selector("#workos-page:not(.page-full-width)")

        # Import a Markdown file into this page: it becomes a sub-page with its blocks.
        notes = shots.parent / "Retro notes.md"
        notes.write_text("# Retro notes\n\n- went well: the launch\n- to improve: the **docs**\n", encoding="utf-8")
        open_page_menu(page)
        with page.expect_file_chooser() as chooser:
            choose(page, "Import into this page")
        chooser.value.set_files(str(notes))
        page.wait_for_selector(".shell-dialog .import-report:has-text('Imported (Markdown): 1 page,')")
        page.click(".shell-dialog-backdrop", position={"x": 5, "y": 5})
        children = [p for p in member_api.get("/api/v1/pages", params={"parent_id": doc["id"]}).json()["items"] if p["title"] == "Retro notes"]
        assert len(children) == 1
        imported = member_api.get(f"/api/v1/pages/{children[0]['id']}/blocks").json()["items"]
        assert [b["type"] for b in imported] == ["bulleted_list", "bulleted_list"]
        assert member.errors == [] and member.foreign == []


def test_a_page_shared_with_a_member_at_view_is_read_only_for_them(shell, browser):
    base_url, open_as, shots = shell
    with user_client(base_url, "ada") as admin_api, user_client(base_url, "bob") as member_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme"}).json()
        space = admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Board", "visibility": "private"}).json()
        bob_id = member_api.get("/api/v1/me").json()["id"]
        assert admin_api.post(f"/api/v1/workspaces/{workspace['id']}/members", json={"user_id": bob_id, "role": "member"}).status_code == 201
        doc = admin_api.post("/api/v1/pages", json={"space_id": space["id"], "title": "Salaries"}).json()
        board = admin_api.post(f"/api/v1/workspaces/{workspace['id']}/groups", json={"name": "Board"}).json()
        secret = admin_api.post("/api/v1/pages", json={"space_id": space["id"], "title": "Layoffs 2027"}).json()
        mention = {"type": "paragraph", "content": {"text": [{"text": "see "}, {"mention": {"kind": "page", "id": secret["id"]}, "text": "Layoffs 2027"}]}}
        saved = admin_api.put(f"/api/v1/pages/{doc['id']}/blocks", json={"blocks": [paragraph("confidential"), mention], "base_version": version_of(admin_api, doc["id"])})
        assert saved.status_code == 200, saved.text
        assert member_api.get(f"/api/v1/pages/{doc['id']}").status_code == 404
        admin = open_as("ada")
        member = open_as("bob")

        page = admin.page
        page.goto(f"{base_url}/web/pages/{doc['id']}")
        page.wait_for_selector(".workos-editor[contenteditable=true]")
        page.click("[data-action=share]")
        page.wait_for_selector(".share [data-share-member] option[value='%d']" % bob_id, state="attached")
        page.select_option(".share [data-share-member]", str(bob_id))
        page.select_option(".share [data-share-invite-level]", "view")
        page.click(".share-invite button[type=submit]")
        page.wait_for_selector(".share-entry.is-explicit:has-text('bob')")
        assert page.locator(".share-entry.is-explicit:has-text('bob') select").input_value() == "view"
        page.select_option(".share [data-share-member]", f"group:{board['group_id']}")
        page.select_option(".share [data-share-invite-level]", "comment")
        page.click(".share-invite button[type=submit]")
        page.wait_for_selector(".share-entry.is-explicit:has-text('Board (group)')")
        page.select_option(".share [data-share-audience]", "public")
        page.click(".share-link-form button[type=submit]")
        page.wait_for_selector(".share [data-share-url]")
        link = page.input_value(".share [data-share-url]")
        screenshot(page, shots, "share-dialog")
        assert link.startswith(base_url + "/web/shared/")
        assert page.locator(".share-links .share-entry").count() == 1

        # Opened by someone who is not signed in: the page, read-only, and nothing of the page it mentions.
        outside = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            visitor = outside.new_page()
            visitor.goto(link)
            visitor.wait_for_selector(".shared-page")
            shared_text = visitor.inner_text("body")
            assert "Salaries" in visitor.inner_text(".shared-page-title") and "confidential" in shared_text
            assert "No access" in shared_text and "Layoffs" not in shared_text
            assert visitor.locator("[contenteditable=true], nav.sidebar").count() == 0
            assert visitor.locator(".shared-topbar a:has-text('Log in')").count() == 1
            screenshot(visitor, shots, "shared-link-logged-out")
            page.click(".share-links .share-entry button:has-text('Revoke')")
            page.wait_for_function("() => document.querySelectorAll('.share-links .share-entry').length === 0")
            assert visitor.goto(link).status == 404
            assert "confidential" not in visitor.inner_text("body")
        finally:
            outside.close()
        # Restrict the page to the people invited: bob, invited at view, keeps it.
        page.select_option(".share [data-share-restricted]", "restricted")
        page.wait_for_selector(".share-entry:has-text('Restricted: only administrators')")
        assert admin_api.get(f"/api/v1/pages/{doc['id']}").json()["restricted"] is True
        page.keyboard.press("Escape")
        page.wait_for_selector(".shell-dialog", state="detached")
        grants = admin_api.get("/api/v1/permissions", params={"scope_model": "ipai.workos.page", "scope_id": doc["id"]}).json()
        assert sorted((g["user_id"] or 0, g["group_id"] or 0, g["level"]) for g in grants) == sorted([(bob_id, 0, "view"), (0, board["group_id"], "comment")])

        other = member.page
        other.goto(f"{base_url}/web/pages/{doc['id']}")
        other.wait_for_selector(".workos-editor[contenteditable=false]")
        assert "confidential" in other.inner_text(".workos-editor")
        other.click(".workos-editor")
        other.keyboard.type("changed by bob")
        other.wait_for_timeout(500)
        assert "changed by bob" not in other.inner_text(".workos-editor")
        assert member_api.patch(f"/api/v1/pages/{doc['id']}", json={"title": "Mine"}).status_code == 403
        assert admin.errors == [] and member.errors == []
        assert admin.foreign == [] and member.foreign == []


def test_settings_rename_the_workspace_and_manage_api_tokens_and_only_admins_change_roles(shell):
    base_url, open_as, shots = shell
    with user_client(base_url, "ada") as admin_api, user_client(base_url, "bob") as member_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme"}).json()
        admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"})
        bob_id = member_api.get("/api/v1/me").json()["id"]
        assert admin_api.post(f"/api/v1/workspaces/{workspace['id']}/members", json={"user_id": bob_id, "role": "member"}).status_code == 201
        admin = open_as("ada")
        member = open_as("bob")

        page = admin.page
        page.goto(base_url + "/web/settings")
        page.wait_for_selector("[data-settings-workspace]:not([hidden]) [data-workspace-name]")
        page.fill("[data-workspace-name]", "Acme Labs")
        page.click(".settings-workspace-form button[type=submit]")
        eventually(lambda: admin_api.get(f"/api/v1/workspaces/{workspace['id']}").json()["name"] == "Acme Labs")
        page.select_option(f".settings-members li[data-member-id='{bob_id}'] select", "guest")
        eventually(lambda: {m["user_id"]: m["role"] for m in admin_api.get(f"/api/v1/workspaces/{workspace['id']}/members").json()}[bob_id] == "guest")
        # A group of members: created and filled by the admin, listed to everyone.
        page.fill("[data-group-form] input", "Design")
        page.click("[data-group-form] button[type=submit]")
        page.wait_for_selector(".settings-group:has-text('Design') [data-group-add]")
        page.select_option(".settings-group:has-text('Design') [data-group-add]", str(bob_id))
        page.wait_for_selector(".settings-group:has-text('Design') .settings-group-member:has-text('bob')")
        groups = admin_api.get(f"/api/v1/workspaces/{workspace['id']}/groups").json()
        assert [(g["name"], [m["username"] for m in g["members"]]) for g in groups] == [("Design", ["bob"])]
        page.fill("[data-token-form] input[name=name]", "ci script")
        page.fill("[data-token-form] input[name=password]", PASSWORD)
        page.click("[data-token-form] button[type=submit]")
        page.wait_for_selector("[data-new-token]")
        secret = page.input_value("[data-new-token]")
        assert httpx.get(base_url + "/api/v1/me", headers={"Authorization": "Bearer " + secret}).status_code == 200
        page.reload()
        page.wait_for_selector(".settings-token-list li:has-text('ci script')")
        assert "Acme Labs" in page.inner_text("#workos-sidebar-workspace")
        screenshot(page, shots, "settings")
        page.click(".settings-token-list li:has-text('ci script') button")
        page.wait_for_selector(".settings-token-list li:has-text('ci script')", state="detached")
        assert httpx.get(base_url + "/api/v1/me", headers={"Authorization": "Bearer " + secret}).status_code == 401

        # Add someone by their login, and open a space to guests too.
        assert admin_api.delete(f"/api/v1/workspaces/{workspace['id']}/members/{bob_id}").status_code == 204
        page.fill("[data-add-member] input", "bob")
        page.select_option("[data-add-member] select", "member")
        with page.expect_navigation():  # the settings reload with the new member
            page.click("[data-add-member] button[type=submit]")
        page.wait_for_selector(f".settings-members li[data-member-id='{bob_id}']")
        assert {m["user_id"]: m["role"] for m in admin_api.get(f"/api/v1/workspaces/{workspace['id']}/members").json()}[bob_id] == "member"
        team = next(s for s in admin_api.get("/api/v1/spaces", params={"workspace_id": workspace["id"]}).json()["items"] if s["name"] == "Team")
        page.select_option(f".settings-spaces-list li[data-space-id='{team['id']}'] select", "public")
        eventually(lambda: admin_api.get(f"/api/v1/spaces/{team['id']}").json()["visibility"] == "public")

        other = member.page
        other.goto(base_url + "/web/settings")
        other.wait_for_selector("[data-settings-workspace]:not([hidden]) [data-workspace-name]")
        assert other.locator("[data-workspace-name]").is_disabled()
        assert other.locator(".settings-members select").first.is_disabled()
        other.wait_for_selector(".settings-group:has-text('Design')")
        assert other.locator("[data-group-form], [data-group-add]").count() == 0  # members see groups, admins manage them

        # Notifications by e-mail: a daily digest instead of right away.
        other.check("[data-email-preference] input[value=daily]")
        eventually(lambda: member_api.get("/api/v1/notifications/email-preference").json()["mode"] == "daily")

        # My account: the member gives a name and changes the password; the settings keep it over a reload.
        other.fill("[data-account-form] input[name=first_name]", "Bob")
        other.fill("[data-account-form] input[name=last_name]", "Builder")
        other.click("[data-account-form] button[type=submit]")
        eventually(lambda: member_api.get("/api/v1/me").json()["name"] == "Bob Builder")
        other.click(".settings-password summary")
        other.fill("[data-password-form] input[name=current_password]", PASSWORD)
        other.fill("[data-password-form] input[name=new_password]", "a-brand-new-secret")
        other.fill("[data-password-form] input[name=confirm_password]", "a-brand-new-secret")
        other.click("[data-password-form] button[type=submit]")
        other.wait_for_selector(".shell-toast:has-text('Password changed')")
        other.reload()
        assert other.input_value("[data-account-form] input[name=last_name]") == "Builder"  # still signed in
        assert httpx.post(base_url + "/api/v1/auth/token", json={"username": "bob", "password": "a-brand-new-secret"}).status_code == 201
        assert admin.errors == [] and member.errors == [] and admin.foreign == [] and member.foreign == []


def test_the_trash_lists_deleted_rows_with_their_database_and_brings_them_back(shell):
    base_url, open_as, shots = shell
    with user_client(base_url, "ada") as admin_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme"}).json()
        space = admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()
        database = admin_api.post("/api/v1/databases", json={"space_id": space["id"], "title": "Tasks"}).json()
        row = admin_api.post(f"/api/v1/databases/{database['id']}/rows", json={"values": {}}).json()
        assert admin_api.patch(f"/api/v1/pages/{row['page_id']}", json={"title": "Fix login"}).status_code == 200
        assert admin_api.delete(f"/api/v1/rows/{row['id']}").status_code == 200
        admin = open_as("ada")
        page = admin.page

        page.goto(base_url + "/web/trash")
        entry = page.locator(f".trash-entry[data-item-kind=row][data-item-id='{row['id']}']")
        text = entry.inner_text()
        entry.locator("[data-action=restore-item]").click()
        page.wait_for_selector(f".trash-entry[data-item-kind=row][data-item-id='{row['id']}']", state="detached")

        assert "Fix login" in text and "row in Tasks" in text and "deleted by ada" in text
        assert next(r for r in admin_api.get(f"/api/v1/databases/{database['id']}/rows").json()["items"] if r["id"] == row["id"])["archived_at"] is None
        assert page.locator(".trash-empty").is_visible()

        # Deleting a row in a database view offers Undo, which brings it back into the view.
        page.goto(f"{base_url}/web/databases/{database['id']}")
        page.wait_for_selector("#workos-db-view[data-ready=true]")
        page.wait_for_selector("text=Fix login")
        page.hover(f"tr[data-row-id='{row['id']}']")
        page.click(f"tr[data-row-id='{row['id']}'] [aria-label='Row actions']")
        page.click(".dbv-menu-item.is-danger")
        page.wait_for_selector("text=Fix login", state="detached")
        assert admin_api.get(f"/api/v1/rows/{row['id']}").json()["archived_at"] is not None
        page.click(".dbv-toast .dbv-toast-action")
        page.wait_for_selector("text=Fix login")
        assert admin_api.get(f"/api/v1/rows/{row['id']}").json()["archived_at"] is None
        assert admin.errors == [] and admin.foreign == []
