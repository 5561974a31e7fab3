"""E-mail invitations: administrators invite to the workspace, sharers invite guests to a page; the link in the
e-mail signs someone up (or lets a logged-in user join) once, until it expires or is revoked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from ipai_platform_audit.models import AuditEvent
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services
from ipai_workos_core.models import Invitation, WorkspaceMember

STRONG = "a-long-enough-passphrase-7"


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _link_of(message) -> str:
    return re.search(r"(/web/invite/\S+)", message.body).group(1)


def test_an_admin_invites_by_email_and_the_link_signs_up_once(tree, api_for, django_capture_on_commit_callbacks):
    admin = api_for(tree.admin)
    with django_capture_on_commit_callbacks(execute=True):
        created = admin.post(f"/workspaces/{tree.workspace.pk}/invitations", {"email": " New.Person@Example.COM ", "role": "member"})
    assert created.status_code == 201, created.content
    invitation = created.json()
    assert (invitation["email"], invitation["role"], invitation["status"]) == ("New.Person@example.com", "member", "pending")
    assert invitation["invited_by"] == tree.admin.username
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["New.Person@example.com"]
    assert tree.workspace.name in mail.outbox[0].subject
    link = _link_of(mail.outbox[0])
    listed = admin.get(f"/workspaces/{tree.workspace.pk}/invitations").json()
    assert [i["id"] for i in listed] == [invitation["id"]] and listed[0]["sent_at"] is not None  # sent once committed

    browser = Client()
    page = browser.get(link)
    assert page.status_code == 200 and b"Create account and join" in page.content
    weak = browser.post(link, {"username": "newbie", "password": "123", "confirm_password": "123"})
    assert weak.status_code == 422 and b"password refused" in weak.content
    assert not get_user_model().objects.filter(username="newbie").exists()
    joined = browser.post(link, {"username": "newbie", "first_name": "New", "password": STRONG, "confirm_password": STRONG})
    assert joined.status_code == 303 and joined["Location"] == "/web"
    user = get_user_model().objects.get(username="newbie")
    assert (user.email, user.first_name) == ("New.Person@example.com", "New")
    assert WorkspaceMember.objects.get(workspace=tree.workspace, user=user).role == "member"
    assert browser.get("/web").status_code == 200  # logged in
    assert AuditEvent.objects.filter(action="invitation.accept", target_id=str(tree.workspace.pk)).exists()

    used = Client().get(link)
    assert used.status_code == 410 and b"already used" in used.content
    assert admin.get(f"/workspaces/{tree.workspace.pk}/invitations").json() == []


def test_bad_input_is_refused_with_nothing_written(tree, people, api_for, django_capture_on_commit_callbacks):
    admin = api_for(tree.admin)
    url = f"/workspaces/{tree.workspace.pk}/invitations"
    for email in ("", "not-an-address", "a@b", "two@example.com, three@example.com"):
        answer = admin.post(url, {"email": email})
        assert answer.status_code == 422 and answer.json()["error"]["field"] in ("email", None), (email, answer.content)
    assert admin.post(url, {"email": "x@example.com", "role": "owner"}).status_code == 422
    assert admin.post(url, {"email": "x@example.com", "scope_model": "ipai.workos.page", "scope_id": tree.page.pk, "level": "all"}).status_code == 422
    assert not Invitation.objects.exists() and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url, {"email": "dup@example.com"}).status_code == 201
    duplicate = admin.post(url, {"email": "DUP@example.com"})
    assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "email"
    people.editor.email = "editor@example.com"
    people.editor.save()
    assert admin.post(url, {"email": "editor@example.com"}).status_code == 409  # already a member
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1

    assert admin.delete("/invitations/999999").status_code == 404
    assert admin.post("/invitations/abc/resend").status_code in (404, 422)


def test_only_admins_invite_to_the_workspace_and_sharers_invite_guests_to_a_page(tree, people, api_for, django_capture_on_commit_callbacks):
    member, outsider = api_for(people.editor), api_for(people.outsider)
    url = f"/workspaces/{tree.workspace.pk}/invitations"
    assert member.post(url, {"email": "friend@example.com"}).status_code == 403
    assert outsider.post(url, {"email": "friend@example.com"}).status_code == 404
    page = {"scope_model": "ipai.workos.page", "scope_id": str(tree.page.pk), "level": "comment"}
    # a member edits the page but has no full access: they may not share it
    assert member.post(url, {"email": "friend@example.com", "role": "guest", **page}).status_code == 403
    permissions.grant(tree.admin, tree.page, "manage", user_id=people.editor.pk)
    assert member.post(url, {"email": "friend@example.com", "role": "member", **page}).status_code == 403  # guests only
    with django_capture_on_commit_callbacks(execute=True):
        created = member.post(url, {"email": "friend@example.com", "role": "guest", **page})
    assert created.status_code == 201, created.content
    assert (created.json()["scope_id"], created.json()["level"]) == (str(tree.page.pk), "comment")
    assert "Welcome" in mail.outbox[0].subject or tree.page.title in mail.outbox[0].subject
    # the sender sees and manages their invitation; an admin sees every one
    assert [i["email"] for i in member.get(url).json()] == ["friend@example.com"]
    assert [i["email"] for i in api_for(tree.admin).get(url).json()] == ["friend@example.com"]
    assert api_for(people.viewer).post(f"/invitations/{created.json()['id']}/resend").status_code == 403

    link = _link_of(mail.outbox[0])
    browser = Client()
    joined = browser.post(link, {"username": "friend", "password": STRONG, "confirm_password": STRONG})
    assert joined.status_code == 303 and joined["Location"] == f"/web/pages/{tree.page.pk}"
    friend = get_user_model().objects.get(username="friend")
    assert WorkspaceMember.objects.get(workspace=tree.workspace, user=friend).role == "guest"
    assert permissions.level_of(friend, tree.page) == "comment"
    assert permissions.level_of(friend, tree.space) == "none"


def test_revoked_resent_and_expired_links_give_a_clear_page(tree, api_for, django_capture_on_commit_callbacks):
    admin = api_for(tree.admin)
    url = f"/workspaces/{tree.workspace.pk}/invitations"
    with django_capture_on_commit_callbacks(execute=True):
        first = admin.post(url, {"email": "a@example.com"}).json()
        admin.post(url, {"email": "b@example.com"})
    old_link, revoked_link = _link_of(mail.outbox[0]), _link_of(mail.outbox[1])
    with django_capture_on_commit_callbacks(execute=True):
        resent = admin.post(f"/invitations/{first['id']}/resend")
    assert resent.status_code == 200 and len(mail.outbox) == 3
    new_link = _link_of(mail.outbox[2])
    assert new_link != old_link
    assert Client().get(old_link).status_code == 404  # replaced by the resend
    assert Client().get(new_link).status_code == 200

    revoked_id = Invitation.objects.get(email="b@example.com").pk
    assert admin.delete(f"/invitations/{revoked_id}").status_code == 204
    assert admin.delete(f"/invitations/{revoked_id}").status_code == 409
    answer = Client().get(revoked_link)
    assert answer.status_code == 410 and b"withdrawn" in answer.content
    assert Client().post(revoked_link, {"username": "late", "password": STRONG, "confirm_password": STRONG}).status_code == 410
    assert not get_user_model().objects.filter(username="late").exists()

    Invitation.objects.filter(email="a@example.com").update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = Client().get(new_link)
    assert expired.status_code == 410 and b"expired" in expired.content
    # an expired invitation gives way to a new one for the same address
    assert admin.post(url, {"email": "a@example.com"}).status_code == 201

    for broken in ("/web/invite/nonsense", "/web/invite/" + new_link.rsplit("/", 1)[1][:-2] + "xx", "/web/invite/%00"):
        assert Client().get(broken).status_code == 404
    assert {e.action for e in AuditEvent.objects.filter(action__startswith="invitation.")} >= {"invitation.create", "invitation.resend", "invitation.revoke"}


def test_a_logged_in_user_joins_directly_and_a_taken_login_is_refused(tree, make_user, api_for, django_capture_on_commit_callbacks):
    existing = make_user("carol")
    with django_capture_on_commit_callbacks(execute=True):
        services.create_invitation(tree.admin, tree.workspace, "carol@example.com", "guest")
        services.create_invitation(tree.admin, tree.workspace, "dave@example.com")
    carol_link, dave_link = _link_of(mail.outbox[0]), _link_of(mail.outbox[1])

    taken = Client().post(dave_link, {"username": "carol", "password": STRONG, "confirm_password": STRONG})
    assert taken.status_code == 422 and b"already exists" in taken.content
    differ = Client().post(dave_link, {"username": "dave", "password": STRONG, "confirm_password": STRONG + "x"})
    assert differ.status_code == 422 and b"differ" in differ.content

    browser = Client()
    browser.force_login(existing)
    page = browser.get(carol_link)
    assert page.status_code == 200 and b"logged in as" in page.content
    assert browser.post(carol_link).status_code == 303
    assert WorkspaceMember.objects.get(workspace=tree.workspace, user=existing).role == "guest"
    assert browser.post(carol_link).status_code == 410


def test_the_demo_style_pending_invitation_lists_with_its_sender(tree, member_of, make_user):
    invitation, token = services.create_invitation(tree.admin, tree.workspace, "someone@example.com", "member")
    assert services.invitation_for_token(token).pk == invitation.pk
    assert [i.email for i in services.invitations_of(member_of(make_user(), "member"), tree.workspace)] == []
