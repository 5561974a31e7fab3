"""Every main page of the app under its strict Content-Security-Policy in real Chromium: the policy is sent,
nothing is reported as violating it, and the page really works (islands mounted, Swagger UI drawn)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"

# Collects every violation the browser reports, from the first script of each document on.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`);
});
"""


class PolicyWatch:
    """Visits pages and keeps what went wrong under the policy, per page."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        self.console: list[str] = []
        self.visited: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", lambda message: self.console.append(message.text))

    def visit(self, path: str, ready: str) -> None:
        """Open ``path``, wait until ``ready`` (a selector, or a JS expression after 'js:') holds, then check."""
        self.console.clear()
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0], f"{path}: {policy!r}"
        if ready.startswith("js:"):
            self.page.wait_for_function(ready[3:])
        else:
            self.page.wait_for_selector(ready)
        self.page.wait_for_timeout(300)  # late violations (a lazily loaded chunk, a style) are reported too
        violations = self.page.evaluate("window.__cspViolations")
        refused = [text for text in self.console if "Content Security Policy" in text]
        self.problems += [f"{path}: {text}" for text in violations + refused]
        self.visited.append(path)


def test_no_page_violates_the_content_security_policy_and_every_page_works(site, serve, page):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "ada", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    site.workos("demo", "load", "--user", "ada", check=True)
    server = serve(site)
    token = httpx.post(server.base_url + "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}).json()["token"]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer " + token}, timeout=30) as api:
        demo_page = next(p for p in api.get("/api/v1/pages", params={"q": "Welcome"}).json()["items"] if p["title"] == "Welcome to WorkOS")
        database = api.post("/api/v1/databases", json={"space_id": demo_page["space_id"], "title": "Tasks"})
        assert database.status_code == 201, database.text
    watch = PolicyWatch(page, server.base_url)

    watch.visit("/web/login", "#login")
    page.fill("#login", "ada")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.base_url + "/web")
    watch.visit("/web", "nav.sidebar")
    menu_pages = page.eval_on_selector_all("nav.sidebar a[href^='/web']", "links => [...new Set(links.map(a => a.getAttribute('href')))]")
    watch.visit("/web/pages", "nav.sidebar")
    watch.visit(f"/web/pages/{demo_page['id']}", ".workos-editor[contenteditable=true]")
    page.wait_for_function("() => !!window.workosEditor && window.workosEditor.editor.getText().length > 0")
    watch.visit("/web/databases", "nav.sidebar")
    watch.visit(f"/web/databases/{database.json()['id']}", "#workos-db-view[data-ready=true]")
    watch.visit("/api/v1/docs", ".swagger-ui .opblock")
    for path in menu_pages:
        if path not in watch.visited:
            watch.visit(path, "nav.sidebar")

    assert len(watch.visited) >= 10, watch.visited
    assert watch.problems == []
