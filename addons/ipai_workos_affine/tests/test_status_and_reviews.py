"""Page status (the page review workflow a workspace switches on) and review requests from a page, over the API."""

from __future__ import annotations

from ipai_platform_approvals.models import ApprovalRequest
from ipai_platform_audit.models import AuditEvent
from ipai_workos_affine.models import PageReview
from ipai_workos_core import services as core

from .conftest import write_blocks


def status(api, page):
    return api.get(f"/pages/{page.pk}/status")


def ask(api, page, approvers=(), **extra):
    return api.post(f"/pages/{page.pk}/review-requests", {"approver_ids": [a.pk for a in approvers], **extra})


def decide(api, request_id, decision, comment=""):
    return api.post(f"/review-requests/{request_id}/decisions", {"decision": decision, "comment": comment})


def test_the_workflow_is_off_until_a_workspace_admin_switches_it_on(team, api_for):
    page = team.tree.page
    assert status(api_for(team.writer), page).json()["enabled"] is False
    assert api_for(team.writer).patch(f"/workspaces/{team.tree.workspace.pk}/publishing", {"page_workflow": True}).status_code == 403

    switched = api_for(team.admin).patch(f"/workspaces/{team.tree.workspace.pk}/publishing", {"page_workflow": True})

    assert switched.status_code == 200 and switched.json()["page_workflow"] is True
    shown = status(api_for(team.writer), page).json()
    assert shown["state"]["code"] == "draft"
    assert {t["to_state"] for t in shown["transitions"]} == {"review", "archived"}
    assert AuditEvent.objects.filter(action="workflow.create").exists()


