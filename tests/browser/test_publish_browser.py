"""Review and publish in real Chromium against a real server: the writer asks for a review from the page menu, the
reviewer approves from the banner, the writer publishes from the page menu with the sub-pages; a logged-out
browser reads exactly the snapshot and its published sub-page, a private sibling answers 404, an edit after
publishing shows only once published again, and unpublishing answers 404 at once."""

from __future__ import annotations

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


def paragraphs(client, page_id: int, *texts: str) -> None:
    version = client.get(f"/api/v1/pages/{page_id}/blocks").json()["version"]
    items = [{"type": "paragraph", "content": {"text": [{"text": text}]}} for text in texts]
    saved = client.put(f"/api/v1/pages/{page_id}/blocks", json={"blocks": items, "base_version": version})
    assert saved.status_code == 200, saved.text


def test_review_then_publish_then_read_logged_out(site, serve, browser):
    site.install("ipai_workos_affine")
    for username in ("grace", "bob"):
        site.workos("user", "create", username, "--password-stdin", input=PASSWORD + "\n", check=True)
    server = serve(site)
    base_url = server.base_url
    clients = {}
    for username in ("grace", "bob"):
        token = httpx.post(base_url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "name": "tests"})
        clients[username] = httpx.Client(base_url=base_url, headers={"Authorization": "Bearer " + token.json()["token"]}, timeout=30)
    grace = clients["grace"]
    workspace = grace.post("/api/v1/workspaces", json={"name": "Acme", "slug": "acme"}).json()
    space = grace.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()
    page_id = grace.post("/api/v1/pages", json={"space_id": space["id"], "title": "Handbook"}).json()["id"]
    sub_id = grace.post("/api/v1/pages", json={"space_id": space["id"], "parent_id": page_id, "title": "Holidays"}).json()["id"]
    secret_id = grace.post("/api/v1/pages", json={"space_id": space["id"], "parent_id": page_id, "title": "Salaries"}).json()["id"]
    bob_id = site.sql("SELECT id FROM auth_user WHERE username = 'bob'")[0][0]
    assert grace.post(f"/api/v1/workspaces/{workspace['id']}/members", json={"user_id": bob_id, "role": "member"}).status_code == 201
    assert grace.patch(f"/api/v1/workspaces/{workspace['id']}/publishing", json={"page_workflow": True, "review_required": True}).status_code == 200
    paragraphs(grace, page_id, "We work in the open.")
    paragraphs(grace, sub_id, "25 days a year.")
    paragraphs(grace, secret_id, "Top secret numbers.")
    # the private sibling: restricted, and never reviewed (under "review required" each page needs its own approval)
    assert grace.post(f"/api/v1/pages/{secret_id}/restrict", json={"restricted": True}).status_code == 200
    writer_context, reader_context, anonymous = (browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(3))
    try:
        as_grace, as_bob, outsider = writer_context.new_page(), reader_context.new_page(), anonymous.new_page()
        for tab in (as_grace, as_bob, outsider):
            tab.set_default_timeout(15_000)

        # Grace asks Bob for a review from the page menu
        log_in(as_grace, base_url, "grace")
        as_grace.goto(f"{base_url}/web/pages/{page_id}")
        as_grace.click("button.page-menu-button")
        as_grace.get_by_role("menuitem", name="Request review…").click()
        as_grace.select_option("[data-review-approvers]", [f"user:{bob_id}"])
        as_grace.fill("[data-review-note]", "Please check the tone")
        as_grace.get_by_role("button", name="Request review").last.click()
        as_grace.wait_for_selector("[data-review-banner]")
        assert as_grace.inner_text("[data-review-status]") == "In review"

        # Bob approves from the banner
        log_in(as_bob, base_url, "bob")
        as_bob.goto(f"{base_url}/web/pages/{page_id}")
        assert "Please check the tone" in as_bob.inner_text("[data-review-banner]")
        as_bob.fill("[data-review-comment]", "Reads well")
        as_bob.click("[data-review-decide='approve']")
        as_bob.wait_for_selector("[data-review-status]:has-text('Approved')")
        for sub in (sub_id,):  # the sub-page gets its own approved review (API)
            created = grace.post(f"/api/v1/pages/{sub}/review-requests", json={"approver_ids": [bob_id]}).json()
            assert clients["bob"].post(f"/api/v1/review-requests/{created['id']}/decisions", json={"decision": "approve"}).status_code == 200

        # Grace publishes from the page menu, with the sub-pages
        as_grace.goto(f"{base_url}/web/pages/{page_id}")
        as_grace.click("button.page-menu-button")
        as_grace.get_by_role("menuitem", name="Publish to web…").click()
        as_grace.fill("[data-publish-slug]", "handbook")
        as_grace.check("[data-publish-subpages]")
        as_grace.get_by_role("button", name="Publish", exact=True).click()
        as_grace.wait_for_selector("[data-review-status]:has-text('Published')")

        # logged out: the snapshot, the published sub-page, and not the private sibling
        outsider.goto(f"{base_url}/p/acme/handbook")
        assert "We work in the open." in outsider.inner_text("main")
        assert outsider.locator("script").count() == 0
        assert "Salaries" not in outsider.content()
        outsider.click(".published-nav >> text=Holidays")
        assert "25 days a year." in outsider.inner_text("main")
        secret_slug = f"salaries-{secret_id}"
        assert outsider.goto(f"{base_url}/p/acme/{secret_slug}").status == 404

        # an edit after publishing is not public until published again (the approved version is what is published)
        paragraphs(grace, page_id, "A draft nobody reviewed.")
        outsider.goto(f"{base_url}/p/acme/handbook")
        assert "We work in the open." in outsider.inner_text("main") and "A draft nobody reviewed." not in outsider.content()

        # unpublish: 404 at once
        assert grace.delete(f"/api/v1/pages/{page_id}/publication").status_code == 204
        assert outsider.goto(f"{base_url}/p/acme/handbook").status == 404
        sub_url = f"{base_url}/p/acme/holidays-{sub_id}"
        assert outsider.goto(sub_url).status == 404
    finally:
        for context in (writer_context, reader_context, anonymous):
            context.close()
