"""E-mail invitations: an administrator invites an address to the workspace with a role; someone with full access
to a page or database invites an address to it with a level (as a guest of the workspace, unless an administrator
chooses another role). The person follows the link in the e-mail, makes an account (or logs in) and joins.

The link's token is ``django.core.signing`` over (invitation id, random nonce): a forged or altered token fails
its signature; the database keeps only the nonce's SHA-256, so a copy of the database gives no usable link. A
resend draws a new nonce (older links stop working) and starts the expiry again; accepting uses the invitation up.
E-mail goes out after the transaction commits, through Django's mail like the collaboration module's notices; a
failed send is logged and leaves ``sent_at`` empty, so that "Resend" tries again — it never undoes the invitation.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from workos.kernel.users import create_user

from ..models import Invitation, Role, Workspace, WorkspaceMember
from ._common import _require_user

log = logging.getLogger("workos.core.invitations")

INVITATION_DAYS = 7
SALT = "ipai_workos_core.invitation"
INVITE_LEVELS = ("view", "comment", "edit", "manage")


class InvitationUnusable(Exception):
    """The link cannot be used: ``reason`` is ``invalid`` (unknown, altered or replaced by a resend), ``expired``,
    ``revoked`` or ``used``; the message says it to the person holding the link."""

    MESSAGES = {
        "invalid": "This invitation link is not valid. It may have been mistyped, or replaced by a newer invitation.",
        "expired": "This invitation has expired. Ask the person who invited you to send it again.",
        "revoked": "This invitation was withdrawn. Ask the person who invited you if you should still join.",
        "used": "This invitation was already used. Log in with the account made with it.",
    }

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(self.MESSAGES[reason])
        self.reason = reason
        self.invitation = invitation


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _new_token(invitation: Invitation) -> str:
    nonce = secrets.token_urlsafe(24)
    invitation.nonce_hash = _hash(nonce)
    return signing.dumps({"i": invitation.pk, "n": nonce}, salt=SALT)


def _clean_email(email) -> str:
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput("email must not be empty", field="email")
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput("email is not a valid e-mail address", field="email") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _is_admin(user, workspace: Workspace) -> bool:
    return permissions.can(user, "manage", workspace)


def invitations_of(user, workspace: Workspace):
    """The invitations of ``workspace`` not yet accepted or revoked (expired ones included, to resend them):
    all of them for its administrators, those they sent for everyone else."""
    permissions.require(user, "read", workspace)
    pending = workspace.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related("invited_by").order_by("-created_at", "-id")
    return pending if _is_admin(user, workspace) else pending.filter(invited_by=user)


def _grant_target(actor, workspace: Workspace, scope_model: str, scope_id, level):
    """The page or database an invitation also opens: the actor must be able to share it, and it must belong to
    ``workspace``. Anything the actor may not read answers 404, as everywhere."""
    obj = permissions.object_for(scope_model, scope_id)
    if not permissions.can(actor, "read", obj):
        raise NotFound("no such object")
    permissions.require(actor, "share", obj)
    if permissions.root_of(obj) != permissions.key_of(workspace):
        raise InvalidInput("this object is not in this workspace", field="scope_id")
    if level not in INVITE_LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(INVITE_LEVELS)}", field="level")
    return obj


@transaction.atomic
def create_invitation(actor, workspace: Workspace, email: str, role: str = Role.MEMBER, *, scope_model: str = "", scope_id=None,
                      level: str = "view", send_email: bool = True) -> tuple[Invitation, str]:
    """Invite ``email`` to ``workspace`` with ``role`` and, with ``scope_model``/``scope_id``, to that page or
    database with ``level``. Administrators invite with any role; someone who may share the object (full access)
    but does not administer the workspace invites guests only. Returns the invitation and its link's token; the
    e-mail goes out once the transaction commits (not with ``send_email=False``: the demo's invitation to an
    example address is never mailed, and "Resend" sends it)."""
    _require_user(actor)
    permissions.require(actor, "read", workspace)
    admin = _is_admin(actor, workspace)
    target = None
    if scope_model or scope_id not in (None, ""):
        target = _grant_target(actor, workspace, scope_model, scope_id, level)
    elif not admin:
        permissions.require(actor, "manage", workspace)
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {', '.join(Role.values)}", field="role")
    if not admin and role != Role.GUEST:
        raise PermissionDenied("only administrators invite members or administrators: invite as a guest", field="role")
    email = _clean_email(email)
    if WorkspaceMember.objects.filter(workspace=workspace, user__email__iexact=email, user__is_active=True).exists():
        raise Conflict("someone with this e-mail address is already a member: share with them directly", field="email")
    pending = Invitation.objects.select_for_update(no_key=True).filter(workspace=workspace, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True).first()
    now = timezone.now()
    if pending is not None and pending.expires_at > now:
        raise Conflict("this address already has a pending invitation: resend or revoke it", field="email")
    if pending is not None:  # an expired one gives way to the new invitation
        Invitation.objects.filter(pk=pending.pk).update(revoked_at=now, revoked_by=actor)
    invitation = Invitation(workspace=workspace, email=email, role=role, invited_by=actor, expires_at=now + timedelta(days=INVITATION_DAYS),
                            nonce_hash="-")
    if target is not None:
        invitation.scope_model, invitation.scope_id = permissions.key_of(target)
        invitation.level = level
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # the same address invited at the same moment by someone else
        raise Conflict("this address already has a pending invitation: resend or revoke it", field="email") from None
    token = _new_token(invitation)
    invitation.save(update_fields=["nonce_hash"])
    record_event(actor=actor, action="invitation.create", target=workspace, changes={
        "invitation_id": invitation.pk, "email": email, "role": role,
        **({"grant": f"{invitation.scope_model}:{invitation.scope_id}", "level": level} if target is not None else {}),
    })
    if send_email:
        _send_after_commit(invitation, token)
    return invitation, token


def _managed(actor, invitation_id) -> Invitation:
    """An invitation the actor may revoke or resend: a workspace administrator's, or one the actor sent."""
    _require_user(actor)
    invitation = Invitation.objects.select_for_update(no_key=True, of=("self",)).select_related("workspace").filter(pk=invitation_id).first() if str(invitation_id).isdigit() else None
    if invitation is None or not permissions.can(actor, "read", invitation.workspace):
        raise NotFound("no such invitation")
    if invitation.invited_by_id != actor.pk and not _is_admin(actor, invitation.workspace):
        raise PermissionDenied("only administrators and the person who sent it manage an invitation")
    if invitation.accepted_at:
        raise Conflict("this invitation was accepted already")
    if invitation.revoked_at:
        raise Conflict("this invitation was revoked")
    return invitation


