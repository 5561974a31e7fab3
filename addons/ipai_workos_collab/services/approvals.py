"""Approval and workflow notices: the collaboration module's entries in the platform's registries
(approvals' ``NOTIFIERS``, workflow's ``TRANSITION_NOTIFIERS``).

Who hears: the approvers when a request is made (under the sequence policy, only the one whose turn it is),
the requester when it is decided. Both take part in the request, which is what lets them read it.
"""

from __future__ import annotations

from ._common import user_label
from .notifications import notify


def _page_review(request):
    """The page a request asks to review (a review request made from the page), or None."""
    if request.res_model != "ipai.workos.page":
        return None
    from ipai_workos_core.models import Page

    return Page.objects.filter(pk=request.res_id).first()


def approval_notice(request, event: str) -> None:
    from ipai_platform_approvals import services as approvals
    from ipai_platform_permissions import services as permissions

    page = _page_review(request)
    if page is not None:
        # A review request about a page: the notice opens the page, where its banner has the decision buttons, and
        # names the page only to those who can read it (approvers were checked when the request was made, but
        # access may have changed since).
        _review_notice(request, event, page, approvals, permissions)
        return
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
    elif event in ("approved", "rejected", "changes_requested"):
        outcome = "sent back for changes" if event == "changes_requested" else event
        notify([request.requester_id], kind="approval_decided", title=f"Your request was {outcome}: {request.title}",
               target_model="ipai.approval.request", target_id=request.pk, url=url,
               may_read=lambda user: user.pk == request.requester_id)


def _review_notice(request, event: str, page, approvals, permissions) -> None:
    url = f"/web/pages/{page.pk}"
    title = page.title or "Untitled"
    if event == "requested":
        turn = approvals.next_approver(request) if request.policy == "sequence" else None
        recipients = {turn.pk} if turn is not None else (set() if request.policy == "sequence" else
                                                         {approver.user_id for approver in request.approvers.all()})
        notify(recipients, kind="review_requested", title=f"{user_label(request.requester)} asks you to review {title}",
               actor=request.requester, target_model="ipai.workos.page", target_id=page.pk, url=url,
               body=request.description[:280], may_read=lambda user: permissions.can(user, "read", page))
    elif event in ("approved", "rejected", "changes_requested"):
        outcome = {"approved": "approved", "rejected": "rejected", "changes_requested": "sent back for changes"}[event]
        notify([request.requester_id], kind="review_decided", title=f"Your review request for {title} was {outcome}",
               target_model="ipai.workos.page", target_id=page.pk, url=url,
               may_read=lambda user: permissions.can(user, "read", page))


def workflow_notice(user, record, transition) -> None:
    """A page (or row) that moved to another state: its followers who can read it hear about it."""
    from ipai_platform_permissions import services as permissions
    from ipai_workos_core.models import Page

    from .follows import followers_of

    if not isinstance(record, Page):
        return
    notify(followers_of(record), kind="workflow", actor=user,
           title=f"{user_label(user)} moved {record.title or 'Untitled'} to {transition.to_state.name}",
           target_model="ipai.workos.page", target_id=record.pk, url=f"/web/pages/{record.pk}",
           may_read=lambda reader: permissions.can(reader, "read", record))
