"""Share links: hashed at rest, scoped to a subtree, public or members-only, expiring, revocable — and a link
that does not work answers 404 whatever the reason."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.models import ShareToken


def share(api, obj, **extra):
    body = {"scope_model": "ipai.workos.page", "scope_id": str(obj.pk), **extra}
    response = api.post("/share-tokens", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_only_the_hash_of_a_share_token_is_stored(tree, api_for):
    created = share(api_for(tree.admin), tree.page)

    token = ShareToken.objects.get(pk=created["id"])
    assert token.token_hash == permissions.hash_share_token(created["token"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ipai_share_token")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert created["token"] not in stored
    assert created["token"].startswith(token.prefix)


def test_public_link_opens_the_page_and_its_subpages_without_login(tree, api_for):
    raw = share(api_for(tree.admin), tree.page, audience="public", level="view")["token"]
    anonymous = api_for(None)

    opened = anonymous.get(f"/shared/{raw}")
    subpage = anonymous.get(f"/pages/{tree.subpage.pk}", share=raw)

    assert opened.status_code == 200 and opened.json()["name"] == "Handbook" and opened.json()["level"] == "view"
    assert subpage.status_code == 200 and subpage.json()["title"] == "Onboarding"
    assert subpage.json()["space_id"] is None  # the space is not shared: not even its id is named
    assert anonymous.get(f"/pages/{tree.subpage.pk}").status_code == 401


def test_link_does_not_reach_outside_its_subtree(tree, api_for):
    from ipai_workos_core import services as core

    sibling = core.create_page(tree.admin, space=tree.space, title="Salaries")
    raw = share(api_for(tree.admin), tree.page, audience="public")["token"]

    assert api_for(None).get(f"/pages/{sibling.pk}", share=raw).status_code == 404


def test_members_only_link_needs_a_login_and_membership(tree, make_user, member_of, api_for):
    raw = share(api_for(tree.admin), tree.subpage, audience="members", level="comment")["token"]
    member = member_of(make_user(), "guest")

    assert api_for(None).get(f"/shared/{raw}").status_code == 401
    assert api_for(make_user()).get(f"/shared/{raw}").status_code == 404
    opened = api_for(member).get(f"/shared/{raw}")
    assert opened.status_code == 200 and opened.json()["level"] == "comment"


def test_expired_revoked_and_unknown_links_all_answer_404(tree, api_for):
    admin = api_for(tree.admin)
    expired = share(admin, tree.page, audience="public", expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    ShareToken.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = share(admin, tree.page, audience="public")
    assert admin.delete(f"/share-tokens/{revoked['id']}").status_code == 200
    anonymous = api_for(None)

    answers = [anonymous.get(f"/shared/{raw}") for raw in (expired["token"], revoked["token"], "wss_unknown", "garbage")]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert len({a.content for a in answers}) == 1  # word for word the same: no hint which one it was
    assert anonymous.get(f"/pages/{tree.page.pk}", share=revoked["token"]).status_code == 404


def test_web_landing_page_of_a_link(tree, api_for, client):
    raw = share(api_for(tree.admin), tree.page, audience="public")["token"]
    members_only = share(api_for(tree.admin), tree.page, audience="members")["token"]

    assert client.get(f"/web/shared/{raw}").status_code == 200
    assert b"Handbook" in client.get(f"/web/shared/{raw}").content
    assert client.get(f"/web/shared/{members_only}").status_code == 302
    assert client.get("/web/shared/wss_nothing").status_code == 404


def test_share_link_input_is_validated(tree, api_for):
    admin = api_for(tree.admin)

    past = admin.post("/share-tokens", {"scope_model": "ipai.workos.page", "scope_id": str(tree.page.pk), "expires_at": "2000-01-01T00:00:00Z"})
    manage = admin.post("/share-tokens", {"scope_model": "ipai.workos.page", "scope_id": str(tree.page.pk), "level": "manage"})
    unknown_type = admin.post("/share-tokens", {"scope_model": "auth.user", "scope_id": "1"})
    missing = admin.post("/share-tokens", {"scope_model": "ipai.workos.page", "scope_id": "999999"})
    not_a_number = admin.post("/share-tokens", {"scope_model": "ipai.workos.page", "scope_id": "abc"})

    assert (past.status_code, past.json()["error"]["field"]) == (422, "expires_at")
    assert manage.status_code == 422
    assert unknown_type.status_code == 422
    assert missing.status_code == 404
    assert not_a_number.status_code == 404


def test_revoking_needs_share_rights(tree, make_user, member_of, api_for):
    created = share(api_for(tree.admin), tree.page)
    member = member_of(make_user(), "member")

    assert api_for(member).delete(f"/share-tokens/{created['id']}").status_code == 403
    assert api_for(make_user()).delete(f"/share-tokens/{created['id']}").status_code == 404