def test_status_moves_along_allowed_transitions_only(with_workflow, api_for):
    page, api = with_workflow.tree.page, api_for(with_workflow.writer)
    assert api.post(f"/pages/{page.pk}/status", {"to_state": "published"}).status_code == 409  # no such edge from draft
    assert api.post(f"/pages/{page.pk}/status", {"to_state": "nowhere"}).status_code == 422
    moved = api.post(f"/pages/{page.pk}/status", {"to_state": "review"})
    assert moved.status_code == 200 and moved.json()["state"]["code"] == "review"
    # only an approved review moves In review → Approved
    refused = api.post(f"/pages/{page.pk}/status", {"to_state": "approved"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "approval_required"
    assert api_for(with_workflow.guest).post(f"/pages/{page.pk}/status", {"to_state": "draft"}).status_code == 404


def test_review_request_moves_the_page_to_review_and_approval_to_approved(with_workflow, api_for):
    team, page = with_workflow, with_workflow.tree.page
    write_blocks(team.writer, page, "First draft")
    created = ask(api_for(team.writer), page, [team.ana, team.bob], policy="all", note="Please check the intro")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "pending" and body["note"] == "Please check the intro" and body["reviewed_versions"]["1"]
    assert status(api_for(team.writer), page).json()["state"]["code"] == "review"

    assert decide(api_for(team.ana), body["id"], "approve", "fine").json()["state"] == "pending"
    done = decide(api_for(team.bob), body["id"], "approve")

    assert done.json()["state"] == "approved"
    assert status(api_for(team.writer), page).json()["state"]["code"] == "approved"
    assert AuditEvent.objects.filter(action="page.review_decide", target_id=str(page.pk)).count() == 2


def test_request_changes_then_ask_again_starts_a_new_round_on_a_new_version(with_workflow, api_for):
    team, page = with_workflow, with_workflow.tree.page
    request_id = ask(api_for(team.writer), page, [team.ana]).json()["id"]
    sent_back = decide(api_for(team.ana), request_id, "request_changes", "Add numbers")
    assert sent_back.json()["state"] == "changes_requested"
    write_blocks(team.writer, page, "Now with numbers: 42")

    again = api_for(team.writer).post(f"/review-requests/{request_id}/resubmit", {"note": "done"})

    assert again.status_code == 200 and again.json()["round"] == 2
    versions = again.json()["reviewed_versions"]
    assert versions["2"] > versions["1"]
    marks = {v.version_number for v in PageReview.objects.filter(page=page)}
    assert marks == {versions["1"], versions["2"]}
    assert decide(api_for(team.ana), request_id, "approve").json()["state"] == "approved"


def test_withdraw_takes_the_page_back_to_draft_and_only_the_requester_may(with_workflow, api_for):
    team, page = with_workflow, with_workflow.tree.page
    request_id = ask(api_for(team.writer), page, [team.ana]).json()["id"]
    assert api_for(team.ana).post(f"/review-requests/{request_id}/withdraw").status_code == 403
    withdrawn = api_for(team.writer).post(f"/review-requests/{request_id}/withdraw")
    assert withdrawn.json()["state"] == "withdrawn"
    assert status(api_for(team.writer), page).json()["state"]["code"] == "draft"


def test_review_permission_matrix(team, api_for):
    page = team.tree.page
    # a guest cannot see the page at all; an outsider neither
    assert ask(api_for(team.guest), page, [team.ana]).status_code == 404
    assert ask(api_for(team.outsider), page, [team.ana]).status_code == 404
    # a viewer may not ask
    from ipai_platform_permissions import services as permissions

    permissions.grant(team.admin, page, "view", user_id=team.bob.pk)
    assert ask(api_for(team.bob), page, [team.ana]).status_code == 403
    request_id = ask(api_for(team.writer), page, [team.ana]).json()["id"]
    # only an approver decides; the requester never decides their own request
    assert decide(api_for(team.writer), request_id, "approve").status_code == 403
    assert decide(api_for(team.bob), request_id, "approve").status_code == 403
    assert decide(api_for(team.ana), request_id, "approve").status_code == 200


def test_bad_review_input_is_refused_and_changes_nothing(team, api_for):
    page, api = team.tree.page, api_for(team.writer)
    assert ask(api, page, [team.writer]).json()["error"]["code"] == "self_approval"
    assert ask(api, page, []).status_code == 422
    assert ask(api, page, [team.ana], policy="sometimes").status_code == 422
    assert ask(api, page, [team.ana], group_id=999999).status_code == 422
    assert ask(api, page, [team.ana], note="x" * 2001).status_code == 422
    assert ask(api, page, [team.outsider]).status_code == 422  # cannot read the page
    assert not ApprovalRequest.objects.exists()
    assert ask(api, page, [team.ana]).status_code == 201
    assert ask(api, page, [team.bob]).json()["error"]["code"] == "review_pending"
    core.archive_page(team.admin, team.tree.subpage)
    assert ask(api, team.tree.subpage, [team.ana]).status_code == 409
    assert ApprovalRequest.objects.count() == 1


def test_a_group_reviews_in_sequence(team, api_for):
    group = core.create_group(team.admin, team.tree.workspace, "Editors")
    core.add_group_member(team.admin, group, team.ana.pk)
    core.add_group_member(team.admin, group, team.bob.pk)
    created = ask(api_for(team.writer), team.tree.page, group_id=group.pk, policy="sequence")
    assert created.status_code == 201, created.content
    first, second = created.json()["approvers"]
    assert created.json()["next_approver_id"] == first["user_id"]
    waiting = team.ana if second["user_id"] == team.ana.pk else team.bob
    assert decide(api_for(waiting), created.json()["id"], "approve").status_code == 409


def test_page_shows_the_status_chip_and_the_banner_with_decision_buttons(with_workflow, client):
    team, page = with_workflow, with_workflow.tree.page
    from ipai_workos_affine import services

    services.request_review(team.writer, page, approver_ids=[team.ana.pk], note="Check the numbers")
    client.force_login(team.ana)
    html = client.get(f"/web/pages/{page.pk}").content.decode()
    assert "In review" in html and "Check the numbers" in html and 'data-review-decide="approve"' in html
    client.force_login(team.writer)
    html = client.get(f"/web/pages/{page.pk}").content.decode()
    assert "data-review-withdraw" in html and 'data-review-decide="approve"' not in html


def state_of(api, page):
    return status(api, page).json()["state"]["code"]


def approve_review(team, api_for, page, approver=None):
    approver = approver or team.ana
    created = ask(api_for(team.writer), page, [approver])
    assert created.status_code == 201, created.content
    decided = decide(api_for(approver), created.json()["id"], "approve")
    assert decided.json()["state"] == "approved", decided.content
    return created.json()["id"]


def test_a_review_asked_on_an_approved_page_takes_it_back_to_review_and_approval_to_approved(with_workflow, api_for):
    team, page = with_workflow, with_workflow.tree.page
    approve_review(team, api_for, page)
    assert state_of(api_for(team.writer), page) == "approved"
    write_blocks(team.writer, page, "Second edition")

    again = ask(api_for(team.writer), page, [team.bob])

    assert again.status_code == 201, again.content
    assert state_of(api_for(team.writer), page) == "review"  # not "Approved" while a newer version waits for its review
    assert decide(api_for(team.bob), again.json()["id"], "approve").json()["state"] == "approved"
    assert state_of(api_for(team.writer), page) == "approved"


def test_a_review_approved_after_the_page_left_review_leaves_its_status_and_is_used_up(with_workflow, api_for):
    team, page = with_workflow, with_workflow.tree.page
    request_id = ask(api_for(team.writer), page, [team.ana]).json()["id"]
    assert api_for(team.writer).post(f"/pages/{page.pk}/status", {"to_state": "draft"}).status_code == 200

    approved = decide(api_for(team.ana), request_id, "approve")

    assert approved.json()["state"] == "approved"
    assert state_of(api_for(team.writer), page) == "draft"
    request = ApprovalRequest.objects.get(pk=request_id)
    assert "Draft" in request.apply_error and AuditEvent.objects.filter(action="approval.retire").exists()
    # the old approval does not approve the page later, once it is back in review with other content
    write_blocks(team.writer, page, "Something else")
    assert api_for(team.writer).post(f"/pages/{page.pk}/status", {"to_state": "review"}).status_code == 200
    later = api_for(team.writer).post(f"/pages/{page.pk}/status", {"to_state": "approved"})
    assert later.status_code == 409 and later.json()["error"]["code"] == "approval_required"


def test_a_review_of_a_published_page_leaves_it_published(with_workflow, api_for):
    team, page = with_workflow, with_workflow.tree.page
    approve_review(team, api_for, page)
    assert api_for(team.admin).put(f"/pages/{page.pk}/publication", {"slug": "handbook"}).status_code == 200
    assert state_of(api_for(team.writer), page) == "published"

    request_id = approve_review(team, api_for, page, approver=team.bob)

    assert state_of(api_for(team.writer), page) == "published"
    assert ApprovalRequest.objects.get(pk=request_id).transition_id is None  # about the page only: no status move to wait for


def test_asking_again_asks_for_the_move_from_where_the_page_now_stands(with_workflow, api_for):
    team, page = with_workflow, with_workflow.tree.page
    approve_review(team, api_for, page)
    api_for(team.admin).put(f"/pages/{page.pk}/publication", {"slug": "handbook"})
    request_id = ask(api_for(team.writer), page, [team.bob]).json()["id"]  # while published: about the page only
    decide(api_for(team.bob), request_id, "request_changes", "typo")
    api_for(team.admin).delete(f"/pages/{page.pk}/publication")
    assert state_of(api_for(team.writer), page) == "approved"

    again = api_for(team.writer).post(f"/review-requests/{request_id}/resubmit", {"note": "fixed"})

    assert again.status_code == 200, again.content
    assert state_of(api_for(team.writer), page) == "review"
    decide(api_for(team.bob), request_id, "approve")
    assert state_of(api_for(team.writer), page) == "approved"
