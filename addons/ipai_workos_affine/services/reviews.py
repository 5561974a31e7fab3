"""Review requests from a page: ask people or a group to review it (any / all / in sequence), decide with a comment
(approve, request changes, reject), withdraw and ask again. Each round records the page version it is about (a
version of its own in the page history), so the history shows what was reviewed.

The requests are the approvals module's; with the page workflow on, asking moves the page to In review and the
request is for the "Approve" transition, which the approvals module takes once the request is approved.
"""

from __future__ import annotations

from django.db import transaction

from ipai_platform_approvals import services as approvals
from ipai_platform_approvals.models import ApprovalRequest, Policy, RequestState
from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_platform_workflow import services as workflows
from ipai_workos_core import services as core
from ipai_workos_core.models import Page, WorkspaceGroup
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError

from ..models import PageReview
from ._common import PAGE_MODEL, not_in_trash

NOTE_MAX = 2000
OPEN_STATES = (RequestState.PENDING,)


def _approver_ids(actor, page: Page, approver_ids, group_id) -> list[int]:
    if group_id is not None:
        if approver_ids:
            raise InvalidInput("name approvers or a group, not both", field="group_id")
        group = WorkspaceGroup.objects.select_related("group").filter(pk=group_id, workspace_id=page.space.workspace_id).first() \
            if isinstance(group_id, int) and not isinstance(group_id, bool) else None
        if group is None:
            raise InvalidInput("no such group in this workspace", field="group_id")
        ids = list(group.group.user_set.filter(is_active=True).order_by("username").values_list("pk", flat=True))
        ids = [i for i in ids if i != actor.pk]
        if not ids:
            raise InvalidInput("the group has nobody but you in it", field="group_id")
        return ids
    if not isinstance(approver_ids, list) or not approver_ids:
        raise InvalidInput("name at least one approver (or a group)", field="approver_ids")
    if any(not isinstance(i, int) or isinstance(i, bool) for i in approver_ids):
        raise InvalidInput("approver_ids are user ids", field="approver_ids")
    return approver_ids


def _approve_edge(page: Page):
    """With the page workflow on: the transition out of the page's current state that needs an approval."""
    workflow = workflows.workflow_for(page)
    if workflow is None:
        return None
    state = workflows.current_state(page, workflow)
    return workflow.transitions.filter(from_state=state, requires_approval=True).select_related("to_state").first()


SUBMIT_STEPS = 2  # e.g. Approved → Draft → In review


def _path_to_review(actor, page: Page, workflow) -> list:
    """The shortest run of moves (at most ``SUBMIT_STEPS``, none needing approval, each one ``actor`` may take) from
    the page's status to a state where an approval starts; [] when there is none."""
    start = workflows.current_state(page, workflow)
    if start is None:
        return []
    edges = list(workflow.transitions.select_related("from_state", "to_state"))
    starts_approval = {edge.from_state_id for edge in edges if edge.requires_approval}
    frontier, seen = [(start, [])], {start.pk}
    for _step in range(SUBMIT_STEPS):
        onward = []
        for state, path in frontier:
            for edge in edges:
                if edge.from_state_id != state.pk or edge.requires_approval or edge.to_state_id in seen:
                    continue
                if workflows.check_transition(actor, page, edge) is not None:
                    continue
                if edge.to_state_id in starts_approval:
                    return path + [edge]
                seen.add(edge.to_state_id)
                onward.append((edge.to_state, path + [edge]))
        frontier = onward
    return []


def _submit(actor, page: Page) -> None:
    """With the page workflow on, move the page to where its approval starts (Draft → In review; an Approved page
    goes back through Draft), so that an approved review then moves it on (In review → Approved). Where the
    workflow cannot take it there (a Published page: its public copy stays as approved) the status is left alone
    and the review is about the page only."""
    workflow = workflows.workflow_for(page)
    if workflow is None or _approve_edge(page) is not None:
        return
    path = _path_to_review(actor, page, workflow)
    if not path:
        return
    try:
        with transaction.atomic():
            for edge in path:
                workflows.transition(actor, page, edge.to_state.code, "review requested")
    except ServiceError:
        page.refresh_from_db(fields=["workflow_state", "workflow_state_date", "workflow_state_user"])


def _settle(actor, page: Page, request: ApprovalRequest) -> None:
    """An approved review whose Approve move could not happen (the page had left In review meanwhile, or was
    Approved already) leaves the status where it is and is used up: it never approves a later round."""
    if request.state != RequestState.APPROVED or not request.transition_id or request.applied_at is not None:
        return
    state = workflows.current_state(page)
    if state is not None and state.pk == request.transition.to_state_id:
        reason = f"the page was {state.name} already"
    else:
        reason = f"the page was in {state.name if state else 'no status'} when the review was approved: its status was left there"
    approvals.retire(actor, request, reason)


def _mark_version(actor, page: Page, request: ApprovalRequest) -> PageReview:
    version = core.record_version(actor, page, label=f"Sent for review (round {request.round})")
    return PageReview.objects.create(approval=request, page=page, round=request.round, version_number=version.number if version else None)


def page_of_request(request: ApprovalRequest) -> Page | None:
    if request.res_model != PAGE_MODEL:
        return None
    return Page.objects.select_related("space").filter(pk=request.res_id).first()


