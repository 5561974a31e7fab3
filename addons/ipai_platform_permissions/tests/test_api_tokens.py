"""API tokens for scripts: they act with their user's rights, can be read-only, and are revocable."""

from __future__ import annotations

from django.test import Client

from ipai_platform_audit.models import AuditEvent


def token_for(client, username, read_only=False):
    response = client.post("/api/v1/auth/token", {"username": username, "password": "correct-horse-9", "read_only": read_only},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_token_inherits_its_users_rights(tree, make_user, member_of):
    member = member_of(make_user("tok-member"), "member")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(Client(), 'tok-member')['token']}"}
    stranger = make_user("tok-stranger")
    stranger_headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(Client(), 'tok-stranger')['token']}"}

    assert Client().get(f"/api/v1/pages/{tree.page.pk}", **headers).status_code == 200
    assert Client().get(f"/api/v1/pages/{tree.page.pk}", **stranger_headers).status_code == 404
    assert member and stranger


def test_read_only_token_reads_but_never_writes(tree, make_user, member_of):
    member_of(make_user("reader"), "member")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(Client(), 'reader', read_only=True)['token']}"}

    read = Client().get(f"/api/v1/pages/{tree.page.pk}", **headers)
    write = Client().patch(f"/api/v1/pages/{tree.page.pk}", '{"title": "x"}', content_type="application/json", **headers)

    assert read.status_code == 200
    assert write.status_code == 403 and "read-only" in write.json()["error"]["message"]
    tree.page.refresh_from_db()
    assert tree.page.title == "Handbook"


def test_revoked_token_is_refused_and_the_revocation_is_audited(tree, make_user):
    user = make_user("revoker")
    created = token_for(Client(), "revoker")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {created['token']}"}
    assert Client().get("/api/v1/me", **headers).status_code == 200

    assert Client().delete(f"/api/v1/auth/tokens/{created['id']}", **headers).status_code == 200

    assert Client().get("/api/v1/me", **headers).status_code == 401
    assert AuditEvent.objects.filter(action="auth.token_revoke", actor_id=user.pk).exists()
    assert AuditEvent.objects.filter(action="auth.token_create", actor_id=user.pk).exists()


def test_wrong_password_for_a_token_is_a_failed_login_on_record(db):
    response = Client().post("/api/v1/auth/token", {"username": "nobody", "password": "nope"}, content_type="application/json")

    assert response.status_code == 401
    event = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert event.changes["login"] == "nobody" and event.actor_id is None