@transaction.atomic
def revoke_invitation(actor, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    invitation = _managed(actor, invitation_id)
    invitation.revoked_at, invitation.revoked_by = timezone.now(), actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    record_event(actor=actor, action="invitation.revoke", target=invitation.workspace, changes={"invitation_id": invitation.pk, "email": invitation.email})
    return invitation


@transaction.atomic
def resend_invitation(actor, invitation_id: int) -> tuple[Invitation, str]:
    """Send the invitation again with a new link (the older one stops working) valid for another
    ``INVITATION_DAYS`` days. Returns the invitation and the new token."""
    invitation = _managed(actor, invitation_id)
    token = _new_token(invitation)
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["nonce_hash", "expires_at"])
    record_event(actor=actor, action="invitation.resend", target=invitation.workspace, changes={"invitation_id": invitation.pk, "email": invitation.email})
    _send_after_commit(invitation, token)
    return invitation, token


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link names, if it can still be used; otherwise InvitationUnusable saying why."""
    try:
        data = signing.loads(token, salt=SALT)
        invitation_id, nonce = int(data["i"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvitationUnusable("invalid") from None
    found = Invitation.objects.select_related("workspace", "invited_by")
    # of=self: PostgreSQL locks no row of the outer join to the inviter (and refuses to try)
    invitation = (found.select_for_update(no_key=True, of=("self",)) if lock else found).filter(pk=invitation_id).first()
    if invitation is None or not hmac.compare_digest(invitation.nonce_hash, _hash(nonce)):
        raise InvitationUnusable("invalid")
    if invitation.accepted_at:
        raise InvitationUnusable("used", invitation)
    if invitation.revoked_at:
        raise InvitationUnusable("revoked", invitation)
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("expired", invitation)
    return invitation


@transaction.atomic
def accept_invitation(user, token: str) -> Invitation:
    """``user`` (logged in, or just signed up) accepts: they join the workspace with the invitation's role (a
    member already keeps their role) and get the invitation's grant. The grant is given in the name of the person
    who invited them, so it holds only while that person may still share the object (otherwise it is left out,
    and the audit event says so). Single use: a second accept finds it used."""
    _require_user(user)
    invitation = invitation_for_token(token, lock=True)
    workspace = invitation.workspace
    member = WorkspaceMember.objects.filter(workspace=workspace, user=user).first()
    joined = member is None
    if joined:
        member = WorkspaceMember.objects.create(workspace=workspace, user=user, role=invitation.role)
    grant = None
    if invitation.scope_model:
        try:
            obj = permissions.object_for(invitation.scope_model, invitation.scope_id)
            if invitation.invited_by is None or not permissions.can(invitation.invited_by, "share", obj):
                raise PermissionDenied("the inviter may no longer share it")
            with transaction.atomic():
                # a member whose role already gives more keeps it: the grant only adds
                grant = permissions.grant(invitation.invited_by, obj, invitation.level, user_id=user.pk)
        except (NotFound, PermissionDenied, InvalidInput) as refused:
            log.info("invitation %s: grant on %s:%s left out (%s)", invitation.pk, invitation.scope_model, invitation.scope_id, refused)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_event(actor=user, action="invitation.accept", target=workspace, changes={
        "invitation_id": invitation.pk, "email": invitation.email, "member": user.get_username(),
        "role": {"before": None if joined else member.role, "after": member.role},
        **({"grant": f"{invitation.scope_model}:{invitation.scope_id}", "level": invitation.level if grant else None} if invitation.scope_model else {}),
    })
    permissions.access_changed([workspace])
    return invitation


@transaction.atomic
def sign_up_with_invitation(token: str, username: str, password: str, *, first_name: str = "", last_name: str = ""):
    """Make an account for the person holding an invitation link (with the invited address as their e-mail, the
    password rules of every account) and accept the invitation with it — all or nothing. Returns the new user."""
    invitation = invitation_for_token(token, lock=True)
    username = username.strip() if isinstance(username, str) else ""
    if not username:
        raise InvalidInput("choose a login", field="username")
    User = get_user_model()
    try:
        User.username_validator(username)
    except ValidationError:
        raise InvalidInput("a login has letters, digits and @ . + - _ only", field="username") from None
    if len(username) > 150:
        raise InvalidInput("a login has at most 150 characters", field="username")
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not isinstance(value, str) or len(value) > 150 or any(ord(char) < 32 for char in value):
            raise InvalidInput(f"{field.replace('_', ' ')} is at most 150 characters of text", field=field)
    if not isinstance(password, str) or not password:
        raise InvalidInput("choose a password", field="password")
    user = create_user(username, password, email=invitation.email)
    if first_name.strip() or last_name.strip():
        User.objects.filter(pk=user.pk).update(first_name=first_name.strip(), last_name=last_name.strip())
        user.refresh_from_db()
    accept_invitation(user, token)
    return user


# --- e-mail ---------------------------------------------------------------------------------------------------


def invitation_link(token: str) -> str:
    return f"{settings.WORKOS_EMAIL_BASE_URL}/web/invite/{token}"


def _message(invitation: Invitation, token: str) -> mail.EmailMessage:
    inviter = invitation.invited_by.get_full_name() or invitation.invited_by.get_username() if invitation.invited_by else "Someone"
    what = invitation.workspace.name
    if invitation.scope_model:
        try:
            what = f"“{permissions.label_of(permissions.object_for(invitation.scope_model, invitation.scope_id))}” in {what}"
        except (NotFound, InvalidInput):
            pass
    subject = f"{inviter} invited you to {what} on WorkOS"
    body = (f"{inviter} invited you to {what} on WorkOS.\n\n"
            f"Join here: {invitation_link(token)}\n\n"
            f"The link works once, until {timezone.localtime(invitation.expires_at):%Y-%m-%d %H:%M %Z}. "
            "If you did not expect this invitation, ignore this e-mail.\n")
    return mail.EmailMessage(subject=subject, body=body, to=[invitation.email])


def _send_after_commit(invitation: Invitation, token: str) -> None:
    invitation_id = invitation.pk

    def send() -> None:
        current = Invitation.objects.select_related("workspace", "invited_by").filter(pk=invitation_id).first()
        if current is None or current.nonce_hash != _hash(signing.loads(token, salt=SALT)["n"]):
            return  # revoked and deleted, or resent meanwhile: the newer send carries the valid link
        try:
            _message(current, token).send()
        except Exception as error:  # any transport failure: the invitation stays, "Resend" tries again
            log.warning("invitation e-mail %s to %s failed: %s", invitation_id, current.email, error)
            return
        Invitation.objects.filter(pk=invitation_id).update(sent_at=timezone.now(), send_count=F("send_count") + 1)

    transaction.on_commit(send)
