"""The permission matrix, through the HTTP API: workspace roles x grant levels x the scope the grant sits on x
actions, on a sub-page at the bottom of workspace -> space -> page -> sub-page.

The permissions module knows no WorkOS type; the tree here is ipai_workos_core's, which registers its scopes
with this module. Expected outcomes come from a table written here, independent of the implementation:
role admin -> manage, member -> edit, guest and outsider -> nothing, unless a grant on the chain says
otherwise (admins keep manage whatever a grant says).
"""

from __future__ import annotations

import pytest

from ipai_platform_permissions import services as permissions

ROLES = ["admin", "member", "guest", "outsider"]
GRANT_LEVELS = [None, "manage", "edit", "comment", "view", "none"]
SCOPES = ["workspace", "space", "page", "subpage"]
ORDER = ["none", "view", "comment", "edit", "manage"]
ROLE_BASE = {"admin": "manage", "member": "edit", "guest": "none", "outsider": "none"}
NEEDS = {"read": "view", "list": "view", "search": "view", "comment": "comment", "edit": "edit", "delete": "edit", "share": "manage"}


def expected_level(role: str, grant: str | None) -> str:
    if role == "admin":
        return "manage"
    return grant if grant is not None else ROLE_BASE[role]


def expected_outcomes(role: str, grant: str | None) -> dict[str, str]:
    """Per action: "ok", "denied" (403: the user sees the page but may not do this) or "hidden" (404)."""
    level = expected_level(role, grant)
    visible = ORDER.index(level) >= ORDER.index("view")
    outcomes = {}
    for action, needed in NEEDS.items():
        if ORDER.index(level) >= ORDER.index(needed):
            outcomes[action] = "ok"
        elif action in ("list", "search"):
            outcomes[action] = "hidden"  # absent from results: there is no 403 for a list
        else:
            outcomes[action] = "denied" if visible else "hidden"
    return outcomes


def _status(response, ok: int) -> str:
    if response.status_code == ok:
        return "ok"
    assert response.status_code in (403, 404), (response.status_code, response.content)
    assert "error" in response.json()
    return "denied" if response.status_code == 403 else "hidden"


def observed_outcomes(api, tree) -> dict[str, str]:
    target = tree.subpage
    outcomes = {"read": _status(api.get(f"/pages/{target.pk}"), 200)}

    listing = api.get("/pages", parent_id=tree.page.pk)
    assert listing.status_code == 200
    ids = [item["id"] for item in listing.json()["items"]]
    assert listing.json()["count"] == len(ids)
    outcomes["list"] = "ok" if target.pk in ids else "hidden"

    found = api.get("/pages", q="Onboarding")
    assert found.status_code == 200
    ids = [item["id"] for item in found.json()["items"]]
    assert found.json()["count"] == len(ids)
    outcomes["search"] = "ok" if target.pk in ids else "hidden"

    check = api.get("/permissions/check", scope_model="ipai.workos.page", scope_id=target.pk)
    if check.status_code == 404:
        outcomes["comment"] = "hidden"
    else:
        assert check.status_code == 200
        outcomes["comment"] = "ok" if check.json()["actions"]["comment"] else "denied"

    outcomes["edit"] = _status(api.patch(f"/pages/{target.pk}", {"title": "Onboarding"}), 200)
    outcomes["share"] = _status(api.post("/share-tokens", {"scope_model": "ipai.workos.page", "scope_id": str(target.pk)}), 201)
    outcomes["delete"] = _status(api.delete(f"/pages/{target.pk}"), 200)
    return outcomes


# Without a grant the scope does not matter: that column is covered once.
MATRIX = [(role, None, None) for role in ROLES] + [
    (role, scope, grant) for role in ROLES for scope in SCOPES for grant in GRANT_LEVELS if grant is not None
]


@pytest.mark.parametrize("role, scope, grant", MATRIX, ids=[f"{r}-{s or 'no'}-{g or 'grant'}" for r, s, g in MATRIX])
def test_permission_matrix_through_the_api(role, scope, grant, tree, make_user, member_of, api_for):
    user = make_user()
    if role != "outsider":
        member_of(user, role)
    if grant is not None:
        permissions.grant(tree.admin, getattr(tree, scope), grant, user_id=user.pk)

    observed = observed_outcomes(api_for(user), tree)

    assert observed == expected_outcomes(role, grant)


# --- inheritance: the nearest grant wins, an explicit none denies, a lower grant re-opens -----------------


def level_through_api(api, page) -> str | None:
    response = api.get("/permissions/check", scope_model="ipai.workos.page", scope_id=page.pk)
    return response.json()["level"] if response.status_code == 200 else None


