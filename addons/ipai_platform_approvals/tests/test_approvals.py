"""Approval requests over /api/v1: policies, decisions with comments, withdraw and ask again, and workflow
transitions that happen only once approved."""

from __future__ import annotations

import pytest

from ipai_platform_audit.models import AuditEvent


@pytest.fixture
def people(tree, make_user, member_of):
    """A requester and three approvers, all members of the tree's workspace."""
    requester = member_of(make_user("requester"), "member")
    approvers = [member_of(make_user(f"approver{i}"), "member") for i in range(3)]
    return requester, approvers


def ask(api, page, approvers=(), **extra):
    body = {"res_model": "ipai.workos.page", "res_id": str(page.pk), "title": "Publish the handbook",
            "approver_ids": [a.pk for a in approvers], **extra}
    return api.post("/approvals", body)


def decide(api, request_id, decision, comment=""):
    return api.post(f"/approvals/{request_id}/decisions", {"decision": decision, "comment": comment})


def test_any_policy_needs_the_minimum_number_of_approvals(tree, people, api_for):
    requester, approvers = people
    created = ask(api_for(requester), tree.page, approvers, policy="any", min_approvals=2)
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]

    first = decide(api_for(approvers[0]), request_id, "approve", "fine by me")
    second = decide(api_for(approvers[2]), request_id, "approve")

    assert first.json()["state"] == "pending"
    assert second.json()["state"] == "approved" and second.json()["decided_at"]
    assert [d["comment"] for d in second.json()["decisions"]] == ["fine by me", ""]
    assert decide(api_for(approvers[1]), request_id, "approve").status_code == 409  # settled


def test_all_policy_is_rejected_by_any_one_rejection(tree, people, api_for):
    requester, approvers = people
    request_id = ask(api_for(requester), tree.page, approvers, policy="all").json()["id"]

    decide(api_for(approvers[0]), request_id, "approve")
    rejected = decide(api_for(approvers[1]), request_id, "reject", "not yet")

    assert rejected.json()["state"] == "rejected"


def test_sequence_policy_waits_for_each_approver_in_turn(tree, people, api_for):
    requester, approvers = people
    request_id = ask(api_for(requester), tree.page, approvers, policy="sequence").json()["id"]

    out_of_turn = decide(api_for(approvers[1]), request_id, "approve")
    pending_for_second = api_for(approvers[1]).get("/approvals", box="pending").json()["count"]
    results = [decide(api_for(a), request_id, "approve").json()["state"] for a in approvers]

    assert out_of_turn.status_code == 409 and "approver0" in out_of_turn.json()["error"]["message"]
    assert pending_for_second == 0
    assert results == ["pending", "pending", "approved"]


def test_approver_role_expands_to_the_workspace_admins(tree, people, api_for):
    requester, _ = people

    created = ask(api_for(requester), tree.page, approver_role="admin")

    assert [a["username"] for a in created.json()["approvers"]] == ["owner"]
    assert api_for(tree.admin).get("/approvals", box="pending").json()["count"] == 1


def test_withdraw_then_ask_again_starts_a_new_round(tree, people, api_for):
    requester, approvers = people
    api = api_for(requester)
    request_id = ask(api, tree.page, approvers[:1]).json()["id"]
    decide(api_for(approvers[0]), request_id, "reject", "fix the typos")

    again = api.post(f"/approvals/{request_id}/resubmit", {"comment": "typos fixed"})
    approved = decide(api_for(approvers[0]), request_id, "approve", "good now")
    second = ask(api, tree.page, approvers[:1]).json()["id"]
    withdrawn = api.post(f"/approvals/{second}/withdraw")

    assert again.json()["state"] == "pending" and again.json()["round"] == 2
    assert approved.json()["state"] == "approved"
    assert [(d["decision"], d["round"]) for d in approved.json()["decisions"]] == [("reject", 1), ("approve", 2)]
    assert withdrawn.json()["state"] == "withdrawn"
    assert api_for(approvers[0]).post(f"/approvals/{second}/withdraw").status_code == 403
    actions = set(AuditEvent.objects.filter(action__startswith="approval.").values_list("action", flat=True))
    assert actions == {"approval.request", "approval.decide", "approval.resubmit", "approval.withdraw"}