@transaction.atomic
def request_review(actor, page: Page, *, approver_ids: list[int] | None = None, group_id: int | None = None,
                   policy: str = Policy.ANY, min_approvals: int = 1, note: str = "") -> ApprovalRequest:
    """Ask people (or a group's members) to review ``page``. You need edit access; you never review your own request
    (naming only yourself is refused). One open review per page."""
    permissions.require(actor, "edit", page)
    not_in_trash(page)
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise InvalidInput(f"note is text of at most {NOTE_MAX} characters", field="note")
    if ApprovalRequest.objects.filter(res_model=PAGE_MODEL, res_id=str(page.pk), state__in=OPEN_STATES).exists():
        raise Conflict("this page already has an open review request", code="review_pending")
    ids = _approver_ids(actor, page, approver_ids, group_id)
    if ids == [actor.pk]:
        raise InvalidInput("you cannot review your own request: name someone else", field="approver_ids", code="self_approval")
    _submit(actor, page)
    edge = _approve_edge(page)
    request = approvals.create_request(actor, page, title=f"Review: {page.title or 'Untitled'}", description=note, approver_ids=ids,
                                       policy=policy, min_approvals=min_approvals, transition_id=edge.pk if edge else None)
    review = _mark_version(actor, page, request)
    record_event(actor=actor, action="page.review_request", target=page, changes={
        "request": request.pk, "version": review.version_number, "policy": policy, "approvers": len(ids)})
    return request


def reviews_of(user, page: Page):
    """The page's review requests, newest first, for whoever may read the page."""
    permissions.require(user, "read", page)
    return ApprovalRequest.objects.filter(res_model=PAGE_MODEL, res_id=str(page.pk)).select_related("requester").order_by("-id")


def get_review(user, request_id) -> tuple[ApprovalRequest, Page]:
    """A review request and its page, for whoever may read the page (else: not found)."""
    request = ApprovalRequest.objects.filter(pk=request_id, res_model=PAGE_MODEL).first() if isinstance(request_id, int) else None
    page = page_of_request(request) if request else None
    if page is None or not permissions.can(user, "read", page):
        raise NotFound("no such review request")
    return request, page


def reviewed_versions(request: ApprovalRequest) -> dict[int, int | None]:
    """round -> the page version that round was about."""
    return dict(PageReview.objects.filter(approval=request).values_list("round", "version_number"))


def versions_under_review(page: Page) -> dict[int, str]:
    """version number -> what happened to the review of it (for the page history)."""
    marks = {}
    for review in PageReview.objects.filter(page=page).select_related("approval").order_by("id"):
        if review.version_number is None:
            continue
        current = review.round == review.approval.round
        marks[review.version_number] = review.approval.state if current else "superseded"
    return marks


@transaction.atomic
def decide_review(actor, request: ApprovalRequest, decision: str, comment: str = "") -> ApprovalRequest:
    """An approver approves, requests changes or rejects, with a comment (the approvals module's rules: your turn
    under ``sequence``, once per round, never on your own request)."""
    page = page_of_request(request)
    if page is None or not permissions.can(actor, "read", page):
        raise NotFound("no such review request")
    not_in_trash(page)
    decided = approvals.decide(actor, request, decision, comment)
    page.refresh_from_db(fields=["workflow_state", "workflow_state_date", "workflow_state_user"])
    _settle(actor, page, decided)
    decided.refresh_from_db()
    record_event(actor=actor, action="page.review_decide", target=page, changes={"request": request.pk, "decision": decision,
                                                                               "state": decided.state})
    return decided


def _back_to_draft(actor, page: Page) -> None:
    """With the workflow on, a withdrawn review takes the page back out of In review (when the actor may)."""
    workflow = workflows.workflow_for(page)
    if workflow is None:
        return
    state = workflows.current_state(page, workflow)
    edge = workflow.transitions.filter(from_state=state, to_state__is_initial=True).select_related("to_state").first()
    if edge is None or workflows.check_transition(actor, page, edge) is not None:
        return
    try:
        with transaction.atomic():
            workflows.transition(actor, page, edge.to_state.code, "review withdrawn")
    except ServiceError:
        pass


@transaction.atomic
def withdraw_review(actor, request: ApprovalRequest) -> ApprovalRequest:
    """The requester takes an open review back; with the workflow on, the page goes back to Draft."""
    page = page_of_request(request)
    if page is None or not permissions.can(actor, "read", page):
        raise NotFound("no such review request")
    withdrawn = approvals.withdraw(actor, request)
    _back_to_draft(actor, page)
    record_event(actor=actor, action="page.review_withdraw", target=page, changes={"request": request.pk})
    return withdrawn


@transaction.atomic
def rerequest_review(actor, request: ApprovalRequest, note: str = "") -> ApprovalRequest:
    """Ask again after changes (a new round, about the page as it is now)."""
    page = page_of_request(request)
    if page is None or not permissions.can(actor, "read", page):
        raise NotFound("no such review request")
    permissions.require(actor, "edit", page)
    not_in_trash(page)
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise InvalidInput(f"note is text of at most {NOTE_MAX} characters", field="note")
    if ApprovalRequest.objects.filter(res_model=PAGE_MODEL, res_id=str(page.pk), state__in=OPEN_STATES).exclude(pk=request.pk).exists():
        raise Conflict("this page already has another open review request", code="review_pending")
    if request.requester_id != actor.pk:
        raise PermissionDenied("only the requester can ask again")
    _submit(actor, page)
    edge = _approve_edge(page)  # the page may stand elsewhere than at the first round: the new round asks for where it is
    again = approvals.resubmit(actor, request, note, transition_id=edge.pk if edge else None)
    review = _mark_version(actor, page, again)
    record_event(actor=actor, action="page.review_rerequest", target=page, changes={"request": request.pk, "round": again.round,
                                                                                  "version": review.version_number})
    return again


def approved_review(page: Page) -> tuple[ApprovalRequest, int | None] | None:
    """The page's latest approved review and the version it approved, or None."""
    request = ApprovalRequest.objects.filter(res_model=PAGE_MODEL, res_id=str(page.pk), state=RequestState.APPROVED).order_by("-decided_at", "-id").first()
    if request is None:
        return None
    return request, reviewed_versions(request).get(request.round)

