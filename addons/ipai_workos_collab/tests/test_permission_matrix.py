"""Who may read, write, resolve and delete comments: 4 workspace roles × 5 levels granted on the page.

Reading needs ``view``; writing and resolving need ``comment``; deleting someone else's comment needs
``manage`` (admins have it everywhere). An outsider is nobody in the workspace; a grant still reaches them.
"""

from __future__ import annotations

import pytest

from ipai_workos_collab.models import Comment

from .conftest import text

ROLES = ("admin", "member", "guest", "outsider")
LEVELS = ("none", "view", "comment", "edit", "manage")
RANK = {level: index for index, level in enumerate(LEVELS)}


def effective(role: str, level: str) -> str:
    return "manage" if role == "admin" else level


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", ROLES)
def test_comment_permission_matrix(tree, person, api_for, role, level):
    user = person(role, level)
    api = api_for(user)
    owner_comment = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": text("by the owner")}).json()
    rank = RANK[effective(role, level)]

    read = api.get("/comments", page_id=tree.page.pk)
    assert read.status_code == (200 if rank >= RANK["view"] else 404), read.json()

    written = api.post("/comments", {"page_id": tree.page.pk, "body": text("mine")})
    expected_write = 201 if rank >= RANK["comment"] else 403 if rank >= RANK["view"] else 404
    assert written.status_code == expected_write, written.json()

    resolved = api.post(f"/comments/{owner_comment['id']}/resolve")
    assert resolved.status_code == (200 if rank >= RANK["comment"] else 403 if rank >= RANK["view"] else 404)

    if written.status_code == 201:
        assert api.delete(f"/comments/{written.json()['id']}").status_code == 204  # one's own

    deleted = api.delete(f"/comments/{owner_comment['id']}")
    assert deleted.status_code == (204 if rank >= RANK["manage"] else 403 if rank >= RANK["view"] else 404)
    assert Comment.objects.filter(pk=owner_comment["id"]).exists() == (rank < RANK["manage"])


def test_page_creator_may_delete_comments_on_their_page(tree, person, api_for):
    from ipai_workos_core import services as core

    creator = person("member")
    page = core.create_page(creator, space=tree.space, title="Mine")
    other = person("member")
    made = api_for(other).post("/comments", {"page_id": page.pk, "body": text("hello")}).json()
    assert api_for(creator).delete(f"/comments/{made['id']}").status_code == 204


def test_viewer_can_no_longer_edit_own_comment_after_losing_comment_access(tree, person, api_for):
    from ipai_platform_permissions import services as permissions
    from ipai_platform_permissions.models import Permission

    user = person("guest", "comment")
    made = api_for(user).post("/comments", {"page_id": tree.page.pk, "body": text("v1")}).json()
    grant = Permission.objects.get(user=user)
    permissions.update_grant(tree.admin, grant.pk, "view")
    assert api_for(user).patch(f"/comments/{made['id']}", {"body": text("v2")}).status_code == 403
    assert api_for(user).delete(f"/comments/{made['id']}").status_code == 403