def test_requests_are_validated(tree, people, make_user, api_for):
    requester, approvers = people
    api = api_for(requester)

    assert ask(api, tree.page, [requester]).status_code == 422  # only yourself
    assert ask(api, tree.page, [make_user()]).status_code == 422  # cannot view the page
    assert ask(api, tree.page, approvers, min_approvals=4).status_code == 422
    assert ask(api, tree.page, approvers, due_date="2000-01-01").status_code == 422
    assert ask(api, tree.page).status_code == 422  # nobody named
    assert ask(api, tree.page, approvers, policy="majority").status_code == 422
    assert ask(api_for(make_user()), tree.page, approvers).status_code == 404  # cannot see the page


def test_only_participants_see_a_request(tree, people, make_user, api_for):
    requester, approvers = people
    request_id = ask(api_for(requester), tree.page, approvers[:1]).json()["id"]

    assert api_for(approvers[0]).get(f"/approvals/{request_id}").status_code == 200
    assert api_for(approvers[1]).get(f"/approvals/{request_id}").status_code == 404
    assert decide(api_for(approvers[1]), request_id, "approve").status_code == 404
    assert api_for(approvers[1]).get("/approvals").json()["count"] == 0


def test_approvals_page_lists_and_decides(tree, people, api_for, client):
    requester, approvers = people
    request_id = ask(api_for(requester), tree.page, approvers[:1]).json()["id"]
    client.force_login(approvers[0])

    page = client.get("/web/approvals/")
    decided = client.post("/web/approvals/", {"request_id": request_id, "action": "approve", "comment": "ok"})
    client.force_login(requester)
    mine = client.get("/web/approvals/")

    assert page.status_code == 200 and b"Publish the handbook" in page.content
    assert decided.status_code == 302
    assert b"Approved" in mine.content and b"ok" in mine.content


# --- workflow transitions that require approval --------------------------------------------------------


@pytest.fixture
def publishing(make_user):
    from ipai_platform_workflow import services as workflows

    return workflows.create_workflow(make_user(admin=True), code="publish", name="Publish", res_model="ipai.workos.page", states=[
        {"code": "draft", "name": "Draft", "is_initial": True},
        {"code": "published", "name": "Published", "category": "done"},
    ], transitions=[{"from_state": "draft", "to_state": "published", "name": "Publish", "requires_approval": True}])


def test_approved_transition_happens_and_rejected_one_does_not(tree, people, publishing, api_for):
    requester, approvers = people
    transition_id = publishing.transitions.get().pk
    api = api_for(requester)
    direct = api.post(f"/workflow-records/ipai.workos.page/{tree.page.pk}/transition", {"to_state": "published"})
    rejected_id = ask(api, tree.page, approvers[:1], transition_id=transition_id).json()["id"]
    decide(api_for(approvers[0]), rejected_id, "reject")
    tree.page.refresh_from_db()
    state_after_rejection = tree.page.workflow_state

    approved_id = ask(api, tree.page, approvers[:1], transition_id=transition_id).json()["id"]
    approved = decide(api_for(approvers[0]), approved_id, "approve")

    assert direct.status_code == 409 and direct.json()["error"]["code"] == "approval_required"
    assert state_after_rejection == ""
    assert approved.json()["state"] == "approved" and approved.json()["applied_at"] and not approved.json()["apply_error"]
    tree.page.refresh_from_db()
    assert (tree.page.workflow_state, tree.page.workflow_state_user_id) == ("published", requester.pk)
    assert AuditEvent.objects.filter(action="workflow.transition", target_id=str(tree.page.pk)).count() == 1


def test_transition_request_is_validated(tree, people, publishing, api_for):
    requester, approvers = people
    api = api_for(requester)
    transition_id = publishing.transitions.get().pk

    assert ask(api, tree.page, approvers[:1], transition_id=999999).status_code == 422
    assert ask(api, tree.page, approvers[:1], transition_id=transition_id).status_code == 201
    assert ask(api, tree.page, approvers[:1], transition_id=transition_id).status_code == 409  # one pending already


def test_request_changes_sends_the_request_back_for_a_new_round(tree, people, api_for):
    requester, approvers = people
    request_id = ask(api_for(requester), tree.page, approvers[:2], policy="all").json()["id"]

    sent_back = decide(api_for(approvers[0]), request_id, "request_changes", "add the intro")
    assert sent_back.status_code == 200 and sent_back.json()["state"] == "changes_requested"
    assert decide(api_for(approvers[1]), request_id, "approve").status_code == 409  # settled for this round

    again = api_for(requester).post(f"/approvals/{request_id}/resubmit", {"comment": "intro added"})
    assert again.json()["state"] == "pending" and again.json()["round"] == 2
    assert decide(api_for(approvers[0]), request_id, "request_changes").json()["state"] == "changes_requested"
