"""Approval requests: ask, decide, withdraw, re-request — and approved workflow transitions happen.

Policies: ``any`` — approved once ``min_approvals`` approvers approved; ``all`` — once every approver did;
``sequence`` — approvers decide one after the other, in order. Under every policy one rejection rejects the
request: an approver's "no" is never outvoted. An approver may instead ask for changes, which settles the round
as ``changes_requested`` (unless someone rejected): the requester changes the record and asks again. Approvers are fixed when the request is made (a role is
expanded to the workspace's users with that role), and the requester is never one of them.

A request for a workflow transition performs it, as the requester, the moment it is approved; a rejection
leaves the record where it was.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import ROLES
from ipai_platform_workflow import services as workflows
from ipai_platform_workflow.models import WorkflowTransition
from workos.kernel.data import model_for, technical_name_of
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError

from .models import ApprovalApprover, ApprovalDecision, ApprovalRequest, Policy, RequestState
from .registry import NOTIFIERS

QUERIES = ("requests_for", "get_request", "record_of", "next_approver", "is_transition_approved", "pending_for")
MAX_APPROVERS = 50


def _notify(request: ApprovalRequest, event: str) -> None:
    for _key, notify in NOTIFIERS.items():
        notify(request, event)


def record_of(user, res_model: str, res_id) -> object:
    """The record a request is about, if ``user`` may view it."""
    return permissions.readable_record(user, res_model, res_id)


def _approvers(requester, record, user_ids: list[int], role: str) -> list:
    if role:
        if role not in ROLES:
            raise InvalidInput(f"approver_role must be one of {', '.join(ROLES)}", field="approver_role")
        users = list(permissions.members_with_role(record, role))
    else:
        ids = list(dict.fromkeys(user_ids or []))
        found = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids, is_active=True)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise InvalidInput(f"no such users: {', '.join(map(str, missing))}", field="approver_ids")
        users = [found[i] for i in ids]
    users = [u for u in users if u.pk != requester.pk]  # nobody approves their own request
    if not users:
        raise InvalidInput("name at least one approver other than yourself", field="approver_ids" if not role else "approver_role")
    if len(users) > MAX_APPROVERS:
        raise InvalidInput(f"at most {MAX_APPROVERS} approvers", field="approver_ids")
    for user in users:
        if not permissions.can(user, "read", record):
            raise InvalidInput(f"{user.get_username()} cannot view this record, so cannot approve it", field="approver_ids")
    return users


@transaction.atomic
def _approval_edge(requester, record, transition_id: int | None, exclude: int | None = None) -> WorkflowTransition | None:
    """The transition a request asks approval for, checked: of the record's workflow, needing approval, starting where
    the record is, allowed to the requester, not already asked for by another pending request."""
    if transition_id is None:
        return None
    edge = WorkflowTransition.objects.select_related("workflow", "from_state", "to_state").filter(pk=transition_id).first()
    workflow = workflows.workflow_for(record)
    if edge is None or workflow is None or edge.workflow_id != workflow.pk:
        raise InvalidInput("no such transition in this record's workflow", field="transition_id")
    if not edge.requires_approval:
        raise InvalidInput("this transition does not require approval: take it directly", field="transition_id")
    if workflows.current_state(record, workflow) != edge.from_state:
        raise Conflict(f"the record is not in {edge.from_state.code}, where this transition starts", field="transition_id")
    refusal = workflows.check_transition(requester, record, edge)
    if refusal is not None:
        raise refusal
    res_model, res_id = technical_name_of(record._meta.model), str(record.pk)
    pending = ApprovalRequest.objects.filter(res_model=res_model, res_id=res_id, transition=edge, state=RequestState.PENDING)
    if pending.exclude(pk=exclude).exists():
        raise Conflict("an approval request for this transition is already pending", field="transition_id")
    return edge


def create_request(requester, record, *, title: str, description: str = "", approver_ids: list[int] | None = None,
                   approver_role: str = "", policy: str = Policy.ANY, min_approvals: int = 1, due_date: date | None = None,
                   transition_id: int | None = None) -> ApprovalRequest:
    """Ask for approval on ``record``; with ``transition_id``, for that workflow transition of the record."""
    permissions.require(requester, "edit", record)
    title = (title or "").strip()
    if not title or len(title) > 256:
        raise InvalidInput("title must be 1 to 256 characters", field="title")
    if len(description or "") > 10000:
        raise InvalidInput("description is longer than 10000 characters", field="description")
    if policy not in Policy.values:
        raise InvalidInput(f"policy must be one of {', '.join(Policy.values)}", field="policy")
    if bool(approver_ids) == bool(approver_role):
        raise InvalidInput("name approvers by approver_ids or by approver_role (one of the two)", field="approver_ids")
    if due_date is not None and due_date < timezone.localdate():
        raise InvalidInput("due date is in the past", field="due_date")
    edge = _approval_edge(requester, record, transition_id)
    users = _approvers(requester, record, approver_ids or [], approver_role)
    if policy == Policy.ANY:
        if not isinstance(min_approvals, int) or not 1 <= min_approvals <= len(users):
            raise InvalidInput(f"min_approvals must be from 1 to the number of approvers ({len(users)})", field="min_approvals")
    else:
        min_approvals = len(users)
    request = ApprovalRequest.objects.create(
        title=title, description=description or "", res_model=technical_name_of(record._meta.model), res_id=str(record.pk),
        requester=requester, policy=policy, min_approvals=min_approvals, approver_role=approver_role or "", transition=edge,
        due_date=due_date, submitted_at=timezone.now(),
    )
    ApprovalApprover.objects.bulk_create([ApprovalApprover(request=request, user=u, sequence=i) for i, u in enumerate(users)])
    record_event(actor=requester, action="approval.request", target=request, changes={
        "record": f"{request.res_model}:{request.res_id}", "policy": policy, "min_approvals": min_approvals,
        "approvers": [u.get_username() for u in users], "transition": edge.name if edge else None,
    })
    _notify(request, "requested")
    return request


def _round_decisions(request: ApprovalRequest):
    return request.decisions.filter(round=request.round)


def next_approver(request: ApprovalRequest):
    """Under the sequence policy, the approver whose turn it is; None when nobody's."""
    decided = set(_round_decisions(request).values_list("approver_id", flat=True))
    for approver in request.approvers.select_related("user").order_by("sequence", "id"):
        if approver.user_id not in decided:
            return approver.user
    return None


