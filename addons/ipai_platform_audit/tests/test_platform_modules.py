"""The five platform modules install and uninstall cleanly through the real CLI, on the database of this run,
and a server with them installed documents their routes in /api/v1/openapi.json."""

from __future__ import annotations

import httpx
import pytest

TABLES = {
    "ipai_platform_audit": {"ipai_audit_event", "ipai_audit_archive", "ipai_audit_setting"},
    "ipai_platform_permissions": {"ipai_permission", "ipai_share_token"},
    "ipai_platform_workflow": {"ipai_workflow", "ipai_workflow_state", "ipai_workflow_transition"},
    "ipai_platform_approvals": {"ipai_approval_request", "ipai_approval_approver", "ipai_approval_decision"},
    "ipai_platform_theme": {"ipai_theme", "ipai_theme_assignment"},
}
ROUTES = {
    "ipai_platform_audit": "/api/v1/audit/events",
    "ipai_platform_permissions": "/api/v1/permissions",
    "ipai_platform_workflow": "/api/v1/workflows",
    "ipai_platform_approvals": "/api/v1/approvals",
    "ipai_platform_theme": "/api/v1/themes",
}


def tables(site) -> set[str]:
    if site.database_kind == "sqlite":
        return {row[0] for row in site.sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {row[0] for row in site.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def states(site) -> dict[str, str]:
    return dict(site.sql("SELECT name, state FROM ir_module_module WHERE name LIKE 'ipai_platform_%'"))


def owned_menus(site, module: str) -> int:
    return site.sql(f"SELECT count(*) FROM ir_model_data WHERE module = '{module}'")[0][0]


@pytest.mark.parametrize("module", sorted(TABLES))
def test_module_installs_and_uninstalls_cleanly(site, module):
    installed = site.workos("module", "install", module)
    assert installed.returncode == 0, installed.stderr
    assert states(site)[module] == "installed"
    assert TABLES[module] <= tables(site)
    assert owned_menus(site, module) > 0

    removed = site.workos("module", "uninstall", module)

    assert removed.returncode == 0, removed.stderr
    assert states(site)[module] == "uninstalled"
    assert not TABLES[module] & tables(site)
    assert owned_menus(site, module) == 0
    assert site.sql(f"SELECT count(*) FROM ir_model WHERE modules = '{module}'")[0][0] == 0
    if site.database_kind == "postgresql" and module == "ipai_platform_audit":
        assert site.sql("SELECT count(*) FROM pg_proc WHERE proname = 'ipai_audit_event_append_only'")[0][0] == 0
    assert site.workos("module", "install", module).returncode == 0  # and back again


def test_served_openapi_documents_the_platform_routes(site, serve):
    assert site.workos("module", "install", "ipai_platform_approvals", "ipai_platform_theme").returncode == 0
    server = serve(site)

    document = httpx.get(server.base_url + "/api/v1/openapi.json", timeout=10).json()
    login_page = httpx.get(server.base_url + "/web/login", timeout=10).text
    audit_page = httpx.get(server.base_url + "/web/audit/", timeout=10)

    for module, route in ROUTES.items():
        assert route in document["paths"], f"{module}: {route} missing from the OpenAPI document"
    assert "/api/v1/share-tokens" in document["paths"] and "/api/v1/theme-assignments" in document["paths"]
    assert "/web/theme/" in login_page  # the default theme's stylesheet on every page
    assert audit_page.status_code == 302 and "/web/login" in audit_page.headers["location"]
