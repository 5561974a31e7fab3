"""``/api/v1/approvals``: ask for approval, decide, withdraw, ask again."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Router, Schema

from workos.api.pagination import DEFAULT_LIMIT, paginate
from workos.api.types import RecordId

from . import services

router = Router(tags=["approvals"])


class ApprovalIn(Schema):
    res_model: str
    res_id: str
    title: str
    description: str = ""
    approver_ids: list[RecordId] = []
    approver_role: Literal["", "admin", "member", "guest"] = ""
    policy: Literal["any", "all", "sequence"] = "any"
    min_approvals: int = 1
    due_date: date | None = None
    transition_id: RecordId | None = None


class DecisionIn(Schema):
    decision: Literal["approve", "reject", "request_changes"]
    comment: str = ""


class ResubmitIn(Schema):
    comment: str = ""


class ApproverOut(Schema):
    user_id: int
    username: str
    sequence: int


class DecisionOut(Schema):
    approver_id: int
    username: str
    decision: str
    comment: str
    round: int
    created_at: datetime


class ApprovalOut(Schema):
    id: int
    title: str
    description: str
    res_model: str
    res_id: str
    requester_id: int
    policy: str
    min_approvals: int
    approver_role: str
    transition_id: int | None
    state: str
    round: int
    due_date: date | None
    created_at: datetime
    decided_at: datetime | None
    applied_at: datetime | None
    apply_error: str
    approvers: list[ApproverOut]
    decisions: list[DecisionOut]


class ApprovalPage(Schema):
    items: list[ApprovalOut]
    count: int
    next_cursor: str | None


def approval_out(request) -> dict:
    return {
        **{field: getattr(request, field) for field in (
            "id", "title", "description", "res_model", "res_id", "requester_id", "policy", "min_approvals", "approver_role",
            "transition_id", "state", "round", "due_date", "created_at", "decided_at", "applied_at", "apply_error")},
        "approvers": [{"user_id": a.user_id, "username": a.user.get_username(), "sequence": a.sequence}
                      for a in request.approvers.select_related("user")],
        "decisions": [{"approver_id": d.approver_id, "username": d.approver.get_username(), "decision": d.decision, "comment": d.comment,
                       "round": d.round, "created_at": d.created_at} for d in request.decisions.select_related("approver")],
    }


@router.get("/approvals", response=ApprovalPage, summary="Approval requests: `box=pending` (waiting for you), `mine`, `all`")
def list_approvals(request, box: Literal["pending", "mine", "all"] = "all", limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    page = paginate(services.requests_for(request.user, box), limit, cursor)
    return {**page, "items": [approval_out(r) for r in page["items"]]}


@router.post("/approvals", response={201: ApprovalOut}, summary="Ask for approval on a record (or a workflow transition of it)")
def create_approval(request, payload: ApprovalIn):
    record = services.record_of(request.user, payload.res_model, payload.res_id)
    created = services.create_request(
        request.user, record, title=payload.title, description=payload.description, approver_ids=payload.approver_ids,
        approver_role=payload.approver_role, policy=payload.policy, min_approvals=payload.min_approvals, due_date=payload.due_date,
        transition_id=payload.transition_id,
    )
    return 201, approval_out(created)


@router.get("/approvals/{approval_id}", response=ApprovalOut, summary="One approval request")
def get_approval(request, approval_id: int):
    return approval_out(services.get_request(request.user, approval_id))


@router.post("/approvals/{approval_id}/decisions", response=ApprovalOut, summary="Approve, reject or request changes, with a comment")
def decide(request, approval_id: int, payload: DecisionIn):
    return approval_out(services.decide(request.user, services.get_request(request.user, approval_id), payload.decision, payload.comment))


@router.post("/approvals/{approval_id}/withdraw", response=ApprovalOut, summary="Withdraw your pending request")
def withdraw(request, approval_id: int):
    return approval_out(services.withdraw(request.user, services.get_request(request.user, approval_id)))


@router.post("/approvals/{approval_id}/resubmit", response=ApprovalOut, summary="Ask again after changes")
def resubmit(request, approval_id: int, payload: ResubmitIn):
    return approval_out(services.resubmit(request.user, services.get_request(request.user, approval_id), payload.comment))
