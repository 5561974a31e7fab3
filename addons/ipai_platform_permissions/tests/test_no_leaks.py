"""No list, count, search or side door reveals an object the user cannot view."""

from __future__ import annotations

import pytest

from ipai_platform_permissions import services as permissions


@pytest.fixture
def hidden(tree, make_user, member_of):
    """A member denied the page (and so its sub-page), and an outsider."""
    member = member_of(make_user(), "member")
    permissions.grant(tree.admin, tree.page, "none", user_id=member.pk)
    return member, make_user()


def test_lists_counts_and_search_leave_out_what_the_user_cannot_view(tree, hidden, api_for):
    for user in hidden:
        api = api_for(user)
        for params in ({}, {"q": "Handbook"}, {"q": "Onboarding"}, {"space_id": tree.space.pk}, {"parent_id": tree.page.pk},
                       {"archived": "true"}):
            body = api.get("/pages", **params).json()
            assert body["count"] == 0 and body["items"] == [], params


def test_side_doors_answer_404_for_hidden_objects(tree, hidden, api_for):
    member, outsider = hidden
    for user in (member, outsider):
        api = api_for(user)
        key = {"scope_model": "ipai.workos.page", "scope_id": tree.subpage.pk}
        assert api.get("/permissions", **key).status_code == 404
        assert api.get("/permissions/check", **key).status_code == 404
        assert api.get("/share-tokens", **key).status_code == 404
        assert api.post("/permissions", {**key, "scope_id": str(tree.subpage.pk), "level": "view", "user_id": user.pk}).status_code == 404
        assert api.post("/pages", {"parent_id": tree.page.pk, "title": "x"}).status_code == 404
    outsider_api = api_for(outsider)
    assert outsider_api.get(f"/workspaces/{tree.workspace.pk}/members").status_code == 404
    assert outsider_api.get("/workspaces").json()["count"] == 0
    assert outsider_api.get("/spaces", workspace_id=tree.workspace.pk).json()["count"] == 0


def test_a_visible_page_does_not_name_a_hidden_parent(tree, make_user, api_for):
    outsider = make_user()
    permissions.grant(tree.admin, tree.subpage, "view", user_id=outsider.pk)

    body = api_for(outsider).get(f"/pages/{tree.subpage.pk}").json()

    assert body["parent_id"] is None and body["space_id"] is None


def test_unknown_and_hidden_objects_answer_alike(tree, hidden, api_for):
    member, _ = hidden
    api = api_for(member)

    hidden_answer = api.get(f"/pages/{tree.subpage.pk}")
    missing_answer = api.get("/pages/987654")

    assert hidden_answer.status_code == missing_answer.status_code == 404
    assert hidden_answer.json() == missing_answer.json()


def test_grants_api_round_trip_is_audited(tree, make_user, member_of, api_for):
    from ipai_platform_audit.models import AuditEvent

    user = member_of(make_user(), "guest")
    admin = api_for(tree.admin)
    key = {"scope_model": "ipai.workos.page", "scope_id": str(tree.page.pk)}

    created = admin.post("/permissions", {**key, "level": "edit", "user_id": user.pk})
    listed = admin.get("/permissions", **key)
    changed = admin.patch(f"/permissions/{created.json()['id']}", {"level": "comment"})
    removed = admin.delete(f"/permissions/{created.json()['id']}")

    assert created.status_code == 201 and listed.json()[0]["level"] == "edit"
    assert changed.json()["level"] == "comment" and removed.status_code == 204
    actions = list(AuditEvent.objects.filter(target_model="ipai.workos.page", target_id=str(tree.page.pk)).values_list("action", flat=True))
    assert actions[-3:] == ["permission.grant", "permission.update", "permission.revoke"]
    assert admin.post("/permissions", {**key, "level": "owner", "user_id": user.pk}).status_code == 422
    assert admin.post("/permissions", {**key, "level": "view"}).status_code == 422
    assert admin.post("/permissions", {**key, "level": "view", "user_id": 999999}).status_code == 422
