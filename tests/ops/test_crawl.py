"""``workos crawl`` against a live ``workos serve``: GET only, same origin, never logout, login and token."""

import json

import httpx
import pytest

from workos.ops.crawl import normalise

from .test_snapshot import PASSWORD, requests_in_log, run, suite_site  # noqa: F401  (suite_site is a fixture)

pytestmark = pytest.mark.once  # the crawler speaks HTTP only: one database is enough


def crawl_json(site, *args, env=None):
    result = run(site, "crawl", *args, "--json", env=env)
    assert result.returncode in (0, 1), result.stderr
    return result, json.loads(result.stdout)


def pages_by_url(report):
    return {page["url"]: page for page in report["pages"]}


def menu_action_urls(site):
    rows = site.sql("SELECT a.id, a.path FROM ir_ui_menu m JOIN ir_act_window a ON a.id = m.action_id")
    return {path or f"/web/action/{action_id}" for action_id, path in rows}


def test_crawl_without_login_reaches_only_public_pages_and_never_logs_out(suite_site, serve):
    server = serve(suite_site)

    result, report = crawl_json(suite_site, server.base_url)

    pages = pages_by_url(report)
    assert report["authenticated_as"] is None
    assert pages["/web/health"]["status"] == 200
    assert pages["/web/login"]["status"] == 200 and pages["/web/login"]["title"] == "Log in · WorkOS"
    assert pages["/web"]["status"] == 302 and pages["/web"]["redirect"] == "/web/login?next=%2Fweb"
    assert pages["/web/login?next=%2Fweb"]["found_on"] == "/web"
    assert pages["/web/login?next=%2Fweb"]["depth"] == 1
    # Every menu entry was tried, and without a session none shows its page: each sends to the login page.
    for url in menu_action_urls(suite_site):
        assert pages[url]["seed"].startswith("menu: ")
        assert pages[url]["status"] != 200
        if pages[url]["redirect"]:
            assert pages[url]["redirect"].startswith("/web/login?next=")
    assert [url for url in menu_action_urls(suite_site) if url.startswith("/web/action/")]
    assert all(pages[url]["status"] == 302 for url in menu_action_urls(suite_site) if url.startswith("/web/action/"))
    assert not [url for url, page in pages.items() if url.startswith("/web/action/") and page["status"] == 200]
    # Authenticated API routes are named in the OpenAPI document but not requested without credentials.
    skipped = {entry["url"]: entry["reason"] for entry in report["skipped"]}
    assert "needs credentials" in skipped["/api/v1/me"]
    assert report["summary"]["pages"] == len(pages) == sum(report["summary"]["by_status"].values())
    assert {"GET", "POST"} >= {method for method, _ in requests_in_log(suite_site)}
    assert not [path for _, path in requests_in_log(suite_site) if "logout" in path]
    assert result.returncode == (1 if report["broken"] else 0)


def test_crawl_with_login_finds_authenticated_pages_and_never_logs_out(suite_site, serve):
    server = serve(suite_site)

    result, report = crawl_json(suite_site, server.base_url, "--login", "admin", "--password-env", "WORKOS_TEST_PASSWORD",
                                env={"WORKOS_TEST_PASSWORD": PASSWORD})

    pages = pages_by_url(report)
    assert report["authenticated_as"] == "admin"
    assert pages["/web"]["status"] == 200 and pages["/web"]["content_type"] == "text/html"
    assert pages["/web/login"]["status"] == 303 and pages["/web/login"]["redirect"] == "/web"
    action_pages = {url for url, page in pages.items() if url.startswith("/web/action/") and page["status"] == 200}
    expected_actions = {url for url in menu_action_urls(suite_site) if url.startswith("/web/action/")}
    assert expected_actions and expected_actions <= action_pages
    for url in expected_actions:
        action_id = int(url.rsplit("/", 1)[1])
        name = suite_site.sql(f"SELECT name FROM ir_act_window WHERE id = {action_id}")[0][0]
        assert pages[url]["title"] == f"{name} · WorkOS"
    assert pages["/api/v1/me"]["status"] == 200  # the session also opens the API
    # The logout form is on every page; it is recorded as skipped and never requested.
    skipped = {entry["url"]: entry for entry in report["skipped"]}
    assert skipped["/web/logout"]["reason"] == "state-changing (logout)"
    requests = requests_in_log(suite_site)
    assert not [path for _, path in requests if "logout" in path]
    assert [path for method, path in requests if method != "GET"] == ["/web/login"]  # the login is the one POST
    assert result.returncode == (1 if report["broken"] else 0)
    assert [entry["url"] for entry in report["broken"]] == sorted(
        url for url, page in pages.items() if page["status"] >= 400 and (page["found_on"] or page["seed"].startswith("menu:")))


