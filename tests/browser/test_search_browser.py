"""Search in real Chromium against a real server: Ctrl+K quick find (type, arrow down, Enter lands on the
matching block, highlighted) and the search page's filters. Content is written through the API, so the
index is kept fresh by the services, as in production."""

from __future__ import annotations

import pytest

from .test_editor import PASSWORD, log_in, start  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.once]


def _paragraph(text: str) -> dict:
    return {"type": "paragraph", "content": {"text": [{"text": text}]}}


@pytest.fixture
def content(site, serve):
    base_url, client = start(site, serve)
    workspace = client.post("/api/v1/workspaces", json={"name": "Acme"}).json()
    space = client.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Engineering"}).json()

    def page(title: str, blocks: list[dict]) -> dict:
        created = client.post("/api/v1/pages", json={"title": title, "space_id": space["id"]})
        assert created.status_code == 201, created.text
        saved = client.put(f"/api/v1/pages/{created.json()['id']}/blocks", json={"blocks": blocks, "base_version": 0})  # a new page
        assert saved.status_code == 200, saved.text
        return {**created.json(), "blocks": saved.json()["items"]}

    first = page("Frobnicator overview", [_paragraph("what the frobnicator does")])
    filler = [_paragraph(f"line {number} of the runbook") for number in range(60)]
    second = page("Runbook", [*filler, _paragraph("restart the frobnicator service"), *filler[:10]])
    yield {"base_url": base_url, "client": client, "first": first, "second": second, "space": space}
    client.close()


def test_quick_find_opens_the_page_at_the_matching_block(content, page):
    base_url = content["base_url"]
    log_in(page, base_url)
    page.keyboard.press("Control+k")
    page.wait_for_selector("dialog.quick-find[open]")
    page.keyboard.type("frobnic")
    page.wait_for_function("() => document.querySelectorAll('.quick-find-item').length === 2")
    first = page.locator(".quick-find-item").nth(0)
    assert "Frobnicator overview" in first.inner_text()  # the title hit first
    assert page.locator(".quick-find-item mark").count() >= 1
    assert "Engineering" in page.locator(".quick-find-path").nth(1).inner_text()
    page.keyboard.press("ArrowDown")
    assert page.locator(".quick-find-item").nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")

    target = [block for block in content["second"]["blocks"] if "restart" in block["content"]["text"][0]["text"]][0]
    page.wait_for_url(f"{base_url}/web/pages/{content['second']['id']}#block-{target['id']}")
    hit = page.locator(f'[data-block-id="{target["id"]}"]')
    hit.wait_for()
    page.wait_for_selector(f'style[data-search-hit="{target["id"]}"]', state="attached")  # the brief highlight
    page.wait_for_function(f"() => getComputedStyle(document.querySelector('[data-block-id=\"{target['id']}\"]')).backgroundColor "
                           "!== 'rgba(0, 0, 0, 0)'")
    assert hit.is_visible()
    box, viewport = hit.bounding_box(), page.viewport_size
    assert 0 <= box["y"] <= viewport["height"], "the matching block is scrolled into view"

    page.keyboard.press("Control+k")
    page.wait_for_selector("dialog.quick-find[open]")
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog.quick-find", state="hidden")


def test_quick_find_shows_recent_pages_when_empty(content, page):
    base_url = content["base_url"]
    log_in(page, base_url)
    with page.expect_response(lambda response: response.url.endswith("/visit") and response.status == 200):
        page.goto(f"{base_url}/web/pages/{content['first']['id']}")  # opening a page records the visit
    page.wait_for_selector(".workos-editor")
    page.click(".quick-find-open")  # the sidebar's search button
    page.wait_for_selector(".quick-find-item")
    assert page.locator(".quick-find-status").inner_text() == "Recently visited"
    assert "Frobnicator overview" in page.locator(".quick-find-item").first.inner_text()


def test_search_page_filters(content, page):
    base_url, client = content["base_url"], content["client"]
    database = client.post("/api/v1/databases", json={"space_id": content["space"]["id"], "title": "Parts"}).json()
    row = client.post(f"/api/v1/databases/{database['id']}/rows", json={"values": {"Name": "Frobnicator spare"}})
    assert row.status_code == 201, row.text
    log_in(page, base_url)
    page.goto(f"{base_url}/web/search?q=frobnicator")
    assert page.locator(".search-result").count() == 3
    page.select_option("select[name=type]", "row")
    page.click(".search-filters button[type=submit]")
    page.wait_for_url("**type=row**")
    assert [text.strip() for text in page.locator(".search-result-title").all_inner_texts()] == ["▤ Frobnicator spare"]
    page.select_option("select[name=type]", "")
    page.check("input[name=title_only]")
    page.select_option("select[name=sort]", "edited")
    page.click(".search-filters button[type=submit]")
    page.wait_for_url("**title_only=1**")
    titles = [text.strip() for text in page.locator(".search-result-title").all_inner_texts()]
    assert titles == ["▤ Frobnicator spare", "📄 Frobnicator overview"]  # the runbook matches in its body only
