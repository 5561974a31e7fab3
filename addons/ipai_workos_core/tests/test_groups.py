"""Groups of a workspace's members: admins manage them, members list them, pages are shared with them."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.models import Permission
from ipai_workos_core import services
from ipai_workos_core.models import Page, WorkspaceGroup


def test_admins_make_groups_members_list_them_and_outsiders_see_none(tree, people, api_for):
    admin, member, outsider = api_for(tree.admin), api_for(people.editor), api_for(people.outsider)

    assert member.post(f"/workspaces/{tree.workspace.pk}/groups", {"name": "Design"}).status_code == 403
    created = admin.post(f"/workspaces/{tree.workspace.pk}/groups", {"name": " Design "})
    assert created.status_code == 201, created.content
    group = created.json()
    assert (group["name"], group["members"]) == ("Design", [])
    assert admin.post(f"/workspaces/{tree.workspace.pk}/groups", {"name": "design"}).status_code == 409
    assert admin.post(f"/workspaces/{tree.workspace.pk}/groups", {"name": "  "}).status_code == 422

    added = admin.post(f"/groups/{group['id']}/members", {"user_id": people.editor.pk})
    assert added.status_code == 201 and [m["username"] for m in added.json()["members"]] == [people.editor.username]
    assert admin.post(f"/groups/{group['id']}/members", {"user_id": people.outsider.pk}).status_code == 422  # not in the workspace
    assert admin.post(f"/groups/{group['id']}/members", {"user_id": people.editor.pk}).status_code == 409

    assert [g["name"] for g in member.get(f"/workspaces/{tree.workspace.pk}/groups").json()] == ["Design"]
    assert outsider.get(f"/groups/{group['id']}/members").status_code in (404, 405)
    assert outsider.patch(f"/groups/{group['id']}", {"name": "Mine"}).status_code == 404
    assert member.patch(f"/groups/{group['id']}", {"name": "Mine"}).status_code == 403
    assert admin.patch(f"/groups/{group['id']}", {"name": "Designers"}).json()["name"] == "Designers"


def test_a_page_shared_with_a_group_opens_for_its_members_until_they_leave(tree, people, make_user, member_of):
    group = services.create_group(tree.admin, tree.workspace, "Leadership")
    services.add_group_member(tree.admin, group, people.editor.pk)
    bystander = member_of(make_user(), "member")
    page = services.create_page(tree.admin, space=tree.space, title="Board minutes")
    services.set_restricted(tree.admin, page, True)
    page = Page.objects.get(pk=page.pk)
    permissions.grant(tree.admin, page, "comment", group_id=group.group_id)

    assert permissions.can(people.editor, "comment", page) and not permissions.can(people.editor, "edit", page)
    assert not permissions.can(bystander, "read", page)

    services.remove_group_member(people.editor, group, people.editor.pk)  # anyone may leave a group
    assert not permissions.can(people.editor, "read", page)
    services.add_group_member(tree.admin, group, people.editor.pk)
    services.remove_member(tree.admin, tree.workspace, people.editor.pk)  # leaving the workspace leaves its groups
    assert not group.group.user_set.filter(pk=people.editor.pk).exists()

    services.delete_group(tree.admin, group)
    assert not WorkspaceGroup.objects.filter(pk=group.pk).exists()
    assert not Permission.objects.filter(group_id=group.group_id).exists()  # what was shared with it goes too
