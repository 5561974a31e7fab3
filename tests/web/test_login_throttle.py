"""Login throttling over real HTTP: the login page and the API's token endpoint share one count per account and
one per client address; a lockout answers 429 with Retry-After, is logged and audited, and ends by itself.

The server is uvicorn behind no proxy, which trusts X-Forwarded-For from the loopback address (as it does
behind the local nginx of a production install): that is how these tests speak from different addresses.
"""

from __future__ import annotations

import time

import httpx
import pytest

PASSWORD = "correct-horse-battery"
FAILURE_LIMIT = 3
# Long enough that a loaded machine finishes its checks inside the lockout; one test waits it out.
LOCKOUT_SECONDS = 12


@pytest.fixture
def live(site, serve):
    site.extra_config = f"\n[login]\nfailure_limit = {FAILURE_LIMIT}\nlockout_seconds = {LOCKOUT_SECONDS}\n"
    site.write_config()
    site.install("ipai_workos_affine")
    for name in ("ada", "bob"):
        site.workos("user", "create", name, "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    server = serve(site)
    yield site, server


def web_client(server, address: str) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"X-Forwarded-For": address}, follow_redirects=False, timeout=10)


def web_login(client: httpx.Client, login: str, password: str) -> httpx.Response:
    client.get("/web/login")
    token = client.cookies["csrftoken"]
    return client.post("/web/login", data={"login": login, "password": password, "csrfmiddlewaretoken": token, "next": "/web"})


def api_login(client: httpx.Client, login: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", json={"username": login, "password": password})


def assert_throttled_page(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text[:300]
    assert "Too many failed logins. Try again in" in response.text
    assert '<form method="post" action="/web/login"' in response.text  # the page still works as a login page
    assert "workos_session" not in response.cookies
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= LOCKOUT_SECONDS
    return retry_after


def assert_throttled_json(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text[:300]
    error = response.json()["error"]
    assert error["code"] == "throttled" and error["message"].startswith("Too many failed logins")
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= LOCKOUT_SECONDS
    return retry_after


def audit_actions(site) -> list[str]:
    return [row[0] for row in site.sql("SELECT action FROM ipai_audit_event WHERE action LIKE 'auth.login%' ORDER BY id")]


def test_wrong_passwords_on_the_login_page_lock_the_account_until_the_lockout_ends(live):
    site, server = live
    with web_client(server, "198.51.100.1") as attacker, web_client(server, "198.51.100.2") as owner:
        for _ in range(FAILURE_LIMIT - 1):
            assert web_login(attacker, "ada", "wrong-password").status_code == 200
        # The failure that reaches the limit is already answered with the lockout.
        assert_throttled_page(web_login(attacker, "ada", "wrong-password"))

        # The right password, even from another address, is refused while the account is locked ...
        assert_throttled_page(web_login(owner, "ada", PASSWORD))
        # ... on the API too: one count for both ways in.
        retry_after = assert_throttled_json(api_login(owner, "ada", PASSWORD))

        time.sleep(retry_after + 0.5)
        assert web_login(owner, "ada", PASSWORD).status_code == 303

    assert "auth.login_throttled" in audit_actions(site)
    log = site.log_file.read_text()
    assert "login throttled for 'ada' from 198.51.100.2 on /web/login" in log
    assert "login throttled for 'ada' from 198.51.100.2 on /api/v1/auth/token" in log


def test_wrong_passwords_on_the_token_endpoint_lock_the_account_with_a_json_429(live):
    site, server = live
    with web_client(server, "198.51.100.3") as attacker, web_client(server, "198.51.100.4") as owner:
        for _ in range(FAILURE_LIMIT - 1):
            refused = api_login(attacker, "bob", "wrong-password")
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"
        assert_throttled_json(api_login(attacker, "bob", "wrong-password"))

        assert_throttled_json(api_login(owner, "bob", PASSWORD))
        assert_throttled_page(web_login(owner, "bob", PASSWORD))
        # Another account is not affected by bob's lock.
        assert api_login(owner, "ada", PASSWORD).status_code == 201


def test_one_address_trying_many_logins_is_throttled_whatever_the_login(live):
    site, server = live
    with web_client(server, "203.0.113.7") as sprayer, web_client(server, "203.0.113.8") as elsewhere:
        for name in ("root", "admin"):
            assert web_login(sprayer, name, "guess-" + name).status_code == 200
        assert_throttled_page(web_login(sprayer, "ada", "guess-ada"))
        # Each login failed once only; the address failed three times.
        assert_throttled_json(api_login(sprayer, "bob", PASSWORD))
        assert_throttled_page(web_login(sprayer, "bob", PASSWORD))

        # bob from another address logs in: the address was locked, not his account.
        assert api_login(elsewhere, "bob", PASSWORD).status_code == 201
    assert audit_actions(site).count("auth.login_throttled") == 3


def test_workos_user_unlock_ends_a_lockout_at_once(live):
    site, server = live
    with web_client(server, "192.0.2.10") as client:
        for _ in range(FAILURE_LIMIT):
            api_login(client, "ada", "wrong-password")
        assert_throttled_json(api_login(client, "ada", PASSWORD))

        unlocked = site.workos("user", "unlock", "ada", "--ip", "192.0.2.10")

        assert unlocked.returncode == 0, unlocked.stderr
        assert "forgot 1 counted login failure record" in unlocked.stdout
        assert api_login(client, "ada", PASSWORD).status_code == 201


def test_workos_user_unlock_needs_a_target(site):
    result = site.workos("user", "unlock")

    assert result.returncode == 2
    assert "name at least one login" in result.stderr
