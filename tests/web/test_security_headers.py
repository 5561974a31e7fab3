"""Security headers of the app's pages: the Content-Security-Policy, sandboxed PDFs, Secure cookies behind an
HTTPS proxy. (That the policy breaks nothing and is never violated is tests/browser/test_content_security_policy.py.)"""

from __future__ import annotations

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

PASSWORD = "correct-horse-battery"
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /OpenAction <</S /JavaScript /JS (app.alert(1))>> >> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def logged_in_client(username: str = "ida") -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_user(username, password=PASSWORD))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/web/login", "/web", "/web/pages", "/web/databases", "/api/v1/docs"])
def test_every_html_page_has_a_strict_content_security_policy(path):
    client = logged_in_client() if path != "/web/login" else Client()

    response = client.get(path)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    script = policy["script-src"]
    assert "'self'" in script and not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:", "data:"} & set(script)
    assert all(source == "'self'" or source.startswith("'nonce-") for source in script)


@pytest.mark.django_db
def test_api_docs_load_swagger_ui_from_this_site_not_a_cdn():
    response = logged_in_client().get("/api/v1/docs")

    page = response.content.decode()
    assert '<script src="/web/static/ninja/swagger-ui-bundle.js"' in page
    assert "cdn." not in page and "https://" not in page
    assert Client().get("/web/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.mark.django_db
def test_a_pdf_attachment_is_served_sandboxed_without_script():
    client = logged_in_client()
    workspace = client.post("/api/v1/workspaces", {"name": "Acme"}, content_type="application/json").json()
    space = client.post("/api/v1/spaces", {"workspace_id": workspace["id"], "name": "Eng"}, content_type="application/json").json()
    page = client.post("/api/v1/pages", {"space_id": space["id"], "title": "Specs"}, content_type="application/json").json()
    uploaded = client.post(f"/api/v1/pages/{page['id']}/attachments", {"file": SimpleUploadedFile("spec.pdf", PDF, content_type="application/pdf")})
    assert uploaded.status_code == 201, uploaded.content

    served = client.get(uploaded.json()["url"])

    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("inline")
    policy = directives(served["Content-Security-Policy"])
    assert "sandbox" in policy and policy["sandbox"] == []  # no allow-scripts, no allow-same-origin
    assert "script-src" not in policy and policy["default-src"] == ["'none'"]


@pytest.mark.once
def test_cookies_are_secure_behind_an_https_proxy(site, serve):
    site.extra_config = "\n"  # [server] is the first table of the file: add the key there
    site.write_config()
    config = site.config_file.read_text().replace("[server]\n", "[server]\nbehind_https_proxy = true\n", 1)
    site.config_file.write_text(config)
    site.workos("module", "install", "ipai_platform_audit", check=True)
    site.workos("user", "create", "ada", "--password-stdin", input=PASSWORD + "\n", check=True)
    server = serve(site)
    host = server.base_url.removeprefix("http://")
    proxy_headers = {"X-Forwarded-Proto": "https", "Referer": f"https://{host}/web/login"}

    with httpx.Client(base_url=server.base_url, headers=proxy_headers, follow_redirects=False, timeout=10) as client:
        form = client.get("/web/login")
        token = client.cookies["csrftoken"]
        # The proxy speaks HTTPS to the browser; httpx, speaking plain HTTP here, would keep a Secure cookie back.
        logged_in = client.post("/web/login", data={"login": "ada", "password": PASSWORD, "csrfmiddlewaretoken": token},
                                headers={"Cookie": f"csrftoken={token}"})

    assert logged_in.status_code == 303, logged_in.text[:500]
    csrf_cookie = form.headers["set-cookie"]
    session_cookie = next(value for value in logged_in.headers.get_list("set-cookie") if value.startswith("workos_session="))
    assert "; secure" in csrf_cookie.lower() and "; secure" in session_cookie.lower()
