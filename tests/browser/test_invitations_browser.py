"""E-mail invitations in real Chromium against `workos serve` with Django's file e-mail backend: an administrator
invites from Settings (and revokes), a page's sharer invites an address from the share dialog; the invited person
opens the link from the e-mail written to disk, makes an account, lands on the page with the level given, and the
same link then says it was used."""

from __future__ import annotations

import email
import re
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"


def _mails(folder: Path) -> list:
    """Every message the file backend wrote (one file per connection, messages separated by a line of dashes)."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text(encoding="utf-8").split("-" * 79):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.strip()))
    return messages


def _link_to(folder: Path, address: str) -> str:
    found = [m for m in _mails(folder) if m["To"] == address]
    assert found, f"no e-mail to {address} in {folder}"
    body = found[-1].get_payload(decode=True).decode()
    return re.search(r"(/web/invite/\S+)", body).group(1)


def _login(context, base_url: str, username: str):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base_url + "/web/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/web")
    return page


def test_invite_by_email_from_settings_and_share_dialog_then_sign_up_through_the_link(site, serve, browser):
    site.extra_config = '[email]\nbackend = "file"\n'
    site.write_config()
    site.install("ipai_workos_affine")
    site.workos("user", "create", "ada", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    site.workos("demo", "load", "--user", "ada", check=True)
    server = serve(site)
    base_url, outbox = server.base_url, site.root / "var" / "mail"
    token = httpx.post(base_url + "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}).json()["token"]
    with httpx.Client(base_url=base_url, headers={"Authorization": "Bearer " + token}, timeout=30) as api:
        welcome = next(p for p in api.get("/api/v1/pages", params={"q": "Welcome"}).json()["items"] if p["title"] == "Welcome to WorkOS")

    admin_context = browser.new_context(viewport={"width": 1280, "height": 900})
    guest_context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        admin = _login(admin_context, base_url, "ada")
        admin.on("pageerror", lambda error: errors.append(str(error)))
        # Settings: the demo's pending invitation, a new one by e-mail, then revoked.
        admin.goto(base_url + "/web/settings")
        admin.wait_for_selector(".settings-invitation-list .settings-invitation:has-text('new.colleague@example.com')")
        admin.fill("[data-invite-form] input[type=email]", "grace@example.com")
        admin.select_option("[data-invite-form] select", "member")
        admin.click("[data-invite-form] button[type=submit]")
        admin.wait_for_selector(".settings-invitation:has-text('grace@example.com')")
        assert "/web/invite/" in _link_to(outbox, "grace@example.com")
        grace = admin.locator(".settings-invitation:has-text('grace@example.com')")
        grace.locator("[data-invitation-revoke]").click()
        admin.wait_for_selector(".settings-invitation:has-text('grace@example.com')", state="detached")
        assert guest_context.request.get(base_url + _link_to(outbox, "grace@example.com")).status == 410

        # The share dialog of the welcome page: an address with no account, invited at "Can comment".
        admin.goto(f"{base_url}/web/pages/{welcome['id']}")
        admin.click("[data-action=share]")
        admin.wait_for_selector(".share [data-share-email]")
        assert admin.locator("[data-share-email-invite]").is_hidden()  # not an address yet
        admin.fill(".share [data-share-email]", "not an address")
        assert admin.locator("[data-share-email-invite]").is_hidden()
        admin.fill(".share [data-share-email]", "lin@example.org")
        admin.select_option(".share [data-share-invite-level]", "comment")
        admin.click("[data-share-email-invite]")
        admin.wait_for_selector(".share-entry.settings-invitation:has-text('lin@example.org')")
        assert "Can comment" in admin.locator(".share-entry.settings-invitation:has-text('lin@example.org')").inner_text()

        # Lin opens the link from the e-mail, logged out: sign-up, then the page they were invited to.
        link = _link_to(outbox, "lin@example.org")
        guest = guest_context.new_page()
        guest.set_default_timeout(15_000)
        guest.on("pageerror", lambda error: errors.append(str(error)))
        guest.goto(base_url + link)
        assert "Join Acme" in guest.locator("h2").inner_text()
        guest.fill("#invite-username", "lin")
        guest.fill("#invite-password", "short")
        guest.fill("#invite-confirm-password", "short")
        with guest.expect_navigation():
            guest.click("[data-sign-up]")
        assert "password refused" in guest.locator(".form-error").inner_text()
        guest.fill("#invite-password", PASSWORD)
        guest.fill("#invite-confirm-password", PASSWORD)
        guest.click("[data-sign-up]")
        guest.wait_for_url(f"{base_url}/web/pages/{welcome['id']}")
        guest.wait_for_selector(".workos-editor")
        assert guest.locator(".workos-editor").get_attribute("contenteditable") == "false"  # comment, not edit
        assert "Welcome to WorkOS" in guest.title()

        # The link is used up; the share dialog now lists lin with the level given.
        guest.goto(base_url + link)
        assert "already used" in guest.locator(".invite-unusable").inner_text()
        admin.reload()
        admin.click("[data-action=share]")
        admin.wait_for_selector(".share-entry.is-explicit:has-text('lin') select")
        assert admin.locator(".share-entry.is-explicit:has-text('lin') select").input_value() == "comment"
        assert not admin.locator(".share-entry.settings-invitation:has-text('lin@example.org')").count()

        # A database takes "General access: only people invited" too.
        with httpx.Client(base_url=base_url, headers={"Authorization": "Bearer " + token}, timeout=30) as api:
            tracker = next(d for d in api.get("/api/v1/databases").json()["items"] if d["title"] == "Project tracker")
            admin.goto(f"{base_url}/web/databases/{tracker['id']}")
            admin.wait_for_selector("#workos-db-view[data-ready=true]")
            admin.click("[data-action=share]")
            admin.select_option(".share [data-share-restricted]", "restricted")
            admin.wait_for_selector(".shell-toast:has-text('Only people invited can open this database now')")
            assert api.get(f"/api/v1/databases/{tracker['id']}").json()["restricted"] is True
    finally:
        admin_context.close()
        guest_context.close()
    assert not errors, errors