def _outcome(request: ApprovalRequest) -> str:
    decisions = list(_round_decisions(request))
    if any(d.decision == ApprovalDecision.Decision.REJECT for d in decisions):
        return RequestState.REJECTED
    if any(d.decision == ApprovalDecision.Decision.REQUEST_CHANGES for d in decisions):
        return RequestState.CHANGES_REQUESTED
    approvals = sum(1 for d in decisions if d.decision == ApprovalDecision.Decision.APPROVE)
    needed = request.min_approvals if request.policy == Policy.ANY else request.approvers.count()
    return RequestState.APPROVED if approvals >= needed else RequestState.PENDING


def _apply_transition(request: ApprovalRequest) -> None:
    """Take the approved transition as the requester; if it cannot happen now, say why on the request."""
    record = model_for(request.res_model)._default_manager.filter(pk=request.res_id).first() if model_for(request.res_model) else None
    if record is None:
        request.apply_error = "the record no longer exists"
        request.save(update_fields=["apply_error"])
        return
    try:
        with transaction.atomic():
            workflows.transition(request.requester, record, request.transition.to_state.code, comment=f"approved: {request.title}")
    except ServiceError as error:
        request.apply_error = error.message[:512]
        request.save(update_fields=["apply_error"])


@transaction.atomic
def decide(approver, request: ApprovalRequest, decision: str, comment: str = "") -> ApprovalRequest:
    """Record an approver's decision; settle the request when the policy says so."""
    request = ApprovalRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
    if decision not in ApprovalDecision.Decision.values:
        raise InvalidInput("decision must be approve, reject or request_changes", field="decision")
    if len(comment or "") > 10000:
        raise InvalidInput("comment is longer than 10000 characters", field="comment")
    if not request.approvers.filter(user=approver).exists():
        raise PermissionDenied("you are not an approver of this request")
    if request.state != RequestState.PENDING:
        raise Conflict(f"this request is {request.state}, not pending")
    if _round_decisions(request).filter(approver=approver).exists():
        raise Conflict("you already decided on this request")
    if request.policy == Policy.SEQUENCE:
        turn = next_approver(request)
        if turn is not None and turn.pk != approver.pk:
            raise Conflict(f"approvers decide in sequence: waiting for {turn.get_username()} first")
    ApprovalDecision.objects.create(request=request, approver=approver, decision=decision, comment=comment or "", round=request.round)
    before = request.state
    request.state = _outcome(request)
    if request.state != RequestState.PENDING:
        request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_at"])
    record_event(actor=approver, action="approval.decide", target=request, changes={
        "decision": decision, "comment": comment or "", "round": request.round, "state": {"before": before, "after": request.state},
    })
    if request.state == RequestState.APPROVED and request.transition_id:
        _apply_transition(request)
        request.refresh_from_db()  # the workflow marked it applied
    if request.state != RequestState.PENDING:
        _notify(request, request.state)
    return request


def _own_request(requester, request: ApprovalRequest) -> None:
    if request.requester_id != requester.pk:
        raise PermissionDenied("only the requester can do this")


