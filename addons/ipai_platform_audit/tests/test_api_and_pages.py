"""The audit log through /api/v1 and /web/audit: filters, pagination, export, and administrators only."""

from __future__ import annotations

import csv
import io
import json

from django.test import Client

from ipai_platform_audit import services


def test_login_and_failed_login_are_recorded_with_ip_and_user_agent(make_user):
    make_user("alice")
    client = Client(HTTP_USER_AGENT="pytest-browser/1.0", REMOTE_ADDR="10.1.2.3")

    client.post("/web/login", {"login": "alice", "password": "wrong"})
    client.post("/web/login", {"login": "alice", "password": "correct-horse-9"})
    client.post("/web/logout")

    events = list(services.AuditEvent.objects.filter(action__startswith="auth.").order_by("id"))
    assert [e.action for e in events] == ["auth.login_failed", "auth.login", "auth.logout"]
    assert events[0].actor_id is None and events[0].changes["login"] == "alice"
    assert {(e.ip_address, e.user_agent) for e in events} == {("10.1.2.3", "pytest-browser/1.0")}


def test_non_administrators_cannot_read_the_log(make_user, api_for, client):
    user = make_user()
    client.force_login(user)

    assert api_for(user).get("/audit/events").status_code == 403
    assert api_for(user).get("/audit/events/export").status_code == 403
    assert api_for(user).get("/audit/verify").status_code == 403
    assert client.get("/web/audit/").status_code == 403


def test_filters_and_pagination(make_user, api_for):
    admin, bob = make_user(admin=True), make_user("bob")
    for i in range(3):
        services.record_event(actor=bob, action="page.update", target_model="ipai.workos.page", target_id=str(i))
    services.record_event(actor=admin, action="page.create", target_model="ipai.workos.page", target_id="9")
    api = api_for(admin)

    by_actor = api.get("/audit/events", actor="bob").json()
    by_prefix = api.get("/audit/events", action="page.").json()
    by_target = api.get("/audit/events", target_model="ipai.workos.page", target_id="9").json()
    first = api.get("/audit/events", action="page.", limit=2).json()
    second = api.get("/audit/events", action="page.", limit=2, cursor=first["next_cursor"]).json()
    empty_range = api.get("/audit/events", since="2100-01-01T00:00:00Z").json()

    assert by_actor["count"] == 3 and {e["actor_name"] for e in by_actor["items"]} == {"bob"}
    assert by_prefix["count"] == 4
    assert [e["action"] for e in by_target["items"]] == ["page.create"]
    assert len(first["items"]) == 2 and len(second["items"]) == 2 and second["next_cursor"] is None
    assert {e["id"] for e in first["items"]}.isdisjoint(e["id"] for e in second["items"])
    assert empty_range["count"] == 0
    assert api.get("/audit/events", since="2100-01-01T00:00:00Z", until="2000-01-01T00:00:00Z").status_code == 422
    assert api.get("/audit/events", since="yesterday").status_code == 422
    assert api.get("/audit/events", cursor="not-a-cursor").status_code == 422


def test_csv_and_json_export(make_user, api_for):
    admin = make_user(admin=True)
    services.record_event(actor=admin, action="page.update", target_name="=HYPERLINK(\"http://evil\")", changes={"x": {"before": 1, "after": 2}})
    api = api_for(admin)

    csv_text = b"".join(api.get("/audit/events/export", format="csv", action="page.update").streaming_content).decode()
    json_text = b"".join(api.get("/audit/events/export", format="json", action="page.update").streaming_content).decode()

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == 1 and rows[0]["target_name"].startswith("'=")  # a formula is quoted, never run
    assert json.loads(rows[0]["changes"]) == {"x": {"after": 2, "before": 1}}
    lines = [json.loads(line) for line in json_text.splitlines()]
    assert len(lines) == 1 and lines[0]["hash"] == rows[0]["hash"]
    assert api.get("/audit/events/export", format="xml").status_code == 422


def test_verify_settings_and_archive_through_the_api(make_user, api_for):
    api = api_for(make_user(admin=True))

    assert api.get("/audit/verify").json()["ok"] is True
    assert api.put("/audit/settings", {"retention_days": 30}).json() == {"retention_days": 30}
    assert api.get("/audit/settings").json() == {"retention_days": 30}
    assert api.put("/audit/settings", {"retention_days": -3}).status_code == 422
    assert api.post("/audit/archive", {"older_than_days": 30}).json()["archived"] == 0


def test_audit_page_shows_filters_and_events(make_user, client):
    admin = make_user(admin=True)
    services.record_event(actor=admin, action="page.update", target_name="<script>alert(1)</script>")
    client.force_login(admin)

    page = client.get("/web/audit/", {"action": "page.update"})
    export = client.get("/web/audit/export", {"format": "json"})

    assert page.status_code == 200
    assert b"Chain verified" in page.content and b"&lt;script&gt;" in page.content and b"<script>alert" not in page.content
    assert export.status_code == 200
    assert client.post("/web/audit/", {"retention_days": "7"}).status_code == 200
    assert services.retention_days() == 7
    assert client.get("/web/audit/", {"since": "not a date"}).status_code == 422
