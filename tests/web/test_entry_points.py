"""The web and API entry points over real HTTP, against `workos serve` started by the test."""

import re

import httpx
import pytest

from workos.testing.pgcluster import start_cluster

PASSWORD = "correct-horse-battery"


def prepare(site, *modules):
    site.install(*(modules or ("ipai_workos_affine",)))
    environment_password = {"input": PASSWORD + "\n"}
    site.workos("user", "create", "ada", "--admin", "--password-stdin", check=True, **environment_password)


def log_in(client: httpx.Client, password: str = PASSWORD, login: str = "ada") -> httpx.Response:
    client.get("/web/login")
    token = client.cookies["csrftoken"]
    return client.post("/web/login", data={"login": login, "password": password, "csrfmiddlewaretoken": token, "next": "/web"})


@pytest.fixture
def live(site, serve):
    prepare(site)
    server = serve(site)
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=10) as client:
        yield site, server, client


def test_login_page_answers_200_with_a_form(live):
    _, _, client = live

    response = client.get("/web/login")

    assert response.status_code == 200
    assert '<form method="post" action="/web/login"' in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_wrong_password_shows_the_form_again_without_detail(live):
    _, _, client = live

    response = log_in(client, password="wrong-password")

    assert response.status_code == 200
    assert "Wrong login or password." in response.text
    assert "workos_session" not in response.cookies


def test_login_redirects_with_303_and_login_page_then_redirects_to_the_shell(live):
    _, _, client = live

    response = log_in(client)
    again = client.get("/web/login")

    assert response.status_code == 303
    assert response.headers["location"] == "/web"
    assert again.status_code == 303
    assert again.headers["location"] == "/web"


def test_login_refuses_a_post_without_csrf_token(live):
    _, _, client = live
    client.get("/web/login")

    response = client.post("/web/login", data={"login": "ada", "password": PASSWORD})

    assert response.status_code == 403


def test_login_never_redirects_off_site(live):
    _, _, client = live
    client.get("/web/login")

    response = client.post("/web/login", data={"login": "ada", "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"], "next": "https://evil.example/"})

    assert response.headers["location"] == "/web"


def test_shell_requires_login_and_the_installed_menus_are_in_settings(live):
    _, _, client = live
    anonymous = client.get("/web")
    anonymous_settings = client.get("/web/settings")

    log_in(client)
    shell = client.get("/web")
    settings = client.get("/web/settings")

    assert anonymous.status_code == 302
    assert anonymous.headers["location"].startswith("/web/login")
    assert anonymous_settings.status_code == 302
    assert shell.status_code == 200 and settings.status_code == 200
    # The home page is about pages; the modules' menus (an administrator's here) are in the settings.
    assert 'id="quick-find-button"' in shell.text and 'href="/web/settings"' in shell.text
    assert ">Audit log<" not in shell.text and ">Records<" not in shell.text
    for menu in ("Pages", "Audit log", "Approvals", "Themes", "All pages"):
        assert f">{menu}<" in settings.text


def test_a_member_sees_no_administrators_entry_anywhere(live):
    site, _, client = live
    site.workos("user", "create", "bob", "--password-stdin", input=PASSWORD + "\n", check=True)
    log_in(client, login="bob")

    pages = {path: client.get(path) for path in ("/web", "/web/settings", "/web/trash")}

    assert {path: response.status_code for path, response in pages.items()} == {"/web": 200, "/web/settings": 200, "/web/trash": 200}
    for response in pages.values():
        for admin_only in (">Audit log<", ">Records<", ">Themes<", ">All pages<", "/web/action/"):
            assert admin_only not in response.text
    assert "Approvals" in pages["/web/settings"].text  # what everyone may open is still there
    assert "Administration" not in pages["/web/settings"].text


def test_logout_ends_the_session(live):
    _, _, client = live
    log_in(client)

    response = client.post("/web/logout", headers={"X-CSRFToken": client.cookies["csrftoken"]})
    after = client.get("/web")

    assert response.status_code == 303
    assert after.status_code == 302


def test_health_reports_version_database_and_modules(live):
    _, _, client = live

    body = client.get("/web/health").json()

    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True
    assert body["modules_installed"] == 14
    assert re.match(r"^\d+\.\d+\.\d+$", body["version"])


def test_every_request_is_one_log_line(live):
    site, _, client = live
    client.get("/web/login")
    client.get("/web/health?probe=log-test")

    lines = site.log_file.read_text().splitlines()

    assert any("GET /web/health?probe=log-test 200" in line and " INFO " in line for line in lines)


def test_api_token_auth_read_only_and_revocation(live):
    _, _, client = live
    created = client.post("/api/v1/auth/token", json={"username": "ada", "password": PASSWORD, "name": "ci", "read_only": True})
    token = created.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}

    me = client.get("/api/v1/me", headers=bearer)
    refused = client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=bearer)
    full = client.post("/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}).json()
    revoked = client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers={"Authorization": f"Bearer {full['token']}"})
    after = client.get("/api/v1/me", headers=bearer)

    assert created.status_code == 201
    assert me.status_code == 200 and me.json()["username"] == "ada"
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "this token is read-only"
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert after.status_code == 401


