"""Page mentions in the editor, in real Chromium: a reader who cannot open the mentioned page sees "No access",
one who can sees its current title (not the one typed when it was mentioned)."""

from __future__ import annotations

import pytest

from .test_editor import PASSWORD, log_in, open_page, start

pytestmark = [pytest.mark.browser, pytest.mark.once]


# On a live page a page mention carries no title: each viewer's editor asks for the one it may see ("↗ …" until then).
TITLE_SHOWN = "() => { const m = document.querySelector('.workos-editor .mention-page'); return !!m && !m.textContent.endsWith('…'); }"


def test_a_mention_shows_the_live_title_or_no_access_in_the_editor(site, serve, page):
    base_url, grace = start(site, serve)
    site.workos("user", "create", "bob", "--password-stdin", input=PASSWORD + "\n", check=True)
    bob_id = int(site.sql("SELECT id FROM auth_user WHERE username = 'bob'")[0][0])
    workspace = grace.post("/api/v1/workspaces", json={"name": "Acme"}).json()["id"]
    assert grace.post(f"/api/v1/workspaces/{workspace}/members", json={"user_id": bob_id, "role": "member"}).status_code == 201
    team = grace.post("/api/v1/spaces", json={"workspace_id": workspace, "name": "Team"}).json()["id"]
    vault = grace.post("/api/v1/spaces", json={"workspace_id": workspace, "name": "Vault", "visibility": "private"}).json()["id"]
    secret = grace.post("/api/v1/pages", json={"space_id": vault, "title": "Merger draft"}).json()["id"]
    notes = grace.post("/api/v1/pages", json={"space_id": team, "title": "Team notes"}).json()["id"]
    saved = grace.put(f"/api/v1/pages/{notes}/blocks", json={"blocks": [{"type": "paragraph", "content": {"text": [
        {"text": "see "}, {"mention": {"kind": "page", "id": secret}, "text": "Merger draft"}]}}], "base_version": 0})  # a new page
    assert saved.status_code == 200, saved.text
    assert grace.patch(f"/api/v1/pages/{secret}", json={"title": "Acquisition of Initech"}).status_code == 200

    log_in(page, base_url, "grace")
    open_page(page, base_url, notes)
    page.wait_for_function(TITLE_SHOWN)
    as_grace = page.inner_text(".workos-editor .mention-page")
    page.context.clear_cookies()
    log_in(page, base_url, "bob")
    open_page(page, base_url, notes)
    page.wait_for_function(TITLE_SHOWN)
    as_bob = page.inner_text(".workos-editor .mention-page")
    bob_html = page.content()

    assert as_grace == "↗ Acquisition of Initech"
    assert as_bob == "↗ No access"
    assert "Merger draft" not in bob_html and "Initech" not in bob_html
    grace.close()
