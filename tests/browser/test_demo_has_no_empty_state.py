"""The demo (`workos demo load`) has no empty state: real Chromium walks every entry of the sidebar — Home,
Search (quick find), Inbox, Templates, every page, database (each of its saved views) and canvas of the page
tree, the Trash and the Settings — and finds none of the placeholders the UI shows when there is nothing to show.

What an empty state is comes from the templates and islands themselves: the classes they give the "nothing here"
text (``EMPTY_STATES``). The test first checks that each of those classes is still written somewhere in the
code, so that a renamed class fails here instead of letting the walk pass without looking.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workos.settings.config import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"

# class -> what it marks (and where it is written)
EMPTY_STATES = {
    "home-empty": "a home section with nothing: no recent page, favourite or page edited by others",
    "trash-empty": "the trash holds nothing",
    "collab-empty": "the inbox has no notification",
    "search-empty": "a search page without results",
    "db-empty": "a database without any view",
    "db-list-empty": "the list of databases is empty",
    "dbv-empty": "a database view without rows (table, cards) or without its grouping / date property (board, calendar)",
    "tpl-empty-page": "a page without content, offering to start from a template",
    "tpl-none": "the template gallery without templates",
    "tree-empty": "a space or an expanded page of the sidebar tree without pages",
    "settings-empty": "a settings list with no one in it (a group without members)",
    "quick-find-none": "quick find with nothing to show (no recent page)",
}
SELECTOR = ", ".join("." + name for name in EMPTY_STATES)
SOURCES = [PROJECT_ROOT / "addons", PROJECT_ROOT / "workos" / "web" / "templates", PROJECT_ROOT / "frontend" / "src"]


def _written_classes() -> str:
    texts = []
    for root in SOURCES:
        for path in root.rglob("*"):
            if path.suffix in (".html", ".ts", ".tsx") and "node_modules" not in path.parts:
                texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def test_every_empty_state_class_is_written_in_the_ui():
    code = _written_classes()
    missing = [name for name in EMPTY_STATES if not re.search(rf"[\"' ]{re.escape(name)}[\"' ]", code)]
    assert not missing, f"empty-state classes no template or island writes any more: {missing}"


def _visible_empty_states(page) -> list[str]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
             .filter((el) => el.getClientRects().length && !el.closest('[hidden]') && getComputedStyle(el).visibility !== 'hidden')
             .map((el) => `${el.className}: ${el.textContent.trim().slice(0, 80)}`)""",
        SELECTOR,
    )


@pytest.fixture
def demo(site, serve, browser):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "ada", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    site.workos("demo", "load", "--user", "ada", check=True)
    server = serve(site)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.base_url + "/web/login")
    page.fill("#login", "ada")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.base_url + "/web")
    yield server.base_url, page, errors
    context.close()


def _settle(page, ready: str) -> None:
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")


def test_every_sidebar_entry_of_the_demo_shows_content(demo, tmp_path):
    base_url, page, errors = demo
    shots = tmp_path / "screenshots"
    shots.mkdir()
    found: dict[str, list[str]] = {}
    visited: list[str] = []

    def check(name: str, ready: str) -> None:
        try:
            _settle(page, ready)
        except Exception as error:
            page.screenshot(path=str(shots / "not-ready.png"))
            raise AssertionError(f"{name} ({page.url}) never showed {ready}") from error
        visited.append(name)
        empty = _visible_empty_states(page)
        if empty:
            found[name] = empty
        page.screenshot(path=str(shots / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] + ".png")))

    # Home, before anything was visited in this browser: what the demo made must fill it.
    check("home", "nav.sidebar #workos-page-tree .tree-link")

    # The sidebar's own data names every page and item of the tree; open every page that holds others, so that
    # every entry is a link (a page opened without children would show "No pages inside" by the test's doing).
    tree = json.loads(page.locator("#workos-page-tree-data").text_content())
    parents = sorted({entry["parent_id"] for entry in tree["pages"] + tree["items"] if entry["parent_id"] is not None})
    page.evaluate("(ids) => localStorage.setItem('workos:tree:open', JSON.stringify(ids))", parents)
    page.reload()
    check("home, tree open", "#workos-page-tree .tree-link")
    sidebar = page.locator("nav.sidebar")
    entries = sidebar.locator("a[href^='/web']").evaluate_all("(links) => links.map((a) => [a.getAttribute('href'), a.textContent.trim()])")
    tree_links = {href for href, _ in sidebar.locator("#workos-page-tree a.tree-link").evaluate_all(
        "(links) => links.map((a) => [a.getAttribute('href'), a.textContent])")}
    assert len(tree_links) == len(tree["pages"]) + len(tree["items"]) >= 10, tree_links
    hrefs = list(dict.fromkeys(href for href, _ in entries))
    for required in ("/web", "/web/inbox", "/web/templates", "/web/trash", "/web/settings"):
        assert required in hrefs, f"the sidebar has no {required} entry: {hrefs}"

    # Search: the sidebar's button opens quick find, which shows the demo user's recent pages.
    page.goto(base_url + "/web")
    _settle(page, "#quick-find-button")
    page.click("#quick-find-button")
    page.wait_for_selector("dialog.quick-find[open]")
    page.wait_for_function("() => document.querySelector('.quick-find-status')?.textContent !== ''")
    check("search (quick find)", "dialog.quick-find[open]")
    recent_in_quick_find = page.locator(".quick-find-item").count()
    page.keyboard.press("Escape")

    ready_for = [
        (r"^/web/databases/\d+", "#workos-db-view[data-ready=true]"),
        (r"^/web/pages/\d+", ".workos-editor"),
        (r"^/web/canvases/\d+", ".excalidraw"),
        (r"^/web/settings$", "[data-settings-workspace]:not([hidden]) .settings-groups li"),
        (r"^/web/inbox", ".collab-items"),
        (r"^/web/templates", ".tpl-cards"),
        (r"^/web/trash", ".trash"),
        (r"^/web$", "#workos-page-tree .tree-link"),
    ]
    databases = 0
    for href in hrefs:
        page.goto(base_url + href)
        path = page.url[len(base_url):]  # a canvas's page answers with the canvas
        ready = next((selector for pattern, selector in ready_for if re.match(pattern, path)), "main.content")
        check(href, ready)
        if href.startswith("/web/databases/"):
            databases += 1
            views = page.locator(".view-tab").evaluate_all("(tabs) => tabs.map((a) => a.getAttribute('href'))")
            assert len(views) >= 1, href
            for view in views:
                page.goto(base_url + view)
                check(view, "#workos-db-view[data-ready=true]")
    assert databases >= 5, hrefs

    assert not found, "empty states in the demo:\n" + "\n".join(f"{name}: {what}" for name, what in found.items())
    assert recent_in_quick_find >= 1
    assert not errors, errors
    assert len(visited) >= len(hrefs) + 3
