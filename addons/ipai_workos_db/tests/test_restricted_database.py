""""General access: only people invited" on a database: like a restricted page, only administrators and those
granted access on the database itself open it and its rows; an invitation by e-mail to it grants that access."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_db import services
from ipai_workos_db.models import Database


def test_a_restricted_database_and_its_rows_open_only_for_people_invited(tree, people, board, make_user, member_of, api_for):
    editor, other = api_for(people.editor), member_of(make_user(), "member")
    row = editor.post(f"/databases/{board.id}/rows", {"values": {}}).json()
    assert api_for(other).get(f"/databases/{board.id}").status_code == 200

    # the editor made it but has no full access: they may not restrict it
    assert api_for(people.viewer).post(f"/databases/{board.id}/restrict", {"restricted": True}).status_code == 403
    assert editor.post(f"/databases/{board.id}/restrict", {"restricted": "maybe"}).status_code == 422
    restricted = api_for(tree.admin).post(f"/databases/{board.id}/restrict", {"restricted": True})
    assert restricted.status_code == 200 and restricted.json()["restricted"] is True

    for user in (other, people.editor, people.viewer):
        assert api_for(user).get(f"/databases/{board.id}").status_code == 404
        assert api_for(user).get(f"/pages/{row['page_id']}").status_code == 404
    assert board.id not in [d.pk for d in services.databases_for(other)]
    assert api_for(tree.admin).get(f"/databases/{board.id}").status_code == 200

    permissions.grant(tree.admin, Database.objects.get(pk=board.id), "comment", user_id=other.pk)
    assert api_for(other).get(f"/databases/{board.id}").status_code == 200
    assert api_for(other).get(f"/pages/{row['page_id']}").status_code == 200
    assert api_for(people.editor).get(f"/databases/{board.id}").status_code == 404

    reopened = api_for(tree.admin).post(f"/databases/{board.id}/restrict", {"restricted": False})
    assert reopened.json()["restricted"] is False
    assert api_for(people.editor).get(f"/databases/{board.id}").status_code == 200


def test_a_member_who_restricts_a_database_keeps_full_access(tree, people, board):
    database = Database.objects.get(pk=board.id)
    permissions.grant(tree.admin, database, "manage", user_id=people.editor.pk)
    services.set_database_restricted(people.editor, database, True)
    assert permissions.level_of(people.editor, Database.objects.get(pk=board.id)) == "manage"


def test_an_email_invitation_to_a_restricted_database_grants_it(tree, people, board, django_capture_on_commit_callbacks):
    database = Database.objects.get(pk=board.id)
    services.set_database_restricted(tree.admin, database, True)
    _invitation, token = core.create_invitation(tree.admin, tree.workspace, "db.guest@example.com", "guest", scope_model="ipai.workos.database",
                                                scope_id=board.id, level="edit")
    user = core.sign_up_with_invitation(token, "dbguest", "a-long-enough-passphrase-7")
    assert permissions.level_of(user, Database.objects.get(pk=board.id)) == "edit"
    assert permissions.level_of(user, tree.page) == "none"
