"""The login form and the app shell in real Chromium."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"


def test_user_logs_in_through_the_form_and_finds_the_installed_apps_in_settings(site, serve, page):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "grace", "--password-stdin", input=PASSWORD + "\n", check=True)
    server = serve(site)

    page.goto(server.base_url + "/web")
    page.fill("#login", "grace")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_selector(".form-error")
    error_text = page.inner_text(".form-error")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.base_url + "/web")

    assert error_text == "Wrong login or password."
    assert re.fullmatch(r"Good (morning|afternoon|evening), grace", page.inner_text("h1"))
    sidebar = page.inner_text("nav.sidebar")
    for entry in ("Home", "Search", "Trash", "Settings"):
        assert entry in sidebar
    page.click("nav.sidebar a[href='/web/settings']")
    page.wait_for_url(server.base_url + "/web/settings")
    settings = page.inner_text(".settings")
    for menu in ("Pages", "Databases", "Approvals"):
        assert menu in settings
    assert "Audit log" not in settings  # grace is no administrator
    page.click("nav.sidebar .logout button")
    page.wait_for_url(server.base_url + "/web/login")
