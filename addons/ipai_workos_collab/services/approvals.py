"""Approval notices: the collaboration module's entry in the approvals module's ``NOTIFIERS`` registry.

Who hears: the approvers when a request is made (under the sequence policy, only the one whose turn it is),
the requester when it is decided. Both take part in the request, which is what lets them read it.
"""

from __future__ import annotations

from ._common import user_label
from .notifications import notify


def approval_notice(request, event: str) -> None:
    from ipai_platform_approvals import services as approvals

    url = "/web/approvals/"
    if event == "requested":
        participants = {approver.user_id for approver in request.approvers.all()}
        if request.policy == "sequence":
            turn = approvals.next_approver(request)
            recipients = {turn.pk} if turn is not None else set()
        else:
            recipients = participants
        notify(recipients, kind="approval_requested", title=f"{user_label(request.requester)} asks for your approval: {request.title}",
               actor=request.requester, target_model="ipai.approval.request", target_id=request.pk, url=url,
               body=request.description[:280], may_read=lambda user: user.pk in participants)
    elif event in ("approved", "rejected"):
        notify([request.requester_id], kind="approval_decided", title=f"Your request was {event}: {request.title}",
               target_model="ipai.approval.request", target_id=request.pk, url=url,
               may_read=lambda user: user.pk == request.requester_id)
