"""`workos audit verify` against a real site: it passes on an intact chain and names a row edited by SQL."""

from __future__ import annotations

import json
import sqlite3

import httpx
import psycopg


def execute(site, statement: str) -> None:
    """Change the site's database behind WorkOS's back (and commit), as someone with database access would."""
    if site.database_kind == "sqlite":
        connection = sqlite3.connect(site.database_url[len("sqlite:///"):])
        try:
            connection.execute(statement)
            connection.commit()
        finally:
            connection.close()
        return
    with psycopg.connect(site.database_url, autocommit=True) as connection:
        connection.execute(statement)


def test_verify_detects_a_row_edited_by_sql(site, serve):
    assert site.workos("module", "install", "ipai_platform_audit").returncode == 0
    server = serve(site)
    for attempt in range(3):  # failed logins are audited: three events, no user needed
        httpx.post(server.base_url + "/api/v1/auth/token", json={"username": f"intruder{attempt}", "password": "x"})
    server.stop()

    intact = site.workos("audit", "verify", "--json")
    assert intact.returncode == 0, intact.stderr
    report = json.loads(intact.stdout)
    assert report["ok"] and report["events"] == 3
    middle = site.sql("SELECT id FROM ipai_audit_event ORDER BY id")[1][0]

    if site.database_kind == "postgresql":
        refused = None
        try:
            execute(site, f"UPDATE ipai_audit_event SET action = 'auth.login' WHERE id = {middle}")
        except psycopg.Error as error:
            refused = error
        assert refused is not None and "append-only" in str(refused)
        execute(site, "ALTER TABLE ipai_audit_event DISABLE TRIGGER ipai_audit_event_append_only")
    execute(site, f"UPDATE ipai_audit_event SET action = 'auth.login' WHERE id = {middle}")

    broken = site.workos("audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at event {middle}" in broken.stderr and "altered" in broken.stderr


def test_verify_without_the_module_says_so(site):
    result = site.workos("audit", "verify")

    assert result.returncode == 1 and "ipai_platform_audit is not installed" in result.stderr