@pytest.mark.parametrize(
    "upper, lower, expected_page, expected_subpage",
    [
        ("view", "edit", "edit", "edit"),  # a grant lower down overrides the inherited one, upwards too
        ("edit", "view", "view", "view"),  # ... and downwards
        ("manage", "none", None, None),  # an explicit none wins over inheritance
        ("none", "comment", "comment", "comment"),  # a grant below a deny re-opens that subtree
    ],
)
def test_nearest_grant_wins_for_a_member(upper, lower, expected_page, expected_subpage, tree, make_user, member_of, api_for):
    user = member_of(make_user(), "member")
    permissions.grant(tree.admin, tree.space, upper, user_id=user.pk)
    permissions.grant(tree.admin, tree.page, lower, user_id=user.pk)
    api = api_for(user)

    assert level_through_api(api, tree.page) == expected_page
    assert level_through_api(api, tree.subpage) == expected_subpage
    assert api.get(f"/spaces/{tree.space.pk}").status_code == (404 if upper == "none" else 200)


def test_deny_on_the_subpage_only_hides_the_subpage(tree, make_user, member_of, api_for):
    user = member_of(make_user(), "member")
    permissions.grant(tree.admin, tree.subpage, "none", user_id=user.pk)
    api = api_for(user)

    assert api.get(f"/pages/{tree.page.pk}").status_code == 200
    assert api.get(f"/pages/{tree.subpage.pk}").status_code == 404
    assert [p["id"] for p in api.get("/pages").json()["items"]] == [tree.page.pk]


def test_group_deny_wins_over_group_grant_but_not_over_the_users_own(tree, make_user, member_of, api_for):
    from django.contrib.auth.models import Group

    readers, blocked = Group.objects.create(name="readers"), Group.objects.create(name="blocked")
    user = make_user()  # an outsider: only grants give access
    user.groups.add(readers, blocked)
    permissions.grant(tree.admin, tree.page, "edit", group_id=readers.pk)
    permissions.grant(tree.admin, tree.page, "none", group_id=blocked.pk)
    api = api_for(user)
    assert api.get(f"/pages/{tree.page.pk}").status_code == 404

    permissions.grant(tree.admin, tree.page, "view", user_id=user.pk)

    assert level_through_api(api, tree.page) == "view"
    assert level_through_api(api, tree.subpage) == "view"


def test_private_space_admits_only_admins_and_grantees(tree, make_user, member_of, api_for):
    from ipai_workos_core import services as core

    core.update_space(tree.admin, tree.space, visibility="private")
    member = member_of(make_user(), "member")
    granted = member_of(make_user(), "member")
    permissions.grant(tree.admin, tree.page, "comment", user_id=granted.pk)

    assert api_for(member).get(f"/pages/{tree.subpage.pk}").status_code == 404
    assert api_for(member).get("/spaces").json()["count"] == 0
    assert api_for(tree.admin).get(f"/pages/{tree.subpage.pk}").status_code == 200
    assert level_through_api(api_for(granted), tree.subpage) == "comment"


def test_public_space_lets_guests_view_but_not_edit(tree, make_user, member_of, api_for):
    from ipai_workos_core import services as core

    core.update_space(tree.admin, tree.space, visibility="public")
    guest = member_of(make_user(), "guest")
    api = api_for(guest)

    assert api.get(f"/pages/{tree.subpage.pk}").status_code == 200
    assert api.patch(f"/pages/{tree.subpage.pk}", {"title": "x"}).status_code == 403


def test_guest_sees_the_workspace_but_nothing_inside_it(tree, make_user, member_of, api_for):
    guest = member_of(make_user(), "guest")
    api = api_for(guest)

    assert api.get(f"/workspaces/{tree.workspace.pk}").status_code == 200
    assert api.get("/spaces").json() == {"items": [], "count": 0, "next_cursor": None}
    assert api.get("/pages").json()["count"] == 0
    assert api.post("/spaces", {"workspace_id": tree.workspace.pk, "name": "Mine"}).status_code == 403


def test_member_cannot_rename_the_workspace_but_its_admin_can(tree, make_user, member_of, api_for):
    member = member_of(make_user(), "member")

    assert api_for(member).patch(f"/workspaces/{tree.workspace.pk}", {"name": "Mine"}).status_code == 403
    assert api_for(tree.admin).patch(f"/workspaces/{tree.workspace.pk}", {"name": "Acme Inc"}).status_code == 200


def test_superuser_can_do_everything(tree, make_user, api_for):
    root = make_user(admin=True)

    assert observed_outcomes(api_for(root), tree) == {action: "ok" for action in NEEDS}
