"""``/api/v1/pages/{id}/status``, ``/pages/{id}/review-requests``, ``/review-requests/{id}/...``,
``/pages/{id}/publication`` and ``/workspaces/{id}/publishing``: page status, reviews and publishing."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db import transaction
from ninja import Router, Schema

from ipai_workos_core import services as core
from workos.api.types import RecordId

from . import services

router = Router(tags=["review and publish"])


class StateOut(Schema):
    code: str
    name: str
    category: str


class MoveOut(Schema):
    id: int
    name: str
    to_state: str
    to_name: str
    requires_approval: bool


class StatusOut(Schema):
    enabled: bool
    workflow: str | None
    state: StateOut | None
    transitions: list[MoveOut]
    changed_at: datetime | None = None
    changed_by: str | None = None


class StatusIn(Schema):
    to_state: str
    comment: str = ""


class ReviewIn(Schema):
    approver_ids: list[RecordId] = []
    group_id: RecordId | None = None
    policy: Literal["any", "all", "sequence"] = "any"
    min_approvals: int = 1
    note: str = ""


class DecisionIn(Schema):
    decision: Literal["approve", "request_changes", "reject"]
    comment: str = ""


class ResubmitIn(Schema):
    note: str = ""


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


class ReviewOut(Schema):
    id: int
    page_id: int
    requester_id: int
    requester: str
    note: str
    policy: str
    min_approvals: int
    state: str
    round: int
    created_at: datetime
    decided_at: datetime | None
    approvers: list[ApproverOut]
    decisions: list[DecisionOut]
    reviewed_versions: dict[str, int | None]
    next_approver_id: int | None


class PublicationIn(Schema):
    slug: str | None = None
    include_subpages: bool = False
    noindex: bool = False
    description: str = ""


class PublishedPageOut(Schema):
    page_id: int
    title: str
    url: str


class PublicationOut(Schema):
    state: Literal["published", "unpublished"]
    url: str | None
    slug: str
    include_subpages: bool
    noindex: bool
    description: str
    published_at: datetime | None
    published_by: str | None
    version_number: int | None
    review_required: bool
    pages: list[PublishedPageOut]


class SpacePolicy(Schema):
    space_id: int
    review_required: bool


class PublishingOut(Schema):
    page_workflow: bool
    review_required: bool
    spaces: list[SpacePolicy]


class PublishingIn(Schema):
    page_workflow: bool | None = None
    review_required: bool | None = None


class SpacePolicyIn(Schema):
    review_required: bool | None


def review_out(request) -> dict:
    from ipai_platform_approvals import services as approvals

    turn = approvals.next_approver(request) if request.state == "pending" and request.policy == "sequence" else None
    return {
        "id": request.pk, "page_id": int(request.res_id), "requester_id": request.requester_id, "requester": request.requester.get_username(),
        "note": request.description, "policy": request.policy, "min_approvals": request.min_approvals, "state": request.state,
        "round": request.round, "created_at": request.created_at, "decided_at": request.decided_at,
        "approvers": [{"user_id": a.user_id, "username": a.user.get_username(), "sequence": a.sequence} for a in request.approvers.select_related("user")],
        "decisions": [{"approver_id": d.approver_id, "username": d.approver.get_username(), "decision": d.decision, "comment": d.comment,
                       "round": d.round, "created_at": d.created_at} for d in request.decisions.select_related("approver")],
        "reviewed_versions": {str(k): v for k, v in services.reviewed_versions(request).items()},
        "next_approver_id": turn.pk if turn else None,
    }


def publication_out(page, publication) -> dict:
    published = publication is not None and publication.state == "published"
    pages = list(publication.pages.all().values("page_id", "title", "slug")) if published else []
    return {
        "state": "published" if published else "unpublished",
        "url": services.public_url(publication.workspace.slug, publication.slug) if published else None,
        "slug": publication.slug if publication else "", "include_subpages": bool(publication and publication.include_subpages),
        "noindex": bool(publication and publication.noindex), "description": publication.description if publication else "",
        "published_at": publication.published_at if published else None,
        "published_by": publication.published_by.get_username() if published and publication.published_by_id else None,
        "version_number": publication.version_number if published else None,
        "review_required": services.review_required(page.space),
        "pages": [{"page_id": p["page_id"], "title": p["title"], "url": services.public_url(publication.workspace.slug, p["slug"])} for p in pages],
    }


# --- status ----------------------------------------------------------------------------------------------


@router.get("/pages/{page_id}/status", response=StatusOut, summary="The page's workflow status and the moves you may make")
def get_status(request, page_id: int):
    return services.page_status(request.user, core.get_page(request.user, page_id))


@router.post("/pages/{page_id}/status", response=StatusOut, summary="Move the page to another status of its workflow")
def change_status(request, page_id: int, payload: StatusIn):
    page = services.change_page_status(request.user, core.get_page(request.user, page_id), payload.to_state, payload.comment)
    return services.page_status(request.user, page)


# --- review requests -------------------------------------------------------------------------------------


@router.get("/pages/{page_id}/review-requests", response=list[ReviewOut], summary="The page's review requests, newest first")
def list_reviews(request, page_id: int):
    return [review_out(r) for r in services.reviews_of(request.user, core.get_page(request.user, page_id))[:50]]


@router.post("/pages/{page_id}/review-requests", response={201: ReviewOut}, summary="Ask people or a group to review the page")
def create_review(request, page_id: int, payload: ReviewIn):
    created = services.request_review(request.user, core.get_page(request.user, page_id), approver_ids=payload.approver_ids,
                                      group_id=payload.group_id, policy=payload.policy, min_approvals=payload.min_approvals, note=payload.note)
    return 201, review_out(created)


@router.get("/review-requests/{request_id}", response=ReviewOut, summary="One review request")
def get_review(request, request_id: int):
    return review_out(services.get_review(request.user, request_id)[0])


@router.post("/review-requests/{request_id}/decisions", response=ReviewOut, summary="Approve, request changes or reject, with a comment")
def decide(request, request_id: int, payload: DecisionIn):
    review, _page = services.get_review(request.user, request_id)
    return review_out(services.decide_review(request.user, review, payload.decision, payload.comment))


@router.post("/review-requests/{request_id}/withdraw", response=ReviewOut, summary="Withdraw your open review request")
def withdraw(request, request_id: int):
    review, _page = services.get_review(request.user, request_id)
    return review_out(services.withdraw_review(request.user, review))


@router.post("/review-requests/{request_id}/resubmit", response=ReviewOut, summary="Ask again after changes (a new round)")
def resubmit(request, request_id: int, payload: ResubmitIn):
    review, _page = services.get_review(request.user, request_id)
    return review_out(services.rerequest_review(request.user, review, payload.note))


# --- publication -----------------------------------------------------------------------------------------


@router.get("/pages/{page_id}/publication", response=PublicationOut, summary="Whether and where the page is published")
def get_publication(request, page_id: int):
    page = core.get_page(request.user, page_id)
    return publication_out(page, services.publication_of(request.user, page))


@router.put("/pages/{page_id}/publication", response=PublicationOut, summary="Publish the page (again) to the web: a fresh snapshot")
def publish(request, page_id: int, payload: PublicationIn):
    page = core.get_page(request.user, page_id)
    publication = services.publish_page(request.user, page, slug=payload.slug, include_subpages=payload.include_subpages,
                                        noindex=payload.noindex, description=payload.description)
    return publication_out(page, publication)


@router.delete("/pages/{page_id}/publication", response={204: None}, summary="Unpublish the page at once")
def unpublish(request, page_id: int):
    services.unpublish_page(request.user, core.get_page(request.user, page_id))
    return 204, None


# --- settings --------------------------------------------------------------------------------------------


@router.get("/workspaces/{workspace_id}/publishing", response=PublishingOut, summary="The workspace's page workflow and review policy")
def get_publishing(request, workspace_id: int):
    return services.publishing_settings(request.user, core.get_workspace(request.user, workspace_id))


@router.patch("/workspaces/{workspace_id}/publishing", response=PublishingOut, summary="Switch the page workflow on or off; require reviews before publishing")
def change_publishing(request, workspace_id: int, payload: PublishingIn):
    workspace = core.get_workspace(request.user, workspace_id)
    with transaction.atomic():  # both or neither
        if payload.page_workflow is not None:
            services.set_page_workflow(request.user, workspace, payload.page_workflow)
        if payload.review_required is not None:
            services.set_review_policy(request.user, workspace, payload.review_required)
    return services.publishing_settings(request.user, workspace)


@router.put("/spaces/{space_id}/publishing", response=PublishingOut, summary="A space's own review policy (null: follow the workspace)")
def change_space_publishing(request, space_id: int, payload: SpacePolicyIn):
    space = core.get_space(request.user, space_id)
    services.set_review_policy(request.user, space.workspace, payload.review_required, space=space)
    return services.publishing_settings(request.user, space.workspace)
