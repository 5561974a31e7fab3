"""``/api/v1/workspaces/{id}/invitations`` and ``/api/v1/invitations/{id}``: e-mail invitations for people who
may have no account yet (the link they get opens ``/web/invite/<token>``)."""

from __future__ import annotations

from .. import services
from ..models import Invitation
from ._common import router
from .schemas import InvitationIn, InvitationOut


def _invitation_out(invitation: Invitation) -> dict:
    invitation.refresh_from_db(fields=["sent_at", "expires_at"])  # the e-mail went out at commit, after the service returned
    return {
        "id": invitation.pk, "workspace_id": invitation.workspace_id, "email": invitation.email, "role": invitation.role,
        "scope_model": invitation.scope_model, "scope_id": invitation.scope_id, "level": invitation.level,
        "invited_by": invitation.invited_by.get_username() if invitation.invited_by else None,
        "created_at": invitation.created_at, "expires_at": invitation.expires_at, "sent_at": invitation.sent_at, "status": invitation.status,
    }


@router.get("/workspaces/{workspace_id}/invitations", response=list[InvitationOut],
            summary="Pending invitations of a workspace (all for administrators, the ones you sent otherwise)")
def list_invitations(request, workspace_id: int):
    workspace = services.get_workspace(request.user, workspace_id)
    return [_invitation_out(invitation) for invitation in services.invitations_of(request.user, workspace)]


@router.post("/workspaces/{workspace_id}/invitations", response={201: InvitationOut},
             summary="Invite an e-mail address (administrators; or, with scope_model/scope_id, whoever may share that page or database, as a guest)",
             description="Sends an e-mail with a single-use link valid for 7 days. 409 when the address already has a pending invitation "
                         "or belongs to a member; 422 for an invalid address.")
def create_invitation(request, workspace_id: int, payload: InvitationIn):
    workspace = services.get_workspace(request.user, workspace_id)
    invitation, _token = services.create_invitation(request.user, workspace, payload.email, payload.role, scope_model=payload.scope_model,
                                                    scope_id=payload.scope_id, level=payload.level)
    return 201, _invitation_out(invitation)


@router.delete("/invitations/{invitation_id}", response={204: None}, summary="Revoke a pending invitation (administrators and its sender)")
def revoke_invitation(request, invitation_id: int):
    services.revoke_invitation(request.user, invitation_id)
    return 204, None


@router.post("/invitations/{invitation_id}/resend", response=InvitationOut,
             summary="Send a pending invitation again with a new link, valid 7 more days (administrators and its sender)")
def resend_invitation(request, invitation_id: int):
    invitation, _token = services.resend_invitation(request.user, invitation_id)
    return _invitation_out(invitation)