def test_crawl_with_a_bearer_token_opens_the_api_only(suite_site, serve):
    server = serve(suite_site)
    token = httpx.post(server.base_url + "/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["token"]

    _, report = crawl_json(suite_site, server.base_url, "--token-env", "CRAWL_TOKEN", env={"CRAWL_TOKEN": token})

    pages = pages_by_url(report)
    assert report["bearer_token"] is True and report["authenticated_as"] is None
    assert pages["/api/v1/me"]["status"] == 200
    assert pages["/api/v1/auth/tokens"]["status"] == 200
    assert pages["/web"]["status"] == 302  # the token is sent to /api/ URLs only


def test_crawl_honours_page_depth_and_exclude_limits(suite_site, serve):
    server = serve(suite_site)

    _, limited = crawl_json(suite_site, server.base_url, "--max-pages", "3")
    _, shallow = crawl_json(suite_site, server.base_url, "--max-depth", "0")
    _, excluded = crawl_json(suite_site, server.base_url, "--exclude", "/web/action/*", "--exclude", "/api/*")

    assert len(limited["pages"]) == 3 and limited["stopped_by"] == ["max_pages"] and limited["complete"] is False
    assert {page["depth"] for page in shallow["pages"]} == {0}
    assert shallow["stopped_by"] == ["max_depth"]
    assert not [page for page in excluded["pages"] if page["url"].startswith(("/web/action/", "/api/"))]
    reasons = {entry["url"]: entry["reason"] for entry in excluded["skipped"]}
    assert reasons["/api/v1/openapi.json"] == "excluded by pattern /api/*"
    assert any(reason == "excluded by pattern /web/action/*" for reason in reasons.values())


def test_two_crawls_of_an_unchanged_server_differ_only_in_response_times(suite_site, serve):
    server = serve(suite_site)

    _, first = crawl_json(suite_site, server.base_url, "--concurrency", "8")
    _, second = crawl_json(suite_site, server.base_url, "--concurrency", "2")

    def without_timings(report):
        return [{k: v for k, v in page.items() if k != "response_ms"} for page in report["pages"]]

    assert without_timings(first) == without_timings(second)
    assert first["skipped"] == second["skipped"] and first["api_routes"] == second["api_routes"]


def test_crawl_reports_a_refused_login_and_an_unreachable_server(suite_site, serve):
    server = serve(suite_site)

    refused = run(suite_site, "crawl", server.base_url, "--login", "admin", "--password-env", "WRONG",
                  env={"WRONG": "not-the-password"})
    server.stop()
    unreachable = run(suite_site, "crawl", server.base_url)

    assert refused.returncode == 1
    assert "login as 'admin' refused by /web/login: wrong login or password" in refused.stderr
    assert unreachable.returncode == 1
    assert f"cannot reach {server.base_url}" in unreachable.stderr
    assert "Traceback" not in refused.stderr + unreachable.stderr


def test_crawl_usage_errors_are_named(site):
    missing_password = run(site, "crawl", "http://127.0.0.1:9", "--login", "admin")
    unset = run(site, "crawl", "http://127.0.0.1:9", "--login", "admin", "--password-env", "NOT_SET_ANYWHERE")
    not_http = run(site, "crawl", "ftp://example.org")
    bad_limit = run(site, "crawl", "http://127.0.0.1:9", "--max-pages", "0")

    assert missing_password.returncode == 2 and "--login and --password-env go together" in missing_password.stderr
    assert unset.returncode == 2 and "NOT_SET_ANYWHERE" in unset.stderr
    assert not_http.returncode == 2 and "not an http(s) URL" in not_http.stderr
    assert bad_limit.returncode == 2 and "max_pages" in bad_limit.stderr


def test_urls_are_normalised_and_kept_to_one_origin():
    page = "http://127.0.0.1:8069/web/a/b"

    assert normalise("../c?b=2&a=1#top", page) == ("/web/c?a=1&b=2", None)
    assert normalise("http://127.0.0.1:8069/web/./x/../y", page) == ("/web/y", None)
    assert normalise("HTTP://127.0.0.1:8069/web", page) == ("/web", None)
    assert normalise("https://example.org/p?q=1#f", page) == (None, "https://example.org/p?q=1")
    assert normalise("http://127.0.0.1:8070/web", page)[0] is None  # another port is another origin
    assert normalise("mailto:a@example.org", page) == (None, None)
    assert normalise("#section", page) == (None, None)