@transaction.atomic
def withdraw(requester, request: ApprovalRequest) -> ApprovalRequest:
    """The requester takes a pending request back."""
    _own_request(requester, request)
    if request.state != RequestState.PENDING:
        raise Conflict(f"this request is {request.state}, not pending")
    request.state, request.decided_at = RequestState.WITHDRAWN, timezone.now()
    request.save(update_fields=["state", "decided_at"])
    record_event(actor=requester, action="approval.withdraw", target=request, changes={"state": {"before": "pending", "after": "withdrawn"}})
    _notify(request, "withdrawn")
    return request


KEEP = object()


@transaction.atomic
def resubmit(requester, request: ApprovalRequest, comment: str = "", transition_id=KEEP) -> ApprovalRequest:
    """Ask again after changes: a rejected, withdrawn or sent-back request starts a new round; earlier decisions
    stay on record. ``transition_id`` (checked as when asking) changes the transition the new round is for — the
    record may stand elsewhere in its workflow than when it was first asked."""
    _own_request(requester, request)
    if request.state not in (RequestState.REJECTED, RequestState.WITHDRAWN, RequestState.CHANGES_REQUESTED):
        raise Conflict(f"only a rejected, withdrawn or sent-back request can be asked again; this one is {request.state}")
    record = record_of(requester, request.res_model, request.res_id)
    permissions.require(requester, "edit", record)
    if transition_id is not KEEP:
        request.transition = _approval_edge(requester, record, transition_id, exclude=request.pk)
    elif request.transition_id and workflows.current_state(record) != request.transition.from_state:
        raise Conflict("the record has moved on from where this transition starts")
    before = request.state
    request.state, request.round, request.decided_at, request.apply_error = RequestState.PENDING, request.round + 1, None, ""
    request.submitted_at = timezone.now()
    request.save(update_fields=["state", "round", "decided_at", "apply_error", "submitted_at", "transition"])
    record_event(actor=requester, action="approval.resubmit", target=request, changes={
        "state": {"before": before, "after": "pending"}, "round": request.round, "comment": comment or "",
    })
    _notify(request, "requested")
    return request


@transaction.atomic
def retire(actor, request: ApprovalRequest, reason: str) -> ApprovalRequest:
    """An approved request whose transition was not taken (the record had moved on when it was approved) stops
    waiting for it: it can no longer let anyone take that transition later, when the record comes back to where
    it starts — a later pass needs an approval of its own. ``reason`` stays on the request (``apply_error``)."""
    request = ApprovalRequest.objects.select_for_update(no_key=True).get(pk=request.pk)
    if request.state != RequestState.APPROVED or not request.transition_id or request.applied_at is not None:
        return request
    request.applied_at, request.apply_error = timezone.now(), (reason or "not applied")[:512]
    request.save(update_fields=["applied_at", "apply_error"])
    record_event(actor=actor, action="approval.retire", target=request, changes={"transition": request.transition.name, "reason": request.apply_error})
    return request


# --- reading ---------------------------------------------------------------------------------------------


def requests_for(user, box: str = "all"):
    """Requests ``user`` takes part in: ``pending`` (waiting for their decision), ``mine`` (they asked), ``all``."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("log in first")
    if box not in ("pending", "mine", "all"):
        raise InvalidInput("box must be pending, mine or all", field="box")
    requests = ApprovalRequest.objects.select_related("requester", "transition")
    if box == "mine":
        return requests.filter(requester=user)
    if box == "pending":
        return pending_for(user)
    if user.is_superuser:
        return requests
    return requests.filter(Q(requester=user) | Q(approvers__user=user)).distinct()


def pending_for(user):
    """Pending requests waiting for ``user``'s decision in their current round (for ``sequence``: their turn)."""
    waiting = []
    for request in ApprovalRequest.objects.filter(state=RequestState.PENDING, approvers__user=user).distinct():
        if _round_decisions(request).filter(approver=user).exists():
            continue
        if request.policy == Policy.SEQUENCE and getattr(next_approver(request), "pk", None) != user.pk:
            continue
        waiting.append(request.pk)
    return ApprovalRequest.objects.filter(pk__in=waiting).select_related("requester", "transition")


def get_request(user, request_id: int) -> ApprovalRequest:
    request = requests_for(user, "all").filter(pk=request_id).first()
    if request is None:
        raise NotFound("no such approval request")
    return request


def is_transition_approved(record, transition) -> bool:
    """The workflow's approval gate: an approved, not yet used request waits for this transition."""
    return ApprovalRequest.objects.filter(
        res_model=technical_name_of(record._meta.model), res_id=str(record.pk), transition=transition,
        state=RequestState.APPROVED, applied_at__isnull=True,
    ).exists()


def _consume_approval(record, transition, user) -> None:
    """Called by the workflow once an approved transition happened: that approval is used up."""
    ApprovalRequest.objects.filter(
        res_model=technical_name_of(record._meta.model), res_id=str(record.pk), transition=transition,
        state=RequestState.APPROVED, applied_at__isnull=True,
    ).update(applied_at=timezone.now(), apply_error="")