def test_api_errors_use_the_json_error_format(live):
    _, _, client = live

    unauthenticated = client.get("/api/v1/me")
    wrong_password = client.post("/api/v1/auth/token", json={"username": "ada", "password": "nope"})
    missing_field = client.post("/api/v1/auth/token", json={"username": "ada"})
    malformed = client.post("/api/v1/auth/token", content=b"{not json", headers={"content-type": "application/json"})
    unknown = client.get("/api/v1/no-such-resource")

    assert unauthenticated.status_code == 401 and unauthenticated.json()["error"]["code"] == "not_authenticated"
    assert wrong_password.status_code == 401
    assert missing_field.status_code == 422
    assert missing_field.json()["error"]["field"] == "password"
    assert malformed.status_code in (400, 422) and "error" in malformed.json()
    assert unknown.status_code == 404 and unknown.json() == {"error": {"code": "not_found", "message": "not found"}}


def test_openapi_document_is_served(live):
    _, _, client = live

    document = client.get("/api/v1/openapi.json").json()

    assert document["info"]["title"] == "WorkOS API"
    assert "/api/v1/auth/token" in document["paths"]


def test_server_activates_only_installed_modules(site, serve):
    prepare(site, "ipai_platform_audit")
    server = serve(site)
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        log_in(client)
        settings = client.get("/web/settings")
        health = client.get("/web/health").json()

    assert ">Audit log<" in settings.text
    assert ">Pages<" not in settings.text and ">Approvals<" not in settings.text
    assert health["modules_active"] == 1


def test_health_answers_503_when_the_database_is_unreachable(site, serve, database_kind):
    cluster = None
    if database_kind == "postgresql":
        cluster = start_cluster()  # a cluster of its own, so that stopping it harms no other test
        site.database_url = cluster.create_database("health")
        site.write_config()
    try:
        prepare(site, "ipai_platform_audit")
        server = serve(site)
        assert httpx.get(server.base_url + "/web/health").status_code == 200

        if cluster:
            cluster.stop()
        else:
            sqlite_file = site.root / "var" / "workos.sqlite3"
            for suffix in ("-wal", "-shm"):
                (site.root / "var" / f"workos.sqlite3{suffix}").unlink(missing_ok=True)
            sqlite_file.write_bytes(b"this is not a database" * 100)
        response = httpx.get(server.base_url + "/web/health")

        assert response.status_code == 503
        assert response.json()["database"]["reachable"] is False
        assert response.json()["status"] == "error"
    finally:
        if cluster:
            cluster.destroy()


def test_an_oversized_request_body_gets_413_not_a_crash(live):
    _, _, client = live

    response = client.post("/api/v1/auth/token", content=b'{"username": "' + b"a" * (11 * 1024 * 1024) + b'"}', headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_user_create_is_refused_twice_and_recorded_by_the_audit_module(site):
    site.workos("module", "install", "ipai_platform_audit", check=True)

    created = site.workos("user", "create", "lin", "--password-stdin", input=PASSWORD + "\n")
    again = site.workos("user", "create", "lin", "--password-stdin", input=PASSWORD + "\n")
    weak = site.workos("user", "create", "kim", "--password-stdin", input="123\n")

    assert created.returncode == 0, created.stderr
    assert again.returncode == 1 and "user lin already exists" in again.stderr
    assert weak.returncode == 2 and "password refused" in weak.stderr
    assert site.sql("SELECT target_model, target_name FROM ipai_audit_event WHERE action = 'auth.user_create'") == [("auth.user", "lin")]


def test_my_account_name_email_and_password_change_keeps_this_browser_and_ends_the_others(live):
    site, server, client = live
    log_in(client)
    csrf = {"X-CSRFToken": client.cookies["csrftoken"]}
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=10) as other:
        log_in(other)
        assert other.get("/web").status_code == 200

        named = client.patch("/api/v1/me", json={"first_name": " Ada ", "last_name": "Lovelace", "email": "ada@example.com"}, headers=csrf)
        bad_email = client.patch("/api/v1/me", json={"email": "not an address"}, headers=csrf)
        wrong = client.post("/api/v1/me/password", json={"current_password": "guess", "new_password": "another-long-password"}, headers=csrf)
        weak = client.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "123"}, headers=csrf)
        changed = client.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "another-long-password"}, headers=csrf)

        assert named.status_code == 200, named.text
        assert (named.json()["name"], named.json()["email"]) == ("Ada Lovelace", "ada@example.com")
        assert bad_email.status_code == 422 and bad_email.json()["error"]["field"] == "email"
        assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "current_password"
        assert weak.status_code == 422 and weak.json()["error"]["field"] == "new_password"
        assert changed.status_code == 200, changed.text
        assert client.get("/web").status_code == 200  # this browser stays signed in
        assert other.get("/web").status_code == 302  # the other session ended with the old password
    assert client.get("/api/v1/me").json()["email"] == "ada@example.com"
    assert httpx.post(server.base_url + "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}).status_code == 401
    assert httpx.post(server.base_url + "/api/v1/auth/token", json={"username": "ada", "password": "another-long-password"}).status_code == 201
    actions = [row[0] for row in site.sql("SELECT action FROM ipai_audit_event WHERE action LIKE 'auth.%' ORDER BY id")]
    assert "auth.account_update" in actions and "auth.password_change" in actions
    assert actions.index("auth.password_change") > actions.index("auth.account_update")
